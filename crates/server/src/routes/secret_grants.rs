//! Grants of workspace secrets to projects (docs/vault.md "Granting a secret to a
//! project", docs/security.md).
//!
//! Binding a vault secret in an MCP profile sends its value to the profile's server, so
//! it takes the right to read the vault (tenant admins). A tenant admin can instead grant
//! one secret, by name, to one project: that project's contributors may then bind it in
//! the project's profiles, and nothing else of the vault. Grants go with the secret (a new
//! secret of the same name is not granted) and are listed per secret and per project.

use ar_store::integrations::SecretGrantRecord;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::vault::check_secret_name;
use crate::state::AppState;
use crate::views::Time;

/// A grant of a secret to a project (names only, never the value).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecretGrant {
    pub secret_name: String,
    pub project_id: String,
    pub granted_by: String,
    pub created_at: Time,
}

fn view(g: &SecretGrantRecord) -> SecretGrant {
    SecretGrant {
        secret_name: g.secret_name.clone(),
        project_id: g.project_id.clone(),
        granted_by: g.granted_by.clone(),
        created_at: Time(g.created_at),
    }
}

/// A list of grants (`GET /v1/vault/secrets/{name}/grants`, by project;
/// `GET /v1/projects/{id}/vault-grants`, by secret name).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecretGrantList {
    pub grants: Vec<SecretGrant>,
}

/// `GET /v1/vault/secrets/{name}/grants` (VaultRead) → `{ "grants": [...] }`, oldest
/// first; 404 when the workspace has no such secret.
pub async fn list(
    State(state): State<AppState>,
    gate: Gate,
    Path(name): Path<String>,
) -> ApiResult<Json<SecretGrantList>> {
    let ws = gate.require_workspace()?;
    check_secret_name(&name)?;
    let store = state.integrations();
    if store.secret(&ws.id, &name).await?.is_none() {
        return Err(ApiError::not_found("secret"));
    }
    let grants = store
        .secret_grants(&ws.id, &name)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(SecretGrantList { grants }))
}

/// `PUT /v1/vault/secrets/{name}/grants/{project_id}` (VaultWrite) → 201 with the grant,
/// or 200 when the project already had it; 404 when the workspace has no such secret or
/// no such project.
pub async fn grant(
    State(state): State<AppState>,
    gate: Gate,
    Path((name, project_id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<SecretGrant>)> {
    let ws = gate.require_workspace()?;
    check_secret_name(&name)?;
    let store = state.integrations();
    let existed = store
        .secret_grants(&ws.id, &name)
        .await?
        .iter()
        .any(|g| g.project_id == project_id);
    let granted = store
        .grant_secret(
            &ws.id,
            &name,
            &project_id,
            &gate.principal.user.id,
            now_ms(),
        )
        .await?
        .ok_or_else(|| ApiError::not_found("secret or project"))?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view(&granted))))
}

/// `DELETE /v1/vault/secrets/{name}/grants/{project_id}` (VaultWrite) → 204. Profiles
/// that already bind the secret keep it; the next write of such a profile by someone
/// without the vault right is refused.
pub async fn revoke(
    State(state): State<AppState>,
    gate: Gate,
    Path((name, project_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let ws = gate.require_workspace()?;
    check_secret_name(&name)?;
    if !state
        .integrations()
        .revoke_secret_grant(&ws.id, &name, &project_id)
        .await?
    {
        return Err(ApiError::not_found("grant"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/projects/{id}/vault-grants` (McpRead on the project) → `{ "grants": [...] }`
/// by secret name: the secrets the project's contributors may bind (names, never values).
pub async fn list_for_project(
    State(state): State<AppState>,
    gate: Gate,
    Path(project_id): Path<String>,
) -> ApiResult<Json<SecretGrantList>> {
    let project = gate.object_project(&state, &project_id, "project").await?;
    let grants = state
        .integrations()
        .project_secret_grants(&project.workspace_id, &project.id)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(SecretGrantList { grants }))
}
