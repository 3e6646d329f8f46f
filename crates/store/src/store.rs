//! The [`Store`] trait: everything the engine (and later the server) needs from durable
//! storage, implemented by [`crate::SqliteStore`] and [`crate::PgStore`].

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::error::StoreResult;
use crate::types::*;

/// A hint from another node that something changed (Postgres `LISTEN/NOTIFY`). Only a
/// wake-up: the receiver re-reads the store; nothing relies on delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wakeup {
    /// Claimable work may exist.
    Work,
    /// The run was stopped or failed: cancel its in-flight steps.
    Cancel { run_id: String },
}

/// Durable storage of runs, steps, events, human tasks and the work queue.
///
/// Every write method is one transaction. Reads see committed data only.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Creates a run with its first state, events and ready work in one transaction. With
    /// a `client_run_id` that already exists for the workflow, returns that run instead
    /// (`created = false`).
    async fn create_run(&self, run: NewRun) -> StoreResult<CreatedRun>;

    /// Applies one atomic state change of a run; see [`Commit`].
    async fn commit(&self, commit: Commit) -> StoreResult<CommitOutcome>;

    /// Leases up to `limit` claimable rows to `owner` for `lease`. Rows of runs that are not
    /// `running` are not claimable (a draining run's `Drain` timer excepted). Recovered work
    /// (expired leases, handed-back rows) is claimed first, then the rest, oldest first.
    async fn claim(
        &self,
        owner: &str,
        limit: usize,
        lease: Duration,
    ) -> StoreResult<Vec<ClaimedWork>>;

    /// Pushes the expiry of leases still held; returns the fences that were lost.
    async fn extend_leases(
        &self,
        fences: &[WorkFence],
        lease: Duration,
    ) -> StoreResult<Vec<WorkFence>>;

    /// Gives these leases of `owner` back to the queue at once (see [`HandBack`]); a fence
    /// no longer held is skipped. Returns how many rows were handed back. Other nodes are
    /// woken (Postgres).
    async fn hand_back(&self, owner: &str, work: &[HandBack]) -> StoreResult<u64>;

    /// Makes every leased row claimable again as its next attempt, ahead of newer work. Only for a store one
    /// process owns (SQLite), at start-up: the previous process is gone.
    async fn release_all_leases(&self) -> StoreResult<u64>;

    /// The earliest time claimable work (or an expiring lease) will exist, if any.
    async fn next_wakeup(&self) -> StoreResult<Option<i64>>;

    /// The work queue's depth and age at `now` (ms), for monitoring.
    async fn queue_stats(&self, now: i64) -> StoreResult<QueueStats>;

    async fn get_run(&self, run_id: &str) -> StoreResult<Option<RunRecord>>;

    /// The run of `workflow_id` started with the client run id `client_run_id`, if any
    /// (docs/contract.md §7: a repeated client run id answers with that run).
    async fn run_by_client_id(
        &self,
        workflow_id: &str,
        client_run_id: &str,
    ) -> StoreResult<Option<RunRecord>>;

    /// Ids of runs in any of these statuses, oldest first.
    async fn runs_with_status(&self, statuses: &[RunStatus]) -> StoreResult<Vec<String>>;

    /// Runs of a workflow created at or after `created_since` (ms), in any status, oldest
    /// first, at most `limit`: `(run id, created_at)`.
    async fn runs_of_workflow_since(
        &self,
        workflow_id: &str,
        created_since: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>>;

    async fn get_graph(&self, hash: &str) -> StoreResult<Option<Value>>;

    /// Top-level step states (`parent = None`) or the items of one loop step.
    async fn step_states(&self, run_id: &str, parent: Option<&str>)
    -> StoreResult<Vec<StepRecord>>;

    async fn step_state(&self, run_id: &str, step_key: &str) -> StoreResult<Option<StepRecord>>;

    /// Events with `seq > after_seq`, in order, at most `limit`.
    async fn events(
        &self,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>>;

    async fn human_task(&self, run_id: &str, step_id: &str)
    -> StoreResult<Option<HumanTaskRecord>>;

    /// Pending human tasks of all runs, oldest first.
    async fn pending_human_tasks(&self, limit: i64) -> StoreResult<Vec<HumanTaskRecord>>;

    /// Wake-ups from other nodes (Postgres only; `None` on a single-node store).
    fn wakeups(&self) -> Option<broadcast::Receiver<Wakeup>>;

    /// Tells other nodes to cancel the in-flight steps of a run (a no-op on SQLite).
    async fn broadcast_cancel(&self, run_id: &str) -> StoreResult<()>;

    /// Closes connections and stops background tasks. The store is unusable afterwards.
    async fn close(&self);
}
