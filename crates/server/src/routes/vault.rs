//! Workspace secrets (docs/contract.md §11, tenant admins): named values sealed with the
//! workspace's data key ([`crate::vault::WorkspaceVault`]). The API writes and deletes
//! them and lists their metadata; no route ever answers with a value. Workflows and MCP
//! profiles read them on the server side ([`crate::vault::open_workspace_secret`]).

use ar_store::integrations::SecretRecord;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::state::AppState;
use crate::vault::secret_field;
use crate::views::Time;

/// Longest accepted secret value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Longest description.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// `^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`: names are referenced from profiles and graphs, so
/// they stay identifier-like.
pub fn check_secret_name(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok && name.len() <= 128 {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "a secret name is 1–128 characters: a letter or `_`, then letters, digits, `_`, `.` or `-`",
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretBody {
    /// The secret value (non-empty, at most 64 KiB). Never shown again.
    #[schema(min_length = 1, max_length = 65536)]
    value: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    description: Option<String>,
}

/// A secret as the API shows it: metadata only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Secret {
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: Time,
    pub updated_at: Time,
}

fn view(s: &SecretRecord) -> Secret {
    Secret {
        name: s.name.clone(),
        description: s.description.clone(),
        created_by: s.created_by.clone(),
        created_at: Time(s.created_at),
        updated_at: Time(s.updated_at),
    }
}

/// `GET /v1/vault/secrets`'s answer, by name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecretList {
    pub secrets: Vec<Secret>,
}

/// `GET /v1/vault/secrets` (VaultRead) → `{ "secrets": [...] }` by name, without values.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<SecretList>> {
    let ws = gate.require_workspace()?;
    let secrets = state
        .integrations()
        .list_secrets(&ws.id)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(SecretList { secrets }))
}

/// `PUT /v1/vault/secrets/{name}` (VaultWrite) → 201 created, 200 replaced. A replaced
/// secret keeps its id, which its sealed value is bound to.
pub async fn put(
    State(state): State<AppState>,
    gate: Gate,
    Path(name): Path<String>,
    Json(body): Json<SecretBody>,
) -> ApiResult<(StatusCode, Json<Secret>)> {
    let ws = gate.require_workspace()?;
    check_secret_name(&name)?;
    if body.value.is_empty() {
        return Err(ApiError::bad_request("`value` must not be empty"));
    }
    if body.value.len() > MAX_VALUE_BYTES {
        return Err(ApiError::bad_request(format!(
            "`value` is {} bytes; a secret holds at most {MAX_VALUE_BYTES} bytes (64 KiB)",
            body.value.len()
        )));
    }
    if body
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ApiError::bad_request(format!(
            "`description` is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    let existing = state.integrations().secret(&ws.id, &name).await?;
    let now = now_ms();
    let (id, created_by, created_at, status) = match &existing {
        Some(s) => (
            s.id.clone(),
            s.created_by.clone(),
            s.created_at,
            StatusCode::OK,
        ),
        None => (
            new_id(),
            gate.principal.user.id.clone(),
            now,
            StatusCode::CREATED,
        ),
    };
    let value_sealed = state
        .vault()
        .seal(&ws.id, secret_field(&id), &body.value)
        .await?;
    let record = SecretRecord {
        id,
        workspace_id: ws.id.clone(),
        name,
        description: body.description,
        value_sealed,
        created_by,
        created_at,
        updated_at: now,
    };
    state.integrations().put_secret(&record).await?;
    // Two concurrent first writes of one name: the row kept the first id, so the value
    // sealed for the other id would not open. Re-read and re-seal for the stored id.
    let stored = state
        .integrations()
        .secret(&ws.id, &record.name)
        .await?
        .ok_or_else(|| ApiError::internal("vault secret vanished after its write"))?;
    if stored.id != record.id {
        let value_sealed = state
            .vault()
            .seal(&ws.id, secret_field(&stored.id), &body.value)
            .await?;
        state
            .integrations()
            .put_secret(&SecretRecord {
                value_sealed,
                ..stored.clone()
            })
            .await?;
        return Ok((StatusCode::OK, Json(view(&stored))));
    }
    Ok((status, Json(view(&stored))))
}

/// `DELETE /v1/vault/secrets/{name}` (VaultWrite) → 204.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let ws = gate.require_workspace()?;
    check_secret_name(&name)?;
    if !state.integrations().delete_secret(&ws.id, &name).await? {
        return Err(ApiError::not_found("secret"));
    }
    Ok(StatusCode::NO_CONTENT)
}
