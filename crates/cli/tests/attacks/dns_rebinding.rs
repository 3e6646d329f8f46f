//! Item 7: DNS rebinding.
//!
//! The attack (worked on main): a page on `evil.example` points its name at 127.0.0.1;
//! the victim's browser then sends the page's requests to the server on loopback as
//! same-origin requests with `Host: evil.example`, and the server answered them — sign-up,
//! sign-in, the console, even the loopback-only `/metrics`. Now a request whose Host is
//! not one of the server's names is refused with 421. The attacker's name is resolved to
//! the server here exactly as rebinding does (`reqwest`'s `resolve`).

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::{Value, json};

use crate::boundary_support::*;
use crate::serve_support::{ADMIN_EMAIL, ADMIN_PASSWORD};

/// The server's socket address, from its base URL.
fn address(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .parse()
        .expect("a socket address")
}

/// A client for which `name` resolves to the server (what a rebound name does).
async fn as_host(
    base: &str,
    name: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, bool) {
    let addr = address(base);
    let client = reqwest::Client::builder()
        .resolve(name, addr)
        .build()
        .expect("client");
    let mut request = client.request(method, format!("http://{name}:{}{path}", addr.port()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let sets_cookie = response.headers().contains_key("set-cookie");
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        sets_cookie,
    )
}

fn owner_login() -> Option<Value> {
    Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebound_name_is_refused_on_a_loopback_server() {
    let served = serve(None, &[]);
    let base = served.base();
    let signup = json!({"email": "victim@example.test", "password": PASSWORD});
    let (status, body, cookie) = as_host(
        base,
        "evil.example",
        Method::POST,
        "/v1/auth/signup",
        Some(signup),
    )
    .await;
    assert_eq!((status, cookie), (421, false), "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("evil.example") && e.contains("allowed_hosts")),
        "{body}"
    );
    let (status, body, cookie) = as_host(
        base,
        "evil.example",
        Method::POST,
        "/v1/auth/login",
        owner_login(),
    )
    .await;
    assert_eq!((status, cookie), (421, false), "{body}");
    // The console and the loopback-only metrics are refused too...
    for path in ["/", "/metrics", "/v1/auth/me"] {
        let (status, body, _) = as_host(base, "evil.example", Method::GET, path, None).await;
        assert_eq!(status, 421, "{path}: {body}");
    }
    // ...while health probes answer whatever the name (load balancers use addresses).
    let (status, _, _) = as_host(base, "evil.example", Method::GET, "/healthz", None).await;
    assert_eq!(status, 200);
    // The refused sign-up created nothing.
    let (status, _, _) = as_host(
        base,
        "localhost",
        Method::POST,
        "/v1/auth/login",
        Some(json!({"email": "victim@example.test", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 401);

    // The server's own names work.
    for name in ["localhost", "127.0.0.1"] {
        let (status, body, cookie) =
            as_host(base, name, Method::POST, "/v1/auth/login", owner_login()).await;
        assert_eq!((status, cookie), (200, true), "{name}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_url_and_allowed_hosts_are_answered() {
    let served = serve(
        None,
        &[
            ("AR_PUBLIC_URL", "https://agents.example.com"),
            ("AR_ALLOWED_HOSTS", "agents.internal, other.example:1"),
        ],
    );
    let base = served.base();
    for name in ["agents.example.com", "agents.internal"] {
        let (status, body, _) =
            as_host(base, name, Method::POST, "/v1/auth/login", owner_login()).await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    // An allowed name on another port than the one listed, and any other name: refused.
    for name in ["other.example", "evil.example"] {
        let (status, body, _) =
            as_host(base, name, Method::POST, "/v1/auth/login", owner_login()).await;
        assert_eq!(status, 421, "{name}: {body}");
    }
}
