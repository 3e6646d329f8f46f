//! Helpers of the `run` and crash tests: spawning the real binary with its output in
//! files, the execution log of the test hooks (`AR_TEST_EXECUTION_LOG`), and reading the
//! store a (dead) process left behind.

#![allow(dead_code)] // each test crate uses a different subset

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_store::{EventRecord, RunRecord, StepRecord, StepStatus, Store};
use serde_json::Value;

/// Longest wait for anything a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_agentruntime")
}

/// A running `agentruntime` whose stdout/stderr go to files.
pub struct Proc {
    pub child: Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    /// Its `AR_TEST_EXECUTION_LOG`.
    pub log: PathBuf,
}

/// How a process ended, with its output.
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ended {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Spawns `agentruntime args…` in `dir` with stdin closed and the given environment;
/// `name` names its output and execution-log files inside `dir`.
pub fn spawn(dir: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
    let stdout = dir.join(format!("{name}.stdout"));
    let stderr = dir.join(format!("{name}.stderr"));
    let log = dir.join(format!("{name}.executions"));
    let file =
        |p: &Path| std::fs::File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file(&stdout))
        .stderr(file(&stderr))
        .env("AR_TEST_EXECUTION_LOG", &log)
        .env_remove("AR_FAILPOINT")
        .env_remove("AR_TEST_STEP_DELAY_MS");
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().expect("spawn agentruntime");
    Proc {
        child,
        stdout,
        stderr,
        log,
    }
}

impl Proc {
    /// Waits for the process to end by itself.
    pub fn wait(mut self) -> Ended {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return self.ended(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "agentruntime did not finish; stderr:\n{}",
                    read(&self.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILLs the process and reaps it.
    pub fn kill(mut self) -> Ended {
        // `Child::kill` sends SIGKILL on Unix: no cleanup, no destructors.
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("reap");
        self.ended(status)
    }

    fn ended(&self, status: ExitStatus) -> Ended {
        Ended {
            status,
            stdout: read(&self.stdout),
            stderr: read(&self.stderr),
        }
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits until `ready()` holds, failing the test if the process ends first.
    pub fn wait_until(&mut self, what: &str, mut ready: impl FnMut(&Proc) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !ready(self) {
            if !self.alive() {
                panic!(
                    "agentruntime ended before {what}; stderr:\n{}",
                    read(&self.stderr)
                );
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The run id from the `run <id> started` line, once printed.
    pub fn started_run_id(&self) -> Option<String> {
        read(&self.stderr).lines().find_map(|l| {
            let id = l.strip_prefix("run ")?.strip_suffix(" started")?;
            Some(id.to_string())
        })
    }

    pub fn executions(&self) -> Vec<Execution> {
        executions(&self.log)
    }
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// One line of the execution log: an executor call that returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub step_id: String,
    pub attempt: u64,
    /// What ran, from the idempotency key: `s3` for a top-level step, `fan#4` for an
    /// item of loop `fan`.
    pub unit: String,
}

/// The execution log at `path` (empty when nothing ran).
pub fn executions(path: &Path) -> Vec<Execution> {
    read(path)
        .lines()
        .map(|line| {
            let v: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("log line {line:?}: {e}"));
            let key = v["key"].as_str().expect("key");
            // `run:unit:attempt`; the run id has no ':'. Loop items: `run:fan#4/work:1`.
            let unit = key.split(':').nth(1).expect("unit in key");
            let unit = unit.split('/').next().expect("unit").to_string();
            Execution {
                step_id: v["step_id"].as_str().expect("step_id").to_string(),
                attempt: v["attempt"].as_u64().expect("attempt"),
                unit,
            }
        })
        .collect()
}

/// What the store holds of one run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub run: RunRecord,
    /// Top-level steps and loop items by unit (`s3`, `fan#4`).
    pub units: BTreeMap<String, StepRecord>,
    pub events: Vec<EventRecord>,
}

impl Snapshot {
    /// Units whose completion is committed (skips excluded).
    pub fn completed(&self) -> BTreeSet<String> {
        self.units
            .iter()
            .filter(|(_, r)| r.status() == StepStatus::Completed && !r.skipped)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The `step_started` events of `step`, in order: (attempt, node_id, at in unix ms).
    pub fn starts(&self, step: &str) -> Vec<(i64, String, i64)> {
        self.events
            .iter()
            .filter(|e| e.kind == "step_started" && e.step_id.as_deref() == Some(step))
            .map(|e| {
                (
                    e.data["attempt"].as_i64().expect("attempt"),
                    e.data["node_id"].as_str().expect("node_id").to_owned(),
                    e.created_at,
                )
            })
            .collect()
    }

    /// How many `step_completed` events each top-level step has.
    pub fn completions(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for e in self.events.iter().filter(|e| e.kind == "step_completed") {
            if let Some(step) = &e.step_id {
                *counts.entry(step.clone()).or_insert(0) += 1;
            }
        }
        counts
    }
}

/// Reads run `run_id` (with the items of the loops in `loops`) from `store`.
pub async fn snapshot(store: &Arc<dyn Store>, run_id: &str, loops: &[&str]) -> Snapshot {
    let run = store
        .get_run(run_id)
        .await
        .expect("get_run")
        .expect("run exists");
    let mut units = BTreeMap::new();
    for r in store.step_states(run_id, None).await.expect("steps") {
        units.insert(r.step_key.clone(), r);
    }
    for lp in loops {
        for r in store.step_states(run_id, Some(lp)).await.expect("items") {
            units.insert(r.step_key.clone(), r);
        }
    }
    let events = store.events(run_id, 0, 1_000_000).await.expect("events");
    Snapshot { run, units, events }
}

/// The end of a recovery test: every run completed, every step exactly once; and the
/// measured delays (ms) between work becoming claimable again and its re-run, printed
/// under `what` and each at most `bound_ms`.
pub fn assert_recovered(what: &str, delays: &mut [i64], bound_ms: i64, after: &[Snapshot]) {
    delays.sort();
    println!(
        "{what}: {} re-runs {delays:?} ms after the work became claimable",
        delays.len()
    );
    assert!(!delays.is_empty(), "{what}: nothing was recovered");
    assert!(
        delays.iter().all(|d| *d <= bound_ms),
        "{what}: re-run delays {delays:?} ms"
    );
    for snap in after {
        assert_eq!(
            snap.run.status,
            ar_store::RunStatus::Completed,
            "{}",
            snap.run.id
        );
        for (step, n) in snap.completions() {
            assert_eq!(n, 1, "{step} of {} completed {n} times", snap.run.id);
        }
    }
}

/// Reads the runs `run_ids` (top-level steps only) from `store`, then closes it.
pub async fn snapshots_then_close(store: Arc<dyn Store>, run_ids: &[String]) -> Vec<Snapshot> {
    let mut snaps = Vec::new();
    for id in run_ids {
        snaps.push(snapshot(&store, id, &[]).await);
    }
    store.close().await;
    snaps
}

/// Opens the SQLite store of a data dir, reads one run, closes the store.
pub fn sqlite_snapshot(data_dir: &Path, run_id: &str, loops: &[&str]) -> Snapshot {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let path = data_dir.join("agentruntime.db");
        let store = ar_store::open(path.to_str().expect("utf-8 path"))
            .await
            .expect("open store");
        let snap = snapshot(&store, run_id, loops).await;
        store.close().await;
        snap
    })
}

/// Per unit, the attempts it executed with, across the given logs.
pub fn attempts_by_unit<'a>(
    logs: impl IntoIterator<Item = &'a [Execution]>,
) -> BTreeMap<String, Vec<u64>> {
    let mut by_unit: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for log in logs {
        for e in log {
            by_unit.entry(e.unit.clone()).or_default().push(e.attempt);
        }
    }
    by_unit
}
