//! Human tasks (docs/contract.md §6): the tenant inbox, a run's pending tasks, and completion.
//! A task's id is its step id within the run; routes carry the run id too.

use ar_store::tenant::TaskQuery;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::runs::access::{readable_projects, workflow_run};
use crate::runs::view::PendingTask;
use crate::state::AppState;

const DEFAULT_TASKS: i64 = 100;
pub const MAX_TASKS: i64 = 500;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    limit: Option<i64>,
}

fn limit(q: &InboxQuery) -> ApiResult<i64> {
    match q.limit {
        None => Ok(DEFAULT_TASKS),
        Some(n) if (1..=MAX_TASKS).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_TASKS}"
        ))),
    }
}

/// A list of pending tasks, oldest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskList {
    pub tasks: Vec<PendingTask>,
}

async fn tasks(state: &AppState, query: TaskQuery) -> ApiResult<Json<TaskList>> {
    let tasks = state
        .tenants()
        .pending_tasks(&query)
        .await?
        .iter()
        .map(PendingTask::from)
        .collect();
    Ok(Json(TaskList { tasks }))
}

/// `GET /v1/tasks/pending` (TasksListTenant): pending tasks of every project the caller
/// can read, oldest first.
pub async fn inbox(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Json<TaskList>> {
    let project_ids = readable_projects(&state, &gate)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let query = TaskQuery {
        project_ids,
        run_id: None,
        limit: limit(&q)?,
    };
    tasks(&state, query).await
}

/// `GET /v1/workflows/{id}/runs/{run_id}/tasks/pending` (TaskRead)
pub async fn pending_of_run(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Json<TaskList>> {
    let (workflow, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    let query = TaskQuery {
        project_ids: vec![workflow.project_id],
        run_id: Some(run.id),
        limit: limit(&q)?,
    };
    tasks(&state, query).await
}

/// `{approved, result?}`
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    approved: bool,
    /// Merged into the step result after `approved`; must be an object.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    result: Option<Value>,
}

/// `POST /v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete` (TaskComplete) →
/// `{status: "completed", task_id, approved}`. A second completion is 409.
pub async fn complete(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id, task_id)): Path<(String, String, String)>,
    Json(body): Json<CompleteBody>,
) -> ApiResult<Json<CompletedTask>> {
    let (_, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    if body
        .result
        .as_ref()
        .is_some_and(|r| !r.is_object() && !r.is_null())
    {
        return Err(ApiError::bad_request("`result` must be a JSON object"));
    }
    let task = state
        .engine()
        .store()
        .human_task(&run.id, &task_id)
        .await?
        .ok_or_else(|| ApiError::not_found("task"))?;
    if task.status != "pending" {
        return Err(ApiError::conflict(format!(
            "task {task_id} is already {}; a task completes once",
            task.status
        )));
    }
    state
        .engine()
        .complete_task(
            &run.id,
            &task_id,
            body.approved,
            body.result,
            Some(&gate.principal.user.id),
        )
        .await?;
    Ok(Json(CompletedTask {
        status: "completed",
        task_id,
        run_id: run.id,
        approved: body.approved,
    }))
}

/// `POST …/tasks/{task_id}/complete`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CompletedTask {
    /// Always `completed`.
    pub status: &'static str,
    pub task_id: String,
    pub run_id: String,
    pub approved: bool,
}
