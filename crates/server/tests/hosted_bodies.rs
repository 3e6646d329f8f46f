//! Hosted request bodies work unchanged (CONTRACT §9 "Hosted bodies work unchanged"), and
//! the bodies this project's own clients send keep working. Every test runs on SQLite and
//! on Postgres.

#[macro_use]
mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

/// The hosted PAT body names the token `display_name`; the answer carries it (and, this
/// once, the token), and so does the list.
async fn pat_created_with_display_name(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .json(json!({
            "display_name": "CI deploy",
            "scopes": ["workflow:read", "workflow:run"],
            "expires_at": "2099-01-01T00:00:00Z"
        }))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["display_name"], "CI deploy", "{:?}", r.body);
    assert!(
        r.body["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("pat_"))
    );
    let list = s
        .call(Method::GET, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .send()
        .await;
    assert_eq!(
        list.body["pats"][0]["display_name"], "CI deploy",
        "{:?}",
        list.body
    );
    s.close().await;
}

/// This project's own clients (the console included) send `name`: still accepted, and
/// the answer still carries `name`.
async fn pat_created_with_name(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .json(json!({"name": "ci", "scopes": ["workflow:read"]}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["name"], &r.body["display_name"]),
        (&json!("ci"), &json!("ci"))
    );
    let nameless = s
        .call(Method::POST, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .json(json!({"scopes": ["workflow:read"]}))
        .send()
        .await;
    assert_eq!(nameless.status, 400, "{:?}", nameless.body);
    assert!(
        nameless.error().contains("display_name"),
        "{}",
        nameless.error()
    );
    s.close().await;
}

on_both_backends!(
    pat_created_with_display_name,
    pat_created_with_name,
);
