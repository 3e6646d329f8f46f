//! Bad input on the authenticated `/v1` surface, beyond the sign-in route that api.rs
//! covers: bodies over the limit get 413 whether or not they announce their length,
//! malformed JSON gets 400 naming the parse error and where it is, a body of the wrong
//! type gets 415, and malformed path or query values get a 4xx JSON error, never a 5xx.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const BODY_LIMIT: usize = 8 * 1024;

async fn server() -> (TestServer, Workspace, String) {
    let s = start_with(
        Backend::Sqlite,
        ar_server::Settings {
            body_limit_bytes: BODY_LIMIT,
            ..test_settings()
        },
    )
    .await;
    let ws = workspace(&s, "acme").await;
    let graph = json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]});
    let workflow = published_workflow(&s, &ws, json!({"name": "W", "graph": graph})).await;
    (s, ws, workflow)
}

/// A raw request as the workspace owner: `body` sent as is with `content_type`.
async fn raw(
    s: &TestServer,
    ws: &Workspace,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: reqwest::Body,
) -> (u16, Value) {
    let Auth::Session(cookie) = &ws.owner else {
        panic!("the owner signs in with a session")
    };
    let mut request = s
        .http
        .request(method, format!("{}{path}", s.base))
        .header("Cookie", format!("ar_session={cookie}"))
        .header("Origin", s.server.state.origin())
        .header("X-Tenant-Id", &ws.slug)
        .header("X-Project-Id", &ws.project)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: the error is not JSON ({e}): {text:?}"));
    (status, body)
}

fn error(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_get_413_with_or_without_a_length() {
    let (s, ws, workflow) = server().await;
    let script = "x".repeat(BODY_LIMIT * 2);
    let big = json!({"name": "big", "graph": {"steps": [
        {"id": "a", "type": "lua_script", "script": script}
    ]}})
    .to_string();
    let routes = [
        (Method::POST, "/v1/workflows".to_string()),
        (Method::PATCH, format!("/v1/workflows/{workflow}")),
        (Method::POST, format!("/v1/workflows/{workflow}/command")),
    ];
    for (method, path) in &routes {
        let (status, body) = raw(
            &s,
            &ws,
            method.clone(),
            path,
            Some("application/json"),
            big.clone().into(),
        )
        .await;
        assert_eq!(status, 413, "{method} {path}: {body}");
        assert!(!error(&body).is_empty());
        // Chunked: no Content-Length up front, so the limit is found while reading.
        let chunks: Vec<Result<String, std::io::Error>> = big
            .as_bytes()
            .chunks(1024)
            .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
            .collect();
        let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        let (status, body) = raw(
            &s,
            &ws,
            method.clone(),
            path,
            Some("application/json"),
            stream,
        )
        .await;
        assert_eq!(status, 413, "chunked {method} {path}: {body}");
    }
    // Just under the limit is read (and judged on its content).
    let fits = json!({"name": "fits", "graph": {"steps": [
        {"id": "a", "type": "lua_script", "script": "x".repeat(BODY_LIMIT / 2)}
    ]}});
    let (status, body) = raw(
        &s,
        &ws,
        Method::POST,
        "/v1/workflows",
        Some("application/json"),
        fits.to_string().into(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_gets_400_naming_the_parse_error_and_its_position() {
    let (s, ws, workflow) = server().await;
    let cases = [
        (
            Method::POST,
            "/v1/workflows".to_string(),
            "{\"name\": \"W\",\n \"graph\": {",
            "EOF",
        ),
        (
            Method::POST,
            format!("/v1/workflows/{workflow}/command"),
            "{\"command\": start}",
            "expected value",
        ),
        (
            Method::POST,
            format!("/v1/workflows/{workflow}/versions"),
            "{\"changelog\": \"x\",}",
            "trailing comma",
        ),
        (
            Method::PATCH,
            format!("/v1/workflows/{workflow}"),
            "{\"name\": \"\\q\"}",
            "escape",
        ),
    ];
    for (method, path, text, expected) in cases {
        let (status, body) = raw(
            &s,
            &ws,
            method.clone(),
            &path,
            Some("application/json"),
            text.into(),
        )
        .await;
        assert_eq!(status, 400, "{method} {path} {text:?}: {body}");
        let message = error(&body);
        assert!(message.contains("malformed JSON"), "{message}");
        assert!(message.contains(expected), "{text:?}: {message}");
        assert!(
            message.contains("line") && message.contains("column"),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_gets_415() {
    let (s, ws, workflow) = server().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, body) = raw(
            &s,
            &ws,
            Method::POST,
            &format!("/v1/workflows/{workflow}/command"),
            content_type,
            "{\"command\": \"start\"}".into(),
        )
        .await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert!(error(&body).contains("application/json"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_path_and_query_values_get_a_json_4xx() {
    let (s, ws, workflow) = server().await;
    let paths = [
        "/v1/workflows/not-a-workflow-id".to_string(),
        format!("/v1/workflows/{workflow}/versions/not-a-number"),
        format!("/v1/workflows/{workflow}/versions/99999999999999999999999"),
        format!("/v1/workflows/{workflow}/versions/-1"),
        format!("/v1/workflows/{workflow}/runs/%00"),
        format!("/v1/workflows/{workflow}/runs?limit=abc"),
        format!("/v1/workflows/{workflow}/runs?limit=-5"),
        "/v1/workflows?include_archived=maybe".to_string(),
        "/v1/runs?status=sideways".to_string(),
        format!("/v1/workflows/{workflow}/runs/x/events?after_seq=1e99"),
    ];
    for path in paths {
        let (status, body) = raw(&s, &ws, Method::GET, &path, None, reqwest::Body::from("")).await;
        assert!((400..500).contains(&status), "GET {path}: {status} {body}");
        assert!(!error(&body).is_empty(), "GET {path}: {body}");
    }
}

/// A NUL in a path id or a query value is refused as bad input on both backends
/// (PostgreSQL would refuse it inside the query: a 500 before).
async fn a_nul_in_a_path_id_is_bad_input(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    for path in [
        "/v1/agents/%00",
        "/v1/workflows/x%00y",
        "/v1/connections/%00",
        "/v1/mcp/instances/%00",
        "/v1/chat/threads/%00/messages",
        // Query values too.
        "/v1/runs?status=%00",
        "/v1/chat/threads?kind=dm%00",
        "/v1/billing/usage-history?cursor=%00",
    ] {
        let r = s
            .call(Method::GET, path)
            .auth(&ws.owner)
            .tenant("acme")
            .project(&ws.project)
            .send()
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.body["error"].as_str().is_some_and(|e| e.contains("NUL")),
            "{path}: {}",
            r.body
        );
    }
    s.close().await;
}

/// A NUL inside a JSON body's text is refused as bad input, naming the field, on both
/// backends (PostgreSQL refuses it in text and JSONB: a 500 before, and stored on SQLite).
async fn a_nul_in_a_body_is_bad_input(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let graph = json!({"steps": [{"id": "a", "type": "lua_script", "script": "return 1"}]});
    for (method, path, body, field) in [
        (
            Method::POST,
            "/v1/workflows",
            json!({"name": "x\u{0}y", "graph": graph}),
            "`name`",
        ),
        (
            Method::POST,
            "/v1/workflows",
            json!({"name": "ok", "graph": {"steps": [{"id": "a\u{0}", "type": "lua_script", "script": "return 1"}]}}),
            "`graph.steps[0].id`",
        ),
        (
            Method::POST,
            "/v1/agents",
            json!({"name": "a", "model": "m", "instructions": "\u{0}"}),
            "`instructions`",
        ),
    ] {
        let r = s
            .call(method, path)
            .auth(&ws.owner)
            .tenant("acme")
            .project(&ws.project)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        let error = r.body["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("NUL") && error.contains(field),
            "{path}: {}",
            r.body
        );
    }
    s.close().await;
}

mod nul_in_body {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_nul_in_a_body_is_bad_input(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_nul_in_a_body_is_bad_input(Backend::Postgres).await
    }
}

mod nul_in_path {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_nul_in_a_path_id_is_bad_input(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_nul_in_a_path_id_is_bad_input(Backend::Postgres).await
    }
}
