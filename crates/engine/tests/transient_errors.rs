//! A store hiccup while a step commits (a failed write that is neither a lost lease nor a
//! conflict) must not strand the work until its lease expires: the engine puts it back in
//! the queue and retries it about a second later, as the same attempt. The store here is
//! the real SQLite store behind a wrapper that refuses chosen commits.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ar_engine::*;
use ar_store::{
    ClaimedWork, Commit, CommitOutcome, CreatedRun, EventRecord, HandBack, HumanTaskRecord, NewRun,
    StepRecord, StoreError, StoreResult, Wakeup, WorkFence,
};
use async_trait::async_trait;
use serde_json::{Value, json};
use support::*;
use tokio::sync::broadcast;

/// Delegates to `inner`, but refuses the first `failures` commits that complete `step`.
struct HiccupStore {
    inner: Arc<dyn Store>,
    step: String,
    failures: AtomicUsize,
}

#[async_trait]
impl Store for HiccupStore {
    fn backend(&self) -> ar_store::Backend {
        self.inner.backend()
    }
    async fn create_run(&self, run: NewRun) -> StoreResult<CreatedRun> {
        self.inner.create_run(run).await
    }
    async fn commit(&self, commit: Commit) -> StoreResult<CommitOutcome> {
        let completes_step = commit
            .steps
            .iter()
            .any(|s| s.step_key == self.step && s.status == Some(StepStatus::Completed));
        if completes_step
            && self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(StoreError::Invalid("injected: the write failed".into()));
        }
        self.inner.commit(commit).await
    }
    async fn claim(
        &self,
        owner: &str,
        limit: usize,
        lease: Duration,
    ) -> StoreResult<Vec<ClaimedWork>> {
        self.inner.claim(owner, limit, lease).await
    }
    async fn extend_leases(
        &self,
        fences: &[WorkFence],
        lease: Duration,
    ) -> StoreResult<Vec<WorkFence>> {
        self.inner.extend_leases(fences, lease).await
    }
    async fn hand_back(&self, owner: &str, work: &[HandBack]) -> StoreResult<u64> {
        self.inner.hand_back(owner, work).await
    }
    async fn release_all_leases(&self) -> StoreResult<u64> {
        self.inner.release_all_leases().await
    }
    async fn next_wakeup(&self) -> StoreResult<Option<i64>> {
        self.inner.next_wakeup().await
    }
    async fn queue_stats(&self, now: i64) -> StoreResult<ar_store::QueueStats> {
        self.inner.queue_stats(now).await
    }
    async fn get_run(&self, run_id: &str) -> StoreResult<Option<RunRecord>> {
        self.inner.get_run(run_id).await
    }
    async fn run_by_client_id(
        &self,
        workflow_id: &str,
        client_run_id: &str,
    ) -> StoreResult<Option<RunRecord>> {
        self.inner
            .run_by_client_id(workflow_id, client_run_id)
            .await
    }
    async fn runs_with_status(&self, statuses: &[RunStatus]) -> StoreResult<Vec<String>> {
        self.inner.runs_with_status(statuses).await
    }
    async fn runs_of_workflow_since(
        &self,
        workflow_id: &str,
        created_since: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        self.inner
            .runs_of_workflow_since(workflow_id, created_since, limit)
            .await
    }
    async fn get_graph(&self, hash: &str) -> StoreResult<Option<Value>> {
        self.inner.get_graph(hash).await
    }
    async fn step_states(
        &self,
        run_id: &str,
        parent: Option<&str>,
    ) -> StoreResult<Vec<StepRecord>> {
        self.inner.step_states(run_id, parent).await
    }
    async fn step_state(&self, run_id: &str, step_key: &str) -> StoreResult<Option<StepRecord>> {
        self.inner.step_state(run_id, step_key).await
    }
    async fn events(
        &self,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>> {
        self.inner.events(run_id, after_seq, limit).await
    }
    async fn human_task(
        &self,
        run_id: &str,
        step_id: &str,
    ) -> StoreResult<Option<HumanTaskRecord>> {
        self.inner.human_task(run_id, step_id).await
    }
    async fn pending_human_tasks(&self, limit: i64) -> StoreResult<Vec<HumanTaskRecord>> {
        self.inner.pending_human_tasks(limit).await
    }
    fn wakeups(&self) -> Option<broadcast::Receiver<Wakeup>> {
        self.inner.wakeups()
    }
    async fn broadcast_cancel(&self, run_id: &str) -> StoreResult<()> {
        self.inner.broadcast_cancel(run_id).await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_is_retried_soon_as_the_same_attempt() {
    let db = TestDb::new(Backend::SqliteFile).await;
    let store: Arc<dyn Store> = Arc::new(HiccupStore {
        inner: db.open().await,
        step: "second".into(),
        failures: AtomicUsize::new(1),
    });
    // A lease far longer than the test may take: only the requeue can finish in time.
    let config = EngineConfig {
        lease: Duration::from_secs(60),
        ..test_config()
    };
    let probe = Arc::new(Probe::default());
    let engine = engine_on(store.clone(), config, probe.clone()).await;
    let g = json!({"steps": [
        tool("first", "echo", json!({"n": 1}), &[]),
        tool("second", "echo", json!({"n": 2}), &["first"]),
    ]});
    let began = Instant::now();
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    let done = engine
        .wait_for_run(&run.id, Duration::from_secs(10))
        .await
        .expect("the run finishes long before the lease would expire");
    assert_eq!(done.status, RunStatus::Completed);
    assert!(
        began.elapsed() >= Duration::from_millis(900),
        "the retry waited about a second"
    );
    let ctx = engine.run_context(&run.id).await.expect("context");
    assert_eq!(
        step(&ctx, "second")["attempt"],
        json!(1),
        "a store hiccup is not a failed attempt"
    );
    assert_eq!(step(&ctx, "second")["result"], json!({"n": 2}));
    assert_eq!(
        probe.calls("second"),
        2,
        "the step ran again after its commit was refused"
    );
    assert_eq!(probe.calls("first"), 1);
    engine.shutdown().await;
    store.close().await;
    db.cleanup().await;
}
