//! Sign-up, sign-in, sign-out and `me` (docs/contract.md §1, §9). These routes establish identity
//! rather than act in a workspace, so they carry no permission-table action.

use ar_model::authz::ProjectAccess;
use ar_store::now_ms;
use ar_store::tenant::{SessionRecord, UserRecord};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::gate::access_from_facts;
use crate::auth::password::check_new_password;
use crate::auth::principal::{Credential, Principal};
use crate::auth::session::{check_csrf, clear_session_cookie, session_cookie, set_session_cookie};
use crate::auth::session_lifetime::SessionLifetime;
use crate::auth::tokens::{hash_secret, new_id, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::invites::{accept_invite_for, find_usable_invite};
use crate::settings::SignupPolicy;
use crate::state::AppState;
use crate::views::{self, User};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignupBody {
    #[schema(schema_with = crate::openapi::field::email)]
    email: String,
    #[schema(schema_with = crate::openapi::field::new_password)]
    password: String,
    #[serde(default)]
    name: Option<String>,
    /// Required when sign-up is invite-only; accepted (and used) either way.
    #[serde(default)]
    invite_token: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// Lower-cases and checks an email address.
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::bad_request(
            "`email` is not a valid email address",
        ))
    }
}

/// `GET /v1/auth/signup`: who may sign up here, `{"signup": "open" | "invite"}`, so a
/// sign-up page can offer the form or say to ask for an invitation. Public: the policy is
/// what a refused sign-up would tell anyone anyway.
pub async fn signup_policy(State(state): State<AppState>) -> Json<SignupPolicyView> {
    let signup = match state.settings().signup {
        SignupPolicy::Open => "open",
        SignupPolicy::Invite => "invite",
    };
    Json(SignupPolicyView { signup })
}

/// `GET /v1/auth/signup`'s answer: who may create an account on this server.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignupPolicyView {
    /// `open`, or `invite` (sign-up needs an invitation's token).
    #[schema(schema_with = signup_schema)]
    pub signup: &'static str,
}

fn signup_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["open", "invite"]))
        .build()
}

/// The answer of a sign-up (201) or sign-in (200), beside the session cookie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    pub user: User,
}

/// `GET /v1/auth/me`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: User,
    pub workspaces: Vec<MeWorkspace>,
}

/// A workspace of the caller, with the projects they can see there.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeWorkspace {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// `member`, `admin` or `owner`.
    pub role: String,
    pub projects: Vec<MeProject>,
}

/// A project the caller can see, with their effective role (`read_only`: a workspace
/// admin's view of a private project).
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeProject {
    pub id: String,
    pub name: String,
    pub role: &'static str,
}

/// `POST /v1/auth/signup`
pub async fn signup(
    State(state): State<AppState>,
    Json(body): Json<SignupBody>,
) -> ApiResult<Response> {
    let email = normalize_email(&body.email)?;
    check_new_password(&body.password)?;
    let invite = match &body.invite_token {
        Some(token) => Some(find_usable_invite(&state, token).await?),
        None => None,
    };
    if let Some(invite) = &invite
        && invite.email != email
    {
        return Err(ApiError::forbidden(
            "this invite is for another email address",
        ));
    }
    if state.settings().signup == SignupPolicy::Invite && invite.is_none() {
        return Err(ApiError::forbidden(
            "sign-up on this server is by invitation only: ask a workspace admin to invite your email address, then sign up with the `invite_token` of the invitation (or follow its link)",
        ));
    }
    let name = body
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let user = UserRecord {
        id: new_id(),
        email,
        name,
        password_hash: Some(state.passwords().hash(&body.password).await?),
        created_at: now_ms(),
    };
    state
        .tenants()
        .create_user(&user)
        .await
        .map_err(|e| match e {
            ar_store::StoreError::Conflict(_) => {
                ApiError::conflict("an account with this email already exists")
            }
            other => other.into(),
        })?;
    if let Some(invite) = invite {
        accept_invite_for(&state, &invite, &user).await?;
    }
    session_response(&state, &user, StatusCode::CREATED).await
}

/// `POST /v1/auth/login`. Failures are throttled per email
/// ([`crate::auth::login_throttle`]), the same whether or not the account exists.
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginBody>,
) -> ApiResult<Response> {
    let refused = || ApiError::unauthorized("invalid email or password");
    let Ok(email) = normalize_email(&body.email) else {
        return Err(refused());
    };
    if body.password.len() > crate::auth::password::MAX_PASSWORD_LEN {
        return Err(refused());
    }
    let attempt = state.login_throttle().begin(&email).map_err(|closed| {
        throttled(
            closed,
            "too many failed sign-ins for this email; wait before trying again",
        )
    })?;
    let user = state.tenants().user_by_email(&email).await?;
    let signed_in = match &user {
        Some(user) => {
            let phc = user.password_hash.clone().unwrap_or_default();
            state.passwords().verify(&body.password, &phc).await?
        }
        None => {
            // Spend what a verification costs, so timing does not tell which emails exist.
            state.passwords().hash(&body.password).await?;
            false
        }
    };
    match user {
        Some(user) if signed_in => {
            attempt.succeeded();
            session_response(&state, &user, StatusCode::OK).await
        }
        _ => {
            attempt.failed();
            Err(refused())
        }
    }
}

/// The answer while the account's password checks are closed ([`crate::auth::login_throttle`]).
fn throttled(closed: crate::auth::login_throttle::Closed, message: &str) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message);
    e.retry_after = Some(closed.retry_after_secs);
    e
}

async fn session_response(
    state: &AppState,
    user: &UserRecord,
    status: StatusCode,
) -> ApiResult<Response> {
    let token = random_secret("");
    let now = now_ms();
    let lifetime = SessionLifetime::of(state.settings());
    let session = SessionRecord {
        id: new_id(),
        user_id: user.id.clone(),
        token_hash: hash_secret(&token),
        csrf_token: random_secret(""),
        expires_at: lifetime.first_expiry(now),
        created_at: now,
    };
    state.tenants().create_session(&session).await?;
    // The cookie lives as long as the session could; the server ends it sooner when idle.
    let cookie = set_session_cookie(
        &token,
        (lifetime.ttl_ms / 1000) as u64,
        state.settings().cookies_secure(),
    )
    .ok_or_else(|| ApiError::internal("session cookie is not a valid header"))?;
    let answer = SignedIn {
        user: views::user(user),
    };
    let mut response = (status, Json(answer)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /v1/auth/logout`: ends the cookie's session (if any) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = session_cookie(&headers) {
        check_csrf(&method, &headers, state.origin())?;
        if let Some(session) = state
            .tenants()
            .session_by_token_hash(&hash_secret(token))
            .await?
        {
            state.tenants().delete_session(&session.id).await?;
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        clear_session_cookie(state.settings().cookies_secure()),
    );
    Ok(response)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    current_password: String,
    #[schema(schema_with = crate::openapi::field::new_password)]
    new_password: String,
}

/// `POST /v1/auth/password`: changes the password (session only) and ends the user's
/// other sessions. Wrong current passwords are throttled like failed sign-ins.
pub async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    Json(body): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    let Credential::Session(session) = &principal.credential else {
        return Err(ApiError::forbidden(
            "change the password from a signed-in session, not with a token",
        ));
    };
    check_new_password(&body.new_password)?;
    let wrong = || ApiError::forbidden("the current password is wrong");
    if body.current_password.len() > crate::auth::password::MAX_PASSWORD_LEN {
        return Err(wrong());
    }
    // A stolen session must not guess the current password faster than sign-in could:
    // both count failures against the same account (keyed by its email).
    let attempt = state
        .login_throttle()
        .begin(&principal.user.email)
        .map_err(|closed| {
            throttled(
                closed,
                "too many wrong passwords for this account; wait before trying again",
            )
        })?;
    let current = principal.user.password_hash.clone().unwrap_or_default();
    if !state
        .passwords()
        .verify(&body.current_password, &current)
        .await?
    {
        attempt.failed();
        return Err(wrong());
    }
    attempt.succeeded();
    let hash = state.passwords().hash(&body.new_password).await?;
    state
        .tenants()
        .set_password_hash(&principal.user.id, &hash)
        .await?;
    state
        .tenants()
        .delete_user_sessions(&principal.user.id, Some(&session.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/auth/me`: the user, their workspaces and the projects they can see there. A
/// PAT sees only its own workspace.
pub async fn me(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Me>> {
    let mut workspaces = Vec::new();
    for uw in state
        .tenants()
        .workspaces_of_user(&principal.user.id)
        .await?
    {
        if !uw.membership.active {
            continue;
        }
        if let Credential::Pat(pat) = &principal.credential
            && pat.workspace_id != uw.workspace.id
        {
            continue;
        }
        let Some(role) = ar_model::authz::WorkspaceRole::parse(&uw.membership.role) else {
            continue;
        };
        let explicit: std::collections::HashMap<String, String> = state
            .tenants()
            .project_roles_of_user(&uw.workspace.id, &principal.user.id)
            .await?
            .into_iter()
            .collect();
        let policy = ar_model::authz::WorkspacePolicy {
            admins_full_access_to_private: uw.workspace.admins_full_access_to_private,
        };
        let mut projects = Vec::new();
        for p in state.tenants().list_projects(&uw.workspace.id).await? {
            match access_from_facts(role, &p, explicit.get(&p.id).map(String::as_str), policy) {
                ProjectAccess::None => {}
                ProjectAccess::ReadOnly => projects.push(MeProject {
                    id: p.id,
                    name: p.name,
                    role: "read_only",
                }),
                ProjectAccess::Role(r) => projects.push(MeProject {
                    id: p.id,
                    name: p.name,
                    role: r.as_str(),
                }),
            }
        }
        workspaces.push(MeWorkspace {
            id: uw.workspace.id,
            slug: uw.workspace.slug,
            name: uw.workspace.name,
            role: uw.membership.role,
            projects,
        });
    }
    Ok(Json(Me {
        user: views::user(&principal.user),
        workspaces,
    }))
}
