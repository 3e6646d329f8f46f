//! Workspace invites: one-time token links that grant a workspace role.

use crate::extract::Path;
use ar_model::authz::WorkspaceRole;
use ar_store::now_ms;
use ar_store::tenant::{InviteRecord, UserRecord};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::auth::principal::Principal;
use crate::auth::tokens::{hash_secret, new_id, random_secret, secret_matches};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::identity::normalize_email;
use crate::state::AppState;
use crate::views::{self, Time, Workspace};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewInvite {
    #[schema(schema_with = crate::openapi::field::email)]
    email: String,
    /// `member` (default) or `admin`.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_invite_role)]
    role: Option<WorkspaceRole>,
}

/// `POST /v1/invites` (InvitesManage) → `{id, token, accept_url}`; the token is shown once.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewInvite>,
) -> ApiResult<(StatusCode, Json<CreatedInvite>)> {
    let ws = gate.require_workspace()?;
    let email = normalize_email(&body.email)?;
    let role = body.role.unwrap_or(WorkspaceRole::Member);
    if role == WorkspaceRole::Owner {
        return Err(ApiError::bad_request(
            "invites grant `member` or `admin`; make owners from the members list",
        ));
    }
    refuse_deactivated_owner(&state, &ws.id, &email).await?;
    let joining = state.tenants().user_by_email(&email).await?.map(|u| u.id);
    crate::billing::members::check_room(&state, &ws.id, joining.as_deref()).await?;
    let token = random_secret("inv_");
    let now = now_ms();
    let invite = InviteRecord {
        id: new_id(),
        workspace_id: ws.id.clone(),
        email,
        role: role.as_str().into(),
        token_hash: hash_secret(&token),
        expires_at: now + i64::from(state.settings().invite_ttl_hours) * 3_600_000,
        accepted_at: None,
        created_at: now,
    };
    state.tenants().create_invite(&invite).await?;
    let accept_url = format!("{}/v1/invites/{token}/accept", state.origin());
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvite {
            id: invite.id,
            token,
            accept_url,
            email: invite.email,
            role: invite.role,
            expires_at: Time(invite.expires_at),
        }),
    ))
}

/// `POST /v1/invites`'s answer; the token is shown only here. No `Debug`: the token must
/// not reach a log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedInvite {
    pub id: String,
    /// The one-time token (`inv_…`).
    pub token: String,
    pub accept_url: String,
    pub email: String,
    #[schema(schema_with = crate::openapi::field::invite_role)]
    pub role: String,
    pub expires_at: Time,
}

/// `POST /v1/invites/{token}/accept`'s answer: the workspace joined.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InviteAccepted {
    pub workspace: Workspace,
}

/// An invite never reactivates a deactivated owner (accepting it is refused too: only an
/// owner may reactivate an owner, and admins make invites): 409 up front, with the way.
async fn refuse_deactivated_owner(
    state: &AppState,
    workspace_id: &str,
    email: &str,
) -> ApiResult<()> {
    let Some(user) = state.tenants().user_by_email(email).await? else {
        return Ok(());
    };
    let deactivated_owner = state
        .tenants()
        .membership(workspace_id, &user.id)
        .await?
        .is_some_and(|m| !m.active && WorkspaceRole::parse(&m.role) == Some(WorkspaceRole::Owner));
    if deactivated_owner {
        return Err(ApiError::conflict(
            "this address belongs to a deactivated owner of the workspace; an owner can reactivate them (PATCH /v1/members/{user_id} {\"active\": true})",
        ));
    }
    Ok(())
}

/// The pending, unexpired invite with this token (404 otherwise, 409 when already used).
pub async fn find_usable_invite(state: &AppState, token: &str) -> ApiResult<InviteRecord> {
    let invite = state
        .tenants()
        .invite_by_token_hash(&hash_secret(token))
        .await?;
    let invite = invite
        .filter(|i| secret_matches(token, &i.token_hash))
        .ok_or_else(|| ApiError::not_found("invite"))?;
    if invite.accepted_at.is_some() {
        return Err(ApiError::conflict("the invite was already used"));
    }
    if invite.expires_at <= now_ms() {
        return Err(ApiError::not_found("invite (it has expired)"));
    }
    Ok(invite)
}

/// Accepts the invite for `user` (the invite's email must be theirs).
pub async fn accept_invite_for(
    state: &AppState,
    invite: &InviteRecord,
    user: &UserRecord,
) -> ApiResult<Workspace> {
    if invite.email != user.email {
        return Err(ApiError::forbidden(
            "this invite is for another email address",
        ));
    }
    crate::billing::members::check_room(state, &invite.workspace_id, Some(&user.id)).await?;
    let membership = state
        .tenants()
        .accept_invite(&invite.id, &user.id, now_ms())
        .await?;
    let ws = state
        .tenants()
        .workspace_by_id(&membership.workspace_id)
        .await?
        .ok_or_else(|| ApiError::not_found("workspace"))?;
    Ok(views::workspace(&ws, &membership.role))
}

/// `POST /v1/invites/{token}/accept`: the signed-in user joins the workspace. The one-time
/// token is the authorization, so this route has no permission-table action.
pub async fn accept(
    State(state): State<AppState>,
    principal: Principal,
    Path(token): Path<String>,
) -> ApiResult<Json<InviteAccepted>> {
    if principal.pat().is_some() {
        return Err(ApiError::forbidden(
            "accept invites from a signed-in session, not with a token",
        ));
    }
    let invite = find_usable_invite(&state, &token).await?;
    let workspace = accept_invite_for(&state, &invite, &principal.user).await?;
    Ok(Json(InviteAccepted { workspace }))
}
