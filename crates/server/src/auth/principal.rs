//! The authenticated user of a request.

use ar_model::authz::TokenScope;
use ar_store::now_ms;
use ar_store::tenant::{PatRecord, SessionRecord, UserRecord};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::session::{check_csrf, session_cookie};
use crate::auth::session_lifetime::{SessionLifetime, SessionUse};
use crate::auth::tokens::{PAT_PREFIX, hash_secret, secret_matches};
use crate::error::ApiError;
use crate::state::AppState;

/// A PAT's `last_used_at` is written at most this often (ms), to keep reads read-only.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// Browser session cookie: every scope, CSRF-checked writes.
    Session(SessionRecord),
    /// Personal access token: its scopes only, bound to its workspace.
    Pat(PatRecord),
}

/// The signed-in user. Extracting it answers 401 for missing, unknown, expired or revoked
/// credentials and 403 for a cookie-authenticated write from another origin.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserRecord,
    pub credential: Credential,
}

impl Principal {
    /// The token's scopes, or `None` for a session (all scopes).
    pub fn token_scopes(&self) -> Option<Vec<TokenScope>> {
        match &self.credential {
            Credential::Session(_) => None,
            // Unknown scope strings (from a newer version) grant nothing here.
            Credential::Pat(pat) => Some(
                pat.scopes
                    .iter()
                    .filter_map(|s| TokenScope::parse(s))
                    .collect(),
            ),
        }
    }
    /// The PAT, when the caller used one.
    pub fn pat(&self) -> Option<&PatRecord> {
        match &self.credential {
            Credential::Pat(p) => Some(p),
            Credential::Session(_) => None,
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = verify(parts, state).await?;
        if let Credential::Session(_) = principal.credential {
            check_csrf(&parts.method, &parts.headers, state.origin())?;
        }
        Ok(principal)
    }
}

/// Whether the request carries a credential at all (a bearer token or a session cookie).
pub fn presents_credential(parts: &Parts) -> bool {
    parts.headers.contains_key(header::AUTHORIZATION) || session_cookie(&parts.headers).is_some()
}

/// The outcome of checking a request's credential, kept in its extensions: the rate
/// limiter checks it first (to key the request on a verified user), the handler's
/// [`Principal`] reuses it, so the store is asked once.
#[derive(Clone)]
struct Verified(Result<Principal, Refusal>);

/// An [`ApiError`] without its extras, to be answered again.
#[derive(Clone)]
struct Refusal {
    status: axum::http::StatusCode,
    message: String,
}

/// The user whose session cookie or bearer token the request carries, without the CSRF
/// check of cookie-authenticated writes (which [`Principal`] extraction adds): 401 for
/// missing, unknown, expired or revoked credentials.
pub async fn verify(parts: &mut Parts, state: &AppState) -> Result<Principal, ApiError> {
    let outcome = match parts.extensions.get::<Verified>() {
        Some(Verified(outcome)) => outcome.clone(),
        None => {
            let outcome = authenticate(parts, state).await.map_err(|e| Refusal {
                status: e.status,
                message: e.message,
            });
            parts.extensions.insert(Verified(outcome.clone()));
            outcome
        }
    };
    outcome.map_err(|r| ApiError::new(r.status, r.message))
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let authorization = parts.headers.get(header::AUTHORIZATION);
    if let Some(value) = authorization {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer pat_…`")
            })?;
        return authenticate_pat(token, state).await;
    }
    let Some(token) = session_cookie(&parts.headers) else {
        return Err(ApiError::unauthorized(
            "sign in or send `Authorization: Bearer pat_…`",
        ));
    };
    authenticate_session(token, state).await
}

async fn authenticate_pat(token: &str, state: &AppState) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthorized("invalid token");
    if !token.starts_with(PAT_PREFIX) {
        return Err(invalid());
    }
    let hash = hash_secret(token);
    let pat = state
        .tenants()
        .pat_by_token_hash(&hash)
        .await?
        .ok_or_else(invalid)?;
    if !secret_matches(token, &pat.token_hash) {
        return Err(invalid());
    }
    let now = now_ms();
    if pat.revoked_at.is_some() {
        return Err(ApiError::unauthorized("the token was revoked"));
    }
    if pat.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unauthorized("the token has expired"));
    }
    let user = state
        .tenants()
        .user_by_id(&pat.user_id)
        .await?
        .ok_or_else(invalid)?;
    if pat
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_GRANULARITY_MS)
    {
        state.tenants().touch_pat(&pat.id, now).await?;
    }
    Ok(Principal {
        user,
        credential: Credential::Pat(pat),
    })
}

async fn authenticate_session(token: &str, state: &AppState) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthorized("the session is invalid or has expired; sign in again");
    let session = state
        .tenants()
        .session_by_token_hash(&hash_secret(token))
        .await?
        .ok_or_else(invalid)?;
    if !secret_matches(token, &session.token_hash) {
        return Err(invalid());
    }
    match SessionLifetime::of(state.settings()).on_use(&session, now_ms()) {
        SessionUse::Ended => {
            state.tenants().delete_session(&session.id).await?;
            return Err(invalid());
        }
        SessionUse::Extend(expires_at) => {
            state
                .tenants()
                .set_session_expiry(&session.id, expires_at)
                .await?;
        }
        SessionUse::Keep => {}
    }
    let user = state
        .tenants()
        .user_by_id(&session.user_id)
        .await?
        .ok_or_else(invalid)?;
    Ok(Principal {
        user,
        credential: Credential::Session(session),
    })
}

/// Marks `extensions` as already authenticated as `principal`, so [`verify`] (and with it
/// the gate and the rate limiter) reuses it instead of reading credentials. For requests
/// the server makes to its own `/v1` router on behalf of a caller it has verified itself:
/// the Platform MCP's tools (docs/platform-mcp.md), which must obey exactly the rules of
/// the route they stand for.
pub fn assume_verified(extensions: &mut axum::http::Extensions, principal: Principal) {
    extensions.insert(Verified(Ok(principal)));
}
