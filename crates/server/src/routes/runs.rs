//! Reading runs (docs/contract.md §7, §9): the per-workflow list and the tenant feed (cursor
//! pages, newest first), one run, its summary, its event log and its context; and the
//! in-place retry of a failed or stopped run (**Beyond**).

use ar_engine::RunStatus;
use ar_store::tenant::{RunCursor, RunQuery, TaskQuery};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::json::{Json, OptionalJson};
use crate::routes::workflows;
use crate::runs::access::{readable_projects, workflow_run};
use crate::runs::view::{self, RunEvent, RunItem, RunSummary};
use crate::state::AppState;

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;
const DEFAULT_EVENTS: i64 = 100;
const MAX_EVENTS: i64 = 1000;

/// Query of the run lists. `workflow` is only read by the tenant feed.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    workflow: Option<String>,
    /// RFC 3339 time or unix milliseconds: runs created at or after it.
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

fn page_limit(limit: Option<i64>, default: i64, max: i64) -> ApiResult<i64> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!(
            "limit must be between 1 and {max}"
        ))),
    }
}

/// The cursor is opaque to clients: hex of `<created_at>:<run id>` of the page's last run.
fn encode_cursor(created_at: i64, id: &str) -> String {
    hex::encode(format!("{created_at}:{id}"))
}

fn decode_cursor(cursor: &str) -> ApiResult<RunCursor> {
    let invalid = || ApiError::bad_request("invalid cursor: pass back `next_cursor` unchanged");
    let text = hex::decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)?;
    let (at, id) = text.split_once(':').ok_or_else(invalid)?;
    Ok(RunCursor {
        created_at: at.parse().map_err(|_| invalid())?,
        id: id.to_string(),
    })
}

fn parse_since(since: &str) -> ApiResult<i64> {
    if let Ok(ms) = since.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(since)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::bad_request(
                "since must be an RFC 3339 time (2026-01-31T12:00:00Z) or unix milliseconds",
            )
        })
}

/// One page of a run list, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RunPage {
    pub runs: Vec<RunItem>,
    /// Pass it back as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One page of runs for `query` (its `project_ids` already limited to what the caller
/// may read) as `{runs, next_cursor}`.
async fn page(state: &AppState, q: ListQuery, mut query: RunQuery) -> ApiResult<Json<RunPage>> {
    if let Some(status) = &q.status {
        RunStatus::parse(status).ok_or_else(|| {
            ApiError::bad_request(
                "status must be one of queued, running, paused, draining, completed, failed, stopped",
            )
        })?;
    }
    query.status = q.status;
    query.since = q.since.as_deref().map(parse_since).transpose()?;
    query.before = q.cursor.as_deref().map(decode_cursor).transpose()?;
    query.limit = page_limit(q.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let runs = state.tenants().list_runs(&query).await?;
    let next_cursor = match runs.last() {
        Some(last) if runs.len() as i64 == query.limit => {
            Some(encode_cursor(last.created_at, &last.id))
        }
        _ => None,
    };
    let runs = runs.iter().map(RunItem::from).collect();
    Ok(Json(RunPage { runs, next_cursor }))
}

/// `GET /v1/runs` (RunsListTenant): runs of every project the caller can read; filters
/// `status`, `workflow` (an id), `since`; `cursor`, `limit`.
pub async fn list_tenant(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<RunPage>> {
    let mut project_ids: Vec<String> = readable_projects(&state, &gate)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut workflow_id = None;
    if let Some(id) = &q.workflow {
        // A workflow the caller cannot see (another workspace, a hidden project) is
        // unknown, not an empty filter.
        let ws = gate.require_workspace()?;
        let wf = state
            .tenants()
            .workflow(&ws.id, id)
            .await?
            .filter(|w| project_ids.contains(&w.project_id))
            .ok_or_else(|| ApiError::not_found("workflow"))?;
        project_ids = vec![wf.project_id];
        workflow_id = Some(wf.id);
    }
    let query = RunQuery {
        project_ids,
        workflow_id,
        ..Default::default()
    };
    page(&state, q, query).await
}

/// `GET /v1/workflows/{id}/runs` (RunRead): the workflow's runs; filters `status`,
/// `since`; `cursor`, `limit`.
pub async fn list_for_workflow(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<RunPage>> {
    let workflow = workflows::load(&state, &gate, &id).await?;
    if q.workflow.as_deref().is_some_and(|w| w != workflow.id) {
        return Err(ApiError::bad_request(
            "the `workflow` filter belongs to GET /v1/runs; this list is already one workflow's",
        ));
    }
    let query = RunQuery {
        project_ids: vec![workflow.project_id.clone()],
        workflow_id: Some(workflow.id),
        ..Default::default()
    };
    page(&state, q, query).await
}

/// True when a human task of the run waits for completion.
async fn awaiting_human(state: &AppState, project_id: &str, run_id: &str) -> ApiResult<bool> {
    let query = TaskQuery {
        project_ids: vec![project_id.to_string()],
        run_id: Some(run_id.to_string()),
        limit: 1,
    };
    Ok(!state.tenants().pending_tasks(&query).await?.is_empty())
}

/// `GET /v1/workflows/{id}/runs/{run_id}` (RunRead)
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<view::Run>> {
    let (workflow, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    let waiting = awaiting_human(&state, &workflow.project_id, &run.id).await?;
    Ok(Json(view::Run::new(&run, waiting)))
}

/// `GET /v1/workflows/{id}/runs/{run_id}/summary` (RunRead)
pub async fn summary(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<RunSummary>> {
    let (workflow, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    let waiting = awaiting_human(&state, &workflow.project_id, &run.id).await?;
    Ok(Json(RunSummary::new(&run, waiting)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(default)]
    after_seq: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /v1/workflows/{id}/runs/{run_id}/events` (RunRead): events with `seq > after_seq`
/// in order; `next_after_seq` is the last `seq` returned (or `after_seq` when none), so a
/// poller can always pass it back.
pub async fn events(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<EventPage>> {
    let (workflow, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    let after = q.after_seq.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad_request("after_seq must be 0 or more"));
    }
    let limit = page_limit(q.limit, DEFAULT_EVENTS, MAX_EVENTS)?;
    let events = state.engine().store().events(&run.id, after, limit).await?;
    let next = events.last().map(|e| e.seq).unwrap_or(after);
    let events: Vec<RunEvent> = events
        .iter()
        .map(|e| RunEvent::new(e, &workflow.id))
        .collect();
    let has_more = events.len() as i64 == limit;
    Ok(Json(EventPage {
        events,
        next_after_seq: next,
        has_more,
    }))
}

/// `GET …/runs/{run_id}/events`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub events: Vec<RunEvent>,
    /// The last `seq` returned (or the `after_seq` given when none): pass it back.
    pub next_after_seq: i64,
    /// The page is full: more events may follow.
    pub has_more: bool,
}

/// `GET /v1/workflows/{id}/runs/{run_id}/context` (RunRead): docs/contract.md §7's run context.
pub async fn context(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (_, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    Ok(Json(state.engine().run_context(&run.id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    /// Run this step (and everything downstream) again, besides the failed ones.
    #[serde(default)]
    from_step_id: Option<String>,
}

/// `POST /v1/workflows/{id}/runs/{run_id}/retry` (RunControl, **Beyond**): the failed steps
/// (or `from_step_id`) and everything downstream run again in the same run; completed
/// upstream results are kept. Only a failed or stopped run can be retried (409 otherwise).
pub async fn retry(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, run_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<RetryBody>,
) -> ApiResult<Json<Retried>> {
    let (_, run) = workflow_run(&state, &gate, &id, &run_id).await?;
    if !matches!(run.status, RunStatus::Failed | RunStatus::Stopped) {
        return Err(ApiError::conflict(format!(
            "run {} is {}; only a failed or stopped run can be retried",
            run.id,
            run.status.as_str()
        )));
    }
    let retried = state
        .engine()
        .retry_run(&run.id, body.from_step_id.as_deref())
        .await?;
    Ok(Json(Retried {
        run_id: retried.id,
        workflow_id: retried.workflow_id,
        version: retried.version,
        status: retried.status.as_str(),
        from_step_id: body.from_step_id,
    }))
}

/// `POST …/runs/{run_id}/retry`'s answer: the run, running again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Retried {
    pub run_id: String,
    pub workflow_id: String,
    #[schema(required = true)]
    pub version: Option<i64>,
    #[schema(schema_with = view::run_status)]
    pub status: &'static str,
    #[schema(required = true)]
    pub from_step_id: Option<String>,
}

/// The query parameters of the run, event and task list routes, for the OpenAPI document.
pub fn query_parameters(spec: &crate::routes::RouteSpec) -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::{ObjectBuilder, Type};
    let param = |name: &str, ty: Type, description: &str| {
        crate::openapi::optional_query(name, ObjectBuilder::new().schema_type(ty), description)
    };
    let status = || {
        param(
            "status",
            Type::String,
            "queued, running, paused, draining, completed, failed or stopped",
        )
    };
    let since = || {
        param(
            "since",
            Type::String,
            "RFC 3339 time or unix milliseconds: runs created at or after it",
        )
    };
    let cursor = || param("cursor", Type::String, "`next_cursor` of the previous page");
    let limit = |max: i64| param("limit", Type::Integer, &format!("page size, 1 to {max}"));
    match (spec.method.as_str(), spec.path) {
        ("GET", "/v1/runs") => vec![
            status(),
            param("workflow", Type::String, "a workflow id"),
            since(),
            cursor(),
            limit(MAX_PAGE),
        ],
        ("GET", "/v1/workflows/{id}/runs") => vec![status(), since(), cursor(), limit(MAX_PAGE)],
        ("GET", "/v1/workflows/{id}/runs/{run_id}/events") => vec![
            param(
                "after_seq",
                Type::Integer,
                "events with a larger sequence number",
            ),
            limit(MAX_EVENTS),
        ],
        ("GET", "/v1/tasks/pending" | "/v1/workflows/{id}/runs/{run_id}/tasks/pending") => {
            vec![limit(crate::routes::tasks::MAX_TASKS)]
        }
        _ => Vec::new(),
    }
}
