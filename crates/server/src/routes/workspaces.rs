//! Workspaces and their projects.

use crate::extract::Path;
use ar_model::authz::{ProjectAccess, Visibility};
use ar_store::now_ms;
use ar_store::tenant::{ProjectRecord, WorkspaceRecord};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;
use crate::views::{self, Project, Workspace};

/// Name of the project every new workspace starts with.
pub const DEFAULT_PROJECT: &str = "Default";

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewWorkspace {
    #[schema(schema_with = crate::openapi::field::slug)]
    slug: String,
    #[schema(schema_with = crate::openapi::field::name)]
    name: String,
}

/// Slugs are URL-safe: lower-case letters, digits and `-`, 2–63 characters, starting with a
/// letter or digit.
pub fn check_slug(slug: &str) -> ApiResult<()> {
    let ok = (2..=63).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "`slug` must be 2–63 lower-case letters, digits or '-', not starting with '-'",
        ))
    }
}

/// A non-empty, trimmed name of at most 200 characters.
pub fn check_name(field: &str, name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be 1–200 characters"
        )));
    }
    Ok(name.to_string())
}

/// Creates a workspace owned by `owner` with its `Default` project; `product_code` from settings.
pub async fn create_workspace_for(
    state: &AppState,
    owner: &str,
    slug: &str,
    name: &str,
) -> ApiResult<(WorkspaceRecord, ProjectRecord)> {
    let now = now_ms();
    let ws = WorkspaceRecord {
        id: new_id(),
        slug: slug.to_string(),
        name: name.to_string(),
        product_code: state.settings().product_code.clone(),
        admins_full_access_to_private: false,
        created_at: now,
    };
    let project = ProjectRecord {
        id: new_id(),
        workspace_id: ws.id.clone(),
        name: DEFAULT_PROJECT.into(),
        visibility: "public".into(),
        created_at: now,
    };
    state
        .tenants()
        .create_workspace(&ws, owner, &project)
        .await
        .map_err(|e| match e {
            ar_store::StoreError::Conflict(_) => {
                ApiError::conflict(format!("the slug {slug:?} is taken"))
            }
            other => other.into(),
        })?;
    // The creator administers the Default project explicitly: a public project alone would
    // make them a mere contributor there, unable to add its members.
    state
        .tenants()
        .set_project_member(&project.id, owner, "project_admin", now)
        .await?;
    Ok((ws, project))
}

/// `POST /v1/workspaces` (WorkspaceCreate): the caller becomes owner.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewWorkspace>,
) -> ApiResult<(StatusCode, Json<CreatedWorkspace>)> {
    check_slug(&body.slug)?;
    let name = check_name("name", &body.name)?;
    let (ws, project) =
        create_workspace_for(&state, &gate.principal.user.id, &body.slug, &name).await?;
    let out = CreatedWorkspace {
        workspace: views::workspace(&ws, "owner"),
        default_project: views::project(&project, "project_contributor"),
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// `POST /v1/workspaces`'s answer: the workspace and its first project.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedWorkspace {
    #[serde(flatten)]
    pub workspace: Workspace,
    pub default_project: Project,
}

/// `GET /v1/workspaces`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkspaceList {
    pub workspaces: Vec<Workspace>,
}

/// `GET /v1/projects`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectList {
    pub projects: Vec<Project>,
}

/// `GET /v1/workspaces` (WorkspacesList): the caller's active memberships.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<WorkspaceList>> {
    let pat_workspace = gate.principal.pat().map(|p| p.workspace_id.clone());
    let workspaces = state
        .tenants()
        .workspaces_of_user(&gate.principal.user.id)
        .await?
        .iter()
        .filter(|uw| {
            uw.membership.active
                && pat_workspace
                    .as_ref()
                    .is_none_or(|id| *id == uw.workspace.id)
        })
        .map(|uw| views::workspace(&uw.workspace, &uw.membership.role))
        .collect();
    Ok(Json(WorkspaceList { workspaces }))
}

/// `GET /v1/workspaces/{slug}` (WorkspaceRead)
pub async fn get(gate: Gate) -> ApiResult<Json<Workspace>> {
    let ws = gate.require_workspace()?;
    let role = gate.workspace_role().map(|r| r.as_str()).unwrap_or("none");
    Ok(Json(views::workspace(ws, role)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WorkspacePatch {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    /// Give workspace admins full (not read-only) access to private projects.
    #[serde(default)]
    admins_full_access_to_private: Option<bool>,
}

/// `PATCH /v1/workspaces/{slug}` (WorkspaceUpdate): name and the private-project policy.
/// The slug and `product_code` never change.
pub async fn update(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<WorkspacePatch>,
) -> ApiResult<Json<Workspace>> {
    let ws = gate.require_workspace()?;
    let name = body
        .name
        .as_deref()
        .map(|n| check_name("name", n))
        .transpose()?;
    state
        .tenants()
        .update_workspace(&ws.id, name.as_deref(), body.admins_full_access_to_private)
        .await?;
    let updated = state
        .tenants()
        .workspace_by_id(&ws.id)
        .await?
        .ok_or_else(|| ApiError::not_found("workspace"))?;
    let role = gate.workspace_role().map(|r| r.as_str()).unwrap_or("none");
    Ok(Json(views::workspace(&updated, role)))
}

/// The effective role name of an access level, for responses.
pub fn access_name(access: ProjectAccess) -> Option<&'static str> {
    match access {
        ProjectAccess::None => None,
        ProjectAccess::ReadOnly => Some("read_only"),
        ProjectAccess::Role(r) => Some(r.as_str()),
    }
}

/// `GET /v1/projects` (ProjectsList): the projects the caller can see.
pub async fn list_projects(
    State(state): State<AppState>,
    gate: Gate,
) -> ApiResult<Json<ProjectList>> {
    let ws = gate.require_workspace()?;
    let mut projects = Vec::new();
    for p in state.tenants().list_projects(&ws.id).await? {
        if let Some(role) = access_name(gate.access_to(&state, &p).await?) {
            projects.push(views::project(&p, role));
        }
    }
    Ok(Json(ProjectList { projects }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewProject {
    #[schema(schema_with = crate::openapi::field::name)]
    name: String,
    /// `public` or `private` (default).
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_visibility)]
    visibility: Option<Visibility>,
}

fn visibility_str(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "public",
        Visibility::Private => "private",
    }
}

/// `POST /v1/projects` (ProjectCreate): the creator becomes its project admin.
pub async fn create_project(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let ws = gate.require_workspace()?;
    let name = check_name("name", &body.name)?;
    let now = now_ms();
    let project = ProjectRecord {
        id: new_id(),
        workspace_id: ws.id.clone(),
        name,
        visibility: visibility_str(body.visibility.unwrap_or(Visibility::Private)).into(),
        created_at: now,
    };
    state.tenants().create_project(&project).await?;
    state
        .tenants()
        .set_project_member(&project.id, &gate.principal.user.id, "project_admin", now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::project(&project, "project_admin")),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProjectPatch {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    /// `public` or `private`.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_visibility)]
    visibility: Option<Visibility>,
}

/// `PATCH /v1/projects/{id}` (ProjectUpdate): rename, change visibility.
pub async fn update_project(
    State(state): State<AppState>,
    gate: Gate,
    Path(project_id): Path<String>,
    Json(body): Json<ProjectPatch>,
) -> ApiResult<Json<Project>> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    let name = body
        .name
        .as_deref()
        .map(|n| check_name("name", n))
        .transpose()?;
    let visibility = body.visibility.map(visibility_str);
    state
        .tenants()
        .update_project(
            &project.workspace_id,
            &project.id,
            name.as_deref(),
            visibility,
        )
        .await?;
    let updated = state
        .tenants()
        .project(&project.workspace_id, &project.id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    let role = access_name(gate.access_to(&state, &updated).await?).unwrap_or("none");
    Ok(Json(views::project(&updated, role)))
}
