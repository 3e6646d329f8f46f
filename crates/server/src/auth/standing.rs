//! Standing: whether a user may *still* do what they were allowed to do earlier.
//!
//! The gate decides a request once, when it arrives. Some access outlives its request — an
//! open event stream, a cron trigger firing for its creator, a webhook delivery speaking
//! with its creator's token — and must end when the rights behind it end: a revoked or
//! expired token, a session signed out, a deactivated member, a lost project role. This
//! module re-decides such access from the stored facts, with the same decision function
//! as the gate (`ar_model::authz::authorize`). It reads the database every time, so a
//! revocation on one node is seen by every node of a PostgreSQL deployment.

use ar_model::authz::{
    Action, Caller, Decision, TokenScope, WorkspacePolicy, WorkspaceRole, authorize,
};
use ar_store::StoreResult;

use crate::auth::gate::{access_from_facts, decision_error};
use crate::auth::principal::Credential;
use crate::state::AppState;

/// Why access that was once allowed no longer is, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused<T>(reason: impl Into<String>) -> StoreResult<Result<T, Refusal>> {
    Ok(Err(Refusal(reason.into())))
}

/// Who acts on which project.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub workspace_id: &'a str,
    pub project_id: &'a str,
    pub user_id: &'a str,
    /// The token's scopes; `None` for a session or a user acting themselves (a trigger's
    /// creator), who has every scope their role gives.
    pub token_scopes: Option<Vec<TokenScope>>,
}

/// Whether `subject` may perform the project-scoped `action` now. `Err(Refusal)` says
/// why not; a store error is returned as such (the caller decides whether to retry).
pub async fn may(
    state: &AppState,
    subject: &Subject<'_>,
    action: Action,
) -> StoreResult<Result<(), Refusal>> {
    let tenants = state.tenants();
    let role = tenants
        .membership(subject.workspace_id, subject.user_id)
        .await?
        .filter(|m| m.active)
        .and_then(|m| WorkspaceRole::parse(&m.role));
    let Some(role) = role else {
        return refused("the user is no longer an active member of the workspace");
    };
    let Some(project) = tenants
        .project(subject.workspace_id, subject.project_id)
        .await?
    else {
        return refused("the project no longer exists");
    };
    let workspace = tenants.workspace_by_id(subject.workspace_id).await?;
    let explicit = tenants.project_role(&project.id, subject.user_id).await?;
    let policy = WorkspacePolicy {
        admins_full_access_to_private: workspace.is_some_and(|w| w.admins_full_access_to_private),
    };
    let access = access_from_facts(role, &project, explicit.as_deref(), policy);
    let caller = Caller {
        workspace_role: Some(role),
        token_scopes: subject.token_scopes.clone(),
    };
    match authorize(&caller, action, Some(access)) {
        Decision::Allow => Ok(Ok(())),
        Decision::NotFound => refused("the user no longer has access to the project"),
        forbidden => refused(
            decision_error(forbidden, action)
                .err()
                .map(|e| e.message)
                .unwrap_or_default(),
        ),
    }
}

/// Whether the credential a long-lived connection was opened with still holds: the
/// token is neither revoked nor expired, the session was not ended (sign-out, password
/// change) and has not expired.
pub async fn credential_holds(
    state: &AppState,
    credential: &Credential,
    now_ms: i64,
) -> StoreResult<Result<(), Refusal>> {
    let tenants = state.tenants();
    match credential {
        Credential::Pat(opened_with) => {
            match tenants.pat_by_token_hash(&opened_with.token_hash).await? {
                None => refused("the token no longer exists"),
                Some(pat) if pat.revoked_at.is_some() => refused("the token was revoked"),
                Some(pat) if pat.expires_at.is_some_and(|at| at <= now_ms) => {
                    refused("the token has expired")
                }
                Some(_) => Ok(Ok(())),
            }
        }
        Credential::Session(opened_with) => {
            match tenants
                .session_by_token_hash(&opened_with.token_hash)
                .await?
            {
                None => refused("the session ended (signed out); sign in again"),
                Some(session) if session.expires_at <= now_ms => {
                    refused("the session has expired; sign in again")
                }
                Some(_) => Ok(Ok(())),
            }
        }
    }
}
