//! OAuth 2.0 connections: the authorization-code grant with PKCE (S256), and refreshing
//! access tokens before they expire. The protocol is the `oauth2` crate's; its HTTP
//! requests go through [`GuardedHttp`] (the workspace's reqwest, SSRF-guarded).
//!
//! 1. [`start`] keeps the PKCE verifier and the client secret sealed in an
//!    `oauth_pending` row found by the SHA-256 of the random `state`, for
//!    [`PENDING_TTL_MS`], and returns the provider's authorize URL.
//! 2. The provider sends the browser back to [`CALLBACK_PATH`] with `code` and `state`;
//!    [`complete`] takes the pending row (once: a state is single use), exchanges the
//!    code with the verifier and creates the connection, tokens sealed.
//! 3. [`refresh`] runs when a call needs a token that expires within
//!    [`REFRESH_MARGIN_MS`]: once per connection on this node at a time
//!    ([`super::RefreshLocks`]), and stored with compare-and-set so an older token never
//!    replaces a newer one written by another node. A refresh the provider answers with
//!    `invalid_grant` marks the connection `needs_reauth`.
//!
//! Tenant-supplied endpoints must not reach the platform's network: every URL is checked
//! by `ar_mcp`'s SSRF guard against the operator allowlist (the settings'
//! `mcp_allowed_hosts`, which `AR_MCP_ALLOWED_HOSTS` overrides: the one the MCP client
//! uses), at `start` and again for every request (the resolver re-checks what it connects
//! to, redirects are not followed and proxy variables are ignored).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ar_connect::SecretString;
use ar_mcp::{GuardedResolver, HostAllowlist, SsrfError, check_url};
use ar_store::integrations::{ConnectionRecord, OAuthPendingRecord};
use ar_store::now_ms;
use axum::http::StatusCode;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::credentials::{self, AuthType};
use super::{ACTIVE, NEEDS_REAUTH, needs_reauth_error};
use crate::auth::tokens::{hash_secret, new_id};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::vault::SealedField;

/// Where providers send the browser back (an identity route: the state authenticates it).
pub const CALLBACK_PATH: &str = "/v1/connections/oauth/callback";
/// How long an authorization may take between `start` and the callback.
pub const PENDING_TTL_MS: i64 = 10 * 60 * 1000;
/// Access tokens expiring sooner than this are refreshed before use.
pub const REFRESH_MARGIN_MS: i64 = 60 * 1000;
/// Largest token endpoint answer read.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Time limit of one token endpoint request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The OAuth client settings of a connection, kept in clear (none is secret; the client
/// secret is sealed on its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthSettings {
    pub authorization_url: String,
    pub token_url: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub revocation_url: Option<String>,
}

/// A checked `start` request.
pub struct NewAuthorization {
    pub display_name: String,
    pub provider: String,
    pub service: Option<String>,
    pub settings: OAuthSettings,
    pub client_secret: Option<SecretString>,
    /// Where the provider sends the browser back; `None`: [`CALLBACK_PATH`] here.
    pub redirect_uri: Option<String>,
    /// More authorize URL parameters (a provider preset's, e.g. Google's `access_type`).
    pub extra_params: Vec<(&'static str, &'static str)>,
    /// The provider preset that started it (`google`), whose completion reads more than
    /// the tokens (see [`super::google`]).
    pub preset: Option<String>,
    /// The connection whose tokens this authorization replaces (a reconnect keeps the id,
    /// so MCP profiles bound to it keep working); `None`: a new connection.
    pub reconnect: Option<String>,
}

/// What a pending authorization remembers in clear.
#[derive(Serialize, Deserialize)]
struct PendingRequest {
    display_name: String,
    provider: String,
    service: Option<String>,
    settings: OAuthSettings,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    preset: Option<String>,
    #[serde(default)]
    reconnect: Option<String>,
}

/// What a pending authorization keeps sealed (read back only: `SecretString` serializes
/// as `[REDACTED]`).
#[derive(Deserialize)]
struct PendingSecrets {
    code_verifier: SecretString,
    #[serde(default)]
    client_secret: Option<SecretString>,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// 400 unless `url` (the request's field `name`) is an http(s) URL the platform may reach.
pub async fn check_endpoint(state: &AppState, name: &str, url: &str) -> ApiResult<()> {
    check_url(url, state.mcp_allowlist())
        .await
        .map_err(|e| ApiError::bad_request(format!("`{name}` is refused: {e}")))
}

fn client(
    settings: &OAuthSettings,
    secret: Option<&SecretString>,
    redirect: String,
) -> ApiResult<Client> {
    let bad = |name: &str, e: oauth2::url::ParseError| {
        ApiError::bad_request(format!("`{name}` is not a valid URL: {e}"))
    };
    let mut client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(settings.authorization_url.clone())
                .map_err(|e| bad("authorization_url", e))?,
        )
        .set_token_uri(TokenUrl::new(settings.token_url.clone()).map_err(|e| bad("token_url", e))?)
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(ApiError::internal)?);
    if let Some(secret) = secret {
        client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
    }
    Ok(client)
}

fn redirect_url(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.origin())
}

fn pending_field(state_hash: &str) -> SealedField<'_> {
    SealedField {
        record_kind: "oauth_pending",
        record_id: state_hash,
        field: "secrets",
    }
}

fn client_secret_field(connection_id: &str) -> SealedField<'_> {
    SealedField {
        record_kind: "connection",
        record_id: connection_id,
        field: "oauth_client_secret",
    }
}

/// Begins an authorization for a new connection of `project_id`; returns the URL to send
/// the user to and the `state` it carries.
pub async fn start(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    user_id: &str,
    new: NewAuthorization,
) -> ApiResult<(String, String)> {
    for (name, url) in [
        ("authorization_url", Some(&new.settings.authorization_url)),
        ("token_url", Some(&new.settings.token_url)),
        ("revocation_url", new.settings.revocation_url.as_ref()),
    ] {
        if let Some(url) = url {
            check_endpoint(state, name, url).await?;
        }
    }
    let redirect = new
        .redirect_uri
        .clone()
        .unwrap_or_else(|| redirect_url(state));
    let client = client(&new.settings, new.client_secret.as_ref(), redirect)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(new.settings.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge);
    for (name, value) in &new.extra_params {
        request = request.add_extra_param(*name, *value);
    }
    let (url, csrf) = request.url();
    let now = now_ms();
    // Abandoned authorizations go away with the next start.
    state.integrations().purge_oauth_pending(now).await?;
    let state_hash = hash_secret(csrf.secret());
    // Written out by hand: `PendingSecrets` serializes its values as `[REDACTED]`.
    let plaintext = SecretString::new(
        json!({
            "code_verifier": verifier.secret(),
            "client_secret": new.client_secret.as_ref().map(SecretString::expose_secret),
        })
        .to_string(),
    );
    let request = PendingRequest {
        display_name: new.display_name,
        provider: new.provider,
        service: new.service,
        settings: new.settings,
        redirect_uri: new.redirect_uri,
        preset: new.preset,
        reconnect: new.reconnect,
    };
    state
        .integrations()
        .put_oauth_pending(&OAuthPendingRecord {
            secrets_sealed: state
                .vault()
                .seal(
                    workspace_id,
                    pending_field(&state_hash),
                    plaintext.expose_secret(),
                )
                .await?,
            state_hash,
            workspace_id: workspace_id.to_owned(),
            project_id: project_id.to_owned(),
            created_by: user_id.to_owned(),
            request: serde_json::to_value(&request).map_err(ApiError::internal)?,
            expires_at: now + PENDING_TTL_MS,
            created_at: now,
        })
        .await?;
    Ok((url.to_string(), csrf.secret().clone()))
}

/// Finishes the authorization `state_param` names (the generic callback): exchanges
/// `code` for tokens and creates the connection (or reconnects one, see [`finish`]).
/// `provider_error` is the callback's `error` (the user or the provider declined): the
/// state is used up and the refusal reported.
pub async fn complete(
    state: &AppState,
    state_param: &str,
    code: Option<&str>,
    provider_error: Option<&str>,
    caller_user_id: &str,
) -> ApiResult<Finished> {
    let pending = take_pending(state, state_param, caller_user_id, None).await?;
    let exchanged = exchange(state, pending, code, provider_error).await?;
    finish(state, exchanged).await
}

/// A pending authorization taken from the store (its state is spent).
pub struct Pending {
    record: OAuthPendingRecord,
    request: PendingRequest,
}

impl Pending {
    /// The project the connection will be created in.
    pub fn project_id(&self) -> &str {
        &self.record.project_id
    }

    /// The provider preset that started it, if any.
    pub fn preset(&self) -> Option<&str> {
        self.request.preset.as_deref()
    }
}

/// Takes the pending authorization of `state_param` (once: a state is single use) and
/// checks it may be completed by `caller_user_id`, in `workspace_id` when given (another
/// workspace's state is answered as unknown).
pub async fn take_pending(
    state: &AppState,
    state_param: &str,
    caller_user_id: &str,
    workspace_id: Option<&str>,
) -> ApiResult<Pending> {
    let unknown = || {
        ApiError::bad_request(
            "unknown or already used OAuth `state`: start the authorization again (POST /v1/connections/oauth/start)",
        )
    };
    let record = state
        .integrations()
        .take_oauth_pending(&hash_secret(state_param))
        .await?
        .ok_or_else(unknown)?;
    if workspace_id.is_some_and(|ws| ws != record.workspace_id) {
        return Err(unknown());
    }
    // The state is spent either way: a link opened by someone else is dead.
    if record.created_by != caller_user_id {
        return Err(ApiError::forbidden(
            "this authorization was started by another user, and only they can complete it; start the connection again while signed in as yourself",
        ));
    }
    if record.expires_at < now_ms() {
        return Err(ApiError::bad_request(format!(
            "this authorization expired ({} minutes after it started): start it again",
            PENDING_TTL_MS / 60_000
        )));
    }
    let request: PendingRequest = serde_json::from_value(record.request.clone())
        .map_err(|e| ApiError::internal(format!("oauth_pending request unreadable: {e}")))?;
    Ok(Pending { record, request })
}

/// A pending authorization whose code was exchanged for tokens (nothing stored yet).
pub struct Exchanged {
    pending: Pending,
    client_secret: Option<SecretString>,
    tokens: BasicTokenResponse,
}

impl Exchanged {
    pub fn preset(&self) -> Option<&str> {
        self.pending.preset()
    }

    /// The scopes the start asked for.
    pub fn requested_scopes(&self) -> &[String] {
        &self.pending.request.settings.scopes
    }

    /// The access token, for a provider call made while completing (Google's userinfo).
    pub fn access_token(&self) -> SecretString {
        SecretString::new(self.tokens.access_token().secret().clone())
    }

    /// The scopes the provider granted: its answer's `scope`, else (RFC 6749 §5.1) the
    /// scopes asked for.
    pub fn granted_scopes(&self) -> Vec<String> {
        match self.tokens.scopes() {
            Some(scopes) => scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            None => self.pending.request.settings.scopes.clone(),
        }
    }
}

/// Exchanges `code` (with the PKCE verifier) for tokens.
pub async fn exchange(
    state: &AppState,
    pending: Pending,
    code: Option<&str>,
    provider_error: Option<&str>,
) -> ApiResult<Exchanged> {
    if let Some(error) = provider_error {
        return Err(ApiError::bad_request(format!(
            "the provider did not authorize the connection ({}): start the authorization again",
            short(error)
        )));
    }
    let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::bad_request("the callback has no `code`: start the authorization again")
    })?;
    let opened = state
        .vault()
        .open(
            &pending.record.workspace_id,
            pending_field(&pending.record.state_hash),
            &pending.record.secrets_sealed,
        )
        .await?;
    let secrets: PendingSecrets = serde_json::from_str(opened.expose_secret())
        .map_err(|e| ApiError::internal(format!("oauth_pending secrets unreadable: {e}")))?;
    let redirect = pending
        .request
        .redirect_uri
        .clone()
        .unwrap_or_else(|| redirect_url(state));
    let client = client(
        &pending.request.settings,
        secrets.client_secret.as_ref(),
        redirect,
    )?;
    let http = GuardedHttp::new(Arc::clone(state.mcp_allowlist()))?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(
            secrets.code_verifier.expose_secret().to_owned(),
        ))
        .request_async(&http)
        .await
        .map_err(|e| token_error("exchanging the authorization code", e))?;
    Ok(Exchanged {
        pending,
        client_secret: secrets.client_secret,
        tokens,
    })
}

/// A completed authorization: the connection, and whether it is new (else reconnected).
pub struct Finished {
    pub connection: ConnectionRecord,
    pub created: bool,
}

/// Creates the connection of an exchanged authorization, or replaces the tokens of the
/// connection it reconnects; reads what its preset needs first (Google: the account's
/// e-mail, which a reconnect must keep).
pub async fn finish(state: &AppState, exchanged: Exchanged) -> ApiResult<Finished> {
    let current = match &exchanged.pending.request.reconnect {
        Some(id) => Some(reconnected(state, &exchanged.pending, id).await?),
        None => None,
    };
    let account = match exchanged.preset() {
        Some(super::google::PRESET) => {
            Some(super::google::account(state, &exchanged, current.as_ref()).await?)
        }
        _ => None,
    };
    Ok(match current {
        Some(current) => Finished {
            connection: replace_tokens(state, exchanged, current, account).await?,
            created: false,
        },
        None => Finished {
            connection: create_connection(state, exchanged, account).await?,
            created: true,
        },
    })
}

/// The connection a reconnect replaces the tokens of: still there, in the project and of
/// the provider the authorization started for.
async fn reconnected(state: &AppState, pending: &Pending, id: &str) -> ApiResult<ConnectionRecord> {
    state
        .integrations()
        .connection(&pending.record.workspace_id, id)
        .await?
        .filter(|c| {
            c.project_id == pending.record.project_id && c.provider == pending.request.provider
        })
        .ok_or_else(|| {
            ApiError::not_found(&format!(
                "connection {id} (deleted while it was being reconnected?); start a new connection"
            ))
        })
}

async fn seal_client_secret(
    state: &AppState,
    workspace_id: &str,
    connection_id: &str,
    secret: Option<&SecretString>,
) -> ApiResult<Option<serde_json::Value>> {
    match secret {
        Some(secret) => Ok(Some(
            state
                .vault()
                .seal(
                    workspace_id,
                    client_secret_field(connection_id),
                    secret.expose_secret(),
                )
                .await?,
        )),
        None => Ok(None),
    }
}

fn settings_with_account(
    settings: &OAuthSettings,
    account: Option<serde_json::Value>,
) -> ApiResult<serde_json::Value> {
    let mut oauth = serde_json::to_value(settings).map_err(ApiError::internal)?;
    if let Some(account) = account {
        oauth[ACCOUNT_KEY] = account;
    }
    Ok(oauth)
}

/// A reconnect: the new tokens (the old refresh token kept if the provider sent none),
/// settings and account on the same connection, `active` again; compare-and-set.
async fn replace_tokens(
    state: &AppState,
    exchanged: Exchanged,
    current: ConnectionRecord,
    account: Option<serde_json::Value>,
) -> ApiResult<ConnectionRecord> {
    let Exchanged {
        pending,
        client_secret,
        tokens,
    } = exchanged;
    let previous = credentials::open(state, &current).await?;
    let values = token_values(&tokens, previous.get("refresh_token"));
    let (credentials_sealed, credential_keys) =
        credentials::seal(state, &current.workspace_id, &current.id, &values).await?;
    let now = now_ms();
    let next = ConnectionRecord {
        credentials_sealed,
        credential_keys,
        oauth: Some(settings_with_account(&pending.request.settings, account)?),
        oauth_client_secret_sealed: seal_client_secret(
            state,
            &current.workspace_id,
            &current.id,
            client_secret.as_ref(),
        )
        .await?,
        status: ACTIVE.to_owned(),
        status_reason: None,
        expires_at: expires_at(&tokens, now),
        refreshed_at: Some(now),
        credentials_version: current.credentials_version + 1,
        updated_at: now,
        ..current.clone()
    };
    if !state
        .integrations()
        .save_connection(&next, current.credentials_version)
        .await?
    {
        return Err(ApiError::conflict(
            "the connection changed while it was being reconnected: start the reconnect again",
        ));
    }
    Ok(next)
}

/// Stores the connection: tokens and client secret sealed, the client settings (and the
/// preset's `account`, if any) in clear.
async fn create_connection(
    state: &AppState,
    exchanged: Exchanged,
    account: Option<serde_json::Value>,
) -> ApiResult<ConnectionRecord> {
    let Exchanged {
        pending,
        client_secret,
        tokens,
    } = exchanged;
    let Pending { record, request } = pending;
    let now = now_ms();
    let id = new_id();
    let values = token_values(&tokens, None);
    let (credentials_sealed, credential_keys) =
        credentials::seal(state, &record.workspace_id, &id, &values).await?;
    let oauth_client_secret_sealed =
        seal_client_secret(state, &record.workspace_id, &id, client_secret.as_ref()).await?;
    let oauth = settings_with_account(&request.settings, account)?;
    let connection = ConnectionRecord {
        id,
        workspace_id: record.workspace_id,
        project_id: record.project_id,
        display_name: request.display_name,
        provider: request.provider,
        service: request.service,
        auth_type: AuthType::OAuth2.as_str().to_owned(),
        credential_keys,
        credentials_sealed,
        oauth: Some(oauth),
        oauth_client_secret_sealed,
        status: ACTIVE.to_owned(),
        status_reason: None,
        expires_at: expires_at(&tokens, now),
        refreshed_at: Some(now),
        credentials_version: 1,
        created_by: record.created_by,
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_connection(&connection).await?;
    Ok(connection)
}

/// The key of a connection's `oauth` settings holding what a provider preset knows of the
/// account (Google: e-mail, services); kept through refreshes (they copy the record).
pub const ACCOUNT_KEY: &str = "account";

/// Whether the connection's access token must be refreshed before use.
pub fn needs_refresh(connection: &ConnectionRecord, now: i64) -> bool {
    connection
        .expires_at
        .is_some_and(|at| at - now < REFRESH_MARGIN_MS)
}

/// Refreshes the access token of `connection` if it still needs it; returns the connection
/// as stored afterwards.
pub async fn refresh(
    state: &AppState,
    connection: ConnectionRecord,
) -> ApiResult<ConnectionRecord> {
    let _held = state.connection_refresh().lock(&connection.id).await;
    // Whoever held the lock before may have refreshed already (or another node may have).
    let current = reload(state, &connection).await?;
    super::ensure_active(&current)?;
    let now = now_ms();
    if !needs_refresh(&current, now) {
        return Ok(current);
    }
    let values = credentials::open(state, &current).await?;
    let Some(refresh_token) = values.get("refresh_token") else {
        if current.expires_at.is_some_and(|at| at > now) {
            return Ok(current);
        }
        let why = "its access token expired and the provider gave no refresh token";
        return mark_needs_reauth(state, current, why).await;
    };
    let settings = settings_of(&current)?;
    let secret = match &current.oauth_client_secret_sealed {
        Some(sealed) => Some(
            state
                .vault()
                .open(
                    &current.workspace_id,
                    client_secret_field(&current.id),
                    sealed,
                )
                .await?,
        ),
        None => None,
    };
    let client = client(&settings, secret.as_ref(), redirect_url(state))?;
    let http = GuardedHttp::new(Arc::clone(state.mcp_allowlist()))?;
    let refresh_token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let answer = client
        .exchange_refresh_token(&refresh_token)
        .request_async(&http)
        .await;
    let tokens = match answer {
        Ok(tokens) => tokens,
        Err(RequestTokenError::ServerResponse(e))
            if *e.error() == BasicErrorResponseType::InvalidGrant =>
        {
            let why = "its refresh token was revoked or has expired (the provider answered invalid_grant)";
            return mark_needs_reauth(state, current, why).await;
        }
        Err(e) => {
            let error = token_error("refreshing its access token", e);
            return Err(ApiError::new(
                error.status,
                format!(
                    "connection {} ({}): {}",
                    current.display_name, current.id, error.message
                ),
            ));
        }
    };
    let now = now_ms();
    let values = token_values(&tokens, values.get("refresh_token"));
    let (credentials_sealed, credential_keys) =
        credentials::seal(state, &current.workspace_id, &current.id, &values).await?;
    let updated = ConnectionRecord {
        credentials_sealed,
        credential_keys,
        expires_at: expires_at(&tokens, now),
        refreshed_at: Some(now),
        credentials_version: current.credentials_version + 1,
        updated_at: now,
        ..current.clone()
    };
    if state
        .integrations()
        .save_connection(&updated, current.credentials_version)
        .await?
    {
        tracing::info!(connection = %updated.id, "OAuth access token refreshed");
        return Ok(updated);
    }
    // Another node wrote newer tokens meanwhile: use those, keep ours out.
    reload(state, &current).await
}

async fn reload(state: &AppState, connection: &ConnectionRecord) -> ApiResult<ConnectionRecord> {
    state
        .integrations()
        .connection(&connection.workspace_id, &connection.id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(&format!(
                "connection {} ({})",
                connection.display_name, connection.id
            ))
        })
}

/// Marks the connection `needs_reauth` (unless newer tokens were stored meanwhile, which
/// are then used) and fails with what to do.
async fn mark_needs_reauth(
    state: &AppState,
    current: ConnectionRecord,
    why: &str,
) -> ApiResult<ConnectionRecord> {
    let now = now_ms();
    let marked = ConnectionRecord {
        status: NEEDS_REAUTH.to_owned(),
        status_reason: Some(why.to_owned()),
        credentials_version: current.credentials_version + 1,
        updated_at: now,
        ..current.clone()
    };
    if !state
        .integrations()
        .save_connection(&marked, current.credentials_version)
        .await?
    {
        let newer = reload(state, &current).await?;
        super::ensure_active(&newer)?;
        if !needs_refresh(&newer, now) {
            return Ok(newer);
        }
    }
    tracing::warn!(connection = %current.id, reason = why, "connection needs re-authorization");
    Err(needs_reauth_error(&current, why))
}

/// The client settings stored on an OAuth connection.
pub fn settings_of(connection: &ConnectionRecord) -> ApiResult<OAuthSettings> {
    let oauth = connection.oauth.clone().ok_or_else(|| {
        ApiError::internal(format!(
            "connection {}: OAuth connection without settings",
            connection.id
        ))
    })?;
    serde_json::from_value(oauth).map_err(|e| {
        ApiError::internal(format!(
            "connection {}: OAuth settings unreadable: {e}",
            connection.id
        ))
    })
}

/// The credential values of a token answer; `previous_refresh` is kept when the provider
/// did not rotate the refresh token.
fn token_values(
    tokens: &BasicTokenResponse,
    previous_refresh: Option<&SecretString>,
) -> BTreeMap<String, SecretString> {
    let mut values = BTreeMap::new();
    values.insert(
        "access_token".to_owned(),
        SecretString::new(tokens.access_token().secret().clone()),
    );
    let refresh = tokens
        .refresh_token()
        .map(|t| SecretString::new(t.secret().clone()))
        .or_else(|| previous_refresh.cloned());
    if let Some(refresh) = refresh {
        values.insert("refresh_token".to_owned(), refresh);
    }
    values
}

fn expires_at(tokens: &BasicTokenResponse, now: i64) -> Option<i64> {
    tokens
        .expires_in()
        .map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)))
}

/// Provider-supplied text, bounded (it ends up in an error message).
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The API error of a failed token request (what was being done, and why it failed).
fn token_error(
    doing: &str,
    error: RequestTokenError<HttpError, oauth2::basic::BasicErrorResponse>,
) -> ApiError {
    match error {
        RequestTokenError::ServerResponse(e) => {
            let detail = e
                .error_description()
                .map(|d| format!(": {}", short(d)))
                .unwrap_or_default();
            ApiError::bad_request(format!(
                "the provider refused {doing} ({}{detail})",
                e.error().as_ref()
            ))
        }
        RequestTokenError::Request(HttpError::Refused(e)) => {
            ApiError::bad_request(format!("`token_url` is refused: {e}"))
        }
        RequestTokenError::Request(e) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("{doing} failed: the token endpoint could not be reached: {e}"),
        ),
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("{doing} failed: the token endpoint's answer is not an OAuth token response"),
        ),
    }
}

/// Why a token endpoint request failed (never includes a request or response body).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Refused(SsrfError),
    #[error("{0}")]
    Transport(String),
    #[error("the answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

/// The `oauth2` crate's HTTP client: reqwest with the SSRF-guarded resolver, no
/// redirects, no proxy, a time limit and a size limit on answers.
pub struct GuardedHttp {
    client: reqwest::Client,
    allowlist: Arc<HostAllowlist>,
}

impl GuardedHttp {
    fn new(allowlist: Arc<HostAllowlist>) -> ApiResult<GuardedHttp> {
        let client = reqwest::Client::builder()
            .dns_resolver(GuardedResolver::new(Arc::clone(&allowlist)))
            // A redirect could point at an IP literal that no resolver sees.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy (`HTTPS_PROXY`, `ALL_PROXY`, … in the server's environment) would
            // resolve and connect to the host itself, out of the guard's reach.
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(ApiError::internal)?;
        Ok(GuardedHttp { client, allowlist })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        // IP-literal URLs never reach the resolver: check every request's URL itself.
        check_url(&request.uri().to_string(), &self.allowlist)
            .await
            .map_err(HttpError::Refused)?;
        let transport = |e: reqwest::Error| HttpError::Transport(e.without_url().to_string());
        let request = reqwest::Request::try_from(request).map_err(transport)?;
        let mut response = self.client.execute(request).await.map_err(transport)?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let mut answer = oauth2::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        answer
            .body(body)
            .map_err(|e| HttpError::Transport(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for GuardedHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
