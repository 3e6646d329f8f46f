//! Starting a run of a workflow: the `start` command, inbound webhooks and cron triggers all
//! come through [`start_workflow_run`].

use ar_engine::{RunRecord, StartRun};
use ar_model::import::{GraphLimits, parse_graph_value};
use ar_store::tenant::WorkflowRecord;
use serde::Serialize;
use serde_json::Value;

use crate::billing::enforce::check_credits;
use crate::error::{ApiError, ApiResult};
use crate::runs::params::{StartRequest, check_input, merge_run_setup};
use crate::runs::quota::check_run_quota;
use crate::state::AppState;
use crate::views;

/// The answer to a start: `{run_id, status, workflow_id, version, started_at}` (docs/contract.md §7).
/// A repeated client `run_id` answers with the run it already started.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StartedRun {
    pub run_id: String,
    #[schema(schema_with = crate::runs::view::run_status)]
    pub status: String,
    pub workflow_id: String,
    #[schema(required = true)]
    pub version: Option<i64>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub started_at: String,
}

impl StartedRun {
    fn of(run: &RunRecord) -> StartedRun {
        let at = run.started_at.unwrap_or(run.created_at);
        StartedRun {
            run_id: run.id.clone(),
            status: run.status.as_str().to_string(),
            workflow_id: run.workflow_id.clone(),
            version: run.version,
            started_at: views::time(at).as_str().unwrap_or_default().to_string(),
        }
    }
}

/// Starts a run of `workflow` with the `params` of a start command (bare trigger payload or
/// the structured keys of docs/contract.md §7). The caller has already authorized the start on the
/// workflow's project; `started_by` says who or what started it (a user id,
/// `webhook:<id>`, `cron:<id>`) for the logs.
///
/// Refusals: 400 malformed params; 404 an unknown `version` or `resume_from_run_id` (runs
/// of other workflows count as unknown); 409 an archived workflow or one never published;
/// 422 a payload failing `input_schema` (with `issues`) or params naming unknown steps;
/// 422 `INSUFFICIENT_CREDITS` when billing is on and the workspace has no credits left;
/// 429 the workspace has its quota of unfinished runs.
pub async fn start_workflow_run(
    state: &AppState,
    workflow: &WorkflowRecord,
    params: Value,
    started_by: &str,
) -> ApiResult<StartedRun> {
    if workflow.archived {
        return Err(ApiError::conflict(
            "the workflow is archived; archived workflows start no runs",
        ));
    }
    let mut request = StartRequest::read(&params)?;
    let number = request.version.or(workflow.latest_version).ok_or_else(|| {
        ApiError::conflict(format!(
            "workflow {} has no published version yet; publish one with POST /v1/workflows/{}/versions, then start it",
            workflow.id, workflow.id
        ))
    })?;
    let version = state
        .tenants()
        .version(&workflow.id, number)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("version {number} of the workflow")))?;
    let parsed = parse_graph_value(&version.graph, &GraphLimits::default()).map_err(|e| {
        ApiError::internal(format!(
            "published version {number} of {} does not parse: {e}",
            workflow.id
        ))
    })?;
    if request.use_run_setup_defaults
        && let Some(setup) = &version.run_setup
    {
        merge_run_setup(&mut request.params, setup);
    }
    check_input(&parsed, &mut request.params)?;
    // A repeated client run id answers with its run before the quota and credit checks,
    // which are for starting new runs (docs/contract.md §7): an agent's workflow call made
    // again after a crash finds its run even when the workspace is at its quota.
    if let Some(client_id) = &request.params.run_id
        && let Some(run) = state
            .engine()
            .store()
            .run_by_client_id(&workflow.id, client_id)
            .await?
    {
        return Ok(StartedRun::of(&run));
    }
    if let Some(previous) = &request.params.resume_from_run_id {
        let belongs = state
            .engine()
            .store()
            .get_run(previous)
            .await?
            .is_some_and(|r| r.workflow_id == workflow.id);
        if !belongs {
            return Err(ApiError::not_found(&format!("run {previous}")));
        }
    }
    check_run_quota(state, &workflow.project_id).await?;
    check_credits(state, &workflow.project_id, &workflow.id).await?;
    let run = state
        .engine()
        .start_run(StartRun {
            graph: parsed.graph,
            params: request.params.to_value(),
            workflow_id: Some(workflow.id.clone()),
            version: Some(number),
            project_id: Some(workflow.project_id.clone()),
        })
        .await?;
    tracing::info!(run_id = %run.id, workflow_id = %workflow.id, version = number, started_by, "run started");
    Ok(StartedRun::of(&run))
}
