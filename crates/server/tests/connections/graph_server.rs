//! A stand-in for Meta's Graph API (v20.0) on 127.0.0.1:0, for WhatsApp embedded signup:
//!
//! - `GET /v20.0/oauth/access_token?client_id&client_secret&code` exchanges a code it
//!   issued ([`GraphServer::new_code`], single use) with the app's id and secret for a
//!   business token; anything else is Graph's `OAuthException` (400);
//! - `GET /v20.0/debug_token?input_token=` (with the app token `id|secret` as bearer)
//!   shows the token's WhatsApp Business Account;
//! - `GET /v20.0/{waba}/phone_numbers` (with the business token) lists its one number.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub const APP_ID: &str = "987654321";
pub const APP_SECRET: &str = "meta-app-secret-5ca1ab1e";
pub const WABA_ID: &str = "102030405060";
pub const PHONE_NUMBER_ID: &str = "110022003300";

#[derive(Default)]
struct Inner {
    codes: Vec<String>,
    /// Business tokens issued, in order.
    tokens: Vec<String>,
    /// Every path served, in order.
    calls: Vec<String>,
}

#[derive(Clone)]
pub struct GraphServer {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl GraphServer {
    pub async fn start() -> GraphServer {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v20.0/oauth/access_token", get(access_token))
            .route("/v20.0/debug_token", get(debug_token))
            .route("/v20.0/{waba}/phone_numbers", get(phone_numbers))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GraphServer {
            base: format!("http://{addr}"),
            inner,
        }
    }
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().expect("graph server state"))
    }
    /// A code as Meta's embedded signup dialog hands the console.
    pub fn new_code(&self) -> String {
        let code = format!("signup-code-{}", uuid::Uuid::now_v7().simple());
        self.with(|i| i.codes.push(code.clone()));
        code
    }
    pub fn tokens(&self) -> Vec<String> {
        self.with(|i| i.tokens.clone())
    }
    pub fn calls(&self) -> Vec<String> {
        self.with(|i| i.calls.clone())
    }
}

fn oauth_exception(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": {"message": message, "type": "OAuthException", "code": 100}})),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string()
}

async fn access_token(
    State(inner): State<Arc<Mutex<Inner>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut i = inner.lock().expect("state");
    i.calls.push("oauth/access_token".into());
    let param = |n: &str| q.get(n).cloned().unwrap_or_default();
    if param("client_id") != APP_ID || param("client_secret") != APP_SECRET {
        return oauth_exception("Error validating client secret.");
    }
    let code = param("code");
    if !i.codes.contains(&code) {
        return oauth_exception("Invalid verification code format.");
    }
    i.codes.retain(|c| *c != code);
    let token = format!("EAAG-business-{}", uuid::Uuid::now_v7().simple());
    i.tokens.push(token.clone());
    axum::Json(json!({"access_token": token, "token_type": "bearer"})).into_response()
}

async fn debug_token(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut i = inner.lock().expect("state");
    i.calls.push("debug_token".into());
    if bearer(&headers) != format!("{APP_ID}|{APP_SECRET}") {
        return oauth_exception("Invalid OAuth access token.");
    }
    let input = q.get("input_token").cloned().unwrap_or_default();
    if !i.tokens.contains(&input) {
        return oauth_exception("Invalid input token.");
    }
    axum::Json(json!({"data": {
        "app_id": APP_ID, "is_valid": true,
        "granular_scopes": [
            {"scope": "whatsapp_business_messaging", "target_ids": [WABA_ID]},
            {"scope": "whatsapp_business_management", "target_ids": [WABA_ID]},
        ],
    }}))
    .into_response()
}

async fn phone_numbers(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Path(waba): Path<String>,
) -> Response {
    let mut i = inner.lock().expect("state");
    i.calls.push(format!("{waba}/phone_numbers"));
    if !i.tokens.contains(&bearer(&headers)) {
        return oauth_exception("Invalid OAuth access token.");
    }
    if waba != WABA_ID {
        return oauth_exception("Unsupported get request.");
    }
    axum::Json(json!({"data": [
        {"id": PHONE_NUMBER_ID, "display_phone_number": "+1 555-0100", "verified_name": "Test"},
    ]}))
    .into_response()
}
