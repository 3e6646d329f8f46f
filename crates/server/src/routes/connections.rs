//! Connections (docs/contract.md §9, §11): project-scoped CRUD (`X-Project-Id` on list and
//! create; routes on one connection use its project), credential metadata, and the
//! OAuth 2.0 start and callback (`crate::connections::oauth`).
//!
//! Credential values go in and never come out: every answer carries `credential_keys`
//! only. `PATCH` with `credentials` replaces the whole set (it is checked against the
//! auth type like a new one); without it the stored values stay. OAuth connections get
//! their tokens from the provider only, so their credentials cannot be patched.

use std::collections::BTreeMap;

use ar_connect::SecretString;
use ar_store::integrations::ConnectionRecord;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::gate::Gate;
use crate::auth::principal::Principal;
use crate::auth::tokens::new_id;
use crate::connections::ACTIVE;
use crate::connections::credentials::{self, AuthType, parse_auth_type};
use crate::connections::oauth::{self, NewAuthorization, OAuthSettings};
use crate::connections::view::{Connection, ConnectionList, CredentialsMetadata, OAuthStarted};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views::Time;

pub use crate::connections::oauth::CALLBACK_PATH;

/// The callback's query parameters, for the OpenAPI document.
pub fn callback_query_parameters() -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    [
        (
            "state",
            "The `state` of POST /v1/connections/oauth/start (single use).",
        ),
        ("code", "The provider's authorization code."),
        ("error", "Set by the provider when the user declined."),
    ]
    .into_iter()
    .map(|(name, description)| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(if name == "state" {
                Required::True
            } else {
                Required::False
            })
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    })
    .collect()
}

/// Where the console shows connections (the callback's redirect target).
pub const CONSOLE_PATH: &str = "/connections";
/// Longest `provider` / `service` / `client_id` / scope.
const MAX_LABEL: usize = 200;
/// Most scopes one authorization asks for.
const MAX_SCOPES: usize = 50;
/// Longest endpoint URL.
const MAX_URL: usize = 2048;

/// A connection as the API shows it: never a credential value. As JSON, for the answers
/// that add a preset's own fields (Google, WhatsApp).
pub(crate) fn view(c: &ConnectionRecord) -> Value {
    serde_json::to_value(Connection::from(c)).unwrap_or(Value::Null)
}

/// The connection the path names, authorized for the route's action on its project;
/// another workspace's (or an invisible project's) is not found.
pub(crate) async fn load(state: &AppState, gate: &Gate, id: &str) -> ApiResult<ConnectionRecord> {
    let ws = gate.require_workspace()?;
    let not_found = || ApiError::not_found("connection");
    let connection = state
        .integrations()
        .connection(&ws.id, id)
        .await?
        .ok_or_else(not_found)?;
    gate.object_project(state, &connection.project_id, "connection")
        .await?;
    Ok(connection)
}

/// A short label (`provider`, `service`, `client_id`): 1–200 characters, trimmed.
fn check_label(field: &str, text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_LABEL {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be 1–{MAX_LABEL} characters"
        )));
    }
    Ok(text.to_string())
}

fn check_opt_label(field: &str, text: Option<&str>) -> ApiResult<Option<String>> {
    text.map(|t| check_label(field, t)).transpose()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    /// The connection's name; `name` is accepted in its place (both are answered).
    #[serde(alias = "name")]
    #[schema(schema_with = crate::openapi::field::name)]
    display_name: String,
    /// Who the credentials are for, e.g. `github`, `postgres`, `openai`.
    #[schema(min_length = 1, max_length = 200)]
    provider: String,
    /// Optional finer label (a product of the provider, an environment …).
    #[serde(default)]
    service: Option<String>,
    /// `api_key` (needs `api_key`), `token` (needs `token`), `basic` (`username`,
    /// `password`), `dsn` (`dsn`) or `custom` (any names). OAuth connections are made
    /// with `POST /v1/connections/oauth/start`. Left out (as in the hosted body), it is
    /// inferred from the credential names: `api_key`, `token`, `username` + `password`,
    /// `dsn`, else `custom`.
    #[serde(default)]
    #[schema(schema_with = auth_type_schema)]
    auth_type: Option<String>,
    /// An object of string values; sealed at rest, never returned.
    #[serde(default)]
    #[schema(value_type = Object)]
    credentials: Option<Value>,
}

fn auth_type_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["api_key", "token", "basic", "dsn", "custom"]))
        .build()
}

/// `GET /v1/connections` (ConnectionsRead; `X-Project-Id`) → `{ "connections": [...] }`,
/// newest first.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<ConnectionList>> {
    let project = gate.project()?;
    let connections = state
        .integrations()
        .list_connections(&project.workspace_id, &project.id)
        .await?
        .iter()
        .map(Connection::from)
        .collect();
    Ok(Json(ConnectionList { connections }))
}

/// `POST /v1/connections` (ConnectionsManage; `X-Project-Id`) → 201 with the connection.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewConnection>,
) -> ApiResult<(StatusCode, Json<Connection>)> {
    let project = gate.project()?;
    let display_name = check_name("display_name", &body.display_name)?;
    let provider = check_label("provider", &body.provider)?;
    let service = check_opt_label("service", body.service.as_deref())?;
    let auth_type = match &body.auth_type {
        Some(text) => parse_auth_type(text)?,
        None => credentials::infer_auth_type(body.credentials.as_ref()),
    };
    if auth_type == AuthType::OAuth2 {
        return Err(ApiError::bad_request(
            "OAuth connections get their tokens from the provider: create them with POST /v1/connections/oauth/start",
        ));
    }
    let values = credentials::check_credentials(auth_type, body.credentials)?;
    let id = new_id();
    let (credentials_sealed, credential_keys) =
        credentials::seal(&state, &project.workspace_id, &id, &values).await?;
    let now = now_ms();
    let connection = ConnectionRecord {
        id,
        workspace_id: project.workspace_id.clone(),
        project_id: project.id.clone(),
        display_name,
        provider,
        service,
        auth_type: auth_type.as_str().to_string(),
        credential_keys,
        credentials_sealed,
        oauth: None,
        oauth_client_secret_sealed: None,
        status: ACTIVE.to_string(),
        status_reason: None,
        expires_at: None,
        refreshed_at: None,
        credentials_version: 1,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_connection(&connection).await?;
    Ok((StatusCode::CREATED, Json(Connection::from(&connection))))
}

/// `GET /v1/connections/{id}` (ConnectionsRead)
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<Connection>> {
    Ok(Json(Connection::from(&load(&state, &gate, &id).await?)))
}

/// `GET /v1/connections/{id}/credentials` (ConnectionsRead): what the credentials are,
/// never what they hold.
pub async fn credentials_metadata(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<CredentialsMetadata>> {
    let c = load(&state, &gate, &id).await?;
    Ok(Json(CredentialsMetadata::from(&c)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionChange {
    /// A new name; `name` is accepted in its place.
    #[serde(default, alias = "name")]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    display_name: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    /// A new label; `""` clears it.
    #[serde(default)]
    service: Option<String>,
    /// A new auth type (then `credentials` is required).
    #[serde(default)]
    #[schema(schema_with = opt_auth_type_schema)]
    auth_type: Option<String>,
    /// Replaces all credential values (not merged): send every value the connection needs.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    credentials: Option<Value>,
}

fn opt_auth_type_schema() -> utoipa::openapi::schema::Object {
    let mut o = auth_type_schema();
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::Type::String,
        utoipa::openapi::Type::Null,
    ]);
    if let Some(values) = &mut o.enum_values {
        values.push(Value::Null);
    }
    o
}

/// `PATCH /v1/connections/{id}` (ConnectionsManage): names, and the credentials replaced
/// as a whole (a connection marked `needs_reauth` becomes `active` again).
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<ConnectionChange>,
) -> ApiResult<Json<Connection>> {
    let current = load(&state, &gate, &id).await?;
    let mut next = current.clone();
    if let Some(name) = &body.display_name {
        next.display_name = check_name("display_name", name)?;
    }
    if let Some(provider) = &body.provider {
        next.provider = check_label("provider", provider)?;
    }
    if let Some(service) = &body.service {
        next.service = match service.trim() {
            "" => None,
            s => Some(check_label("service", s)?),
        };
    }
    let is_oauth = current.auth_type == AuthType::OAuth2.as_str();
    let wants_new_type = body
        .auth_type
        .as_deref()
        .is_some_and(|t| t != current.auth_type);
    if is_oauth && (body.credentials.is_some() || wants_new_type) {
        return Err(ApiError::bad_request(
            "an OAuth connection's credentials come from its provider: to change them, connect again with POST /v1/connections/oauth/start (and delete this one)",
        ));
    }
    let auth_type = match &body.auth_type {
        Some(t) => parse_auth_type(t)?,
        None => parse_auth_type(&current.auth_type)?,
    };
    if auth_type == AuthType::OAuth2 && !is_oauth {
        return Err(ApiError::bad_request(
            "a connection cannot become an OAuth connection: create one with POST /v1/connections/oauth/start",
        ));
    }
    if wants_new_type && body.credentials.is_none() {
        return Err(ApiError::bad_request(format!(
            "changing `auth_type` to `{}` needs new `credentials` for it",
            auth_type.as_str()
        )));
    }
    if body.credentials.is_some() {
        let values = credentials::check_credentials(auth_type, body.credentials)?;
        let (sealed, keys) = credentials::seal(&state, &current.workspace_id, &id, &values).await?;
        next.auth_type = auth_type.as_str().to_string();
        next.credentials_sealed = sealed;
        next.credential_keys = keys;
        next.status = ACTIVE.to_string();
        next.status_reason = None;
    }
    next.credentials_version = current.credentials_version + 1;
    next.updated_at = now_ms();
    if !state
        .integrations()
        .save_connection(&next, current.credentials_version)
        .await?
    {
        return Err(ApiError::conflict(
            "the connection changed while this request was handled (its tokens were refreshed, or another edit landed): read it again and retry",
        ));
    }
    Ok(Json(Connection::from(&next)))
}

/// `DELETE /v1/connections/{id}` (ConnectionsManage) → 204.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let connection = load(&state, &gate, &id).await?;
    if !state
        .integrations()
        .delete_connection(&connection.workspace_id, &connection.id)
        .await?
    {
        return Err(ApiError::not_found("connection"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthStart {
    #[schema(schema_with = crate::openapi::field::name)]
    display_name: String,
    #[schema(min_length = 1, max_length = 200)]
    provider: String,
    #[serde(default)]
    service: Option<String>,
    /// The provider's authorization endpoint (the user's browser is sent there).
    authorization_url: String,
    /// The provider's token endpoint (this server exchanges codes and refreshes there).
    token_url: String,
    #[schema(min_length = 1, max_length = 200)]
    client_id: String,
    /// The OAuth client's secret, if it has one (public clients rely on PKCE alone).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    client_secret: Option<Value>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    revocation_url: Option<String>,
}

pub(crate) fn check_url_text(field: &str, url: &str) -> ApiResult<String> {
    let url = url.trim();
    if url.is_empty() || url.len() > MAX_URL {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be an http(s) URL of at most {MAX_URL} characters"
        )));
    }
    let parsed = url::Url::parse(url)
        .map_err(|e| ApiError::bad_request(format!("`{field}` is not a valid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be an http or https URL"
        )));
    }
    Ok(url.to_string())
}

/// `POST /v1/connections/oauth/start` (ConnectionsManage; `X-Project-Id`) →
/// `{authorize_url, state, expires_at}`: send the user to `authorize_url`; the provider
/// comes back to the callback, which creates the connection.
pub async fn oauth_start(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<OAuthStart>,
) -> ApiResult<Json<OAuthStarted>> {
    let project = gate.project()?;
    let client_secret = match body.client_secret {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 4096 => {
            Some(SecretString::new(s))
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "`client_secret` must be a non-empty string of at most 4096 bytes",
            ));
        }
    };
    if body.scopes.len() > MAX_SCOPES {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_SCOPES} `scopes` are allowed"
        )));
    }
    let mut scopes = Vec::new();
    for scope in &body.scopes {
        let scope = check_label("scopes[]", scope)?;
        if scope.contains(char::is_whitespace) {
            return Err(ApiError::bad_request(format!(
                "scope `{scope}` contains white space: give each scope as its own list item"
            )));
        }
        scopes.push(scope);
    }
    let settings = OAuthSettings {
        authorization_url: check_url_text("authorization_url", &body.authorization_url)?,
        token_url: check_url_text("token_url", &body.token_url)?,
        client_id: check_label("client_id", &body.client_id)?,
        scopes,
        revocation_url: body
            .revocation_url
            .as_deref()
            .map(|u| check_url_text("revocation_url", u))
            .transpose()?,
    };
    let new = NewAuthorization {
        display_name: check_name("display_name", &body.display_name)?,
        provider: check_label("provider", &body.provider)?,
        service: check_opt_label("service", body.service.as_deref())?,
        settings,
        client_secret,
        redirect_uri: None,
        extra_params: Vec::new(),
        preset: None,
        reconnect: None,
    };
    let (authorize_url, oauth_state) = oauth::start(
        &state,
        &project.workspace_id,
        &project.id,
        &gate.principal.user.id,
        new,
    )
    .await?;
    Ok(Json(OAuthStarted {
        authorize_url,
        state: oauth_state,
        redirect_uri: format!("{}{}", state.origin(), oauth::CALLBACK_PATH),
        expires_at: Time(now_ms() + oauth::PENDING_TTL_MS),
    }))
}

/// Whether the caller asked for JSON (an API client) rather than a page (a browser).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `GET /v1/connections/oauth/callback?code=…&state=…` — where the provider sends the
/// browser back. The single-use `state` names the authorization, and the caller must be
/// the user who started it (the console's session cookie, which the browser sends on this
/// top-level redirect, or the same user's PAT for API clients): otherwise someone could
/// start an authorization in their own project and have a victim open the link, planting
/// the victim's provider account in the attacker's project. Creates the connection, then
/// redirects (303) to the console's `/connections?connected=<id>`, or, with
/// `Accept: application/json`, answers 201 with the connection. Failures are JSON errors
/// (401 without a session, 403 for another user, 400 for an unknown, reused or expired
/// state).
pub async fn oauth_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Result<Principal, ApiError>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    // Providers add parameters of their own (`scope`, `iss`, …): only these three matter.
    let param = |name: &str| q.get(name).map(String::as_str);
    let oauth_state = param("state").filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "the callback has no `state`: open the authorize_url from POST /v1/connections/oauth/start",
        )
    })?;
    let caller = caller.map_err(|_| {
        ApiError::unauthorized(
            "sign in to agentruntime in this browser as the user who started the connection, then start it again",
        )
    })?;
    let oauth::Finished {
        connection,
        created,
    } = oauth::complete(
        &state,
        oauth_state,
        param("code"),
        param("error"),
        &caller.user.id,
    )
    .await?;
    if wants_json(&headers) {
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(Connection::from(&connection))).into_response());
    }
    let target = format!(
        "{CONSOLE_PATH}?connected={}",
        url::form_urlencoded::byte_serialize(connection.id.as_bytes()).collect::<String>()
    );
    Ok(Redirect::to(&target).into_response())
}
