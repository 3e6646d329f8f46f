//! The authorization gate: every gated route declares an [`Action`] (in the route table,
//! see `crate::routes`), and the [`Gate`] extractor decides it with
//! [`ar_model::authz::authorize`], the one decision function. Handlers never compare roles.
//!
//! The workspace comes from `X-Tenant-Id` (a slug) or, for a PAT, the token's own
//! workspace; a PAT used with another workspace's slug is treated as an outsider there.
//! Project-scoped actions are decided against the project of `X-Project-Id`, or, for
//! routes addressing one object (`/workflows/{id}`), the object's project via
//! [`Gate::object_project`].

use ar_model::authz::{
    Action, Caller, Decision, DenyReason, ProjectAccess, ProjectFacts, ProjectRole,
    RoleRequirement, Visibility, WorkspacePolicy, WorkspaceRole, authorize, project_access,
};
use ar_store::tenant::{ProjectRecord, WorkspaceRecord};
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Header naming the workspace by slug.
pub const TENANT_HEADER: &str = "x-tenant-id";
/// Header naming the project by id.
pub const PROJECT_HEADER: &str = "x-project-id";

/// The action a route performs; attached to the route by the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteAction(pub Action);

/// A caller allowed to perform the route's action (so far: project-scoped actions on an
/// object are completed by [`Gate::object_project`]).
#[derive(Debug, Clone)]
pub struct Gate {
    pub principal: Principal,
    pub action: Action,
    /// The request's workspace, when one was named (or implied by the PAT).
    pub workspace: Option<WorkspaceRecord>,
    /// What `authorize` sees of the caller.
    pub caller: Caller,
    /// The project of `X-Project-Id`, already authorized.
    header_project: Option<ProjectRecord>,
}

fn header<'a>(parts: &'a Parts, name: &str) -> ApiResult<Option<&'a str>> {
    match parts.headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| ApiError::bad_request(format!("the {name} header is not valid text"))),
    }
}

fn parse_role(role: &str) -> Option<WorkspaceRole> {
    WorkspaceRole::parse(role)
}

/// Maps a refusal of `authorize` to its HTTP error.
pub fn decision_error(decision: Decision, action: Action) -> ApiResult<()> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(ApiError::not_found("workspace or project")),
        Decision::Forbidden(DenyReason::MissingScope(scope)) => Err(ApiError::forbidden(format!(
            "the token lacks the `{}` scope needed for {}",
            scope.as_str(),
            action.name()
        ))),
        Decision::Forbidden(DenyReason::Role) => Err(ApiError::forbidden(format!(
            "your role does not allow {}",
            action.name()
        ))),
        Decision::Forbidden(DenyReason::ReadOnly) => Err(ApiError::forbidden(
            "you have read-only access to this private project",
        )),
    }
}

impl FromRequestParts<AppState> for Gate {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(RouteAction(action)) = parts.extensions.get::<RouteAction>().copied() else {
            return Err(ApiError::internal(
                "a gated handler is mounted without an action",
            ));
        };
        let principal = Principal::from_request_parts(parts, state).await?;
        let authenticated_only = action.requirement().role == RoleRequirement::Authenticated;
        let workspace = match resolve_workspace(parts, state, &principal).await {
            // Actions outside any workspace do not care about a stale X-Tenant-Id.
            Err(e) if authenticated_only && e.status == axum::http::StatusCode::NOT_FOUND => None,
            other => other?,
        };
        let workspace_role = match &workspace {
            // A PAT only ever speaks for its own workspace.
            Some(ws) if principal.pat().is_some_and(|p| p.workspace_id != ws.id) => None,
            Some(ws) => state
                .tenants()
                .membership(&ws.id, &principal.user.id)
                .await?
                .filter(|m| m.active)
                .and_then(|m| parse_role(&m.role)),
            None => None,
        };
        let caller = Caller {
            workspace_role,
            token_scopes: principal.token_scopes(),
        };
        let mut gate = Gate {
            principal,
            action,
            workspace,
            caller,
            header_project: None,
        };
        match action.requirement().role {
            RoleRequirement::Authenticated => {
                decision_error(authorize(&gate.caller, action, None), action)?
            }
            RoleRequirement::WorkspaceMember
            | RoleRequirement::TenantAdmin
            | RoleRequirement::WorkspaceOwner => {
                gate.require_workspace()?;
                decision_error(authorize(&gate.caller, action, None), action)?;
            }
            RoleRequirement::Project(_) => {
                let ws = gate.require_workspace()?.clone();
                if gate.caller.workspace_role.is_none() {
                    return Err(ApiError::not_found("workspace or project"));
                }
                if let Some(project_id) = header(parts, PROJECT_HEADER)? {
                    let project = state.tenants().project(&ws.id, project_id).await?;
                    let project =
                        project.ok_or_else(|| ApiError::not_found("workspace or project"))?;
                    gate.authorize_project(state, &project).await?;
                    gate.header_project = Some(project);
                }
            }
        }
        Ok(gate)
    }
}

/// The workspace of the request: the `{slug}` of a `/v1/workspaces/{slug}` path, else
/// `X-Tenant-Id`, else a PAT's own workspace.
async fn resolve_workspace(
    parts: &mut Parts,
    state: &AppState,
    principal: &Principal,
) -> ApiResult<Option<WorkspaceRecord>> {
    let path_slug = RawPathParams::from_request_parts(parts, state)
        .await
        .ok()
        .and_then(|params| {
            params
                .iter()
                .find(|(name, _)| *name == "slug")
                .map(|(_, v)| v.to_string())
        });
    let slug = match path_slug {
        Some(slug) => Some(slug),
        None => header(parts, TENANT_HEADER)?.map(str::to_string),
    };
    if let Some(slug) = slug.as_deref() {
        let ws = state.tenants().workspace_by_slug(slug).await?;
        return ws
            .map(Some)
            .ok_or_else(|| ApiError::not_found("workspace or project"));
    }
    match principal.pat() {
        Some(pat) => Ok(state.tenants().workspace_by_id(&pat.workspace_id).await?),
        None => Ok(None),
    }
}

impl Gate {
    /// The request's workspace, or 400 when the request named none.
    pub fn require_workspace(&self) -> ApiResult<&WorkspaceRecord> {
        self.workspace.as_ref().ok_or_else(|| {
            ApiError::bad_request("the X-Tenant-Id header (workspace slug) is required")
        })
    }

    /// The caller's role in the workspace (present once a workspace-level gate passed).
    pub fn workspace_role(&self) -> Option<WorkspaceRole> {
        self.caller.workspace_role
    }

    /// The authorized project of `X-Project-Id`, or 400 when the request named none.
    pub fn project(&self) -> ApiResult<&ProjectRecord> {
        self.header_project
            .as_ref()
            .ok_or_else(|| ApiError::bad_request("the X-Project-Id header is required"))
    }

    /// Authorizes the action on the project owning the object the route addresses.
    /// With `X-Project-Id`, the object must be in that project. Every "not found" on the
    /// way (another project, a project the caller may not see) is answered as `what` not
    /// found, so the caller learns nothing about the object beyond that.
    pub async fn object_project(
        &self,
        state: &AppState,
        project_id: &str,
        what: &str,
    ) -> ApiResult<ProjectRecord> {
        self.find_object_project(state, project_id)
            .await
            .map_err(|e| {
                if e.status == axum::http::StatusCode::NOT_FOUND {
                    ApiError::not_found(what)
                } else {
                    e
                }
            })
    }

    async fn find_object_project(
        &self,
        state: &AppState,
        project_id: &str,
    ) -> ApiResult<ProjectRecord> {
        let not_found = || ApiError::not_found("object");
        if let Some(p) = &self.header_project {
            return if p.id == project_id {
                Ok(p.clone())
            } else {
                Err(not_found())
            };
        }
        let ws = self.require_workspace()?;
        let project = state
            .tenants()
            .project(&ws.id, project_id)
            .await?
            .ok_or_else(not_found)?;
        self.authorize_project(state, &project).await?;
        Ok(project)
    }

    async fn authorize_project(&self, state: &AppState, project: &ProjectRecord) -> ApiResult<()> {
        let access = self.access_to(state, project).await?;
        decision_error(
            authorize(&self.caller, self.action, Some(access)),
            self.action,
        )
    }

    /// The caller's access to a project of the request's workspace (for filtering lists).
    pub async fn access_to(
        &self,
        state: &AppState,
        project: &ProjectRecord,
    ) -> ApiResult<ProjectAccess> {
        let Some(role) = self.caller.workspace_role else {
            return Ok(ProjectAccess::None);
        };
        let explicit = state
            .tenants()
            .project_role(&project.id, &self.principal.user.id)
            .await?;
        Ok(access_from_facts(
            role,
            project,
            explicit.as_deref(),
            self.policy(),
        ))
    }

    /// The workspace's access policy.
    pub fn policy(&self) -> WorkspacePolicy {
        WorkspacePolicy {
            admins_full_access_to_private: self
                .workspace
                .as_ref()
                .is_some_and(|w| w.admins_full_access_to_private),
        }
    }
}

/// `project_access` from stored strings (unknown strings grant nothing extra).
pub fn access_from_facts(
    workspace_role: WorkspaceRole,
    project: &ProjectRecord,
    explicit_role: Option<&str>,
    policy: WorkspacePolicy,
) -> ProjectAccess {
    let visibility = if project.visibility == "public" {
        Visibility::Public
    } else {
        Visibility::Private
    };
    let facts = ProjectFacts {
        visibility,
        explicit_role: explicit_role.and_then(ProjectRole::parse),
    };
    project_access(workspace_role, facts, policy)
}
