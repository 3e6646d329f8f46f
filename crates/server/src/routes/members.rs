//! Workspace members (roles, deactivation) and explicit project members.

use crate::extract::Path;
use ar_model::authz::{ProjectRole, WorkspaceRole};
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::identity::normalize_email;
use crate::state::AppState;
use crate::views::{Member, ProjectMember};

/// `GET /v1/members` (MembersList)
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<MemberList>> {
    let ws = gate.require_workspace()?;
    let members = state
        .tenants()
        .list_members(&ws.id)
        .await?
        .iter()
        .map(Member::from)
        .collect();
    Ok(Json(MemberList { members }))
}

/// `GET /v1/members`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberList {
    pub members: Vec<Member>,
}

/// `GET /v1/projects/{id}/members`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectMemberList {
    pub members: Vec<ProjectMember>,
}

/// `PATCH /v1/projects/{id}/members/{user_id}`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectRoleSet {
    pub user_id: String,
    #[schema(schema_with = crate::openapi::field::project_role)]
    pub role: &'static str,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberPatch {
    /// `member`, `admin` or `owner`.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_workspace_role)]
    role: Option<WorkspaceRole>,
    #[serde(default)]
    active: Option<bool>,
}

/// `PATCH /v1/members/{user_id}` (MembersManage): change role, deactivate or reactivate.
///
/// Ownership is the owners' business: only an owner may change an owner or make one, and
/// the last active owner cannot be demoted or deactivated.
pub async fn update(
    State(state): State<AppState>,
    gate: Gate,
    Path(user_id): Path<String>,
    Json(body): Json<MemberPatch>,
) -> ApiResult<Json<Member>> {
    let ws = gate.require_workspace()?;
    change_member(&state, &gate, &user_id, body.role, body.active).await?;
    let member = state
        .tenants()
        .list_members(&ws.id)
        .await?
        .into_iter()
        .find(|m| m.membership.user_id == user_id)
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok(Json(Member::from(&member)))
}

/// `DELETE /v1/members/{user_id}` (MembersManage): deactivates the member at once; what
/// they created stays.
pub async fn deactivate(
    State(state): State<AppState>,
    gate: Gate,
    Path(user_id): Path<String>,
) -> ApiResult<StatusCode> {
    change_member(&state, &gate, &user_id, None, Some(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_member(
    state: &AppState,
    gate: &Gate,
    user_id: &str,
    role: Option<WorkspaceRole>,
    active: Option<bool>,
) -> ApiResult<()> {
    let ws = gate.require_workspace()?;
    let current = state
        .tenants()
        .membership(&ws.id, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    let current_role = WorkspaceRole::parse(&current.role);
    let touches_owner =
        current_role == Some(WorkspaceRole::Owner) || role == Some(WorkspaceRole::Owner);
    if touches_owner && gate.workspace_role() != Some(WorkspaceRole::Owner) {
        return Err(ApiError::forbidden(
            "only an owner can change an owner's membership or make someone owner",
        ));
    }
    let loses_owner = current_role == Some(WorkspaceRole::Owner)
        && current.active
        && (role.is_some_and(|r| r != WorkspaceRole::Owner) || active == Some(false));
    if loses_owner && state.tenants().count_active_owners(&ws.id).await? <= 1 {
        return Err(ApiError::conflict(
            "the workspace must keep at least one active owner",
        ));
    }
    if active == Some(true) && !current.active {
        crate::billing::members::check_room(state, &ws.id, Some(user_id)).await?;
    }
    state
        .tenants()
        .update_member(&ws.id, user_id, role.map(WorkspaceRole::as_str), active)
        .await?;
    Ok(())
}

/// A workspace owner's place in a project is the owners' business, like their workspace
/// role: only an owner may give an owner a project role below `project_admin` or remove
/// their project membership (a project admin cannot demote the workspace owner inside
/// their project). `role` is the role being set; `None` for a removal.
async fn guard_owner_demotion(
    state: &AppState,
    gate: &Gate,
    workspace_id: &str,
    user_id: &str,
    role: Option<ProjectRole>,
) -> ApiResult<()> {
    if role == Some(ProjectRole::Admin) || gate.workspace_role() == Some(WorkspaceRole::Owner) {
        return Ok(());
    }
    let target_is_owner = state
        .tenants()
        .membership(workspace_id, user_id)
        .await?
        .is_some_and(|m| WorkspaceRole::parse(&m.role) == Some(WorkspaceRole::Owner));
    if target_is_owner {
        return Err(ApiError::forbidden(
            "only a workspace owner can lower a workspace owner's project role or remove them from a project",
        ));
    }
    Ok(())
}

/// `GET /v1/projects/{id}/members` (ProjectMembersRead)
pub async fn list_project(
    State(state): State<AppState>,
    gate: Gate,
    Path(project_id): Path<String>,
) -> ApiResult<Json<ProjectMemberList>> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    let members = state
        .tenants()
        .project_members(&project.id)
        .await?
        .iter()
        .map(ProjectMember::from)
        .collect();
    Ok(Json(ProjectMemberList { members }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewProjectMember {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_email)]
    email: Option<String>,
    /// `project_viewer`, `project_contributor` or `project_admin`.
    #[schema(schema_with = crate::openapi::field::project_role)]
    role: ProjectRole,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProjectMemberPatch {
    /// `project_viewer`, `project_contributor` or `project_admin`.
    #[schema(schema_with = crate::openapi::field::project_role)]
    role: ProjectRole,
}

/// `POST /v1/projects/{id}/members` (ProjectMembersManage): `{user_id | email, role}`; the
/// user must be an active member of the workspace.
pub async fn add_project(
    State(state): State<AppState>,
    gate: Gate,
    Path(project_id): Path<String>,
    Json(body): Json<NewProjectMember>,
) -> ApiResult<(StatusCode, Json<ProjectMember>)> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    let user = match (&body.user_id, &body.email) {
        (Some(id), _) => state.tenants().user_by_id(id).await?,
        (None, Some(email)) => {
            state
                .tenants()
                .user_by_email(&normalize_email(email)?)
                .await?
        }
        (None, None) => return Err(ApiError::bad_request("give `user_id` or `email`")),
    };
    let user = user.ok_or_else(|| ApiError::not_found("workspace member"))?;
    let membership = state
        .tenants()
        .membership(&project.workspace_id, &user.id)
        .await?;
    if !membership.is_some_and(|m| m.active) {
        return Err(ApiError::not_found("workspace member"));
    }
    guard_owner_demotion(
        &state,
        &gate,
        &project.workspace_id,
        &user.id,
        Some(body.role),
    )
    .await?;
    state
        .tenants()
        .set_project_member(&project.id, &user.id, body.role.as_str(), now_ms())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ProjectMember {
            user_id: user.id,
            email: user.email,
            name: user.name,
            role: body.role.as_str().to_owned(),
        }),
    ))
}

/// `PATCH /v1/projects/{id}/members/{user_id}` (ProjectMembersManage)
pub async fn update_project(
    State(state): State<AppState>,
    gate: Gate,
    Path((project_id, user_id)): Path<(String, String)>,
    Json(body): Json<ProjectMemberPatch>,
) -> ApiResult<Json<ProjectRoleSet>> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    if state
        .tenants()
        .project_role(&project.id, &user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("project member"));
    }
    guard_owner_demotion(
        &state,
        &gate,
        &project.workspace_id,
        &user_id,
        Some(body.role),
    )
    .await?;
    state
        .tenants()
        .set_project_member(&project.id, &user_id, body.role.as_str(), now_ms())
        .await?;
    Ok(Json(ProjectRoleSet {
        user_id,
        role: body.role.as_str(),
    }))
}

/// `DELETE /v1/projects/{id}/members/{user_id}` (ProjectMembersManage)
pub async fn remove_project(
    State(state): State<AppState>,
    gate: Gate,
    Path((project_id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    guard_owner_demotion(&state, &gate, &project.workspace_id, &user_id, None).await?;
    if state
        .tenants()
        .remove_project_member(&project.id, &user_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("project member"))
    }
}
