//! What happens to one claimed piece of work: a top-level step (skip, park, start a loop,
//! or execute), a loop item or iteration, a loop's finalisation, a human-task expiry, a
//! drain deadline. Each ends in one commit; a refused commit (stale lease, run no longer
//! in the expected state) means someone else owns the outcome, so the work is dropped.

use std::sync::Arc;
use std::time::Duration;

use ar_model::graph::{ErrorPolicy, StepConfig, WhileMode};
use ar_model::template::is_truthy;
use ar_store::*;
use rand::Rng;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::cache::{Roots, RunCache};
use crate::compiled::CompiledStep;
use crate::engine::Inner;
use crate::error::{EngineError, EngineResult};
use crate::executor::{EXECUTOR_UNAVAILABLE, StepCall, StepFailure, run_lua};
use crate::progress::{StepEvents, event_step_id};
use crate::step_events;
use crate::takeovers;
use crate::telemetry;

/// What is known of a failed attempt besides the failure.
struct AttemptInfo {
    input: Option<Value>,
    started: i64,
    /// `step_started`, when it was not written yet (a fast attempt).
    started_event: Option<NewEvent>,
}

/// How one attempt of a call ended.
enum CallOutcome {
    Done(Value),
    Failed(StepFailure),
    /// The run was stopped or failed meanwhile: nothing to commit.
    Cancelled,
}

impl CallOutcome {
    /// The `outcome` of the step-duration metric and the step span.
    fn label(&self) -> &'static str {
        match self {
            CallOutcome::Done(_) => "completed",
            CallOutcome::Failed(f) if f.code == "STEP_TIMEOUT" => "timed_out",
            CallOutcome::Failed(_) => "failed",
            CallOutcome::Cancelled => "cancelled",
        }
    }
}

/// Failure code of a run whose outcome could not be stored for lack of space.
pub const STORE_FULL: &str = "STORE_FULL";

/// A step still running after this is marked `running` in its own commit.
const MARK_RUNNING_AFTER: Duration = Duration::from_millis(20);

/// How long a cancelled call may take to wind down before it is dropped.
const CANCEL_GRACE: Duration = Duration::from_millis(500);

/// A result whose compact JSON exceeds `limit` bytes, as a permanent failure. Serializes
/// into a counter that stops at the limit, so a huge value costs at most `limit` bytes of work.
/// How soon work is retried after its processing failed unexpectedly.
const WORK_ERROR_RETRY: Duration = Duration::from_secs(1);

fn result_too_large(result: &Value, limit: usize) -> Option<StepFailure> {
    struct Counter {
        written: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.written += buf.len();
            if self.written > self.limit {
                return Err(std::io::Error::other("over the limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { written: 0, limit };
    serde_json::to_writer(&mut counter, result).err()?;
    Some(StepFailure::permanent(
        "RESULT_TOO_LARGE",
        format!(
            "the step's result is larger than {limit} bytes of JSON; return less data (e.g. a summary or a reference) or raise max_result_bytes"
        ),
    ))
}

/// A `for_each` step's recorded input (`steps.<id>.input`, docs/contract.md §2): its own
/// fields under their graph names, `for_each_items` resolved; the body is not repeated.
fn for_each_input(fe: &ar_model::graph::ForEach, items: Vec<Value>) -> Value {
    json!({
        "for_each_items": items,
        "for_each_max_parallel": fe.effective_max_parallel(),
        "for_each_error_policy": fe.error_policy.as_str(),
    })
}

/// A `while` step's recorded input: its condition as written (it is evaluated after each
/// iteration, against that iteration), its mode and cap.
fn while_input(wh: &ar_model::graph::While) -> Value {
    let mut input = json!({
        "while_mode": wh.mode.as_str(),
        "while_max_iterations": wh.max_iterations,
        "while_condition": wh.condition,
    });
    if let Some(script) = &wh.eval_script {
        input["while_eval_script"] = json!(script);
    }
    input
}

/// The id of a `terminal` top-level step that `written` completes (not skipped), if any.
pub(crate) fn completed_terminal_step(cache: &RunCache, written: &[StepRecord]) -> Option<String> {
    written
        .iter()
        .find(|r| {
            r.parent_key.is_none()
                && !r.skipped
                && r.status == Some(StepStatus::Completed)
                && cache
                    .graph
                    .step(&r.step_key)
                    .is_some_and(|s| s.step.terminal)
        })
        .map(|r| r.step_key.clone())
}

/// The `step_id` of a loop body's inner step in events: `<parent>#body#<inner>`
/// (docs/contract.md §7), apart from the `<parent>#<index>` keys of item states.
fn inner_step_id(parent: &str, inner: &str) -> String {
    format!("{parent}#body#{inner}")
}

/// `step_failed` of an inner loop step, built by `event` (which adds the item's index).
fn inner_failed(
    event: &impl Fn(&str, Value) -> NewEvent,
    f: &StepFailure,
    attempt: i64,
    will_retry: bool,
) -> NewEvent {
    event(
        "step_failed",
        json!({"error": f.message, "failure_code": f.code, "attempt": attempt, "will_retry": will_retry}),
    )
}

fn template_failure(e: impl std::fmt::Display) -> StepFailure {
    StepFailure::permanent("TEMPLATE_UNRESOLVED", e.to_string())
}

/// A human task that cannot be opened: its payload does not render (docs/contract.md §7
/// `HUMAN_TASK_FAILED`, "check the task payload").
fn human_task_failure(e: impl std::fmt::Display) -> StepFailure {
    StepFailure::permanent(
        "HUMAN_TASK_FAILED",
        format!("the human task could not be opened: its task_payload does not render: {e}"),
    )
}

fn step_type_name(step: &CompiledStep) -> &'static str {
    step.step
        .step_type()
        .map(|t| t.as_str())
        .unwrap_or("invalid")
}

impl Inner {
    /// Processes work, then any work its commit handed straight back (chains). The work's
    /// lease is held (extended by the heartbeat) for the whole of its processing; work
    /// still held when the node stops is handed back by `Engine::shutdown`.
    pub(crate) async fn run_work_chain(self: &Arc<Self>, work: ClaimedWork) {
        let mut next = Some(work);
        while let Some(w) = next.take() {
            if self.shutdown.is_cancelled() {
                break;
            }
            if !self.leases.start(&w) {
                tracing::debug!(run_id = %w.run_id, step = %w.step_key, "work skipped: its lease was lost before it started");
                self.leases.release(&w);
                continue;
            }
            let processed = self.process(&w).await;
            // Work cut short by a shutdown stays held, to be handed back.
            if !self.shutdown.is_cancelled() {
                self.leases.release(&w);
            }
            match processed {
                Ok(mut taken) => {
                    next = taken.pop();
                    for extra in taken {
                        self.spawn_work(extra).await;
                    }
                }
                Err(EngineError::Store(e)) if e.is_storage_full() => {
                    self.fail_run_storage_full(&w, &e).await;
                }
                Err(e) => {
                    tracing::warn!(run_id = %w.run_id, step = %w.step_key, error = %e, "work failed; retrying it shortly");
                    self.requeue_after_error(&w).await;
                }
            }
        }
    }

    /// Work whose processing hit an unexpected error (a store hiccup, a read that did not
    /// find the run) goes back to the queue for a retry soon, as the same attempt: the step
    /// itself did not fail. Left leased, it would wait out the whole lease instead.
    async fn requeue_after_error(&self, w: &ClaimedWork) {
        let commit = Commit {
            run_id: w.run_id.clone(),
            requeue: vec![Requeue {
                fence: w.fence(),
                attempt: w.attempt,
                available_at: now_ms() + WORK_ERROR_RETRY.as_millis() as i64,
            }],
            ..Default::default()
        };
        if let Err(e) = self.commit_or_drop(commit).await {
            tracing::warn!(run_id = %w.run_id, step = %w.step_key, error = %e, "could not requeue the work; it is retried when its lease expires");
        }
    }

    /// The store is out of space: the outcome of `w` cannot be recorded, and retrying it
    /// would only fill the disk again, so the run fails with `STORE_FULL` (a small write,
    /// which usually still fits). If even that is refused, the work stays leased and is
    /// retried once its lease expires, when space may have been freed.
    async fn fail_run_storage_full(&self, w: &ClaimedWork, e: &StoreError) {
        let step_id = match w.kind {
            WorkKind::Item | WorkKind::Finalize => {
                w.step_key.split('#').next().unwrap_or(&w.step_key)
            }
            _ => w.step_key.as_str(),
        };
        let caused_by = (!step_id.is_empty()).then(|| step_id.to_string());
        let message = format!(
            "the run store is full: the outcome of step {step_id} could not be recorded ({e}); free disk space or raise the store's size limit, then retry the run"
        );
        // A top-level step is recorded as the failure (without the result that did not
        // fit); a loop's items and parent are cancelled by the termination.
        let (steps, events) = if w.kind == WorkKind::Step {
            let rec = StepRecord {
                step_key: w.step_key.clone(),
                status: Some(StepStatus::Failed),
                attempt: w.attempt,
                error: Some(message.clone()),
                failure_code: Some(STORE_FULL.into()),
                finished_at: Some(now_ms()),
                ..Default::default()
            };
            let event = NewEvent::new(
                "step_failed",
                Some(&w.step_key),
                json!({"error": message, "failure_code": STORE_FULL, "attempt": w.attempt, "will_retry": false}),
            );
            (vec![rec], vec![event])
        } else {
            (Vec::new(), Vec::new())
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            steps,
            events,
            terminate: Some(Termination {
                status: RunStatus::Failed,
                failure_code: Some(STORE_FULL.into()),
                error: Some(message),
                cancel_reason: "run_failed".into(),
                skip_reason: "blocked".into(),
                caused_by_step_id: caused_by,
            }),
            ..Default::default()
        };
        match self.commit_or_drop(commit).await {
            Ok(_) => self.cancel_everywhere(&w.run_id).await,
            Err(again) => {
                tracing::error!(run_id = %w.run_id, step = %w.step_key, error = %again, "the run store is full; the run could not be failed either")
            }
        }
    }

    async fn process(self: &Arc<Self>, w: &ClaimedWork) -> EngineResult<Vec<ClaimedWork>> {
        tracing::trace!(run_id = %w.run_id, step = %w.step_key, kind = ?w.kind, attempt = w.attempt, "processing work");
        let cache = self.run_cache(&w.run_id).await?;
        match w.kind {
            WorkKind::Step => self.process_step(&cache, w).await,
            WorkKind::Item => self.process_item(&cache, w).await,
            WorkKind::Finalize => self.finalize_for_each(&cache, w).await,
            WorkKind::Expire => self.expire_task(&cache, w).await,
            WorkKind::Drain => self.drain_deadline(w).await,
        }
    }

    /// Commits `commit`; a stale lease or a conflict drops the work (Ok, nothing taken).
    async fn commit_or_drop(&self, commit: Commit) -> EngineResult<Option<CommitOutcome>> {
        let run_id = commit.run_id.clone();
        match self.commit(commit).await {
            Ok(o) => Ok(Some(o)),
            Err(EngineError::Store(e)) if e.is_stale_lease() => {
                telemetry::leases_lost(1);
                tracing::debug!(%run_id, "commit dropped: the lease was lost");
                Ok(None)
            }
            Err(EngineError::Conflict(reason)) => {
                tracing::debug!(%run_id, %reason, "commit dropped: conflict");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn drop_work(&self, w: &ClaimedWork) -> EngineResult<Vec<ClaimedWork>> {
        tracing::debug!(run_id = %w.run_id, step = %w.step_key, "work dropped: nothing left to do");
        self.commit_or_drop(Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            ..Default::default()
        })
        .await?;
        Ok(Vec::new())
    }

    fn base_roots(&self, cache: &RunCache, step: &CompiledStep, lua: bool) -> Roots {
        let mut m = Map::new();
        m.insert("input".into(), cache.step_input(&step.step.id));
        m.insert(
            "steps".into(),
            Value::Object(cache.steps_value(&step.reads, lua)),
        );
        m.insert("run".into(), cache.run_value());
        m.insert("connection".into(), json!({}));
        Roots(m)
    }

    /// The roots a `for_each` item's body sees: the steps its body steps read (by their
    /// templates, conditions, script text and dependencies), not the loop step's own reads.
    /// The loop's `for_each_items` source, typically large, was rendered once when the loop
    /// started; copying it into every item's scope (and every Lua call) cost more than the
    /// item itself.
    fn item_roots(&self, cache: &RunCache, parent: &CompiledStep) -> Roots {
        let mut reads: Vec<String> = parent
            .body
            .iter()
            .flat_map(|inner| inner.reads.iter().cloned())
            .collect();
        reads.sort();
        reads.dedup();
        let mut m = Map::new();
        m.insert("input".into(), cache.step_input(&parent.step.id));
        m.insert(
            "steps".into(),
            Value::Object(cache.steps_value(&reads, true)),
        );
        m.insert("run".into(), cache.run_value());
        m.insert("connection".into(), json!({}));
        Roots(m)
    }

    fn backoff(&self, attempt: i64) -> Duration {
        let exp = attempt.clamp(1, 30) as u32 - 1;
        let base = self
            .config
            .backoff_base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.config.backoff_max);
        let jitter: f64 = rand::rng().random_range(0.8..1.2);
        base.mul_f64(jitter)
    }

    /// Why this step is skipped, if it is (docs/contract.md §2 order: spreading skips, then
    /// `enabled`, then `condition`).
    fn skip_reason(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        roots: &Roots,
    ) -> Result<Option<&'static str>, StepFailure> {
        let id = &step.step.id;
        if step.deps.is_empty()
            && (cache.excluded.contains(id)
                || (step.step.no_auto_start && !cache.params.trigger_steps.contains_key(id)))
        {
            return Ok(Some("excluded"));
        }
        for d in &step.deps {
            let is_human = cache
                .graph
                .step(d)
                .is_some_and(|s| matches!(s.step.config, StepConfig::HumanTask(_)));
            if let Some(reason) = cache.view(d).and_then(|v| v.propagated_skip(is_human)) {
                return Ok(Some(reason));
            }
        }
        if !step.step.enabled {
            return Ok(Some("step_disabled"));
        }
        if let Some(cond) = &step.condition {
            let v = cond.render(roots).map_err(template_failure)?;
            if !is_truthy(&v) {
                return Ok(Some("condition_false"));
            }
        }
        Ok(None)
    }

    async fn process_step(
        self: &Arc<Self>,
        cache: &Arc<RunCache>,
        w: &ClaimedWork,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let Some(step) = cache.graph.step(&w.step_key).cloned() else {
            return self.drop_work(w).await;
        };
        let cache = if cache.all_finished(&step.deps) {
            cache.clone()
        } else {
            self.reload_run(&w.run_id).await?
        };
        if cache
            .status(&step.step.id)
            .is_some_and(StepStatus::is_terminal)
        {
            return self.drop_work(w).await;
        }
        let is_lua = matches!(step.step.config, StepConfig::LuaScript(_));
        let roots = self.base_roots(&cache, &step, is_lua);
        let now = now_ms();
        match self.skip_reason(&cache, &step, &roots) {
            Err(f) => {
                return self
                    .finish_failed(
                        &cache,
                        &step,
                        w,
                        f,
                        AttemptInfo {
                            input: None,
                            started: now,
                            started_event: None,
                        },
                    )
                    .await;
            }
            Ok(Some(reason)) => {
                let rec = StepRecord {
                    step_key: step.step.id.clone(),
                    status: Some(StepStatus::Completed),
                    skipped: true,
                    reason: Some(reason.to_string()),
                    finished_at: Some(now),
                    ..Default::default()
                };
                let commit = Commit {
                    run_id: w.run_id.clone(),
                    finish: vec![w.fence()],
                    steps: vec![rec.clone()],
                    done: vec![StepDone {
                        step_key: step.step.id.clone(),
                        dependants: step.dependants.clone(),
                    }],
                    events: vec![NewEvent::new(
                        "step_completed",
                        Some(&step.step.id),
                        json!({"skipped": true, "reason": reason}),
                    )],
                    take: Some(self.take_lease(1)),
                    ..Default::default()
                };
                return self.commit_step(&cache, commit, &[rec]).await;
            }
            Ok(None) => {}
        }
        if let Some(f) = self.takeovers_exhausted(&step, w).await? {
            let info = AttemptInfo {
                input: None,
                started: now,
                started_event: None,
            };
            return self.finish_failed(&cache, &step, w, f, info).await;
        }
        match &step.step.config {
            StepConfig::HumanTask(h) => {
                self.park_human_task(&cache, &step, w, h.task_type.clone(), &roots)
                    .await
            }
            StepConfig::ForEach(_) => self.start_for_each(&cache, &step, w, &roots).await,
            StepConfig::While(_) => self.start_while(&cache, &step, w).await,
            _ => self.execute_step(&cache, &step, w, roots).await,
        }
    }

    /// Whether the executor of `step`'s type writes its own progress events while it runs
    /// (`StepExecutor::reports_progress`), so that its `step_started` goes first.
    fn reports_progress(&self, step: &CompiledStep) -> bool {
        self.executors
            .get(step_type_name(step))
            .is_some_and(|executor| executor.reports_progress())
    }

    /// `step_started` for an attempt of `step` run by this node: `{attempt, node_id}`, so
    /// a takeover shows which node ran which attempt.
    /// The failure of a step taken over too often to run again (`crate::takeovers`). The
    /// run's events are read only for attempts that could be past the limit.
    async fn takeovers_exhausted(
        &self,
        step: &CompiledStep,
        w: &ClaimedWork,
    ) -> EngineResult<Option<StepFailure>> {
        let max = self.config.max_takeovers;
        if !takeovers::may_exceed(w.attempt, max) {
            return Ok(None);
        }
        const PAGE: i64 = 10_000;
        let mut events = Vec::new();
        loop {
            let after = events.last().map_or(0, |e: &EventRecord| e.seq);
            let page = self.store.events(&w.run_id, after, PAGE).await?;
            let done = (page.len() as i64) < PAGE;
            events.extend(page);
            if done {
                break;
            }
        }
        let taken = takeovers::takeovers_before(&events, &step.step.id, w.attempt);
        Ok((taken > i64::from(max)).then(|| takeovers::stalled(&step.step.id, taken)))
    }

    fn step_started(&self, step: &CompiledStep, w: &ClaimedWork) -> NewEvent {
        NewEvent::new(
            "step_started",
            Some(&step.step.id),
            json!({"attempt": w.attempt, "node_id": self.config.node_id}),
        )
    }

    /// Commits and, on success, records the written top-level states in the cache. A
    /// `terminal` step completing in the commit ends the run with it (docs/contract.md §2).
    async fn commit_step(
        &self,
        cache: &RunCache,
        mut commit: Commit,
        written: &[StepRecord],
    ) -> EngineResult<Vec<ClaimedWork>> {
        let terminal = if commit.terminate.is_none() {
            completed_terminal_step(cache, written)
        } else {
            None
        };
        if let Some(step_id) = &terminal {
            commit.terminate = Some(Termination::terminal_step(step_id));
        }
        match self.commit_or_drop(commit).await? {
            Some(outcome) => {
                for r in written {
                    cache.apply(r);
                }
                if terminal.is_some() {
                    self.cancel_everywhere(&cache.run.id).await;
                }
                Ok(outcome.taken)
            }
            None => Ok(Vec::new()),
        }
    }

    /// Resolves the templated configuration a step's executor receives.
    fn resolve_inputs(&self, step: &CompiledStep, roots: &Roots) -> Result<Value, StepFailure> {
        let mut inputs = Map::new();
        if let StepConfig::LuaScript(l) = &step.step.config {
            inputs.insert("script".into(), json!(l.script));
        }
        let mut names: Vec<&String> = step.fields.keys().collect();
        names.sort();
        for name in names {
            if let Some(t) = step.fields.get(name) {
                inputs.insert(name.clone(), t.render(roots).map_err(template_failure)?);
            }
        }
        Ok(Value::Object(inputs))
    }

    /// Runs one attempt through the step type's executor, under the attempt's timeout and
    /// the run's cancellation.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        inputs: Value,
        globals: Map<String, Value>,
        attempt: i64,
        key: String,
        fence: WorkFence,
    ) -> CallOutcome {
        let type_name = step_type_name(step);
        let Some(executor) = self.executors.get(type_name).cloned() else {
            return CallOutcome::Failed(StepFailure::permanent(
                EXECUTOR_UNAVAILABLE,
                format!("no executor configured for {type_name}"),
            ));
        };
        let timeout = step
            .step
            .timeout_s
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .filter(|d| !d.is_zero());
        // Cancelled when the run ends; also cancelled below if the work's lease is lost.
        let token: CancellationToken = cache.cancel.child_token();
        let lease_lost = self.leases.lost_token(fence);
        if lease_lost.is_cancelled() {
            return CallOutcome::Cancelled;
        }
        let call = StepCall {
            run_id: cache.run.id.clone(),
            workflow_id: cache.run.workflow_id.clone(),
            project_id: cache.run.project_id.clone(),
            step_id: step.step.id.clone(),
            step_type: type_name.to_string(),
            attempt: attempt.max(1) as u32,
            idempotency_key: key.clone(),
            inputs,
            globals: Arc::new(globals),
            timeout,
            cancel: token.clone(),
            events: StepEvents::new(
                self.store.clone(),
                self.events.clone(),
                cache.run.id.clone(),
                event_step_id(&cache.run.id, &key, &step.step.id),
                fence,
            ),
        };
        // One span per attempt; the executor's own spans (a tool or model call) nest in it.
        let span = tracing::info_span!(
            "step",
            otel.name = %format_args!("step {}", call.step_id),
            run_id = %call.run_id,
            step_id = %call.step_id,
            step_type = type_name,
            attempt = call.attempt,
            outcome = tracing::field::Empty,
        );
        if let Some(hook) = telemetry::run_tracing() {
            hook.adopt_step(&call.run_id, &span);
        }
        let began = std::time::Instant::now();
        let run = tracing::Instrument::instrument(executor.execute(call), span.clone());
        let mut attempt_fut = Box::pin(async move {
            match timeout {
                Some(t) => tokio::time::timeout(t, run).await.ok(),
                None => Some(run.await),
            }
        });
        let outcome = tokio::select! {
            biased;
            // A call that ends because its run was cancelled is not a step failure.
            r = &mut attempt_fut, if !token.is_cancelled() => match r {
                _ if token.is_cancelled() => CallOutcome::Cancelled,
                Some(Ok(v)) => match result_too_large(&v, self.config.max_result_bytes) {
                    Some(f) => CallOutcome::Failed(f),
                    None => CallOutcome::Done(v),
                },
                Some(Err(f)) => CallOutcome::Failed(f),
                None => {
                    token.cancel();
                    let secs = timeout.map(|t| t.as_secs_f64()).unwrap_or_default();
                    CallOutcome::Failed(StepFailure::new("STEP_TIMEOUT", format!("attempt exceeded timeout_s = {secs}"), true))
                }
            },
            _ = async {
                tokio::select! {
                    _ = token.cancelled() => {}
                    // Another worker owns the work now: this attempt's outcome would be refused.
                    _ = lease_lost.cancelled() => token.cancel(),
                }
            } => {
                // Give the executor a moment to see its token and clean up (close a
                // connection, kill a process) before the call is abandoned.
                let _ = tokio::time::timeout(CANCEL_GRACE, &mut attempt_fut).await;
                CallOutcome::Cancelled
            }
        };
        let label = outcome.label();
        span.record("outcome", label);
        telemetry::step_attempt(type_name, label, began.elapsed());
        outcome
    }

    async fn execute_step(
        self: &Arc<Self>,
        cache: &Arc<RunCache>,
        step: &CompiledStep,
        w: &ClaimedWork,
        roots: Roots,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let started = now_ms();
        let inputs = match self.resolve_inputs(step, &roots) {
            Ok(i) => i,
            Err(f) => {
                return self
                    .finish_failed(
                        cache,
                        step,
                        w,
                        f,
                        AttemptInfo {
                            input: None,
                            started,
                            started_event: None,
                        },
                    )
                    .await;
            }
        };
        let key = format!("{}:{}:{}", w.run_id, step.step.id, w.attempt);
        let started_event = self.step_started(step, w);
        let call = self.call(
            cache,
            step,
            inputs.clone(),
            roots.0,
            w.attempt,
            key,
            w.fence(),
        );
        tokio::pin!(call);
        let mark_running = |started_event: NewEvent| Commit {
            run_id: w.run_id.clone(),
            check: vec![w.fence()],
            steps: vec![StepRecord {
                step_key: step.step.id.clone(),
                step_type: Some(step_type_name(step).into()),
                status: Some(StepStatus::Running),
                attempt: w.attempt,
                input: Some(inputs.clone()),
                started_at: Some(started),
                ..Default::default()
            }],
            events: vec![started_event],
            ..Default::default()
        };
        // A fast step writes `step_started` in the same transaction as its outcome; one
        // that is still running after MARK_RUNNING_AFTER is marked `running` on its own, so
        // long calls show up as running while they run. A step whose executor writes
        // progress events of its own (`agent_call`) is marked first, so that its events
        // follow its `step_started` in the log. A refused mark means the lease is gone: the
        // outcome's commit will be refused as well, so the call just runs out.
        let (outcome, pending_start) = if self.reports_progress(step) {
            self.commit_or_drop(mark_running(started_event)).await?;
            (call.await, None)
        } else {
            tokio::select! {
                biased;
                out = &mut call => (out, Some(started_event)),
                _ = tokio::time::sleep(MARK_RUNNING_AFTER) => {
                    // The call keeps running while the mark commits. Suspending it instead
                    // would freeze whatever it holds at that instant, such as a pooled
                    // connection of its own (metering, vault reads): with more workers than
                    // connections, every worker could hold one in its frozen call while
                    // waiting for another to commit its mark, and the pool would stay
                    // exhausted until its acquire timeout.
                    let mark = self.commit_or_drop(mark_running(started_event));
                    tokio::pin!(mark);
                    let mut early = None;
                    loop {
                        tokio::select! {
                            biased;
                            marked = &mut mark => {
                                marked?;
                                break;
                            }
                            out = &mut call, if early.is_none() => early = Some(out),
                        }
                    }
                    let out = match early {
                        Some(out) => out,
                        None => call.await,
                    };
                    (out, None)
                }
            }
        };
        match outcome {
            CallOutcome::Cancelled => Ok(Vec::new()),
            CallOutcome::Failed(f) => {
                self.finish_failed(
                    cache,
                    step,
                    w,
                    f,
                    AttemptInfo {
                        input: Some(inputs),
                        started,
                        started_event: pending_start,
                    },
                )
                .await
            }
            CallOutcome::Done(result) => {
                let rec = StepRecord {
                    step_key: step.step.id.clone(),
                    step_type: Some(step_type_name(step).into()),
                    status: Some(StepStatus::Completed),
                    attempt: w.attempt,
                    input: Some(inputs),
                    result: Some(result.clone()),
                    started_at: Some(started),
                    finished_at: Some(now_ms()),
                    ..Default::default()
                };
                let mut events: Vec<NewEvent> = pending_start.into_iter().collect();
                events.push(step_events::step_completed(
                    &rec,
                    json!({"result": result, "attempt": w.attempt}),
                ));
                let commit = Commit {
                    run_id: w.run_id.clone(),
                    finish: vec![w.fence()],
                    steps: vec![rec.clone()],
                    done: vec![StepDone {
                        step_key: step.step.id.clone(),
                        dependants: step.dependants.clone(),
                    }],
                    events,
                    take: Some(self.take_lease(1)),
                    ..Default::default()
                };
                self.commit_step(cache, commit, &[rec]).await
            }
        }
    }

    /// A failed attempt: retried later when transient and retries remain, otherwise the step
    /// fails and so does the run (fail-fast).
    async fn finish_failed(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        w: &ClaimedWork,
        f: StepFailure,
        attempt_info: AttemptInfo,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let AttemptInfo {
            input,
            started,
            started_event,
        } = attempt_info;
        let attempt = w.attempt.max(1);
        let will_retry = f.transient && attempt <= i64::from(step.step.retry_count);
        let mut events: Vec<NewEvent> = started_event.into_iter().collect();
        events.push(NewEvent::new(
            "step_failed",
            Some(&step.step.id),
            json!({"error": f.message, "failure_code": f.code, "attempt": attempt, "will_retry": will_retry}),
        ));
        let mut rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(step).into()),
            status: Some(if will_retry {
                StepStatus::Pending
            } else {
                StepStatus::Failed
            }),
            attempt,
            input,
            error: Some(f.message.clone()),
            failure_code: Some(f.code.clone()),
            started_at: Some(started),
            ..Default::default()
        };
        let commit = if will_retry {
            let at = now_ms() + self.backoff(attempt).as_millis() as i64;
            Commit {
                run_id: w.run_id.clone(),
                requeue: vec![Requeue {
                    fence: w.fence(),
                    attempt: attempt + 1,
                    available_at: at,
                }],
                steps: vec![rec.clone()],
                events,
                ..Default::default()
            }
        } else {
            rec.finished_at = Some(now_ms());
            Commit {
                run_id: w.run_id.clone(),
                finish: vec![w.fence()],
                steps: vec![rec.clone()],
                events,
                terminate: Some(self.failure_termination(&step.step.id, &f)),
                ..Default::default()
            }
        };
        let taken = self.commit_step(cache, commit, &[rec]).await?;
        if !will_retry {
            self.cancel_everywhere(&w.run_id).await;
        }
        Ok(taken)
    }

    fn failure_termination(&self, step_id: &str, f: &StepFailure) -> Termination {
        Termination {
            status: RunStatus::Failed,
            failure_code: Some(f.code.clone()),
            error: Some(format!("step {step_id}: {}", f.message)),
            cancel_reason: "run_failed".into(),
            skip_reason: "blocked".into(),
            caused_by_step_id: Some(step_id.to_string()),
        }
    }

    // ------------------------------------------------------------ human tasks

    async fn park_human_task(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        w: &ClaimedWork,
        task_type: Option<String>,
        roots: &Roots,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let now = now_ms();
        let payload = match step
            .fields
            .get("task_payload")
            .map(|t| t.render(roots))
            .transpose()
        {
            Ok(p) => p.unwrap_or_else(|| json!({})),
            Err(e) => {
                return self
                    .finish_failed(
                        cache,
                        step,
                        w,
                        human_task_failure(e),
                        AttemptInfo {
                            input: None,
                            started: now,
                            started_event: None,
                        },
                    )
                    .await;
            }
        };
        let expires_at = step
            .step
            .timeout_s
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .map(|d| now + d.as_millis() as i64);
        let rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(step).into()),
            status: Some(StepStatus::Waiting),
            attempt: w.attempt,
            input: Some(payload.clone()),
            started_at: Some(now),
            ..Default::default()
        };
        let task = HumanTaskRecord {
            run_id: w.run_id.clone(),
            step_id: step.step.id.clone(),
            task_type: task_type.unwrap_or_else(|| "approval".into()),
            payload,
            status: "pending".into(),
            approved: None,
            result: None,
            completed_by: None,
            created_at: now,
            expires_at,
            completed_at: None,
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            tasks: vec![TaskWrite {
                task,
                expect_pending: false,
            }],
            steps: vec![rec.clone()],
            new_work: expires_at
                .map(|at| NewWork {
                    step_key: step.step.id.clone(),
                    kind: WorkKind::Expire,
                    attempt: 1,
                    available_at: at,
                })
                .into_iter()
                .collect(),
            events: vec![
                self.step_started(step, w),
                NewEvent::new(
                    "step_paused",
                    Some(&step.step.id),
                    json!({"task_id": step.step.id}),
                ),
            ],
            ..Default::default()
        };
        self.commit_step(cache, commit, &[rec]).await
    }

    async fn expire_task(
        &self,
        cache: &RunCache,
        w: &ClaimedWork,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let Some(step) = cache.graph.step(&w.step_key).cloned() else {
            return self.drop_work(w).await;
        };
        let Some(task) = self.store.human_task(&w.run_id, &w.step_key).await? else {
            return self.drop_work(w).await;
        };
        if task.status != "pending" {
            return self.drop_work(w).await;
        }
        let now = now_ms();
        let f = StepFailure::permanent(
            "HUMAN_TASK_EXPIRED",
            "the human task was not completed before its timeout",
        );
        let rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(&step).into()),
            status: Some(StepStatus::Failed),
            attempt: w.attempt,
            input: Some(task.payload.clone()),
            error: Some(f.message.clone()),
            failure_code: Some(f.code.clone()),
            started_at: Some(task.created_at),
            finished_at: Some(now),
            ..Default::default()
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            expect_status: Some(vec![RunStatus::Running]),
            finish: vec![w.fence()],
            tasks: vec![TaskWrite {
                task: HumanTaskRecord {
                    status: "expired".into(),
                    completed_at: Some(now),
                    ..task
                },
                expect_pending: true,
            }],
            steps: vec![rec.clone()],
            events: vec![NewEvent::new(
                "step_failed",
                Some(&step.step.id),
                json!({"error": f.message, "failure_code": f.code, "attempt": w.attempt, "will_retry": false}),
            )],
            terminate: Some(self.failure_termination(&step.step.id, &f)),
            ..Default::default()
        };
        match self.commit_or_drop(commit).await? {
            Some(_) => {
                self.cancel_everywhere(&w.run_id).await;
                Ok(Vec::new())
            }
            None => self.drop_work(w).await,
        }
    }

    async fn drain_deadline(&self, w: &ClaimedWork) -> EngineResult<Vec<ClaimedWork>> {
        let commit = Commit {
            run_id: w.run_id.clone(),
            expect_status: Some(vec![RunStatus::Draining]),
            finish: vec![w.fence()],
            terminate: Some(Termination {
                status: RunStatus::Failed,
                failure_code: Some("DRAIN_TIMEOUT".into()),
                error: Some("in-flight steps did not finish before the drain timeout".into()),
                cancel_reason: "run_stopped".into(),
                skip_reason: "blocked".into(),
                caused_by_step_id: None,
            }),
            ..Default::default()
        };
        if self.commit_or_drop(commit).await?.is_some() {
            self.cancel_everywhere(&w.run_id).await;
        }
        Ok(Vec::new())
    }

    // ------------------------------------------------------------ loops

    async fn start_for_each(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        w: &ClaimedWork,
        roots: &Roots,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let StepConfig::ForEach(fe) = &step.step.config else {
            return self.drop_work(w).await;
        };
        let now = now_ms();
        let items = match step
            .fields
            .get("for_each_items")
            .map(|t| t.render(roots))
            .transpose()
        {
            Ok(v) => match v.unwrap_or(Value::Null) {
                Value::Null => Vec::new(),
                Value::Array(a) => a,
                other => vec![other],
            },
            Err(e) => {
                return self
                    .finish_failed(
                        cache,
                        step,
                        w,
                        template_failure(e),
                        AttemptInfo {
                            input: None,
                            started: now,
                            started_event: None,
                        },
                    )
                    .await;
            }
        };
        let limit = self.config.for_each_item_limit;
        if items.len() > limit {
            let f = StepFailure::permanent(
                "FOR_EACH_TOO_MANY_ITEMS",
                format!(
                    "for_each_items resolved to {} items; the limit is {limit}",
                    items.len()
                ),
            );
            return self
                .finish_failed(
                    cache,
                    step,
                    w,
                    f,
                    AttemptInfo {
                        input: None,
                        started: now,
                        started_event: None,
                    },
                )
                .await;
        }
        let max_parallel = i64::from(fe.effective_max_parallel());
        let total = items.len() as i64;
        if total == 0 {
            let result = json!({"count": 0, "max_parallel": max_parallel, "succeeded_count": 0, "failed_count": 0, "results": []});
            return self
                .complete_composite(
                    cache,
                    step,
                    w,
                    result,
                    Some(for_each_input(fe, Vec::new())),
                    now,
                    Vec::new(),
                    Vec::new(),
                )
                .await;
        }
        let first = max_parallel.min(total);
        let rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(step).into()),
            status: Some(StepStatus::Running),
            attempt: w.attempt,
            input: Some(for_each_input(fe, items.clone())),
            loop_total: Some(total),
            loop_next: Some(first),
            loop_done: Some(0),
            started_at: Some(now),
            ..Default::default()
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            steps: vec![rec.clone()],
            new_work: (0..first)
                .map(|i| NewWork {
                    step_key: format!("{}#{i}", step.step.id),
                    kind: WorkKind::Item,
                    attempt: 1,
                    available_at: now,
                })
                .collect(),
            events: vec![{
                let mut started = self.step_started(step, w);
                started.data["item_count"] = json!(total);
                started
            }],
            take: Some(self.take_lease(1)),
            ..Default::default()
        };
        if let Ok(mut m) = cache.loop_items.lock() {
            m.insert(step.step.id.clone(), Arc::new(items));
        }
        self.commit_step(cache, commit, &[rec]).await
    }

    async fn start_while(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        w: &ClaimedWork,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let now = now_ms();
        let input = match &step.step.config {
            StepConfig::While(wh) => Some(while_input(wh)),
            _ => None,
        };
        let rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(step).into()),
            status: Some(StepStatus::Running),
            attempt: w.attempt,
            input,
            started_at: Some(now),
            ..Default::default()
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            steps: vec![rec.clone()],
            new_work: vec![NewWork {
                step_key: format!("{}#0", step.step.id),
                kind: WorkKind::Item,
                attempt: 1,
                available_at: now,
            }],
            events: vec![self.step_started(step, w)],
            take: Some(self.take_lease(1)),
            ..Default::default()
        };
        self.commit_step(cache, commit, &[rec]).await
    }

    /// Completes a loop step with `result` (plus any item/iteration states in `extra`, and
    /// the inner steps' `events` of the last iteration, committed before its own).
    #[allow(clippy::too_many_arguments)]
    async fn complete_composite(
        &self,
        cache: &RunCache,
        step: &CompiledStep,
        w: &ClaimedWork,
        result: Value,
        input: Option<Value>,
        started: i64,
        mut extra: Vec<StepRecord>,
        mut events: Vec<NewEvent>,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let rec = StepRecord {
            step_key: step.step.id.clone(),
            step_type: Some(step_type_name(step).into()),
            status: Some(StepStatus::Completed),
            attempt: w.attempt.max(1),
            input,
            result: Some(result.clone()),
            started_at: Some(started),
            finished_at: Some(now_ms()),
            ..Default::default()
        };
        let event =
            step_events::step_completed(&rec, json!({"result": result, "attempt": rec.attempt}));
        extra.push(rec.clone());
        events.push(event);
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            steps: extra,
            done: vec![StepDone {
                step_key: step.step.id.clone(),
                dependants: step.dependants.clone(),
            }],
            events,
            take: Some(self.take_lease(1)),
            ..Default::default()
        };
        self.commit_step(cache, commit, &[rec]).await
    }

    async fn process_item(
        self: &Arc<Self>,
        cache: &Arc<RunCache>,
        w: &ClaimedWork,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let Some((parent_id, index)) = w.step_key.rsplit_once('#') else {
            return self.drop_work(w).await;
        };
        let Ok(index) = index.parse::<usize>() else {
            return self.drop_work(w).await;
        };
        let Some(parent) = cache.graph.step(parent_id).cloned() else {
            return self.drop_work(w).await;
        };
        // The parent's state comes from the cache when this node started the loop; the store
        // is asked otherwise. A parent that is no longer running takes no more items (and
        // its queue rows are gone, so a stale item could not commit anyway).
        let cached_running = cache
            .status(parent_id)
            .is_some_and(|s| s == StepStatus::Running)
            && cache
                .loop_items
                .lock()
                .is_ok_and(|m| m.contains_key(parent_id));
        let parent_state = if cached_running && matches!(parent.step.config, StepConfig::ForEach(_))
        {
            None
        } else {
            let Some(state) = self.store.step_state(&w.run_id, parent_id).await? else {
                return self.drop_work(w).await;
            };
            if state.status() != StepStatus::Running {
                return self.drop_work(w).await;
            }
            Some(state)
        };
        match &parent.step.config {
            StepConfig::ForEach(fe) => {
                self.run_for_each_item(cache, &parent, fe.error_policy, parent_state, w, index)
                    .await
            }
            StepConfig::While(_) => match parent_state {
                Some(state) => {
                    self.run_while_iteration(cache, &parent, state, w, index)
                        .await
                }
                None => self.drop_work(w).await,
            },
            _ => self.drop_work(w).await,
        }
    }

    /// Runs a loop body once, for the item or iteration `w` (number `index`), under its
    /// lease. `Err(None)` = cancelled (the run ended, or the lease was lost).
    ///
    /// The inner steps' events (`step_started` / `step_completed` / `step_failed` with
    /// `step_id` `<parent>#body#<inner>` and `index`, docs/contract.md §7) are pushed on
    /// `events`, for the caller to commit with the item's outcome: one commit per item
    /// keeps a fan-out of thousands of items at one write each.
    async fn run_body(
        &self,
        cache: &RunCache,
        parent: &CompiledStep,
        base: &Roots,
        w: &ClaimedWork,
        index: usize,
        events: &mut Vec<NewEvent>,
    ) -> Result<(Map<String, Value>, Value), Option<StepFailure>> {
        let mut body = Map::new();
        let mut last = Value::Null;
        for inner in &parent.body {
            let event_step = inner_step_id(&parent.step.id, &inner.step.id);
            let inner_event = |kind: &str, mut data: Value| {
                data["index"] = json!(index);
                NewEvent::new(kind, Some(&event_step), data)
            };
            let mut roots = base.clone();
            roots.0.insert("body".into(), Value::Object(body.clone()));
            let skip = if !inner.step.enabled {
                Some("step_disabled")
            } else {
                match &inner.condition {
                    Some(c) => {
                        let value = c.render(&roots).map_err(|e| {
                            let f = template_failure(e);
                            events.push(inner_failed(&inner_event, &f, 1, false));
                            Some(f)
                        })?;
                        (!is_truthy(&value)).then_some("condition_false")
                    }
                    None => None,
                }
            };
            if let Some(reason) = skip {
                events.push(inner_event(
                    "step_completed",
                    json!({"skipped": true, "reason": reason}),
                ));
                body.insert(inner.step.id.clone(), Value::Null);
                continue;
            }
            let inputs = self.resolve_inputs(inner, &roots).map_err(|f| {
                events.push(inner_failed(&inner_event, &f, 1, false));
                Some(f)
            })?;
            let mut globals = roots.0.clone();
            if let Some(w) = globals.remove("while") {
                globals.insert("loop".into(), w);
            }
            let mut attempt: i64 = 1;
            let value = loop {
                let key = format!(
                    "{}:{}/{}:{attempt}",
                    cache.run.id, w.step_key, inner.step.id
                );
                let started_event = inner_event("step_started", json!({"attempt": attempt}));
                if self.reports_progress(inner) {
                    // Its executor's own events are written as they happen: its start
                    // goes first, not with the item's outcome.
                    let mark = Commit {
                        run_id: w.run_id.clone(),
                        check: vec![w.fence()],
                        events: vec![started_event],
                        ..Default::default()
                    };
                    if self.commit_or_drop(mark).await.ok().flatten().is_none() {
                        return Err(None);
                    }
                } else {
                    events.push(started_event);
                }
                let started = now_ms();
                match self
                    .call(
                        cache,
                        inner,
                        inputs.clone(),
                        globals.clone(),
                        attempt,
                        key,
                        w.fence(),
                    )
                    .await
                {
                    CallOutcome::Done(v) => {
                        events.push(inner_event(
                            "step_completed",
                            json!({"result": v, "attempt": attempt, "duration_ms": now_ms() - started}),
                        ));
                        break v;
                    }
                    CallOutcome::Cancelled => return Err(None),
                    CallOutcome::Failed(f)
                        if f.transient && attempt <= i64::from(inner.step.retry_count) =>
                    {
                        events.push(inner_failed(&inner_event, &f, attempt, true));
                        tokio::select! {
                            _ = cache.cancel.cancelled() => return Err(None),
                            _ = tokio::time::sleep(self.backoff(attempt)) => {}
                        }
                        attempt += 1;
                    }
                    CallOutcome::Failed(f) => {
                        events.push(inner_failed(&inner_event, &f, attempt, false));
                        return Err(Some(StepFailure {
                            message: format!("{}: {}", inner.step.id, f.message),
                            ..f
                        }));
                    }
                }
            };
            body.insert(inner.step.id.clone(), value.clone());
            last = value;
        }
        Ok((body, last))
    }

    async fn loop_items(
        &self,
        cache: &RunCache,
        parent_id: &str,
        state: Option<&StepRecord>,
    ) -> Arc<Vec<Value>> {
        if let Some(items) = cache
            .loop_items
            .lock()
            .ok()
            .and_then(|m| m.get(parent_id).cloned())
        {
            return items;
        }
        let items = match state
            .and_then(|s| s.input.as_ref())
            // `items`: the key of runs stored before the input took the graph's names.
            .and_then(|i| i.get("for_each_items").or_else(|| i.get("items")))
        {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let items = Arc::new(items);
        if let Ok(mut m) = cache.loop_items.lock() {
            m.insert(parent_id.to_string(), items.clone());
        }
        items
    }

    async fn run_for_each_item(
        self: &Arc<Self>,
        cache: &Arc<RunCache>,
        parent: &CompiledStep,
        policy: ErrorPolicy,
        parent_state: Option<StepRecord>,
        w: &ClaimedWork,
        index: usize,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let items = self
            .loop_items(cache, &parent.step.id, parent_state.as_ref())
            .await;
        let Some(item) = items.get(index).cloned() else {
            return self.drop_work(w).await;
        };
        let mut roots = self.item_roots(cache, parent);
        roots.0.insert("item".into(), item.clone());
        roots.0.insert("index".into(), json!(index));
        roots
            .0
            .insert("foreach".into(), json!({"item": item, "index": index}));
        if let Some(Value::Object(steps)) = roots.0.get_mut("steps") {
            steps.insert(
                parent.step.id.clone(),
                json!({"item": item, "index": index}),
            );
        }
        let started = now_ms();
        let mut events = Vec::new();
        let outcome = self
            .run_body(cache, parent, &roots, w, index, &mut events)
            .await;
        let item_rec = |status: StepStatus, result: Value, f: Option<&StepFailure>| StepRecord {
            step_key: w.step_key.clone(),
            parent_key: Some(parent.step.id.clone()),
            item_index: Some(index as i64),
            status: Some(status),
            attempt: w.attempt,
            result: Some(result),
            error: f.map(|f| f.message.clone()),
            failure_code: f.map(|f| f.code.clone()),
            started_at: Some(started),
            finished_at: Some(now_ms()),
            ..Default::default()
        };
        match outcome {
            Err(None) => Ok(Vec::new()),
            Ok((body, last)) => {
                let rec = item_rec(
                    StepStatus::Completed,
                    json!({"index": index, "body": body, "result": last}),
                    None,
                );
                let commit = Commit {
                    run_id: w.run_id.clone(),
                    finish: vec![w.fence()],
                    steps: vec![rec],
                    items_done: vec![ItemDone {
                        parent_key: parent.step.id.clone(),
                    }],
                    events,
                    take: Some(self.take_lease(1)),
                    ..Default::default()
                };
                Ok(self
                    .commit_or_drop(commit)
                    .await?
                    .map(|o| o.taken)
                    .unwrap_or_default())
            }
            Err(Some(f)) => {
                let rec = item_rec(
                    StepStatus::Failed,
                    json!({"index": index, "error": f.message}),
                    Some(&f),
                );
                if policy == ErrorPolicy::ContinueOnError {
                    let commit = Commit {
                        run_id: w.run_id.clone(),
                        finish: vec![w.fence()],
                        steps: vec![rec],
                        items_done: vec![ItemDone {
                            parent_key: parent.step.id.clone(),
                        }],
                        events,
                        take: Some(self.take_lease(1)),
                        ..Default::default()
                    };
                    return Ok(self
                        .commit_or_drop(commit)
                        .await?
                        .map(|o| o.taken)
                        .unwrap_or_default());
                }
                let f = StepFailure {
                    message: format!("item {index}: {}", f.message),
                    ..f
                };
                let parent_state = match parent_state {
                    Some(s) => s,
                    None => self
                        .store
                        .step_state(&w.run_id, &parent.step.id)
                        .await?
                        .unwrap_or_default(),
                };
                self.fail_composite(cache, parent, &parent_state, w, rec, events, f)
                    .await
            }
        }
    }

    /// A loop failed (fail-fast item, failed iteration): the loop step fails and so does
    /// the run; other items in flight are cancelled.
    #[allow(clippy::too_many_arguments)]
    async fn fail_composite(
        &self,
        cache: &RunCache,
        parent: &CompiledStep,
        parent_state: &StepRecord,
        w: &ClaimedWork,
        item: StepRecord,
        mut events: Vec<NewEvent>,
        f: StepFailure,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let rec = StepRecord {
            step_key: parent.step.id.clone(),
            step_type: Some(step_type_name(parent).into()),
            status: Some(StepStatus::Failed),
            attempt: parent_state.attempt,
            input: parent_state.input.clone(),
            error: Some(f.message.clone()),
            failure_code: Some(f.code.clone()),
            started_at: parent_state.started_at,
            finished_at: Some(now_ms()),
            ..Default::default()
        };
        let commit = Commit {
            run_id: w.run_id.clone(),
            finish: vec![w.fence()],
            steps: vec![item, rec.clone()],
            events: {
                events.push(NewEvent::new(
                    "step_failed",
                    Some(&parent.step.id),
                    json!({"error": f.message, "failure_code": f.code, "attempt": parent_state.attempt, "will_retry": false}),
                ));
                events
            },
            terminate: Some(self.failure_termination(&parent.step.id, &f)),
            ..Default::default()
        };
        let taken = self.commit_step(cache, commit, &[rec]).await?;
        self.cancel_everywhere(&w.run_id).await;
        Ok(taken)
    }

    async fn finalize_for_each(
        &self,
        cache: &RunCache,
        w: &ClaimedWork,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let Some(step) = cache.graph.step(&w.step_key).cloned() else {
            return self.drop_work(w).await;
        };
        let StepConfig::ForEach(fe) = &step.step.config else {
            return self.drop_work(w).await;
        };
        let Some(state) = self.store.step_state(&w.run_id, &w.step_key).await? else {
            return self.drop_work(w).await;
        };
        if state.status() != StepStatus::Running {
            return self.drop_work(w).await;
        }
        let total = state.loop_total.unwrap_or(0);
        let items = self.store.step_states(&w.run_id, Some(&w.step_key)).await?;
        let items: Vec<&StepRecord> = items
            .iter()
            .filter(|r| r.item_index.is_some_and(|i| i < total))
            .collect();
        let succeeded = items
            .iter()
            .filter(|r| r.status() == StepStatus::Completed)
            .count();
        let failed = items
            .iter()
            .filter(|r| r.status() == StepStatus::Failed)
            .count();
        let results: Vec<Value> = items
            .iter()
            .map(|r| r.result.clone().unwrap_or(Value::Null))
            .collect();
        let result = json!({
            "count": total,
            "max_parallel": fe.effective_max_parallel(),
            "succeeded_count": succeeded,
            "failed_count": failed,
            "results": results,
        });
        let w_parent = ClaimedWork {
            attempt: state.attempt,
            ..w.clone()
        };
        self.complete_composite(
            cache,
            &step,
            &w_parent,
            result,
            state.input.clone(),
            state.started_at.unwrap_or_else(now_ms),
            Vec::new(),
            Vec::new(),
        )
        .await
    }

    async fn run_while_iteration(
        self: &Arc<Self>,
        cache: &Arc<RunCache>,
        parent: &CompiledStep,
        parent_state: StepRecord,
        w: &ClaimedWork,
        index: usize,
    ) -> EngineResult<Vec<ClaimedWork>> {
        let StepConfig::While(wh) = &parent.step.config else {
            return self.drop_work(w).await;
        };
        let max = wh.max_iterations.unwrap_or(1).max(1) as usize;
        let prev = if index > 0 {
            self.store
                .step_state(&w.run_id, &format!("{}#{}", parent.step.id, index - 1))
                .await?
                .and_then(|r| r.result)
                .and_then(|r| r.get("body").cloned())
                .unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let mut roots = self.base_roots(cache, parent, true);
        roots
            .0
            .insert("while".into(), json!({"iteration": index, "prev": prev}));
        let started = now_ms();
        let iter_rec = |status: StepStatus, result: Value, f: Option<&StepFailure>| StepRecord {
            step_key: w.step_key.clone(),
            parent_key: Some(parent.step.id.clone()),
            item_index: Some(index as i64),
            status: Some(status),
            attempt: w.attempt,
            result: Some(result),
            error: f.map(|f| f.message.clone()),
            failure_code: f.map(|f| f.code.clone()),
            started_at: Some(started),
            finished_at: Some(now_ms()),
            ..Default::default()
        };
        let mut events = Vec::new();
        let outcome = self
            .run_body(cache, parent, &roots, w, index, &mut events)
            .await;
        let (body, _last) = match outcome {
            Err(None) => return Ok(Vec::new()),
            Err(Some(f)) => {
                let rec = iter_rec(
                    StepStatus::Failed,
                    json!({"iteration": index, "error": f.message}),
                    Some(&f),
                );
                let f = StepFailure {
                    message: format!("iteration {index}: {}", f.message),
                    ..f
                };
                return self
                    .fail_composite(cache, parent, &parent_state, w, rec, events, f)
                    .await;
            }
            Ok(v) => v,
        };
        roots.0.insert("body".into(), Value::Object(body.clone()));
        let cond = match self.while_condition(parent, wh, &roots).await {
            Ok(c) => c,
            Err(f) => {
                let rec = iter_rec(
                    StepStatus::Failed,
                    json!({"iteration": index, "error": f.message}),
                    Some(&f),
                );
                return self
                    .fail_composite(cache, parent, &parent_state, w, rec, events, f)
                    .await;
            }
        };
        let met = match wh.mode {
            WhileMode::Until => cond,
            WhileMode::While => !cond,
        };
        let rec = iter_rec(
            StepStatus::Completed,
            json!({"iteration": index, "body": body}),
            None,
        );
        if !met && index + 1 < max {
            let commit = Commit {
                run_id: w.run_id.clone(),
                finish: vec![w.fence()],
                steps: vec![rec],
                events,
                new_work: vec![NewWork {
                    step_key: format!("{}#{}", parent.step.id, index + 1),
                    kind: WorkKind::Item,
                    attempt: 1,
                    available_at: now_ms(),
                }],
                take: Some(self.take_lease(1)),
                ..Default::default()
            };
            return Ok(self
                .commit_or_drop(commit)
                .await?
                .map(|o| o.taken)
                .unwrap_or_default());
        }
        let earlier = self
            .store
            .step_states(&w.run_id, Some(&parent.step.id))
            .await?;
        let mut iterations: Vec<Value> = earlier
            .iter()
            .filter(|r| r.item_index.is_some_and(|i| i < index as i64))
            .map(|r| {
                r.result
                    .as_ref()
                    .and_then(|v| v.get("body").cloned())
                    .unwrap_or(Value::Null)
            })
            .collect();
        iterations.push(Value::Object(body.clone()));
        let result = json!({
            "iteration_count": index + 1,
            "max_iterations": max,
            "stopped_reason": if met { "condition_met" } else { "max_iterations" },
            "last": body,
            "iterations": iterations,
        });
        let w_parent = ClaimedWork {
            attempt: parent_state.attempt,
            ..w.clone()
        };
        self.complete_composite(
            cache,
            parent,
            &w_parent,
            result,
            parent_state.input.clone(),
            parent_state.started_at.unwrap_or(started),
            vec![rec],
            events,
        )
        .await
    }

    /// The loop condition after an iteration: `while_eval_script` (`{pass = bool}`) wins
    /// over `while_condition`; with neither, the condition is false.
    async fn while_condition(
        &self,
        parent: &CompiledStep,
        wh: &ar_model::graph::While,
        roots: &Roots,
    ) -> Result<bool, StepFailure> {
        if let Some(script) = &wh.eval_script {
            let mut globals = roots.0.clone();
            if let Some(w) = globals.remove("while") {
                globals.insert("loop".into(), w);
            }
            let limits = self.config.lua_limits.clone();
            let script = script.clone();
            let out =
                tokio::task::spawn_blocking(move || run_lua(&limits, &script, &globals, None))
                    .await
                    .map_err(|e| {
                        StepFailure::permanent(
                            "LUA_ERROR",
                            format!("Lua worker thread failed: {e}"),
                        )
                    })??;
            return Ok(out.get("pass").is_some_and(is_truthy));
        }
        match parent.fields.get("while_condition") {
            Some(t) => Ok(is_truthy(&t.render(roots).map_err(template_failure)?)),
            None => Ok(false),
        }
    }
}
