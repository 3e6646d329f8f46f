//! Finding what the caller may see: a run through its workflow, and the projects of the
//! workspace the caller can read (for the tenant-wide feeds). Anything of another
//! workspace, or of a project the caller cannot see, is simply not found (404).

use ar_engine::RunRecord;
use ar_store::tenant::{ProjectRecord, WorkflowRecord};

use crate::auth::gate::{Gate, access_from_facts};
use crate::error::{ApiError, ApiResult};
use crate::routes::workflows;
use crate::state::AppState;
use ar_model::authz::ProjectAccess;

/// The workflow of the path (authorized for the route's action on its project) and its
/// run `run_id`. A run of another workflow is not found, whoever may see it.
pub async fn workflow_run(
    state: &AppState,
    gate: &Gate,
    workflow_id: &str,
    run_id: &str,
) -> ApiResult<(WorkflowRecord, RunRecord)> {
    let workflow = workflows::load(state, gate, workflow_id).await?;
    let run = run_of(state, &workflow, run_id).await?;
    Ok((workflow, run))
}

/// The run if it belongs to `workflow`.
pub async fn run_of(
    state: &AppState,
    workflow: &WorkflowRecord,
    run_id: &str,
) -> ApiResult<RunRecord> {
    state
        .engine()
        .store()
        .get_run(run_id)
        .await?
        .filter(|r| r.workflow_id == workflow.id)
        .ok_or_else(|| ApiError::not_found("run"))
}

/// The projects of the request's workspace the caller can read (any access but none),
/// for the tenant-wide run feed and task inbox.
pub async fn readable_projects(state: &AppState, gate: &Gate) -> ApiResult<Vec<ProjectRecord>> {
    let ws = gate.require_workspace()?;
    let Some(role) = gate.workspace_role() else {
        return Ok(Vec::new());
    };
    let explicit = state
        .tenants()
        .project_roles_of_user(&ws.id, &gate.principal.user.id)
        .await?;
    let policy = gate.policy();
    Ok(state
        .tenants()
        .list_projects(&ws.id)
        .await?
        .into_iter()
        .filter(|p| {
            let role_in_p = explicit
                .iter()
                .find(|(id, _)| *id == p.id)
                .map(|(_, r)| r.as_str());
            access_from_facts(role, p, role_in_p, policy) != ProjectAccess::None
        })
        .collect())
}
