//! Hosted request bodies work unchanged (docs/contract.md §9 "Hosted bodies work unchanged"), and
//! the bodies this project's own clients send keep working. Every test runs on SQLite and
//! on Postgres.

#[macro_use]
mod common;

#[path = "../../mcp/tests/common/mod.rs"]
#[allow(unused_imports)]
mod mcp_fixtures;

use common::*;
use reqwest::Method;
use serde_json::json;

/// The hosted PAT body names the token `display_name`; the answer carries it (and, this
/// once, the token), and so does the list.
async fn pat_created_with_display_name(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    // Within the server's longest PAT lifetime (365 days by default).
    let expires_at = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .json(json!({
            "display_name": "CI deploy",
            "scopes": ["workflow:read", "workflow:run"],
            "expires_at": expires_at
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

/// `POST /v1/connections` as the hosted API examples send it: no `auth_type` (inferred
/// from the credential names), `display_name` or `name`; the answer carries `name`.
async fn connection_created_without_auth_type(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let create = |body: serde_json::Value| {
        s.call(Method::POST, "/v1/connections")
            .auth(&t.owner)
            .tenant(&t.slug)
            .project(&t.project)
            .json(body)
            .send()
    };
    let r = create(json!({
        "display_name": "GitHub CI",
        "provider": "custom",
        "service": "api_key",
        "credentials": {"api_key": "ghp_hosted_example_1"}
    }))
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    for (field, want) in [
        ("name", json!("GitHub CI")),
        ("display_name", json!("GitHub CI")),
        ("provider", json!("custom")),
        ("service", json!("api_key")),
        ("status", json!("active")),
        ("credential_keys", json!(["api_key"])),
        ("auth_type", json!("api_key")),
    ] {
        assert_eq!(r.body[field], want, "{field}: {:?}", r.body);
    }
    assert!(!r.body.to_string().contains("ghp_hosted_example_1"));

    let r = create(json!({
        "name": "Notion", "provider": "notion",
        "credentials": {"token": "secret_notion_1"}
    }))
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["name"], &r.body["auth_type"]),
        (&json!("Notion"), &json!("token"))
    );
    let r = create(json!({
        "name": "Warehouse", "provider": "postgres",
        "credentials": {"dsn": "postgres://u:p@db/x"}
    }))
    .await;
    assert_eq!(
        (r.status, &r.body["auth_type"]),
        (201, &json!("dsn")),
        "{:?}",
        r.body
    );
    let r = create(json!({
        "name": "Odd", "provider": "acme", "credentials": {"x_acme_key": "v"}
    }))
    .await;
    assert_eq!(
        (r.status, &r.body["auth_type"]),
        (201, &json!("custom")),
        "{:?}",
        r.body
    );

    // OAuth tokens mean an OAuth connection, which comes from the provider's flow.
    let r = create(json!({
        "name": "Google", "provider": "google",
        "credentials": {"access_token": "ya29.x", "refresh_token": "1//x"}
    }))
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(
        r.error().contains("/v1/connections/oauth/start"),
        "{}",
        r.error()
    );
    let r = create(json!({"provider": "custom", "credentials": {"api_key": "k"}})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("display_name"), "{}", r.error());

    // A rename by `name`.
    let id = create(json!({"name": "tmp", "provider": "p", "credentials": {"token": "t"}}))
        .await
        .body["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = s
        .call(Method::PATCH, format!("/v1/connections/{id}"))
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .json(json!({"name": "renamed"}))
        .send()
        .await;
    assert_eq!(
        (r.status, &r.body["name"]),
        (200, &json!("renamed")),
        "{:?}",
        r.body
    );
    s.close().await;
}

/// The body this project's clients (the console included) send keeps working.
async fn connection_created_with_auth_type(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let r = s
        .call(Method::POST, "/v1/connections")
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .json(json!({
            "display_name": "gh", "provider": "github", "auth_type": "basic",
            "credentials": {"username": "u", "password": "p"}
        }))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["display_name"], &r.body["auth_type"]),
        (&json!("gh"), &json!("basic"))
    );
    let r = s
        .call(Method::POST, "/v1/connections")
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .json(json!({
            "display_name": "gh", "provider": "github", "auth_type": "api_key",
            "credentials": {"token": "t"}
        }))
        .send()
        .await;
    assert_eq!(
        r.status, 400,
        "an explicit auth_type is still checked: {:?}",
        r.body
    );
    s.close().await;
}

fn loopback_mcp_settings() -> ar_server::Settings {
    let mut settings = test_settings();
    settings.mcp_allowed_hosts = Some("127.0.0.1".into());
    settings
}

/// `POST /v1/mcp/servers` with the hosted registration body (`canonical_url`, `mode`,
/// `description`) against a real MCP server; the answer carries them.
async fn mcp_server_registered_with_canonical_url(backend: Backend) {
    let python = mcp_fixtures::start_python_http(true);
    let s = start_with(backend, loopback_mcp_settings()).await;
    let t = workspace(&s, "acme").await;
    let register = |body: serde_json::Value| {
        s.call(Method::POST, "/v1/mcp/servers")
            .auth(&t.owner)
            .tenant(&t.slug)
            .project(&t.project)
            .json(body)
            .send()
    };
    let r = register(json!({
        "name": "Internal tools MCP",
        "canonical_url": python.url,
        "description": "CRM and billing helpers",
        "mode": "third_party",
        "auth_mode": "token"
    }))
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    for (field, want) in [
        ("name", json!("Internal tools MCP")),
        ("canonical_url", json!(python.url)),
        ("description", json!("CRM and billing helpers")),
        ("mode", json!("third_party")),
        ("auth_mode", json!("token")),
    ] {
        assert_eq!(r.body[field], want, "{field}: {:?}", r.body);
    }
    let id = r.body["id"].as_str().expect("id").to_string();
    let read = s
        .call(Method::GET, format!("/v1/mcp/servers/{id}"))
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .send()
        .await;
    assert_eq!(
        read.body["description"], "CRM and billing helpers",
        "stored: {:?}",
        read.body
    );

    // The hosted field goes through the same SSRF guard as `url`.
    let r = register(json!({"canonical_url": "http://169.254.169.254/mcp", "mode": "third_party"}))
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (422, &json!("MCP_URL_REFUSED")),
        "{:?}",
        r.body
    );

    for (body, says) in [
        (
            json!({"name": "x", "mode": "third_party"}),
            "`canonical_url` is required",
        ),
        (
            json!({"canonical_url": python.url, "mode": "platform"}),
            "operator's catalog",
        ),
        (
            json!({"canonical_url": python.url, "mode": "hosted"}),
            "`mode` must be",
        ),
        (
            json!({"canonical_url": python.url, "url": "http://127.0.0.1:1/mcp"}),
            "give one of them",
        ),
        (
            json!({"canonical_url": python.url, "description": "d".repeat(2001)}),
            "`description`",
        ),
    ] {
        let r = register(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert!(r.error().contains(says), "{body}: {}", r.error());
    }
    s.close().await;
}

/// This project's earlier body (`url`, no `mode` or `description`) keeps working.
async fn mcp_server_registered_with_url(backend: Backend) {
    let python = mcp_fixtures::start_python_http(true);
    let s = start_with(backend, loopback_mcp_settings()).await;
    let t = workspace(&s, "acme").await;
    let r = s
        .call(Method::POST, "/v1/mcp/servers")
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .json(json!({"url": python.url, "name": "python"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (
            &r.body["canonical_url"],
            &r.body["mode"],
            &r.body["description"]
        ),
        (&json!(python.url), &json!("third_party"), &json!(null))
    );
    s.close().await;
}

/// A token made as the hosted docs say (`workflow:read`, `workflow:run`, `mcp:execute`)
/// does everything those names suggest (docs/contract.md §1): it authors and publishes
/// workflows and manages connections, though it carries neither `workflow:write` nor
/// `mcp:write`. It still cannot administer the workspace.
async fn hosted_scopes_author_and_manage(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&t.owner)
        .tenant(&t.slug)
        .json(json!({
            "display_name": "IDE",
            "scopes": ["workflow:read", "workflow:run", "mcp:execute"]
        }))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let token = Auth::Pat(r.body["token"].as_str().expect("token").to_owned());
    let call = |method: Method, path: String, body: serde_json::Value| {
        s.call(method, path)
            .auth(&token)
            .project(&t.project)
            .json(body)
            .send()
    };
    let graph = json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {n = 1}"}]});
    let r = call(
        Method::POST,
        "/v1/workflows".into(),
        json!({"name": "hosted", "graph": graph}),
    )
    .await;
    assert_eq!(r.status, 201, "create: {:?}", r.body);
    let id = r.body["id"].as_str().expect("workflow id").to_owned();
    let r = call(
        Method::PATCH,
        format!("/v1/workflows/{id}"),
        json!({"description": "edited"}),
    )
    .await;
    assert_eq!(r.status, 200, "patch: {:?}", r.body);
    let r = call(
        Method::POST,
        format!("/v1/workflows/{id}/versions"),
        json!({"changelog": "first"}),
    )
    .await;
    assert_eq!(r.status, 201, "publish: {:?}", r.body);
    let r = call(
        Method::POST,
        "/v1/connections".into(),
        json!({"name": "Notion", "provider": "notion", "credentials": {"token": "secret_1"}}),
    )
    .await;
    assert_eq!(r.status, 201, "connection: {:?}", r.body);
    // Administration stays behind `admin`.
    let r = s
        .call(Method::POST, "/v1/invites")
        .auth(&token)
        .json(json!({"email": "new@example.test", "role": "member"}))
        .send()
        .await;
    assert_eq!(r.status, 403, "invite: {:?}", r.body);
    s.close().await;
}

on_both_backends!(
    hosted_scopes_author_and_manage,
    pat_created_with_display_name,
    pat_created_with_name,
    connection_created_without_auth_type,
    connection_created_with_auth_type,
    mcp_server_registered_with_canonical_url,
    mcp_server_registered_with_url,
);

/// The OpenAPI document describes the hosted bodies, so generated clients (and
/// schemathesis) send them: the hosted field names are properties, and the fields the
/// hosted bodies leave out are not required.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_the_hosted_bodies() {
    let s = start(Backend::Sqlite).await;
    let doc = s.call(Method::GET, "/v1/openapi.json").send().await;
    assert_eq!(doc.status, 200);
    let body_schema = |path: &str| {
        doc.body["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            .clone()
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    };
    for (path, hosted_fields, optional) in [
        ("/v1/pats", &["display_name", "scopes"][..], &[][..]),
        (
            "/v1/connections",
            &["display_name", "provider", "service", "credentials"][..],
            &["auth_type"][..],
        ),
        (
            "/v1/mcp/servers",
            &["name", "canonical_url", "description", "mode", "auth_mode"][..],
            &["url", "canonical_url"][..],
        ),
    ] {
        let schema = body_schema(path);
        for field in hosted_fields {
            assert!(
                schema["properties"].get(*field).is_some(),
                "{path} has no `{field}`: {schema}"
            );
        }
        let required = names(&schema["required"]);
        for field in optional {
            assert!(
                !required.iter().any(|r| r == field),
                "{path} requires `{field}`: {schema}"
            );
        }
    }
    s.close().await;
}
