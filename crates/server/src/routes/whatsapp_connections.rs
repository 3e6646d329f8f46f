//! WhatsApp Business connections (docs/connections.md "WhatsApp", docs/contract.md §11):
//! the hosted API's `/v1/connections/whatsapp/*` routes over
//! `crate::connections::whatsapp`. Project-scoped like every connection route; the access
//! token goes in and never comes out.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::connections::whatsapp::{self, Numbers};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::routes::connections::view;
use crate::routes::workspaces::check_name;
use crate::state::AppState;

/// The name of a WhatsApp connection the request does not name.
const DEFAULT_NAME: &str = "WhatsApp Business";
/// Longest signup code accepted.
const MAX_CODE: usize = 4096;

/// `GET /v1/connections/whatsapp/config` (ConnectionsRead; `X-Project-Id`) → whether
/// embedded signup is configured, and what the console's Meta dialog needs (the app id
/// and configuration id are public values).
pub async fn config(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    gate.project()?;
    let w = &state.settings().connections.whatsapp;
    let enabled = w.app().is_some();
    Ok(Json(json!({
        "enabled": enabled,
        "embedded_signup": enabled,
        "manual": true,
        "app_id": enabled.then_some(w.app_id.as_deref()).flatten(),
        "config_id": w.config_id,
        "api_version": w.api_version,
    })))
}

/// A body field that must be a string, named in the refusal (its value never is).
fn text_field(field: &str, value: Option<Value>) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("`{field}` must be a string"))),
    }
}

fn id_field(field: &str, value: Option<Value>) -> ApiResult<Option<String>> {
    text_field(field, value)?
        .map(|v| whatsapp::check_id(field, &v))
        .transpose()
}

fn required(field: &str, value: Option<String>, what: &str) -> ApiResult<String> {
    value.ok_or_else(|| ApiError::bad_request(format!("`{field}` is required: {what}")))
}

fn display_name(value: Option<String>) -> ApiResult<String> {
    match value {
        Some(name) => check_name("display_name", &name),
        None => Ok(DEFAULT_NAME.to_owned()),
    }
}

fn answer(connection: &ar_store::integrations::ConnectionRecord, numbers: &Numbers) -> Value {
    let mut answer = view(connection);
    answer["whatsapp"] = whatsapp::numbers_view(numbers);
    answer
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppManual {
    /// The connection's name (default `WhatsApp Business`); `name` is accepted in its place.
    #[serde(default, alias = "name")]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    display_name: Option<String>,
    /// The sender's phone number id (Meta's WhatsApp API setup page).
    #[serde(default)]
    #[schema(value_type = String)]
    phone_number_id: Option<Value>,
    /// The WhatsApp Business Account id; `business_account_id` is accepted in its place.
    #[serde(default, alias = "business_account_id")]
    #[schema(value_type = String)]
    waba_id: Option<Value>,
    /// A System User token with `whatsapp_business_messaging` and
    /// `whatsapp_business_management`; sealed at rest, never returned.
    #[serde(default)]
    #[schema(value_type = String)]
    access_token: Option<Value>,
}

/// `POST /v1/connections/whatsapp/manual` (ConnectionsManage; `X-Project-Id`) → 201 with
/// the connection (provider `whatsapp`) and its ids; a missing or malformed field is a
/// 400 naming it.
pub async fn manual(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<WhatsAppManual>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let project = gate.project()?;
    let display_name = display_name(body.display_name)?;
    let phone_number_id = required(
        "phone_number_id",
        id_field("phone_number_id", body.phone_number_id)?,
        "the sender's phone number id from Meta's WhatsApp API setup",
    )?;
    let waba_id = required(
        "waba_id",
        id_field("waba_id", body.waba_id)?,
        "the WhatsApp Business Account id",
    )?;
    let token = whatsapp::check_token("access_token", body.access_token.as_ref())?;
    let numbers = Numbers {
        business_account_id: waba_id,
        phone_number_id,
    };
    let connection = whatsapp::create(
        &state,
        project,
        &gate.principal.user.id,
        display_name,
        token,
        &numbers,
        None,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(answer(&connection, &numbers))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppComplete {
    /// The code Meta's embedded signup dialog returned.
    #[serde(default)]
    #[schema(value_type = String)]
    code: Option<Value>,
    /// The phone number the user chose (the signup's session info); found at Meta when
    /// left out (the account's first number).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    phone_number_id: Option<Value>,
    /// The business account the user chose; found at Meta when left out.
    #[serde(default, alias = "business_account_id")]
    #[schema(value_type = Option<String>)]
    waba_id: Option<Value>,
    #[serde(default, alias = "name")]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    display_name: Option<String>,
}

/// `POST /v1/connections/whatsapp/complete` (ConnectionsManage; `X-Project-Id`) → 201
/// with the connection: exchanges the embedded signup's code at the Graph API with the
/// app's secret; 409 when embedded signup is not configured.
pub async fn complete(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<WhatsAppComplete>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let project = gate.project()?;
    let code = required(
        "code",
        text_field("code", body.code)?.filter(|c| !c.trim().is_empty()),
        "the code Meta's embedded signup returned",
    )?;
    if code.len() > MAX_CODE {
        return Err(ApiError::bad_request(format!(
            "`code` is longer than {MAX_CODE} characters"
        )));
    }
    let phone_number_id = id_field("phone_number_id", body.phone_number_id)?;
    let waba_id = id_field("waba_id", body.waba_id)?;
    let display_name = display_name(body.display_name)?;
    let settings = &state.settings().connections.whatsapp;
    let (app_id, app_secret) = whatsapp::configured(settings)?;
    let signup = whatsapp::embedded_signup(settings, &app_id, &app_secret, code.trim()).await?;
    let waba_id = match waba_id {
        Some(id) => id,
        None => {
            whatsapp::find_business_account(settings, &app_id, &app_secret, &signup.token).await?
        }
    };
    let phone_number_id = match phone_number_id {
        Some(id) => id,
        None => whatsapp::find_phone_number(settings, &waba_id, &signup.token).await?,
    };
    let numbers = Numbers {
        business_account_id: waba_id,
        phone_number_id,
    };
    let connection = whatsapp::create(
        &state,
        project,
        &gate.principal.user.id,
        display_name,
        signup.token,
        &numbers,
        signup.expires_at,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(answer(&connection, &numbers))))
}
