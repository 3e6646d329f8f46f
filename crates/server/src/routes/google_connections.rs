//! Google connections (docs/connections.md "Google", docs/contract.md §11): the hosted
//! API's `/v1/connections/google/*` routes over `crate::connections::google`.
//!
//! The flow: `oauth-url` answers Google's consent URL for the chosen services; Google
//! sends the browser back to the redirect URI with `code` and `state`; the console posts
//! them to `complete` (or, when the redirect URI is this server's OAuth callback, the
//! callback completes it the same way). Project-scoped like every connection route.

use std::collections::BTreeMap;

use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::connections::google::{self, IDENTITY_SCOPES, PRESET};
use crate::connections::oauth::{self, CALLBACK_PATH, PENDING_TTL_MS};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::connections::{check_url_text, load, view};
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views;

/// The name of a Google connection the request does not name.
const DEFAULT_NAME: &str = "Google";
/// Longest state and code accepted.
const MAX_PARAM: usize = 4096;

/// `GET /v1/connections/google/config` (ConnectionsRead; `X-Project-Id`) → whether Google
/// connect is configured, the default redirect URI, and the service catalog.
pub async fn config(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    gate.project()?;
    let google = &state.settings().connections.google;
    let redirect_uri = google
        .redirect_uri
        .clone()
        .unwrap_or_else(|| format!("{}{CALLBACK_PATH}", state.origin()));
    Ok(Json(json!({
        "enabled": google.client().is_some(),
        "redirect_uri": redirect_uri,
        "identity_scopes": IDENTITY_SCOPES,
        "services": google::catalog(),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleOAuthUrl {
    /// Service names of the catalog (`GET /v1/connections/google/config`), e.g.
    /// `["gmail", "google-sheets"]`; their scopes are asked for.
    #[schema(min_items = 1)]
    services: Vec<String>,
    /// The connection's name (default `Google`); `name` is accepted in its place.
    #[serde(default, alias = "name")]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    display_name: Option<String>,
    /// Where Google sends the browser back (registered with the Google client); default
    /// the setting `connections.google.redirect_uri`, else this server's OAuth callback.
    #[serde(default)]
    redirect_uri: Option<String>,
    /// Reconnect this Google connection instead of making a new one: same id (MCP
    /// profiles bound to it keep working), new tokens, its enabled services asked for
    /// again along with `services` (which may then be empty).
    #[serde(default)]
    connection_id: Option<String>,
}

/// `POST /v1/connections/google/oauth-url` (ConnectionsManage; `X-Project-Id`) →
/// `{url, state, redirect_uri, scopes, expires_at}`; 409 when Google connect is not
/// configured. With `connection_id`, the authorization reconnects that connection (of
/// the project; another's is not found).
pub async fn oauth_url(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<GoogleOAuthUrl>,
) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    let mut services = google::check_services(&body.services)?;
    let reconnect = match &body.connection_id {
        Some(id) => {
            let connection = load(&state, &gate, id).await?;
            let account = google::account_of(&connection)?;
            if body.display_name.is_some() {
                return Err(ApiError::bad_request(
                    "`display_name` does not go with `connection_id`: a reconnect keeps the connection's name (rename it with PATCH /v1/connections/{id})",
                ));
            }
            let enabled: Vec<String> = account.services.clone();
            for name in google::check_services(&enabled)? {
                if !services.contains(&name) {
                    services.push(name);
                }
            }
            Some(connection)
        }
        None => None,
    };
    if services.is_empty() && reconnect.is_none() {
        return Err(ApiError::bad_request(format!(
            "`services` must name at least one Google service, e.g. [\"gmail\"]: see GET /v1/connections/google/config ({})",
            google::SERVICES
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let display_name = match (&body.display_name, &reconnect) {
        (Some(name), _) => check_name("display_name", name)?,
        (None, Some(connection)) => connection.display_name.clone(),
        (None, None) => DEFAULT_NAME.to_owned(),
    };
    let redirect_uri = body
        .redirect_uri
        .as_deref()
        .map(|u| check_url_text("redirect_uri", u))
        .transpose()?;
    let new = google::authorization(
        &state,
        &services,
        display_name,
        redirect_uri,
        reconnect.map(|c| c.id),
    )?;
    let scopes = new.settings.scopes.clone();
    let redirect_uri = new
        .redirect_uri
        .clone()
        .unwrap_or_else(|| format!("{}{CALLBACK_PATH}", state.origin()));
    let (url, oauth_state) = oauth::start(
        &state,
        &project.workspace_id,
        &project.id,
        &gate.principal.user.id,
        new,
    )
    .await?;
    Ok(Json(json!({
        "url": url, "authorize_url": url, "state": oauth_state,
        "redirect_uri": redirect_uri, "services": services, "scopes": scopes,
        "expires_at": views::time(now_ms() + PENDING_TTL_MS),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleComplete {
    /// The `code` Google added to the redirect.
    #[schema(min_length = 1, max_length = 4096)]
    code: String,
    /// The `state` of `oauth-url` (single use).
    #[schema(min_length = 1, max_length = 4096)]
    state: String,
}

fn check_param(field: &str, value: &str) -> ApiResult<()> {
    if value.is_empty() || value.len() > MAX_PARAM {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be 1–{MAX_PARAM} characters: the value Google added to the redirect"
        )));
    }
    Ok(())
}

/// `POST /v1/connections/google/complete` (ConnectionsManage) → 201 with the connection:
/// exchanges the code, reads the account's e-mail, creates the connection (provider
/// `google`) in the project that started the authorization; 200 when it reconnected one. The state is single use and
/// must be this workspace's (another's is answered as unknown) and the caller's own.
pub async fn complete(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<GoogleComplete>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    check_param("code", &body.code)?;
    check_param("state", &body.state)?;
    let ws = gate.require_workspace()?;
    let pending =
        oauth::take_pending(&state, &body.state, &gate.principal.user.id, Some(&ws.id)).await?;
    if pending.preset() != Some(PRESET) {
        return Err(ApiError::bad_request(
            "this `state` was not started by POST /v1/connections/google/oauth-url: start a Google connection there",
        ));
    }
    // The caller may still manage connections in the project the connection goes to.
    gate.object_project(&state, pending.project_id(), "project")
        .await?;
    let exchanged = oauth::exchange(&state, pending, Some(&body.code), None).await?;
    let finished = oauth::finish(&state, exchanged).await?;
    let connection = &finished.connection;
    let mut answer = view(connection);
    let account = google::account_of(connection)?;
    answer["google"] = google::account_view(connection, &account);
    let status = if finished.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)))
}

/// `GET /v1/connections/google/accounts/{connectionId}` (ConnectionsRead) →
/// `{connection_id, email, services: [{service, enabled, granted, scopes}], granted_scopes}`;
/// 404 for another workspace's connection and for one that is not a Google connection.
pub async fn account(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let connection = load(&state, &gate, &id).await?;
    let account = google::account_of(&connection)?;
    Ok(Json(google::account_view(&connection, &account)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleServicesChange {
    /// `{service: enabled}`, e.g. `{"gmail": true, "google-drive": false}`; services not
    /// named keep their state.
    #[schema(value_type = Object)]
    services: BTreeMap<String, bool>,
}

/// `PATCH /v1/connections/google/accounts/{connectionId}/services` (ConnectionsManage) →
/// the account. Enabling a service whose scopes the account did not grant is a 409 saying
/// to reconnect with it.
pub async fn change_services(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<GoogleServicesChange>,
) -> ApiResult<Json<Value>> {
    if body.services.is_empty() {
        return Err(ApiError::bad_request(
            "`services` must name at least one service, e.g. {\"gmail\": true}",
        ));
    }
    let current = load(&state, &gate, &id).await?;
    let mut account = google::account_of(&current)?;
    let changes: Vec<(String, bool)> = body.services.into_iter().collect();
    google::change_services(&mut account, &changes)?;
    let mut next = current.clone();
    next.oauth = Some(google::with_account(&current, &account)?);
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
    Ok(Json(google::account_view(&next, &account)))
}
