//! One workload measured inside this process (a child of the bench binary, so that its
//! peak RSS is its own): a fresh store, an engine whose `lua_script` executor is timed,
//! one warm-up run, then the timed runs. The result is printed as one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ar_engine::{Engine, EngineConfig, Executors, LuaExecutor, StartRun, Store};
use ar_store::EventRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::broadcast;

use super::backend::{self, Backend};
use super::memory::{self, Rss};
use super::timing::{self, TimingExecutor};
use super::workloads::Workload;

/// The longest a single run may take before the benchmark gives up.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// What one child process measured, handed to the parent as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    pub workload: String,
    pub backend: String,
    /// Engine wall time of each timed run, in nanoseconds (hitl-resume: approval → B
    /// finished).
    pub wall_ns: Vec<u64>,
    /// Per-step engine overhead samples over all timed runs, in nanoseconds.
    pub overhead_ns: Vec<u64>,
    /// The process's resident set after the last run.
    pub rss: Option<Rss>,
    /// Memory mode: the resident set after so many completed runs.
    pub memory_points: Vec<MemoryPoint>,
}

/// The resident set after `runs` completed runs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct MemoryPoint {
    pub runs: usize,
    pub rss: Rss,
}

/// What a child is asked to do.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    /// `runs` timed runs of a workload.
    Workload(Workload, usize),
    /// `total` chain-40 runs back to back, the resident set noted after each checkpoint.
    Memory { total: usize },
}

/// Runs `job` on a fresh store of `backend` on a new tokio runtime.
pub fn run(job: Job, backend: Backend) -> anyhow::Result<Measurement> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    runtime.block_on(async move {
        let opened = backend::open(backend).await?;
        let outcome = measure(job, backend, opened.store.clone()).await;
        let cleaned = opened.cleanup().await;
        let measurement = outcome?;
        cleaned?;
        Ok(measurement)
    })
}

async fn measure(job: Job, backend: Backend, store: Arc<dyn Store>) -> anyhow::Result<Measurement> {
    let config = EngineConfig::default();
    let timer = Arc::new(TimingExecutor::new(Arc::new(LuaExecutor {
        limits: config.lua_limits.clone(),
    })));
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    executors.register("lua_script", timer.clone());
    let engine = Engine::start(store, config, executors)
        .await
        .context("starting the engine")?;
    let outcome = match job {
        Job::Workload(workload, runs) => timed_runs(&engine, &timer, workload, runs, backend).await,
        Job::Memory { total } => memory_runs(&engine, &timer, total, backend).await,
    };
    engine.shutdown().await;
    outcome
}

async fn timed_runs(
    engine: &Engine,
    timer: &TimingExecutor,
    workload: Workload,
    runs: usize,
    backend: Backend,
) -> anyhow::Result<Measurement> {
    run_to_end(engine, warmup_start()?).await?;
    let mut wall_ns = Vec::with_capacity(runs);
    let mut overhead_ns = Vec::new();
    for _ in 0..runs.max(1) {
        timer.take_spans();
        let graph = workload.graph()?;
        let (wall, overhead) = if workload == Workload::HitlResume {
            let wall = hitl_resume(engine, workload, graph).await?;
            // B's own executor time is the only step work inside the figure.
            let executor: Duration = timer
                .take_spans()
                .last()
                .map(|s| s.exited - s.entered)
                .unwrap_or_default();
            (wall, vec![wall.saturating_sub(executor)])
        } else {
            let (wall, run_id) = run_to_end(engine, StartRun::new(graph, json!({}))).await?;
            workload.check(&engine.run_context(&run_id).await?)?;
            let spans = timer.take_spans();
            let gaps = match workload {
                Workload::Fanout1000 | Workload::Fanout10000 => timing::lane_gaps(&spans),
                _ => timing::lane_gaps(&timing::as_one_lane(&spans)),
            };
            (wall, gaps)
        };
        wall_ns.push(nanos(wall));
        overhead_ns.extend(overhead.into_iter().map(nanos));
    }
    Ok(Measurement {
        workload: workload.name().to_string(),
        backend: backend.name().to_string(),
        wall_ns,
        overhead_ns,
        rss: memory::read(),
        memory_points: Vec::new(),
    })
}

async fn memory_runs(
    engine: &Engine,
    timer: &TimingExecutor,
    total: usize,
    backend: Backend,
) -> anyhow::Result<Measurement> {
    let checkpoints = memory_checkpoints(total);
    let mut memory_points = Vec::new();
    for done in 1..=total {
        let (_, run_id) =
            run_to_end(engine, StartRun::new(Workload::Chain40.graph()?, json!({}))).await?;
        // The spans are not needed here; left to pile up they would be the growth measured.
        timer.take_spans();
        if done == 1 {
            Workload::Chain40.check(&engine.run_context(&run_id).await?)?;
        }
        if checkpoints.contains(&done)
            && let Some(rss) = memory::read()
        {
            memory_points.push(MemoryPoint { runs: done, rss });
        }
    }
    Ok(Measurement {
        workload: "memory".to_string(),
        backend: backend.name().to_string(),
        wall_ns: Vec::new(),
        overhead_ns: Vec::new(),
        rss: memory::read(),
        memory_points,
    })
}

/// After how many runs memory mode notes the resident set: 10 %, 50 % and 100 % of the
/// total (200, 1,000 and 2,000 for the default 2,000).
pub fn memory_checkpoints(total: usize) -> Vec<usize> {
    let mut points: Vec<usize> = [total / 10, total / 2, total]
        .into_iter()
        .filter(|n| *n > 0)
        .collect();
    points.dedup();
    points
}

fn warmup_start() -> anyhow::Result<StartRun> {
    Ok(StartRun::new(super::workloads::warmup_graph()?, json!({})))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Starts a run and waits for its terminal event; the time covers `start_run` (the run is
/// written) up to the `run_completed` event being received. Fails unless it completed.
async fn run_to_end(engine: &Engine, start: StartRun) -> anyhow::Result<(Duration, String)> {
    let mut events = engine.subscribe();
    let began = Instant::now();
    let run = engine.start_run(start).await.context("starting a run")?;
    let terminal = wait_for_event(engine, &mut events, &run.id, |e| {
        matches!(
            e.kind.as_str(),
            "run_completed" | "run_failed" | "run_stopped"
        )
    })
    .await?;
    let elapsed = began.elapsed();
    if terminal != "run_completed" {
        bail!("run {} ended with {terminal}", run.id);
    }
    Ok((elapsed, run.id))
}

/// Waits for an event of `run_id` matching `wanted` and returns its kind. Event broadcasts
/// are not stored: when this receiver lagged behind, the run's stored events are read.
async fn wait_for_event(
    engine: &Engine,
    events: &mut broadcast::Receiver<EventRecord>,
    run_id: &str,
    wanted: impl Fn(&EventRecord) -> bool,
) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + RUN_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, events.recv())
            .await
            .with_context(|| format!("run {run_id} did not get there within {RUN_TIMEOUT:?}"))?;
        match next {
            Ok(event) if event.run_id == run_id && wanted(&event) => return Ok(event.kind),
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let stored = engine.store().events(run_id, 0, i64::MAX).await?;
                if let Some(event) = stored.into_iter().find(|e| wanted(e)) {
                    return Ok(event.kind);
                }
            }
            Err(broadcast::error::RecvError::Closed) => bail!("the engine stopped"),
        }
    }
}

/// One hitl-resume run: start, wait for the human task, then time the approval up to B's
/// `step_completed` event.
async fn hitl_resume(
    engine: &Engine,
    workload: Workload,
    graph: ar_model::graph::Graph,
) -> anyhow::Result<Duration> {
    let run = engine
        .start_run(StartRun::new(graph, json!({})))
        .await
        .context("starting a run")?;
    let parked = Instant::now();
    while engine.store().human_task(&run.id, "h").await?.is_none() {
        if parked.elapsed() > RUN_TIMEOUT {
            bail!("run {} never reached its human task", run.id);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut events = engine.subscribe();
    let began = Instant::now();
    engine
        .complete_task(&run.id, "h", true, None, None)
        .await
        .context("approving the human task")?;
    wait_for_event(engine, &mut events, &run.id, |e| {
        e.kind == "step_completed" && e.step_id.as_deref() == Some("b")
    })
    .await?;
    let latency = began.elapsed();
    let mut tail = engine.subscribe();
    if engine
        .store()
        .get_run(&run.id)
        .await?
        .is_some_and(|r| !r.status.is_terminal())
    {
        wait_for_event(engine, &mut tail, &run.id, |e| {
            e.kind.starts_with("run_") && e.kind != "run_started"
        })
        .await?;
    }
    workload.check(&engine.run_context(&run.id).await?)?;
    Ok(latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_checkpoints_are_a_tenth_half_and_all_of_the_runs() {
        let cases: [(usize, &[usize]); 4] = [
            (2_000, &[200, 1_000, 2_000]),
            (100, &[10, 50, 100]),
            (5, &[2, 5]),
            (1, &[1]),
        ];
        for (total, expected) in cases {
            assert_eq!(memory_checkpoints(total), expected, "total {total}");
        }
    }

    #[test]
    fn a_chain_run_yields_one_wall_time_and_a_gap_between_each_pair_of_steps() {
        let m = run(Job::Workload(Workload::Chain40, 2), Backend::Sqlite).expect("measured");
        assert_eq!(m.wall_ns.len(), 2);
        // 40 executor calls in a row per run: 39 gaps each, the warm-up run not counted.
        assert_eq!(m.overhead_ns.len(), 2 * 39);
        assert!(m.rss.is_some_and(|r| r.peak_kb > 0));
    }
}
