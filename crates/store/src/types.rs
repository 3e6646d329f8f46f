//! Records read from the store and the write commands sent to it.
//!
//! Everything is plain data: JSON values for graphs, inputs and results, `i64` unix
//! milliseconds for timestamps, strings for ids and statuses. The store does not interpret
//! graphs; the engine decides *what* to write and the store makes each write atomic.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Current time as unix milliseconds (the one timestamp representation of the store).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Run status (docs/contract.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Paused,
    Draining,
    Completed,
    Failed,
    Stopped,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Draining => "draining",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Stopped => "stopped",
        }
    }
    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "paused" => RunStatus::Paused,
            "draining" => RunStatus::Draining,
            "completed" => RunStatus::Completed,
            "failed" => RunStatus::Failed,
            "stopped" => RunStatus::Stopped,
            _ => return None,
        })
    }
    /// Completed, failed or stopped: nothing will change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Stopped
        )
    }
}

/// Step status (docs/contract.md §7). Skips are `Completed` with `skipped = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Waiting,
    Completed,
    Failed,
    Cancelled,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Waiting => "waiting",
            StepStatus::Completed => "completed",
            StepStatus::Failed => "failed",
            StepStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<StepStatus> {
        Some(match s {
            "pending" => StepStatus::Pending,
            "running" => StepStatus::Running,
            "waiting" => StepStatus::Waiting,
            "completed" => StepStatus::Completed,
            "failed" => StepStatus::Failed,
            "cancelled" => StepStatus::Cancelled,
            _ => return None,
        })
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            StepStatus::Completed | StepStatus::Failed | StepStatus::Cancelled
        )
    }
}

/// What a queue row asks the engine to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// Run (or skip) a top-level step.
    Step,
    /// Run one `for_each` item or one `while` iteration (`step_key` = `parent#index`).
    Item,
    /// Assemble a `for_each` result once every item is done (`step_key` = the parent).
    Finalize,
    /// Human-task expiry timer (`step_key` = the task's step).
    Expire,
    /// Graceful-stop deadline (`step_key` = `""`); claimable only while the run drains.
    Drain,
}

impl WorkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::Step => "step",
            WorkKind::Item => "item",
            WorkKind::Finalize => "finalize",
            WorkKind::Expire => "expire",
            WorkKind::Drain => "drain",
        }
    }
    pub fn parse(s: &str) -> Option<WorkKind> {
        Some(match s {
            "step" => WorkKind::Step,
            "item" => WorkKind::Item,
            "finalize" => WorkKind::Finalize,
            "expire" => WorkKind::Expire,
            "drain" => WorkKind::Drain,
            _ => return None,
        })
    }
}

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One process owns the file: leases of a previous process can be released at start.
    Sqlite,
    /// Shared by many nodes: only expired leases may be taken over.
    Postgres,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    /// `""` for ad-hoc runs.
    pub workflow_id: String,
    pub version: Option<i64>,
    pub project_id: Option<String>,
    pub client_run_id: Option<String>,
    pub graph_hash: String,
    pub status: RunStatus,
    pub failure_code: Option<String>,
    pub error: Option<String>,
    pub input: Value,
    pub params: Value,
    pub resumed_from_run_id: Option<String>,
    pub open_steps: i64,
    pub last_seq: i64,
    pub drain_deadline: Option<i64>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// A step's (or loop item's) state as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StepRecord {
    pub step_key: String,
    /// For loop items: the loop step's id.
    pub parent_key: Option<String>,
    pub item_index: Option<i64>,
    pub status: Option<StepStatus>,
    pub attempt: i64,
    pub deps_remaining: i64,
    pub input: Option<Value>,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub failure_code: Option<String>,
    pub skipped: bool,
    pub reason: Option<String>,
    pub caused_by_step_id: Option<String>,
    pub loop_total: Option<i64>,
    pub loop_next: Option<i64>,
    pub loop_done: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The step's type (`lua_script`, `llm_call`, …) for analytics (docs/analytics.md); set
    /// by the engine on top-level steps. A write without it keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_type: Option<String>,
}

impl StepRecord {
    /// The status, `Pending` when unknown.
    pub fn status(&self) -> StepStatus {
        self.status.unwrap_or(StepStatus::Pending)
    }
}

/// A persisted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub run_id: String,
    /// Per-run sequence number, 1, 2, 3, … without gaps.
    pub seq: i64,
    pub kind: String,
    pub step_id: Option<String>,
    pub data: Value,
    pub created_at: i64,
}

/// An event to append; the store assigns its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: String,
    pub step_id: Option<String>,
    pub data: Value,
}

impl NewEvent {
    pub fn new(kind: &str, step_id: Option<&str>, data: Value) -> NewEvent {
        NewEvent {
            kind: kind.to_string(),
            step_id: step_id.map(str::to_string),
            data,
        }
    }
}

/// A human task as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanTaskRecord {
    pub run_id: String,
    pub step_id: String,
    pub task_type: String,
    pub payload: Value,
    /// `pending`, `completed`, `expired` or `cancelled`.
    pub status: String,
    pub approved: Option<bool>,
    pub result: Option<Value>,
    pub completed_by: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub completed_at: Option<i64>,
}

/// A queue row leased to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedWork {
    pub id: i64,
    pub run_id: String,
    pub step_key: String,
    pub kind: WorkKind,
    /// The attempt this execution is (1-based). Bumped when an expired lease is reclaimed.
    pub attempt: i64,
    pub fencing_token: i64,
    pub lease_expires_at: i64,
}

impl ClaimedWork {
    /// The fence to present when committing this work.
    pub fn fence(&self) -> WorkFence {
        WorkFence {
            work_id: self.id,
            token: self.fencing_token,
        }
    }
}

/// Proof of a lease: a commit carrying a fence whose token is no longer current is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkFence {
    pub work_id: i64,
    pub token: i64,
}

/// A queue row to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWork {
    pub step_key: String,
    pub kind: WorkKind,
    pub attempt: i64,
    /// Not claimable before this time (backoff, timers).
    pub available_at: i64,
}

/// Put leased work back in the queue (a retry after backoff), dropping the lease.
#[derive(Debug, Clone, PartialEq)]
pub struct Requeue {
    pub fence: WorkFence,
    pub attempt: i64,
    pub available_at: i64,
}

/// Give leased work back to the queue at once (a node stopping gracefully): the row becomes
/// claimable now, ahead of newer work, as `attempt`, and its fencing token moves on so a
/// late commit of the old holder is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandBack {
    pub fence: WorkFence,
    /// The attempt the next holder runs: the next one when this holder may have executed
    /// the work, the same one when it never started it.
    pub attempt: i64,
}

/// A step finished (completed, skipped or human-approved): each dependant's remaining-deps
/// counter goes down by one, and a dependant reaching zero becomes ready work.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDone {
    pub step_key: String,
    pub dependants: Vec<String>,
}

/// A loop item finished: the parent's counters advance, the next item (if any) becomes
/// ready, and after the last item a `Finalize` row is queued for the parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDone {
    pub parent_key: String,
}

/// Write a human task. With `expect_pending`, the write only applies to a task that is still
/// pending; otherwise the commit fails with [`crate::StoreError::Conflict`].
#[derive(Debug, Clone, PartialEq)]
pub struct TaskWrite {
    pub task: HumanTaskRecord,
    pub expect_pending: bool,
}

/// A change of run-level fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunUpdate {
    pub status: Option<RunStatus>,
    /// `Some(None)` clears the failure code.
    pub failure_code: Option<Option<String>>,
    pub error: Option<Option<String>>,
    pub drain_deadline: Option<Option<i64>>,
    pub finished_at: Option<Option<i64>>,
}

/// End a run in one stroke: in-flight top-level steps become `cancelled` (with `reason` and
/// `caused_by_step_id`), never-started ones `completed` + skipped `blocked`, pending human
/// tasks `cancelled`, every queue row of the run is deleted and the run gets `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    pub status: RunStatus,
    pub failure_code: Option<String>,
    pub error: Option<String>,
    /// Reason stamped on cancelled steps (`run_failed`, `run_stopped`, `terminal`).
    pub cancel_reason: String,
    /// Reason stamped on the steps that had not started, which are skipped: `blocked`, or
    /// `terminal` when a terminal step ended the run (docs/contract.md §2).
    pub skip_reason: String,
    pub caused_by_step_id: Option<String>,
}

impl Termination {
    /// The end of a stopped run, immediate or drained: docs/contract.md §7 has it report
    /// `failure_code: RUN_STOPPED` and cancel its steps with `reason: run_stopped`.
    pub fn stopped() -> Self {
        Termination {
            status: RunStatus::Stopped,
            failure_code: Some("RUN_STOPPED".into()),
            error: None,
            cancel_reason: "run_stopped".into(),
            skip_reason: "blocked".into(),
            caused_by_step_id: None,
        }
    }

    /// The end of a run whose `terminal` step `step_id` completed: the run completes, what
    /// had not started is skipped and what runs is cancelled, both with `reason: terminal`.
    pub fn terminal_step(step_id: &str) -> Self {
        Termination {
            status: RunStatus::Completed,
            failure_code: None,
            error: None,
            cancel_reason: "terminal".into(),
            skip_reason: "terminal".into(),
            caused_by_step_id: Some(step_id.to_owned()),
        }
    }
}

/// Lease the ready work a commit creates to the committing worker (saves a claim round trip
/// on chains). Only applies while the run is `running`. When recovered work (an expired
/// lease, a handed-back row) of any run is waiting, the committer takes that instead and
/// the new work stays queued for the scheduler: chaining must not starve recovered work.
/// `max = 0` takes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeLease {
    pub owner: String,
    pub lease_ms: i64,
    pub max: usize,
}

/// One atomic state change of one run. Applied in this order: fences, requeues, tasks,
/// cleared loop items, steps, deleted work, done steps, done items, new work, run update, automatic
/// completion/drain end, termination, events, take.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    pub run_id: String,
    /// Refuse (Conflict) unless the run currently has one of these statuses.
    pub expect_status: Option<Vec<RunStatus>>,
    /// Leases that must still be held (nothing else happens to those rows).
    pub check: Vec<WorkFence>,
    /// Leased rows this commit finishes (deleted). A stale fence fails the whole commit.
    pub finish: Vec<WorkFence>,
    pub requeue: Vec<Requeue>,
    pub tasks: Vec<TaskWrite>,
    /// Loop steps whose item (or iteration) states are deleted: a retry that reruns a loop
    /// starts it without the earlier attempt's items, which may outnumber the new ones.
    pub clear_items: Vec<String>,
    /// Step (or item) states to create or replace. Every field is replaced except the loop
    /// counters (`loop_*`), which keep their stored value when `None`.
    pub steps: Vec<StepRecord>,
    /// Unleased rows to drop, by (step_key, kind).
    pub delete_work: Vec<(String, WorkKind)>,
    pub done: Vec<StepDone>,
    pub items_done: Vec<ItemDone>,
    pub new_work: Vec<NewWork>,
    pub run: Option<RunUpdate>,
    pub terminate: Option<Termination>,
    pub events: Vec<NewEvent>,
    pub take: Option<TakeLease>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommitOutcome {
    /// Every event written, with its sequence number (the commit's own and the ones the
    /// store generated: completion, termination).
    pub events: Vec<EventRecord>,
    /// Work leased to the committer (see [`TakeLease`]).
    pub taken: Vec<ClaimedWork>,
    /// Whether the commit created claimable work others should be woken for.
    pub created_work: bool,
    /// The run's status after the commit.
    pub run_status: Option<RunStatus>,
}

/// A run to create, with everything its first transaction writes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub id: String,
    pub workflow_id: String,
    pub version: Option<i64>,
    pub project_id: Option<String>,
    pub client_run_id: Option<String>,
    pub graph_hash: String,
    pub graph: Value,
    pub input: Value,
    pub params: Value,
    pub resumed_from_run_id: Option<String>,
    /// Initial state of every top-level step (pending with its dependency count, or copied
    /// results when reusing a previous run).
    pub steps: Vec<StepRecord>,
    pub work: Vec<NewWork>,
    pub events: Vec<NewEvent>,
    pub take: Option<TakeLease>,
}

/// Result of [`crate::Store::create_run`].
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedRun {
    pub run: RunRecord,
    /// False when a run with the same client run id existed and was returned instead.
    pub created: bool,
    pub events: Vec<EventRecord>,
    pub taken: Vec<ClaimedWork>,
}

/// The work queue at one moment, for monitoring (`/metrics`). Counts rows of runs that
/// can make progress (`running`, or a `draining` run's drain timer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Claimable now: due and unleased, or leased with an expired lease.
    pub ready: i64,
    /// Since when (ms) the longest-waiting ready row has been claimable (its due time, or
    /// its lease's expiry), if any row is ready.
    pub oldest_ready_since: Option<i64>,
    /// Leased and within their lease: executing somewhere.
    pub leased: i64,
    /// Leased with an expired lease: their holder died or stalled; another claim takes
    /// them over.
    pub expired_leases: i64,
    /// Due later: retry backoffs, timers, human-task expiries.
    pub scheduled: i64,
}
