//! Personal access tokens (CONTRACT §1): shown once, stored as SHA-256, scoped, expiring,
//! revocable, bound to their user and workspace, never wider than the token creating them.

use crate::extract::Path;
use ar_model::authz::TokenScope;
use ar_store::now_ms;
use ar_store::tenant::PatRecord;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::auth::tokens::{PAT_PREFIX, hash_secret, new_id, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views;

/// Longest lifetime a token can be given.
const MAX_TTL_DAYS: u32 = 3650;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewPat {
    /// The token's name; `name` (this project's earlier field) is accepted in its place.
    #[serde(rename = "display_name", alias = "name")]
    #[schema(schema_with = crate::openapi::field::name)]
    display_name: String,
    /// Any of `workflow:read`, `workflow:write`, `workflow:run`, `mcp:execute`, `mcp:write`, `admin`.
    #[schema(schema_with = crate::openapi::field::scopes)]
    scopes: Vec<TokenScope>,
    /// RFC 3339 expiry time (in the future).
    #[serde(default)]
    #[schema(format = DateTime)]
    expires_at: Option<String>,
    /// Alternatively, days from now.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    expires_in_days: Option<u32>,
}

/// `GET /v1/pats` (PatsManage): the caller's tokens in this workspace (never the secrets).
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    let ws = gate.require_workspace()?;
    let pats: Vec<Value> = state
        .tenants()
        .list_pats(&gate.principal.user.id, &ws.id)
        .await?
        .iter()
        .map(views::pat)
        .collect();
    Ok(Json(json!({ "pats": pats })))
}

fn expiry(body: &NewPat, now: i64) -> ApiResult<Option<i64>> {
    match (&body.expires_at, body.expires_in_days) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "give `expires_at` or `expires_in_days`, not both",
        )),
        (Some(at), None) => {
            let t = chrono::DateTime::parse_from_rfc3339(at).map_err(|e| {
                ApiError::bad_request(format!("`expires_at` is not an RFC 3339 time: {e}"))
            })?;
            let ms = t.timestamp_millis();
            if ms <= now {
                return Err(ApiError::bad_request("`expires_at` is in the past"));
            }
            Ok(Some(ms))
        }
        (None, Some(days)) if days == 0 || days > MAX_TTL_DAYS => Err(ApiError::bad_request(
            format!("`expires_in_days` must be 1–{MAX_TTL_DAYS}"),
        )),
        (None, Some(days)) => Ok(Some(now + i64::from(days) * 86_400_000)),
        (None, None) => Ok(None),
    }
}

/// `POST /v1/pats` (PatsManage) → the token, shown only in this response.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewPat>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ws = gate.require_workspace()?;
    let name = check_name("display_name", &body.display_name)?;
    if body.scopes.is_empty() {
        return Err(ApiError::bad_request(
            "`scopes` must name at least one scope",
        ));
    }
    // A token cannot mint a wider token.
    if let Some(own) = gate.principal.token_scopes()
        && let Some(extra) = body.scopes.iter().find(|s| !own.contains(s))
    {
        return Err(ApiError::forbidden(format!(
            "a token cannot grant the `{}` scope it does not have",
            extra.as_str()
        )));
    }
    let now = now_ms();
    let mut scopes: Vec<String> = body.scopes.iter().map(|s| s.as_str().to_string()).collect();
    scopes.sort();
    scopes.dedup();
    let token = random_secret(PAT_PREFIX);
    let pat = PatRecord {
        id: new_id(),
        user_id: gate.principal.user.id.clone(),
        workspace_id: ws.id.clone(),
        name,
        token_hash: hash_secret(&token),
        scopes,
        expires_at: expiry(&body, now)?,
        revoked_at: None,
        last_used_at: None,
        created_at: now,
    };
    state.tenants().create_pat(&pat).await?;
    let mut out = views::pat(&pat);
    out["token"] = Value::String(token);
    Ok((StatusCode::CREATED, Json(out)))
}

/// `DELETE /v1/pats/{id}` (PatsManage): revokes one of the caller's tokens.
pub async fn revoke(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let ws = gate.require_workspace()?;
    let mine = state
        .tenants()
        .list_pats(&gate.principal.user.id, &ws.id)
        .await?;
    if !mine.iter().any(|p| p.id == id && p.revoked_at.is_none()) {
        return Err(ApiError::not_found("token"));
    }
    state
        .tenants()
        .revoke_pat(&gate.principal.user.id, &id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
