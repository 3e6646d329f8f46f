//! A small OAuth 2.0 authorization server for the tests, on 127.0.0.1:0.
//!
//! `/authorize` redirects back with a code at once (the "user" always consents);
//! `/token` checks the client's credentials and the PKCE `code_verifier` against the
//! challenge (S256), issues access tokens living `access_ttl` seconds and rotating
//! refresh tokens, and answers `invalid_grant` for any refresh token once told to
//! [`AuthServer::revoke_all`]. As Google's stand-in it also answers the granted `scope`
//! when told to ([`AuthServer::grant_scopes`]), records every authorize request's query,
//! and serves `/userinfo` (an e-mail) to holders of an access token it issued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "client-secret-c0ffee";

#[derive(Default)]
struct Inner {
    /// code → (PKCE challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
    /// Refresh tokens still honoured.
    refresh_tokens: Vec<String>,
    revoked: bool,
    access_ttl: u64,
    issued: u64,
    /// Every grant_type the token endpoint served, in order.
    grants: Vec<String>,
    /// Every access token issued, in order.
    access_tokens: Vec<String>,
    refresh_issued: Vec<String>,
    /// The `scope` of token answers (space-separated), if any.
    granted_scope: Option<String>,
    /// The query of every authorize request, in order.
    authorize_queries: Vec<HashMap<String, String>>,
    /// Bearer tokens `/userinfo` was called with.
    userinfo_calls: Vec<String>,
    /// The e-mail `/userinfo` answers instead of [`EMAIL`].
    email: Option<String>,
}

/// The account `/userinfo` answers.
pub const EMAIL: &str = "someone@example.test";

#[derive(Clone)]
pub struct AuthServer {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl AuthServer {
    pub async fn start() -> AuthServer {
        let inner = Arc::new(Mutex::new(Inner {
            access_ttl: 3600,
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        AuthServer {
            base: format!("http://{addr}"),
            inner,
        }
    }
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().expect("auth server state"))
    }
    /// Lifetime (seconds) of the access tokens issued from now on.
    pub fn set_access_ttl(&self, secs: u64) {
        self.with(|i| i.access_ttl = secs);
    }
    /// From now on every refresh token is refused with `invalid_grant`.
    pub fn revoke_all(&self) {
        self.with(|i| i.revoked = true);
    }
    /// Token answers from now on carry `scope` (what the user granted).
    pub fn grant_scopes(&self, scopes: &[&str]) {
        self.with(|i| i.granted_scope = Some(scopes.join(" ")));
    }
    /// The user signs in as `email` from now on (`None`: [`EMAIL`]).
    pub fn set_email(&self, email: Option<&str>) {
        self.with(|i| i.email = email.map(str::to_owned));
    }
    pub fn authorize_queries(&self) -> Vec<HashMap<String, String>> {
        self.with(|i| i.authorize_queries.clone())
    }
    pub fn userinfo_calls(&self) -> Vec<String> {
        self.with(|i| i.userinfo_calls.clone())
    }
    pub fn grants(&self) -> Vec<String> {
        self.with(|i| i.grants.clone())
    }
    pub fn access_tokens(&self) -> Vec<String> {
        self.with(|i| i.access_tokens.clone())
    }
    /// Every token issued (access and refresh).
    pub fn all_tokens(&self) -> Vec<String> {
        self.with(|i| {
            i.access_tokens
                .iter()
                .chain(i.refresh_issued.iter())
                .cloned()
                .collect()
        })
    }
}

fn oauth_error(code: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"error": code}))).into_response()
}

async fn authorize(
    State(inner): State<Arc<Mutex<Inner>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let param = |n: &str| q.get(n).cloned().unwrap_or_default();
    if param("response_type") != "code"
        || param("client_id") != CLIENT_ID
        || param("code_challenge_method") != "S256"
        || param("code_challenge").is_empty()
        || param("state").is_empty()
    {
        return (
            StatusCode::BAD_REQUEST,
            format!("bad authorize request: {q:?}"),
        )
            .into_response();
    }
    let mut i = inner.lock().expect("state");
    i.authorize_queries.push(q.clone());
    i.issued += 1;
    let code = format!("code-{}-{}", i.issued, uuid::Uuid::now_v7().simple());
    i.codes.insert(
        code.clone(),
        (param("code_challenge"), param("redirect_uri")),
    );
    let target = url::Url::parse_with_params(
        &param("redirect_uri"),
        &[("code", code.as_str()), ("state", param("state").as_str())],
    )
    .expect("redirect uri");
    Redirect::to(target.as_str()).into_response()
}

/// Client credentials from HTTP Basic (the oauth2 crate's default) or the form.
fn client_ok(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match basic {
        Some(pair) => pair == format!("{CLIENT_ID}:{CLIENT_SECRET}"),
        None => {
            form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
        }
    }
}

fn issue(i: &mut Inner) -> Response {
    i.issued += 1;
    let n = i.issued;
    let access = format!("at-{n}-{}", uuid::Uuid::now_v7().simple());
    let refresh = format!("rt-{n}-{}", uuid::Uuid::now_v7().simple());
    i.refresh_tokens.push(refresh.clone());
    i.access_tokens.push(access.clone());
    i.refresh_issued.push(refresh.clone());
    let mut answer = json!({
        "access_token": access, "token_type": "Bearer", "expires_in": i.access_ttl,
        "refresh_token": refresh,
    });
    if let Some(scope) = &i.granted_scope {
        answer["scope"] = json!(scope);
    }
    axum::Json(answer).into_response()
}

/// OpenID Connect userinfo: the e-mail, for a bearer access token this server issued.
async fn userinfo(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let mut i = inner.lock().expect("state");
    i.userinfo_calls.push(bearer.clone());
    if !i.access_tokens.contains(&bearer) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_token"})),
        )
            .into_response();
    }
    let email = i.email.clone().unwrap_or_else(|| EMAIL.to_owned());
    axum::Json(json!({"sub": "1234", "email": email, "email_verified": true})).into_response()
}

async fn token(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !client_ok(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut i = inner.lock().expect("state");
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    i.grants.push(grant.clone());
    match grant.as_str() {
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            let Some((challenge, redirect)) = i.codes.remove(&code) else {
                return oauth_error("invalid_grant");
            };
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if verifier.is_empty() || computed != challenge {
                return oauth_error("invalid_grant");
            }
            if form.get("redirect_uri") != Some(&redirect) {
                return oauth_error("invalid_grant");
            }
            issue(&mut i)
        }
        "refresh_token" => {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            if i.revoked || !i.refresh_tokens.contains(&presented) {
                return oauth_error("invalid_grant");
            }
            // Rotation: the presented refresh token is used up.
            i.refresh_tokens.retain(|t| *t != presented);
            issue(&mut i)
        }
        _ => oauth_error("unsupported_grant_type"),
    }
}
