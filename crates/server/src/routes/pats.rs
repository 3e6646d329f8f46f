//! Personal access tokens (docs/contract.md §1): shown once, stored as SHA-256, scoped, expiring,
//! revocable, bound to their user and workspace, never wider than the token creating them.

use crate::extract::Path;
use ar_model::authz::TokenScope;
use ar_store::now_ms;
use ar_store::tenant::PatRecord;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::auth::tokens::{PAT_PREFIX, hash_secret, new_id, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::workspaces::check_name;
use crate::settings::Settings;
use crate::state::AppState;
use crate::views::Pat;

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
    /// Alternatively, days from now. Without either, the server's default lifetime
    /// (`pat_default_ttl_days`, 90 days unless the operator changed it); never more than
    /// `pat_max_ttl_days` (365 by default).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    expires_in_days: Option<u32>,
    /// A token without expiry, where the operator allows it (`pat_allow_never`);
    /// exclusive with `expires_at` / `expires_in_days`.
    #[serde(default)]
    never_expires: bool,
}

/// `GET /v1/pats` (PatsManage): the caller's tokens in this workspace (never the secrets).
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<PatList>> {
    let ws = gate.require_workspace()?;
    let pats = state
        .tenants()
        .list_pats(&gate.principal.user.id, &ws.id)
        .await?
        .iter()
        .map(Pat::from)
        .collect();
    Ok(Json(PatList { pats }))
}

/// `GET /v1/pats`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PatList {
    pub pats: Vec<Pat>,
}

/// `POST /v1/pats`'s answer: the token's metadata and, this once, the token. No `Debug`:
/// the token must not reach a log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedPat {
    #[serde(flatten)]
    pub pat: Pat,
    /// The bearer token (`pat_…`); never shown again.
    pub token: String,
}

/// The token's expiry (ms): what the body asks within the operator's bounds, else the
/// default lifetime; `None` only for `never_expires` where the operator allows it.
fn expiry(body: &NewPat, now: i64, settings: &Settings) -> ApiResult<Option<i64>> {
    const DAY_MS: i64 = 86_400_000;
    let max_days = settings.pat_max_ttl_days;
    let latest = now + i64::from(max_days) * DAY_MS;
    if body.never_expires {
        if body.expires_at.is_some() || body.expires_in_days.is_some() {
            return Err(ApiError::bad_request(
                "give `never_expires` or an expiry (`expires_at` / `expires_in_days`), not both",
            ));
        }
        if !settings.pat_allow_never {
            return Err(ApiError::forbidden(format!(
                "this server does not issue tokens that never expire; give `expires_in_days` (at most {max_days}) or leave it out for {} days",
                settings.pat_default_ttl_days
            )));
        }
        return Ok(None);
    }
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
            if ms > latest {
                return Err(ApiError::bad_request(format!(
                    "`expires_at` is more than {max_days} days away, the longest lifetime this server gives a token"
                )));
            }
            Ok(Some(ms))
        }
        (None, Some(days)) if days == 0 || days > max_days => Err(ApiError::bad_request(format!(
            "`expires_in_days` must be 1–{max_days} on this server"
        ))),
        (None, Some(days)) => Ok(Some(now + i64::from(days) * DAY_MS)),
        (None, None) => Ok(Some(
            now + i64::from(settings.pat_default_ttl_days) * DAY_MS,
        )),
    }
}

/// `POST /v1/pats` (PatsManage) → the token, shown only in this response.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewPat>,
) -> ApiResult<(StatusCode, Json<CreatedPat>)> {
    let ws = gate.require_workspace()?;
    let name = check_name("display_name", &body.display_name)?;
    if body.scopes.is_empty() {
        return Err(ApiError::bad_request(
            "`scopes` must name at least one scope",
        ));
    }
    // A token cannot mint a wider token (a scope it holds through a wider one, such as
    // `workflow:write` through `workflow:run`, is not wider).
    if let Some(own) = gate.principal.token_scopes()
        && let Some(extra) = body
            .scopes
            .iter()
            .find(|s| !TokenScope::granted_by(**s, &own))
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
        expires_at: expiry(&body, now, state.settings())?,
        revoked_at: None,
        last_used_at: None,
        created_at: now,
    };
    state.tenants().create_pat(&pat).await?;
    let out = CreatedPat {
        pat: Pat::from(&pat),
        token,
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_000 * DAY;

    fn body(json: serde_json::Value) -> NewPat {
        let mut full = json!({"name": "t", "scopes": ["workflow:read"]});
        full.as_object_mut()
            .expect("object")
            .extend(json.as_object().expect("object").clone());
        serde_json::from_value(full).expect("body")
    }

    #[test]
    fn a_token_without_expiry_gets_the_default_lifetime() {
        let s = Settings::default();
        assert_eq!(
            expiry(&body(json!({})), NOW, &s).ok(),
            Some(Some(NOW + 90 * DAY))
        );
        let s = Settings {
            pat_default_ttl_days: 7,
            ..Settings::default()
        };
        assert_eq!(
            expiry(&body(json!({})), NOW, &s).ok(),
            Some(Some(NOW + 7 * DAY))
        );
    }

    #[test]
    fn lifetimes_beyond_the_maximum_are_refused() {
        let s = Settings::default();
        let days = |d: u32| expiry(&body(json!({"expires_in_days": d})), NOW, &s);
        assert_eq!(days(365).ok(), Some(Some(NOW + 365 * DAY)));
        let err = days(366).expect_err("too long");
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(err.message.contains("1–365"), "{}", err.message);
        let far = chrono::DateTime::from_timestamp_millis(NOW + 400 * DAY)
            .expect("time")
            .to_rfc3339();
        let err = expiry(&body(json!({"expires_at": far})), NOW, &s).expect_err("too far");
        assert!(err.message.contains("365 days"), "{}", err.message);
    }

    #[test]
    fn never_is_only_for_servers_that_allow_it() {
        let never = body(json!({"never_expires": true}));
        let err = expiry(&never, NOW, &Settings::default()).expect_err("not allowed");
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        let allowing = Settings {
            pat_allow_never: true,
            ..Settings::default()
        };
        assert_eq!(expiry(&never, NOW, &allowing).ok(), Some(None));
        let both = body(json!({"never_expires": true, "expires_in_days": 3}));
        let err = expiry(&both, NOW, &allowing).expect_err("both");
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
    }
}
