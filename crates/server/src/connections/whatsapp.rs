//! WhatsApp Business connections (docs/connections.md "WhatsApp"): the Cloud API's
//! credentials, sealed like every connection's under the names the `whatsapp` MCP
//! adapter reads (`access_token`, `business_account_id`, `phone_number_id`).
//!
//! They come either from the user (a System User token and the ids, [`manual`]) or from
//! Meta's embedded signup ([`embedded_signup`]): the console gets a code from Meta's
//! dialog, and this server exchanges it with the app's secret at the Graph API
//! (`[connections.whatsapp]`), then finds the business account and phone number the
//! user chose when the console did not pass them.

use std::collections::BTreeMap;

use ar_connect::SecretString;
use ar_store::integrations::ConnectionRecord;
use ar_store::now_ms;
use ar_store::tenant::ProjectRecord;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ACTIVE;
use super::credentials::{self, AuthType};
use super::provider_http::{ProviderError, get_json};
use super::settings::WhatsAppSettings;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The `provider` of WhatsApp connections.
pub const PROVIDER: &str = "whatsapp";
/// Longest id (WABA, phone number).
const MAX_ID_LEN: usize = 64;
/// Longest access token accepted.
const MAX_TOKEN_LEN: usize = 4096;

/// 400 unless `value` (the request's field `field`) is an id Meta could have issued:
/// 1–64 letters or digits (it goes into a Graph API path).
pub fn check_id(field: &str, value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > MAX_ID_LEN
        || !value.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be a Meta id: 1–{MAX_ID_LEN} letters or digits"
        )));
    }
    Ok(value.to_owned())
}

/// 400 unless `value` is a non-empty string token (never echoed).
pub fn check_token(field: &str, value: Option<&Value>) -> ApiResult<SecretString> {
    match value {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!(
            "`{field}` is required: the System User access token from Meta Business Settings"
        ))),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_TOKEN_LEN => {
            Ok(SecretString::new(s.trim().to_owned()))
        }
        Some(_) => Err(ApiError::bad_request(format!(
            "`{field}` must be a non-empty string of at most {MAX_TOKEN_LEN} bytes"
        ))),
    }
}

/// The ids of a WhatsApp connection (not secret: shown in its answers).
pub struct Numbers {
    pub business_account_id: String,
    pub phone_number_id: String,
}

/// Creates the connection of `project` holding `token` and `numbers`.
pub async fn create(
    state: &AppState,
    project: &ProjectRecord,
    user_id: &str,
    display_name: String,
    token: SecretString,
    numbers: &Numbers,
    expires_at: Option<i64>,
) -> ApiResult<ConnectionRecord> {
    let mut values = BTreeMap::new();
    values.insert("access_token".to_owned(), token);
    values.insert(
        "business_account_id".to_owned(),
        SecretString::new(numbers.business_account_id.clone()),
    );
    values.insert(
        "phone_number_id".to_owned(),
        SecretString::new(numbers.phone_number_id.clone()),
    );
    let id = new_id();
    let (credentials_sealed, credential_keys) =
        credentials::seal(state, &project.workspace_id, &id, &values).await?;
    let now = now_ms();
    let connection = ConnectionRecord {
        id,
        workspace_id: project.workspace_id.clone(),
        project_id: project.id.clone(),
        display_name,
        provider: PROVIDER.to_owned(),
        service: Some("whatsapp-business".to_owned()),
        auth_type: AuthType::Custom.as_str().to_owned(),
        credential_keys,
        credentials_sealed,
        oauth: None,
        oauth_client_secret_sealed: None,
        status: ACTIVE.to_owned(),
        status_reason: None,
        expires_at,
        refreshed_at: None,
        credentials_version: 1,
        created_by: user_id.to_owned(),
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_connection(&connection).await?;
    Ok(connection)
}

/// 409 when embedded signup is not configured; else the app id and secret.
pub fn configured(settings: &WhatsAppSettings) -> ApiResult<(String, SecretString)> {
    settings
        .app()
        .map(|(id, secret)| (id.to_owned(), SecretString::new(secret.to_owned())))
        .ok_or_else(|| {
            ApiError::conflict(
                "WhatsApp embedded signup is not configured on this server: the operator sets [connections.whatsapp] app_id and app_secret (or AR_WHATSAPP_APP_ID and AR_WHATSAPP_APP_SECRET); manual credentials (POST /v1/connections/whatsapp/manual) work without them",
            )
        })
}

/// A token the embedded signup produced.
pub struct SignupToken {
    pub token: SecretString,
    pub expires_at: Option<i64>,
}

fn graph(settings: &WhatsAppSettings, path: &str) -> String {
    format!(
        "{}/{}/{path}",
        settings.graph_url.trim_end_matches('/'),
        settings.api_version
    )
}

/// The API error of a failed Graph call made while `doing`: the provider's refusal of
/// what the user sent is a 400 (start again), anything else a 502.
fn graph_error(doing: &str, e: ProviderError) -> ApiError {
    let status = if e.is_refusal() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::BAD_GATEWAY
    };
    ApiError::new(status, format!("{doing} failed: {e}"))
}

/// Exchanges the embedded signup's `code` for the business token.
pub async fn embedded_signup(
    settings: &WhatsAppSettings,
    app_id: &str,
    app_secret: &SecretString,
    code: &str,
) -> ApiResult<SignupToken> {
    let answer = get_json(
        &graph(settings, "oauth/access_token"),
        &[
            ("client_id", app_id),
            ("client_secret", app_secret.expose_secret()),
            ("code", code),
        ],
        None,
    )
    .await
    .map_err(|e| {
        graph_error(
            "exchanging the signup code at Meta (start the signup again)",
            e,
        )
    })?;
    let token = answer["access_token"]
        .as_str()
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "exchanging the signup code at Meta failed: the answer has no access_token",
            )
        })?;
    let expires_at = answer["expires_in"]
        .as_i64()
        .filter(|s| *s > 0)
        .map(|s| now_ms().saturating_add(s.saturating_mul(1000)));
    Ok(SignupToken {
        token: SecretString::new(token.to_owned()),
        expires_at,
    })
}

/// The business account the token was granted for (`debug_token`'s granular scope
/// `whatsapp_business_management`), when the console did not pass `waba_id`.
pub async fn find_business_account(
    settings: &WhatsAppSettings,
    app_id: &str,
    app_secret: &SecretString,
    token: &SecretString,
) -> ApiResult<String> {
    let app_token = SecretString::new(format!("{app_id}|{}", app_secret.expose_secret()));
    let answer = get_json(
        &graph(settings, "debug_token"),
        &[("input_token", token.expose_secret())],
        Some(&app_token),
    )
    .await
    .map_err(|e| graph_error("finding the WhatsApp Business Account", e))?;
    let target = answer["data"]["granular_scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["scope"] == "whatsapp_business_management")
        .find_map(|s| {
            s["target_ids"]
                .as_array()?
                .first()?
                .as_str()
                .map(str::to_owned)
        });
    let target = target.ok_or_else(|| {
        ApiError::bad_request(
            "the signup granted no WhatsApp Business Account: send `waba_id` (from the signup's session info), or start the signup again and pick an account",
        )
    })?;
    check_id("waba_id", &target)
        .map_err(|_| ApiError::new(StatusCode::BAD_GATEWAY, "Meta answered a malformed WABA id"))
}

/// The first phone number of the business account, when the console did not pass
/// `phone_number_id`.
pub async fn find_phone_number(
    settings: &WhatsAppSettings,
    waba_id: &str,
    token: &SecretString,
) -> ApiResult<String> {
    let answer = get_json(
        &graph(settings, &format!("{waba_id}/phone_numbers")),
        &[],
        Some(token),
    )
    .await
    .map_err(|e| graph_error("listing the WhatsApp Business Account's phone numbers", e))?;
    let id = answer["data"]
        .as_array()
        .and_then(|numbers| numbers.first())
        .and_then(|n| n["id"].as_str())
        .ok_or_else(|| {
            ApiError::bad_request(
                "the WhatsApp Business Account has no phone number: add one in Meta's WhatsApp Manager, or send `phone_number_id`",
            )
        })?;
    check_id("phone_number_id", id).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "Meta answered a malformed phone number id",
        )
    })
}

/// What the answers add to the connection: its ids.
pub fn numbers_view(numbers: &Numbers) -> Value {
    json!({
        "business_account_id": numbers.business_account_id,
        "waba_id": numbers.business_account_id,
        "phone_number_id": numbers.phone_number_id,
    })
}
