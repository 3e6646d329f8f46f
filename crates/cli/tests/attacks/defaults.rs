//! Item 8, defaults for an open network (the parts beyond the operator's LLM keys):
//! - a stranger could sign up on any server (open sign-up was the default): now sign-up is
//!   by invitation once the first-start owner exists, unless the operator opens it;
//! - session cookies went out without `Secure` on an https deployment unless the operator
//!   remembered `secure_cookies`: now an https `public_url` is enough;
//! - a session stayed valid for 14 days however long it lay unused: now 8 h of idleness
//!   end it (shortened here), and the session is deleted;
//! - a PAT created without expiry never expired: now it gets 90 days, and "never" is only
//!   for servers that allow it;
//! - one workspace could start runs without bound and fill the shared queue: now a start
//!   beyond the workspace's quota of unfinished runs is refused with 429, and other
//!   workspaces are not affected.

use std::time::Duration;

use serde_json::{Value, json};

use crate::boundary_support::*;
use crate::serve_support::{ADMIN_EMAIL, ADMIN_PASSWORD, Server, base_env, spawn};

/// A server with the harness's owner and `env`, and no `AR_SIGNUP`: the default applies.
fn serve_with_defaults(env: &[(&str, &str)]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    let mut all = base_env();
    all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let server = spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data], &all)
        .unwrap_or_else(|e| panic!("serve refused to start: {e:?}"));
    (server, dir)
}

async fn post_signup(base: &str, email: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("signup");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_sign_up_is_refused_once_an_owner_exists() {
    let (server, _dir) = serve_with_defaults(&[]);
    let base = server.base.clone();
    let (status, body) = post_signup(&base, "stranger@evil.test").await;
    assert_eq!(status, 403, "a stranger signed up: {body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("invitation") && message.contains("invite_token"),
        "the refusal says how to get in: {message}"
    );
    // The first-start owner exists and signs in; whoever they invite signs up.
    let (admin, _) = owner(&base).await;
    let (invited, _) = member(&admin, "invited@example.com", "member").await;
    assert_eq!(invited.get("/v1/auth/me").await.status, 200);
    // Still closed after that.
    assert_eq!(post_signup(&base, "another@evil.test").await.0, 403);
    drop(server);

    // The operator opens it explicitly.
    let (server, _dir) = serve_with_defaults(&[("AR_SIGNUP", "open")]);
    let (status, body) = post_signup(&server.base, "welcome@example.com").await;
    assert_eq!(status, 201, "open sign-up: {body}");
}

/// The `Set-Cookie` values of a sign-in to `base`.
async fn sign_in_cookies(base: &str) -> Vec<String> {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

fn session_cookie_of(cookies: &[String]) -> &str {
    cookies
        .iter()
        .find(|c| c.starts_with("ar_session="))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("a session cookie in {cookies:?}"))
}

fn is_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .any(|attribute| attribute.trim().eq_ignore_ascii_case("secure"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_secure_when_the_public_url_is_https() {
    let (server, _dir) = serve_with_defaults(&[("AR_PUBLIC_URL", "https://ar.example.test")]);
    let cookies = sign_in_cookies(&server.base).await;
    let cookie = session_cookie_of(&cookies);
    assert!(is_secure(cookie), "an https deployment sent {cookie}");
    drop(server);

    // An explicit setting still decides, both ways.
    let (server, _dir) = serve_with_defaults(&[
        ("AR_PUBLIC_URL", "https://ar.example.test"),
        ("AR_SECURE_COOKIES", "false"),
    ]);
    let cookies = sign_in_cookies(&server.base).await;
    assert!(!is_secure(session_cookie_of(&cookies)), "{cookies:?}");
    drop(server);
    let (server, _dir) = serve_with_defaults(&[]);
    let cookies = sign_in_cookies(&server.base).await;
    assert!(
        !is_secure(session_cookie_of(&cookies)),
        "plain http keeps working: {cookies:?}"
    );
}

async fn sessions_in(database: &std::path::Path) -> i64 {
    use sqlx::ConnectOptions;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await
        .expect("open the server's database");
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&mut db)
        .await
        .expect("count sessions")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_refused_and_deleted() {
    let served = serve(None, &[("AR_SESSION_IDLE_SECONDS", "2")]);
    let (owner, _) = login(served.base(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // In use, it outlives the idle timeout: every use extends it.
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    while tokio::time::Instant::now() < until {
        let r = owner.get("/v1/auth/me").await;
        assert_eq!(r.status, 200, "a session in use ended: {:?}", r.body);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(sessions_in(&served.database()).await, 1);
    // Left alone longer than the timeout, it is refused and gone.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let r = owner.get("/v1/auth/me").await;
    assert_eq!(r.status, 401, "an idle session was accepted: {:?}", r.body);
    assert_eq!(
        sessions_in(&served.database()).await,
        0,
        "the idle session is deleted"
    );
    // Signing in again works.
    let (again, _) = login(served.base(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(again.get("/v1/auth/me").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pat_created_without_expiry_expires_in_90_days() {
    let served = serve(None, &[]);
    let (admin, _) = owner(served.base()).await;
    let admin = admin.without_project();
    let r = admin
        .post(
            "/v1/pats",
            json!({"name": "ci", "scopes": ["workflow:read"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let expires = r.body["expires_at"]
        .as_str()
        .unwrap_or_else(|| panic!("a token without expiry: {}", r.body));
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("RFC 3339");
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((89.9..=90.0).contains(&days), "{days} days");

    let r = admin
        .post(
            "/v1/pats",
            json!({"name": "forever", "scopes": ["workflow:read"], "never_expires": true}),
        )
        .await;
    assert_eq!(r.status, 403, "a token that never expires: {:?}", r.body);
    let r = admin
        .post(
            "/v1/pats",
            json!({"name": "decade", "scopes": ["workflow:read"], "expires_in_days": 3650}),
        )
        .await;
    assert_eq!(r.status, 400, "ten years is over the maximum: {:?}", r.body);
    drop(served);

    // Where the operator allows it, "never" is explicit.
    let served = serve(None, &[("AR_PAT_ALLOW_NEVER", "true")]);
    let (admin, _) = owner(served.base()).await;
    let r = admin
        .without_project()
        .post(
            "/v1/pats",
            json!({"name": "forever", "scopes": ["workflow:read"], "never_expires": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["expires_at"], Value::Null);
}

async fn start(api: &Api, workflow: &str) -> crate::serve_support::Reply {
    api.post(
        &format!("/v1/workflows/{workflow}/command"),
        json!({"command": "start", "params": {}}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_beyond_the_workspace_quota_are_refused_and_other_workspaces_run() {
    let served = serve(None, &[("AR_MAX_ACTIVE_RUNS_PER_WORKSPACE", "2")]);
    let waiting = json!({"steps": [{"id": "approve", "type": "human_task"}]});
    let eve = stranger(served.base(), "eve").await;
    let flood = eve.published_workflow("flood", waiting.clone()).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let r = start(&eve, &flood).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        runs.push(r.body["run_id"].as_str().expect("run id").to_owned());
    }
    let r = start(&eve, &flood).await;
    assert_eq!(
        r.status, 429,
        "a third unfinished run started: {:?}",
        r.body
    );
    let message = r.body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("unfinished runs") && message.contains('2'),
        "{message}"
    );
    // Another workflow of the same workspace is held to the same quota.
    let other = eve.published_workflow("other", waiting.clone()).await;
    assert_eq!(start(&eve, &other).await.status, 429);

    // Another workspace is not affected.
    let (admin, _) = owner(served.base()).await;
    let mine = admin.published_workflow("mine", waiting).await;
    let r = start(&admin, &mine).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // A finished run frees its place.
    let r = eve
        .post(
            &format!("/v1/workflows/{flood}/command"),
            json!({"command": "stop", "params": {"run_id": runs[0]}}),
        )
        .await;
    assert!(r.status < 300, "{:?}", r.body);
    run_to_end(&eve, &flood, &runs[0]).await;
    let r = start(&eve, &flood).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}
