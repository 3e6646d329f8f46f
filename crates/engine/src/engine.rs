//! The public face of the engine: start/shutdown, starting runs, run commands, waiting and
//! subscribing. The scheduling loop and lease heartbeat live here too; what happens to one
//! claimed piece of work is in `worker.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_model::graph::{Graph, StepConfig};
use ar_model::hash::graph_hash;
use ar_store::*;
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

use crate::cache::RunCache;
use crate::compiled::CompiledGraph;
use crate::config::EngineConfig;
use crate::context::build_context;
use crate::error::{EngineError, EngineResult};
use crate::executor::Executors;
use crate::lease::{Leases, heartbeat};
use crate::params::StartParams;
use crate::step_events;
use crate::telemetry;

/// How to stop a run (docs/contract.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StopMode {
    /// Cancel in-flight steps now; the run becomes `stopped`.
    #[default]
    Immediate,
    /// `draining`: in-flight steps finish, nothing new starts, then `stopped`; past the
    /// drain timeout the run fails with `DRAIN_TIMEOUT`.
    Graceful,
}

/// A request to start a run.
#[derive(Debug, Clone)]
pub struct StartRun {
    pub graph: Graph,
    /// The `params` of the start command (structured, or the bare trigger payload).
    pub params: Value,
    /// `None` for ad-hoc runs (`agentruntime run FILE`).
    pub workflow_id: Option<String>,
    pub version: Option<i64>,
    pub project_id: Option<String>,
}

impl StartRun {
    /// An ad-hoc run of `graph` with `params`.
    pub fn new(graph: Graph, params: Value) -> StartRun {
        StartRun {
            graph,
            params,
            workflow_id: None,
            version: None,
            project_id: None,
        }
    }
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub config: EngineConfig,
    pub executors: Executors,
    pub graphs: Mutex<HashMap<String, Arc<CompiledGraph>>>,
    pub runs: tokio::sync::Mutex<HashMap<String, Arc<RunCache>>>,
    /// The leases of this node's work, from lease to the end of processing.
    pub leases: Leases,
    pub wake: Notify,
    pub events: broadcast::Sender<EventRecord>,
    pub permits: Arc<Semaphore>,
    pub shutdown: CancellationToken,
}

/// The durable workflow engine. Cheap to clone; every clone drives the same node.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Engine {
    /// Starts a node on `store`: recovers work a previous process left in flight (SQLite:
    /// its leases are released at once; Postgres: expired leases are taken over by claim),
    /// then schedules until [`Engine::shutdown`].
    pub async fn start(
        store: Arc<dyn Store>,
        config: EngineConfig,
        executors: Executors,
    ) -> EngineResult<Engine> {
        if store.backend() == Backend::Sqlite {
            let released = store.release_all_leases().await?;
            if released > 0 {
                tracing::info!(
                    released,
                    "released the leases a previous process left; that work runs first"
                );
            }
            telemetry::work_recovered(released);
        }
        let (events, _) = broadcast::channel(4096);
        let inner = Arc::new(Inner {
            store,
            permits: Arc::new(Semaphore::new(config.workers.max(1))),
            config,
            executors,
            graphs: Mutex::new(HashMap::new()),
            runs: tokio::sync::Mutex::new(HashMap::new()),
            leases: Leases::default(),
            wake: Notify::new(),
            events,
            shutdown: CancellationToken::new(),
        });
        let mut tasks = vec![
            tokio::spawn(scheduler(inner.clone())),
            tokio::spawn(heartbeat(inner.clone())),
        ];
        if let Some(mut wakeups) = inner.store.wakeups() {
            let inner2 = inner.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = inner2.shutdown.cancelled() => break,
                        msg = wakeups.recv() => match msg {
                            Ok(Wakeup::Work) => inner2.wake.notify_one(),
                            Ok(Wakeup::Cancel { run_id }) => inner2.cancel_local(&run_id).await,
                            Err(broadcast::error::RecvError::Lagged(_)) => inner2.wake.notify_one(),
                            Err(broadcast::error::RecvError::Closed) => break,
                        }
                    }
                }
            }));
        }
        Ok(Engine {
            inner,
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    /// Stops this node gracefully: stops scheduling, cancels in-flight steps, waits for
    /// its workers, then hands the leases of every piece of work it did not finish back to
    /// the queue, ahead of newer work: another node takes it over at once (Postgres), the
    /// next start does (SQLite). In-flight work runs again as its next attempt.
    pub async fn shutdown(&self) {
        self.halt().await;
        let work = self.inner.leases.hand_backs();
        if work.is_empty() {
            return;
        }
        match self
            .inner
            .store
            .hand_back(&self.inner.config.node_id, &work)
            .await
        {
            Ok(0) => {}
            Ok(handed_back) => tracing::info!(
                node_id = %self.inner.config.node_id,
                handed_back,
                "handed back the leases of unfinished work"
            ),
            Err(e) => tracing::warn!(
                error = %e,
                "could not hand back leases; the work is taken over when they expire"
            ),
        }
    }

    /// Stops this node as a crash would, keeping its leases: its work is taken over only
    /// once they expire (Postgres) or at the next start (SQLite). For tests of recovery.
    pub async fn abandon(&self) {
        self.halt().await;
    }

    /// Stops scheduling, cancels in-flight steps and waits for the background tasks and
    /// the workers.
    async fn halt(&self) {
        self.inner.shutdown.cancel();
        let runs: Vec<Arc<RunCache>> = self.inner.runs.lock().await.values().cloned().collect();
        for run in runs {
            run.cancel.cancel();
        }
        let tasks: Vec<_> = self
            .tasks
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for t in tasks {
            let _ = t.await;
        }
        // Let in-flight workers observe the cancellation and give their permits back.
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            self.inner
                .permits
                .acquire_many(self.inner.config.workers.max(1) as u32),
        )
        .await;
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Live events of every run this node commits, with their sequence numbers. Events from
    /// other nodes are read with [`Store::events`].
    pub fn subscribe(&self) -> broadcast::Receiver<EventRecord> {
        self.inner.events.subscribe()
    }

    /// Starts a run: writes the run, its input, its first events and the ready root steps in
    /// one transaction. A repeated client `run_id` returns the existing run.
    pub async fn start_run(&self, req: StartRun) -> EngineResult<RunRecord> {
        let params = StartParams::from_value(&req.params)?;
        let hash = graph_hash(&req.graph);
        let graph_value = req.graph.to_engine_value();
        let compiled = self
            .inner
            .compiled(&hash, Some(req.graph.clone()), None)
            .await?;
        for id in params
            .trigger_steps
            .keys()
            .chain(params.excluded_step_ids.iter())
        {
            if compiled.step(id).is_none() {
                return Err(EngineError::InvalidInput(format!(
                    "params name unknown step {id:?}"
                )));
            }
        }
        let run_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        // Steps reused from an earlier run keep their results.
        let mut reused: HashMap<String, StepRecord> = HashMap::new();
        if let (Some(prev), true) = (&params.resume_from_run_id, params.reuse_completed_steps) {
            let prev_run = self
                .inner
                .store
                .get_run(prev)
                .await?
                .ok_or_else(|| EngineError::NotFound(format!("run {prev}")))?;
            if prev_run.graph_hash != hash {
                return Err(EngineError::InvalidInput(format!(
                    "run {prev} executed a different graph; completed steps can only be reused with the same graph"
                )));
            }
            for r in self.inner.store.step_states(prev, None).await? {
                let reusable = r.status() == StepStatus::Completed
                    && !(r.skipped
                        && matches!(
                            r.reason.as_deref(),
                            Some("blocked" | "rejected" | "excluded")
                        ));
                if reusable {
                    reused.insert(r.step_key.clone(), r);
                }
            }
        }
        let mut steps = Vec::new();
        let mut work = Vec::new();
        let mut events = vec![NewEvent::new(
            "run_started",
            None,
            json!({"input": params.run_input(), "workflow_id": req.workflow_id, "version": req.version}),
        )];
        events.push(NewEvent::new(
            "state_changed",
            None,
            json!({"from": "queued", "to": "running"}),
        ));
        for id in &compiled.order {
            let Some(step) = compiled.step(id) else {
                continue;
            };
            if let Some(prev) = reused.get(id) {
                let mut rec = prev.clone();
                rec.deps_remaining = 0;
                events.push(step_events::step_completed(
                    &rec,
                    json!({"result": rec.result, "reused_from_run_id": params.resume_from_run_id, "skipped": rec.skipped, "reason": rec.reason}),
                ));
                steps.push(rec);
                continue;
            }
            let remaining = step
                .deps
                .iter()
                .filter(|d| !reused.contains_key(*d))
                .count() as i64;
            steps.push(StepRecord {
                step_key: id.clone(),
                status: Some(StepStatus::Pending),
                deps_remaining: remaining,
                ..Default::default()
            });
            if remaining == 0 {
                work.push(NewWork {
                    step_key: id.clone(),
                    kind: WorkKind::Step,
                    attempt: 1,
                    available_at: now,
                });
            }
        }
        // The new run's cache is built from what was just written, so its first step does
        // not wait for (or depend on the freshness of) a read of the run back.
        let initial_steps = steps.clone();
        let created = self
            .inner
            .store
            .create_run(NewRun {
                id: run_id,
                workflow_id: req.workflow_id.clone().unwrap_or_default(),
                version: req.version,
                project_id: req.project_id.clone(),
                client_run_id: params.run_id.clone(),
                graph_hash: hash,
                graph: graph_value,
                input: params.run_input(),
                params: params.to_value(),
                resumed_from_run_id: params.resume_from_run_id.clone(),
                steps,
                work,
                events,
                take: None,
            })
            .await?;
        if created.created {
            telemetry::run_started();
            let cache = RunCache::new(created.run.clone(), compiled, &initial_steps);
            self.inner
                .runs
                .lock()
                .await
                .entry(created.run.id.clone())
                .or_insert_with(|| Arc::new(cache));
        }
        self.inner.publish(&created.events);
        self.inner.wake.notify_one();
        Ok(created.run)
    }

    async fn run_record(&self, run_id: &str) -> EngineResult<RunRecord> {
        self.inner
            .store
            .get_run(run_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("run {run_id}")))
    }

    /// Pauses a running run: nothing new is scheduled; in-flight steps finish.
    pub async fn pause(&self, run_id: &str) -> EngineResult<()> {
        let commit = Commit {
            run_id: run_id.to_string(),
            expect_status: Some(vec![RunStatus::Running]),
            run: Some(RunUpdate {
                status: Some(RunStatus::Paused),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.inner.commit(commit).await?;
        Ok(())
    }

    /// Resumes a paused run.
    pub async fn resume(&self, run_id: &str) -> EngineResult<()> {
        let commit = Commit {
            run_id: run_id.to_string(),
            expect_status: Some(vec![RunStatus::Paused]),
            run: Some(RunUpdate {
                status: Some(RunStatus::Running),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.inner.commit(commit).await?;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Stops a run (see [`StopMode`]).
    pub async fn stop(
        &self,
        run_id: &str,
        mode: StopMode,
        drain_timeout: Option<Duration>,
    ) -> EngineResult<()> {
        let active = vec![
            RunStatus::Running,
            RunStatus::Paused,
            RunStatus::Queued,
            RunStatus::Draining,
        ];
        match mode {
            StopMode::Immediate => {
                let commit = Commit {
                    run_id: run_id.to_string(),
                    expect_status: Some(active),
                    terminate: Some(Termination::stopped()),
                    ..Default::default()
                };
                self.inner.commit(commit).await?;
                self.inner.cancel_everywhere(run_id).await;
            }
            StopMode::Graceful => {
                let deadline = now_ms()
                    + drain_timeout
                        .unwrap_or(self.inner.config.default_drain_timeout)
                        .as_millis() as i64;
                let commit = Commit {
                    run_id: run_id.to_string(),
                    expect_status: Some(vec![RunStatus::Running, RunStatus::Paused]),
                    run: Some(RunUpdate {
                        status: Some(RunStatus::Draining),
                        drain_deadline: Some(Some(deadline)),
                        ..Default::default()
                    }),
                    new_work: vec![NewWork {
                        step_key: String::new(),
                        kind: WorkKind::Drain,
                        attempt: 1,
                        available_at: deadline,
                    }],
                    ..Default::default()
                };
                let outcome = self.inner.commit(commit).await?;
                if outcome.run_status.is_some_and(RunStatus::is_terminal) {
                    self.inner.forget_run(run_id).await;
                }
                self.inner.wake.notify_one();
            }
        }
        Ok(())
    }

    /// Completes a pending human task. The step result is `{approved, …result}`; a
    /// rejection skips everything downstream (`reason: rejected`). A task completes once: a
    /// second completion is [`EngineError::Conflict`].
    pub async fn complete_task(
        &self,
        run_id: &str,
        step_id: &str,
        approved: bool,
        result: Option<Value>,
        completed_by: Option<&str>,
    ) -> EngineResult<()> {
        let task = self
            .inner
            .store
            .human_task(run_id, step_id)
            .await?
            .ok_or_else(|| {
                EngineError::NotFound(format!("human task {step_id} of run {run_id}"))
            })?;
        if task.status != "pending" {
            return Err(EngineError::Conflict(format!(
                "human task {step_id} is already {}",
                task.status
            )));
        }
        let extra = match result {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(o)) => o,
            Some(_) => {
                return Err(EngineError::InvalidInput(
                    "the task result must be a JSON object".into(),
                ));
            }
        };
        let mut step_result = serde_json::Map::new();
        step_result.insert("approved".into(), Value::Bool(approved));
        for (k, v) in &extra {
            if k != "approved" {
                step_result.insert(k.clone(), v.clone());
            }
        }
        let cache = self.inner.run_cache(run_id).await?;
        let graph_step = cache
            .graph
            .step(step_id)
            .cloned()
            .ok_or_else(|| EngineError::NotFound(format!("step {step_id}")))?;
        let prev = self
            .inner
            .store
            .step_state(run_id, step_id)
            .await?
            .unwrap_or_default();
        let now = now_ms();
        let record = StepRecord {
            step_key: step_id.to_string(),
            status: Some(StepStatus::Completed),
            attempt: prev.attempt.max(1),
            input: prev.input.clone(),
            result: Some(Value::Object(step_result.clone())),
            started_at: prev.started_at,
            finished_at: Some(now),
            ..Default::default()
        };
        let commit = Commit {
            run_id: run_id.to_string(),
            expect_status: Some(vec![
                RunStatus::Running,
                RunStatus::Paused,
                RunStatus::Draining,
            ]),
            tasks: vec![TaskWrite {
                task: HumanTaskRecord {
                    status: "completed".into(),
                    approved: Some(approved),
                    result: Some(Value::Object(extra)),
                    completed_by: completed_by.map(str::to_string),
                    completed_at: Some(now),
                    ..task
                },
                expect_pending: true,
            }],
            steps: vec![record.clone()],
            delete_work: vec![(step_id.to_string(), WorkKind::Expire)],
            done: vec![StepDone {
                step_key: step_id.to_string(),
                dependants: graph_step.dependants.clone(),
            }],
            events: vec![
                NewEvent::new(
                    "task_completed",
                    Some(step_id),
                    json!({"task_id": step_id, "approved": approved, "completed_by": completed_by}),
                ),
                step_events::step_completed(
                    &record,
                    json!({"result": step_result, "attempt": record.attempt}),
                ),
            ],
            terminate: graph_step
                .step
                .terminal
                .then(|| Termination::terminal_step(step_id)),
            take: Some(self.inner.take_lease(1)),
            ..Default::default()
        };
        let ends_run = commit.terminate.is_some();
        // `commit` already publishes the events and wakes the scheduler.
        let outcome = self.inner.commit(commit).await?;
        cache.apply(&record);
        if ends_run {
            // A terminal human task: what still runs elsewhere in the run is cancelled.
            self.inner.cancel_everywhere(run_id).await;
        }
        for work in outcome.taken {
            self.inner.spawn_work(work).await;
        }
        Ok(())
    }

    /// Retries a failed (or stopped) run in place: the failed steps — or `from_step_id` —
    /// and everything downstream run again; completed upstream results are kept.
    pub async fn retry_run(
        &self,
        run_id: &str,
        from_step_id: Option<&str>,
    ) -> EngineResult<RunRecord> {
        let run = self.run_record(run_id).await?;
        if !matches!(run.status, RunStatus::Failed | RunStatus::Stopped) {
            return Err(EngineError::Conflict(format!(
                "run {run_id} is {}; only failed or stopped runs can be retried",
                run.status.as_str()
            )));
        }
        self.inner.forget_run(run_id).await;
        let graph = self.inner.compiled(&run.graph_hash, None, None).await?;
        let states: HashMap<String, StepRecord> = self
            .inner
            .store
            .step_states(run_id, None)
            .await?
            .into_iter()
            .map(|r| (r.step_key.clone(), r))
            .collect();
        let mut redo: HashSet<String> = HashSet::new();
        if let Some(from) = from_step_id {
            if graph.step(from).is_none() {
                return Err(EngineError::InvalidInput(format!("unknown step {from:?}")));
            }
            redo.insert(from.to_string());
        }
        for (id, r) in &states {
            let ok = r.status() == StepStatus::Completed
                && !(r.skipped && r.reason.as_deref() == Some("blocked"));
            if !ok {
                redo.insert(id.clone());
            }
        }
        for id in redo.clone() {
            redo.extend(graph.downstream(&id));
        }
        let now = now_ms();
        let mut steps = Vec::new();
        let mut work = Vec::new();
        let mut loops = Vec::new();
        for id in &graph.order {
            if !redo.contains(id) {
                continue;
            }
            let Some(step) = graph.step(id) else { continue };
            if matches!(
                step.step.config,
                StepConfig::ForEach(_) | StepConfig::While(_)
            ) {
                loops.push(id.clone());
            }
            let remaining = step.deps.iter().filter(|d| redo.contains(*d)).count() as i64;
            let attempt = states.get(id).map(|r| r.attempt).unwrap_or(0);
            steps.push(StepRecord {
                step_key: id.clone(),
                status: Some(StepStatus::Pending),
                attempt,
                deps_remaining: remaining,
                ..Default::default()
            });
            if remaining == 0 {
                work.push(NewWork {
                    step_key: id.clone(),
                    kind: WorkKind::Step,
                    attempt: attempt + 1,
                    available_at: now,
                });
            }
        }
        let commit = Commit {
            run_id: run_id.to_string(),
            expect_status: Some(vec![RunStatus::Failed, RunStatus::Stopped]),
            // The loops start over: their earlier items must not mix with the new ones.
            clear_items: loops,
            steps,
            new_work: work,
            run: Some(RunUpdate {
                status: Some(RunStatus::Running),
                failure_code: Some(None),
                error: Some(None),
                finished_at: Some(None),
                drain_deadline: Some(None),
            }),
            events: vec![NewEvent::new(
                "run_started",
                None,
                json!({"retry": true, "from_step_id": from_step_id}),
            )],
            ..Default::default()
        };
        self.inner.commit(commit).await?;
        telemetry::run_started();
        self.inner.wake.notify_one();
        self.run_record(run_id).await
    }

    /// Waits until the run is terminal (completed, failed or stopped).
    pub async fn wait_for_run(&self, run_id: &str, timeout: Duration) -> EngineResult<RunRecord> {
        // Only a run-level event can make a run terminal: step events need no re-read.
        let run_level = |e: &EventRecord| e.step_id.is_none() || e.kind.starts_with("run_");
        self.wait_for(run_id, timeout, run_level, |r| r.status.is_terminal())
            .await
    }

    /// Waits until `done` holds for the run (polls the store, woken by local events).
    pub async fn wait_until(
        &self,
        run_id: &str,
        timeout: Duration,
        done: impl Fn(&RunRecord) -> bool,
    ) -> EngineResult<RunRecord> {
        self.wait_for(run_id, timeout, |_| true, done).await
    }

    /// Re-reads the run when a local event of it that `relevant` accepts arrives (events
    /// queued meanwhile are folded into one re-read), and at least every 50 ms (other
    /// nodes' commits publish nothing here), until `done` holds.
    async fn wait_for(
        &self,
        run_id: &str,
        timeout: Duration,
        relevant: impl Fn(&EventRecord) -> bool,
        done: impl Fn(&RunRecord) -> bool,
    ) -> EngineResult<RunRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut events = self.subscribe();
        let wanted = |e: &EventRecord| e.run_id == run_id && relevant(e);
        loop {
            let run = self.run_record(run_id).await?;
            if done(&run) {
                return Ok(run);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(EngineError::Timeout(run_id.to_string()));
            }
            let tick = tokio::time::sleep(Duration::from_millis(50));
            tokio::pin!(tick);
            loop {
                tokio::select! {
                    _ = &mut tick => break,
                    e = events.recv() => match e {
                        Ok(e) if !wanted(&e) => continue,
                        // A relevant event, or some were missed: read the run again.
                        _ => break,
                    },
                }
            }
        }
    }

    /// The run context of docs/contract.md §7 (`GET …/runs/{id}/context`, `agentruntime run --json`).
    pub async fn run_context(&self, run_id: &str) -> EngineResult<Value> {
        let run = self.run_record(run_id).await?;
        let steps = self.inner.store.step_states(run_id, None).await?;
        Ok(build_context(&run, &steps))
    }
}

impl Inner {
    /// The prepared graph of a hash, from memory, the given graph, or the store.
    pub async fn compiled(
        &self,
        hash: &str,
        graph: Option<Graph>,
        _hint: Option<()>,
    ) -> EngineResult<Arc<CompiledGraph>> {
        if let Some(g) = self.graphs.lock().ok().and_then(|m| m.get(hash).cloned()) {
            return Ok(g);
        }
        let compiled = match graph {
            Some(g) => CompiledGraph::compile(hash, g)?,
            None => {
                let value = self
                    .store
                    .get_graph(hash)
                    .await?
                    .ok_or_else(|| EngineError::NotFound(format!("graph {hash}")))?;
                CompiledGraph::from_value(hash, &value)?
            }
        };
        for s in &compiled.graph.steps {
            if let StepConfig::Invalid { .. } = s.config {
                return Err(EngineError::InvalidInput(format!(
                    "step {:?} has no valid type",
                    s.id
                )));
            }
        }
        let compiled = Arc::new(compiled);
        if let Ok(mut m) = self.graphs.lock() {
            // A small bound: versions are few; ad-hoc graphs should not pile up.
            if m.len() >= 256 {
                m.clear();
            }
            m.insert(hash.to_string(), compiled.clone());
        }
        Ok(compiled)
    }

    /// The run's cache, loading it from the store on first use.
    pub async fn run_cache(&self, run_id: &str) -> EngineResult<Arc<RunCache>> {
        if let Some(c) = self.runs.lock().await.get(run_id) {
            return Ok(c.clone());
        }
        self.reload_run(run_id).await
    }

    /// Reloads the run's step views from the store (another node may have advanced it).
    pub async fn reload_run(&self, run_id: &str) -> EngineResult<Arc<RunCache>> {
        let run = self
            .store
            .get_run(run_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("run {run_id}")))?;
        let steps = self.store.step_states(run_id, None).await?;
        if let Some(existing) = self.runs.lock().await.get(run_id).cloned() {
            for r in &steps {
                existing.apply(r);
            }
            return Ok(existing);
        }
        let graph = self.compiled(&run.graph_hash, None, None).await?;
        let fresh = Arc::new(RunCache::new(run, graph, &steps));
        Ok(self
            .runs
            .lock()
            .await
            .entry(run_id.to_string())
            .or_insert(fresh)
            .clone())
    }

    pub async fn forget_run(&self, run_id: &str) {
        self.runs.lock().await.remove(run_id);
    }

    /// Cancels this node's in-flight steps of a run.
    pub async fn cancel_local(&self, run_id: &str) {
        if let Some(c) = self.runs.lock().await.remove(run_id) {
            c.cancel.cancel();
        }
    }

    /// Cancels a run's in-flight steps here and on other nodes.
    pub async fn cancel_everywhere(&self, run_id: &str) {
        self.cancel_local(run_id).await;
        if let Err(e) = self.store.broadcast_cancel(run_id).await {
            tracing::warn!(run_id, error = %e, "could not notify other nodes of a cancellation");
        }
    }

    /// What a commit may lease to this node: nothing once the node is stopping (it would
    /// only hand the work back).
    pub fn take_lease(&self, max: usize) -> TakeLease {
        TakeLease {
            owner: self.config.node_id.clone(),
            lease_ms: self.config.lease.as_millis() as i64,
            max: if self.shutdown.is_cancelled() { 0 } else { max },
        }
    }

    pub fn publish(&self, events: &[EventRecord]) {
        for e in events {
            let _ = self.events.send(e.clone());
        }
    }

    /// Commits and publishes the events.
    pub async fn commit(&self, commit: Commit) -> EngineResult<CommitOutcome> {
        let run_id = commit.run_id.clone();
        let outcome = self.store.commit(commit).await?;
        self.leases.hold(&outcome.taken);
        self.after_commit(&run_id, &outcome).await;
        Ok(outcome)
    }

    /// Publishes a commit's events, wakes the scheduler for new work, and drops the cache
    /// (cancelling stragglers) of a run that just ended.
    pub async fn after_commit(&self, run_id: &str, outcome: &CommitOutcome) {
        self.publish(&outcome.events);
        self.report_finished(run_id, &outcome.events).await;
        if outcome.created_work {
            self.wake.notify_one();
        }
        if outcome.run_status.is_some_and(RunStatus::is_terminal) {
            self.cancel_local(run_id).await;
        }
    }

    /// Counts a run that this commit made terminal (its `run_completed`, `run_failed` or
    /// `run_stopped` event is written once per termination; `run_failed` names the step
    /// that caused it) and hands it to the trace hook.
    async fn report_finished(&self, run_id: &str, events: &[EventRecord]) {
        let Some(status) = events
            .iter()
            .filter(|e| e.run_id == run_id)
            .find_map(|e| telemetry::terminal_status(&e.kind))
        else {
            return;
        };
        telemetry::run_finished(status);
        if let Some(hook) = telemetry::run_tracing() {
            match self.store.get_run(run_id).await {
                Ok(Some(run)) => hook.run_finished(&run),
                Ok(None) => {}
                Err(error) => tracing::debug!(run_id, %error, "run span not recorded"),
            }
        }
    }

    /// Runs leased work on a worker (waiting for a free one). Boxed as `Send` because
    /// workers spawn workers (a commit can hand back more work than one worker continues).
    pub fn spawn_work(
        self: &Arc<Self>,
        work: ClaimedWork,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let inner = self.clone();
            let Ok(permit) = self.permits.clone().acquire_owned().await else {
                return;
            };
            tokio::spawn(async move {
                inner.run_work_chain(work).await;
                drop(permit);
                inner.wake.notify_one();
            });
        })
    }
}

/// Claims work while workers are free; sleeps until woken (commit, notification, freed
/// worker) or until the next timer/backoff/lease expiry is due.
async fn scheduler(inner: Arc<Inner>) {
    loop {
        if inner.shutdown.is_cancelled() {
            break;
        }
        let free = inner.permits.available_permits();
        let mut claimed_any = false;
        if free > 0 {
            match inner
                .store
                .claim(&inner.config.node_id, free.min(64), inner.config.lease)
                .await
            {
                Ok(claimed) => {
                    inner.leases.hold(&claimed);
                    claimed_any = !claimed.is_empty();
                    if claimed_any {
                        tracing::trace!(count = claimed.len(), "claimed work");
                    }
                    for work in claimed {
                        inner.spawn_work(work).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claim failed"),
            }
        }
        if claimed_any && inner.permits.available_permits() > 0 {
            continue;
        }
        let mut delay = inner.config.poll_interval;
        if inner.permits.available_permits() > 0
            && let Ok(Some(next)) = inner.store.next_wakeup().await
        {
            let wait = (next - now_ms()).max(1) as u64;
            delay = delay.min(Duration::from_millis(wait));
        }
        tokio::select! {
            _ = inner.shutdown.cancelled() => break,
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(delay) => {}
        }
    }
}
