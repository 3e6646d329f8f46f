//! JSON shapes of runs, events and human tasks (docs/contract.md §7, §9 field names).

use ar_engine::{RunRecord, RunStatus};
use ar_store::EventRecord;
use ar_store::tenant::{PendingTaskRecord, RunListRecord};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::views::Time;

/// A run status's name: `queued`, `running`, `paused`, `draining`, `completed`, `failed`
/// or `stopped`.
pub fn run_status() -> utoipa::openapi::Object {
    use RunStatus as S;
    let all = [
        S::Queued,
        S::Running,
        S::Paused,
        S::Draining,
        S::Completed,
        S::Failed,
        S::Stopped,
    ];
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(all.map(S::as_str)))
        .build()
}

/// A run's `workflow_id`: `null` for a run of no workflow (an agent's chat turn,
/// docs/agents.md "Chat"), which the store keeps as `""`.
fn workflow_id_of(workflow_id: &str) -> Option<String> {
    (!workflow_id.is_empty()).then(|| workflow_id.to_owned())
}

/// A run in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunItem {
    pub run_id: String,
    /// `null` for a run of no workflow (an agent's chat turn).
    #[schema(required = true)]
    pub workflow_id: Option<String>,
    #[schema(required = true)]
    pub workflow_name: Option<String>,
    #[schema(required = true)]
    pub version: Option<i64>,
    #[schema(required = true)]
    pub project_id: Option<String>,
    #[schema(schema_with = run_status)]
    pub status: String,
    #[schema(required = true)]
    pub failure_code: Option<String>,
    #[schema(required = true)]
    pub client_run_id: Option<String>,
    pub awaiting_human: bool,
    pub created_at: Time,
    #[schema(required = true)]
    pub started_at: Option<Time>,
    #[schema(required = true)]
    pub finished_at: Option<Time>,
}

impl From<&RunListRecord> for RunItem {
    fn from(r: &RunListRecord) -> Self {
        RunItem {
            run_id: r.id.clone(),
            workflow_id: workflow_id_of(&r.workflow_id),
            workflow_name: r.workflow_name.clone(),
            version: r.version,
            project_id: r.project_id.clone(),
            status: r.status.clone(),
            failure_code: r.failure_code.clone(),
            client_run_id: r.client_run_id.clone(),
            awaiting_human: r.awaiting_human,
            created_at: Time(r.created_at),
            started_at: Time::opt(r.started_at),
            finished_at: Time::opt(r.finished_at),
        }
    }
}

/// One run with its input and start params.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Run {
    pub run_id: String,
    /// `""` for a run of no workflow (an agent's chat turn).
    pub workflow_id: String,
    #[schema(required = true)]
    pub version: Option<i64>,
    #[schema(required = true)]
    pub project_id: Option<String>,
    #[schema(schema_with = run_status)]
    pub status: &'static str,
    #[schema(required = true)]
    pub failure_code: Option<String>,
    #[schema(required = true)]
    pub error: Option<String>,
    #[schema(required = true)]
    pub client_run_id: Option<String>,
    #[schema(required = true)]
    pub resumed_from_run_id: Option<String>,
    pub awaiting_human: bool,
    pub input: Value,
    pub params: Value,
    pub created_at: Time,
    #[schema(required = true)]
    pub started_at: Option<Time>,
    #[schema(required = true)]
    pub finished_at: Option<Time>,
}

impl Run {
    pub fn new(r: &RunRecord, awaiting_human: bool) -> Self {
        Run {
            run_id: r.id.clone(),
            workflow_id: r.workflow_id.clone(),
            version: r.version,
            project_id: r.project_id.clone(),
            status: r.status.as_str(),
            failure_code: r.failure_code.clone(),
            error: r.error.clone(),
            client_run_id: r.client_run_id.clone(),
            resumed_from_run_id: r.resumed_from_run_id.clone(),
            awaiting_human,
            input: r.input.clone(),
            params: r.params.clone(),
            created_at: Time(r.created_at),
            started_at: Time::opt(r.started_at),
            finished_at: Time::opt(r.finished_at),
        }
    }
}

/// What the orchestrator is doing with the run, one word: `queued`, `executing`,
/// `awaiting_human` (running, with a human task waiting for completion), `paused`,
/// `draining`, `finished`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrchestrationPhase {
    Queued,
    Executing,
    AwaitingHuman,
    Paused,
    Draining,
    Finished,
}

pub fn orchestration_phase(status: RunStatus, awaiting_human: bool) -> OrchestrationPhase {
    use OrchestrationPhase as P;
    match status {
        RunStatus::Queued => P::Queued,
        RunStatus::Running if awaiting_human => P::AwaitingHuman,
        RunStatus::Running => P::Executing,
        RunStatus::Paused => P::Paused,
        RunStatus::Draining => P::Draining,
        RunStatus::Completed | RunStatus::Failed | RunStatus::Stopped => P::Finished,
    }
}

/// `GET …/runs/{run_id}/summary`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunSummary {
    pub run_id: String,
    pub workflow_id: String,
    #[schema(required = true)]
    pub version: Option<i64>,
    #[schema(schema_with = run_status)]
    pub status: &'static str,
    pub orchestration_phase: OrchestrationPhase,
    pub run_complete: bool,
    pub awaiting_human: bool,
    #[schema(required = true)]
    pub failure_code: Option<String>,
    /// When it started; its creation time while queued.
    pub started_at: Time,
    #[schema(required = true)]
    pub finished_at: Option<Time>,
}

impl RunSummary {
    pub fn new(r: &RunRecord, awaiting_human: bool) -> Self {
        RunSummary {
            run_id: r.id.clone(),
            workflow_id: r.workflow_id.clone(),
            version: r.version,
            status: r.status.as_str(),
            orchestration_phase: orchestration_phase(r.status, awaiting_human),
            run_complete: r.status.is_terminal(),
            awaiting_human,
            failure_code: r.failure_code.clone(),
            started_at: Time(r.started_at.unwrap_or(r.created_at)),
            finished_at: Time::opt(r.finished_at),
        }
    }
}

/// One event of a run's log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunEvent {
    pub seq: i64,
    pub run_id: String,
    pub workflow_id: String,
    pub event_type: String,
    #[schema(required = true)]
    pub step_id: Option<String>,
    pub data: Value,
    pub at: Time,
}

impl RunEvent {
    pub fn new(e: &EventRecord, workflow_id: &str) -> Self {
        RunEvent {
            seq: e.seq,
            run_id: e.run_id.clone(),
            workflow_id: workflow_id.to_owned(),
            event_type: e.kind.clone(),
            step_id: e.step_id.clone(),
            data: e.data.clone(),
            at: Time(e.created_at),
        }
    }
}

/// A pending task. Its `task_id` is the step id within the run (docs/contract.md §6): stable, and
/// unique together with the run id that every task route also carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingTask {
    pub task_id: String,
    pub run_id: String,
    pub workflow_id: String,
    #[schema(required = true)]
    pub workflow_name: Option<String>,
    #[schema(required = true)]
    pub project_id: Option<String>,
    pub step_id: String,
    pub task_type: String,
    /// The resolved `task_payload`.
    pub task_payload: Value,
    pub created_at: Time,
    #[schema(required = true)]
    pub expires_at: Option<Time>,
}

impl From<&PendingTaskRecord> for PendingTask {
    fn from(t: &PendingTaskRecord) -> Self {
        PendingTask {
            task_id: t.step_id.clone(),
            run_id: t.run_id.clone(),
            workflow_id: t.workflow_id.clone(),
            workflow_name: t.workflow_name.clone(),
            project_id: t.project_id.clone(),
            step_id: t.step_id.clone(),
            task_type: t.task_type.clone(),
            task_payload: t.payload.clone(),
            created_at: Time(t.created_at),
            expires_at: Time::opt(t.expires_at),
        }
    }
}
