//! Who sees a thread and who may change it (docs/agents.md "Chat").
//!
//! A `channel` is the project's: every reader of the project sees it and may post. A `dm`
//! or `autopilot` thread is its creator's alone: anyone else gets 404, exactly like an
//! unknown id (and so does another project's or workspace's thread).

use ar_model::authz::{Action, Decision, DenyReason, authorize};
use ar_store::integrations::ChatThreadRecord;
use ar_store::tenant::ProjectRecord;

use crate::auth::gate::{Gate, decision_error};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Thread kinds.
pub const CHANNEL: &str = "channel";
pub const DM: &str = "dm";
pub const AUTOPILOT: &str = "autopilot";

/// Whether `user_id` sees `thread` (its project's read access already decided).
pub fn sees(thread: &ChatThreadRecord, user_id: &str) -> bool {
    thread.kind == CHANNEL || thread.created_by == user_id
}

/// The thread the path names, with its project, when the caller may read it; 404
/// otherwise (unknown, another workspace's or project's, someone else's dm).
pub async fn visible_thread(
    state: &AppState,
    gate: &Gate,
    id: &str,
) -> ApiResult<(ChatThreadRecord, ProjectRecord)> {
    let ws = gate.require_workspace()?;
    let thread = state
        .integrations()
        .thread(&ws.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("thread"))?;
    let project = gate
        .object_project(state, &thread.project_id, "thread")
        .await?;
    if !sees(&thread, &gate.principal.user.id) {
        return Err(ApiError::not_found("thread"));
    }
    Ok((thread, project))
}

/// 403 unless the caller may start agent turns in `project` (ChatWrite: contributors and
/// above): an agent's turn uses the project's tools and credentials, as a run does.
pub async fn may_start_agents(
    state: &AppState,
    gate: &Gate,
    project: &ProjectRecord,
) -> ApiResult<()> {
    let access = gate.access_to(state, project).await?;
    match authorize(&gate.caller, Action::ChatWrite, Some(access)) {
        Decision::Forbidden(DenyReason::Role) => Err(ApiError::forbidden(
            "agents answer in this thread, and starting an agent's turn needs the contributor role or above in the project (a turn uses the project's tools and credentials, like running a workflow); post in a thread without agents, or ask a project admin for the contributor role",
        )),
        other => decision_error(other, Action::ChatWrite),
    }
}

/// 403 unless the caller may rename or delete `thread`: its creator, or for a channel a
/// project admin (or above).
pub async fn may_manage(
    state: &AppState,
    gate: &Gate,
    thread: &ChatThreadRecord,
    project: &ProjectRecord,
) -> ApiResult<()> {
    if thread.created_by == gate.principal.user.id {
        return Ok(());
    }
    let access = gate.access_to(state, project).await?;
    if thread.kind == CHANNEL
        && authorize(&gate.caller, Action::ProjectUpdate, Some(access)) == Decision::Allow
    {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "only the thread's creator (or, for a channel, a project admin) may rename or delete it",
    ))
}
