//! `GET /metrics` of a real `agentruntime serve`: scraped before and after runs, parsed
//! with the Prometheus Python client's parser (a format error fails the test), and the
//! counters must move exactly as the runs finished. Access control is checked too.

mod ops_support;
mod serve_support;

use std::time::Duration;

use ops_support::*;
use serde_json::json;
use serve_support::*;

const RUN_WAIT: Duration = Duration::from_secs(60);

/// Two Lua steps in a row.
fn good_graph() -> serde_json::Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "b", "type": "lua_script", "depends_on": ["a"], "script": "return {n = 2}"}
    ]})
}

/// One Lua step that raises an error: the run fails.
fn failing_graph() -> serde_json::Value {
    json!({"steps": [
        {"id": "boom", "type": "lua_script", "script": "error('boom')"}
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_as_runs_finish_and_the_scrape_parses_as_prometheus() {
    let Started {
        server,
        client,
        project,
        dir: _data_dir,
        ..
    } = start_server(&[]).await;
    let good = publish(&client, &project, "metrics good", good_graph()).await;
    let bad = publish(&client, &project, "metrics bad", failing_graph()).await;

    let before = scrape(&server.base).await;
    let completed_before = before.sum(
        "agentruntime_runs_finished_total",
        &[("status", "completed")],
    );
    let failed_before = before.sum("agentruntime_runs_finished_total", &[("status", "failed")]);
    let started_before = before.sum("agentruntime_runs_started_total", &[]);

    let mut runs = Vec::new();
    for n in 0..3 {
        runs.push((
            good.clone(),
            start_run(&client, &good, json!({"n": n})).await,
        ));
    }
    for n in 0..2 {
        runs.push((bad.clone(), start_run(&client, &bad, json!({"n": n})).await));
    }
    let mut statuses = Vec::new();
    for (workflow, run) in &runs {
        let done = wait_run(&client, workflow, run, RUN_WAIT, is_terminal).await;
        statuses.push(done["status"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        statuses,
        ["completed", "completed", "completed", "failed", "failed"]
    );

    let after = scrape(&server.base).await;
    assert_eq!(
        after.sum(
            "agentruntime_runs_finished_total",
            &[("status", "completed")]
        ) - completed_before,
        3.0,
        "{}",
        after.text
    );
    assert_eq!(
        after.sum("agentruntime_runs_finished_total", &[("status", "failed")]) - failed_before,
        2.0
    );
    assert_eq!(
        after.sum("agentruntime_runs_started_total", &[]) - started_before,
        5.0
    );
    let counter = after
        .family("agentruntime_runs_finished")
        .expect("the runs_finished family");
    assert_eq!(counter["type"], "counter");
    assert!(
        counter["help"]
            .as_str()
            .is_some_and(|h| h.contains("terminal")),
        "{counter}"
    );

    // Step attempts: 3 runs x 2 completed Lua steps, 2 failed attempts.
    let histogram = after
        .family("agentruntime_step_duration_seconds")
        .expect("the step duration family");
    assert_eq!(histogram["type"], "histogram");
    let lua_completed = after.sum(
        "agentruntime_step_duration_seconds_count",
        &[("type", "lua_script"), ("outcome", "completed")],
    );
    let lua_failed = after.sum(
        "agentruntime_step_duration_seconds_count",
        &[("type", "lua_script"), ("outcome", "failed")],
    );
    assert_eq!((lua_completed, lua_failed), (6.0, 2.0), "{}", after.text);
    assert_eq!(
        after.sum(
            "agentruntime_step_duration_seconds_bucket",
            &[
                ("type", "lua_script"),
                ("outcome", "completed"),
                ("le", "+Inf")
            ]
        ),
        6.0
    );

    // HTTP: by route template, never by concrete path.
    let starts = after.sum(
        "agentruntime_http_request_duration_seconds_count",
        &[("route", "/v1/workflows/{id}/command"), ("method", "POST")],
    );
    assert_eq!(starts, 5.0, "{}", after.text);
    let values = after.label_values();
    for id in runs
        .iter()
        .flat_map(|(w, r)| [w.as_str(), r.as_str()])
        .chain([project.as_str()])
    {
        assert!(
            !values.iter().any(|v| v.contains(id)),
            "an id ({id}) became a label value"
        );
    }

    // The queue gauges are there (empty now: every run is done).
    for gauge in [
        "agentruntime_queue_ready",
        "agentruntime_queue_leased",
        "agentruntime_queue_expired_leases",
        "agentruntime_queue_scheduled",
        "agentruntime_queue_oldest_ready_age_seconds",
    ] {
        let family = after
            .family(gauge)
            .unwrap_or_else(|| panic!("{gauge} in {}", after.text));
        assert_eq!(family["type"], "gauge");
        assert_eq!(after.sum(gauge, &[]), 0.0, "{gauge}");
    }
    assert_eq!(after.sum("agentruntime_build_info", &[]), 1.0);
    // No family is published before something records into it (no always-zero
    // placeholders): nothing billed here.
    assert!(
        after.family("agentruntime_billing_debits").is_none(),
        "{}",
        after.text
    );

    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_loopback_or_the_operator_token_may_scrape() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().display().to_string();
    let mut env = base_env();
    env.push(("AR_METRICS_TOKEN".into(), "scrape-secret-123".into()));
    let server =
        spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data], &env).expect("serve starts");
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", server.base);
    let status = |r: reqwest::Response| r.status().as_u16();
    // Loopback, not relayed: allowed.
    assert_eq!(status(http.get(&url).send().await.expect("get")), 200);
    // Relayed by a proxy on this host: the client is not local.
    let relayed = http
        .get(&url)
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .expect("get");
    assert_eq!(relayed.status(), 401);
    let body = relayed.text().await.expect("body");
    assert!(body.contains("error"), "{body}");
    assert!(!body.contains("scrape-secret-123"), "{body}");
    let wrong = http
        .get(&url)
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth("guess")
        .send()
        .await
        .expect("get");
    assert_eq!(status(wrong), 401);
    let right = http
        .get(&url)
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth("scrape-secret-123")
        .send()
        .await
        .expect("get");
    assert_eq!(right.status(), 200);
    let text = right.text().await.expect("text");
    parse_prometheus(&text);
    let exited = server.terminate();
    assert!(
        !exited.stderr.contains("scrape-secret-123"),
        "the token reached the log"
    );

    // Disabled: not served at all.
    let mut env = base_env();
    env.push(("AR_METRICS_ENABLED".into(), "false".into()));
    let server =
        spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data], &env).expect("serve starts");
    let off = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(off.status(), 404);
    server.terminate();
}

/// An OpenAI-compatible stand-in (the real wire format): every completion reports 11
/// prompt tokens and 5 completion tokens.
async fn llm_stand_in() -> String {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|| async {
            axum::Json(json!({
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
            }))
        }),
    );
    format!("http://{}/v1", serve_router(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_and_model_calls_are_measured_by_provider_and_outcome() {
    let llm = llm_stand_in().await;
    let Started {
        server,
        client,
        project,
        dir: _data_dir,
        ..
    } = start_server(&[
        ("AR_OPENAI_BASE_URL", llm.as_str()),
        ("AR_OPENAI_API_KEY", "sk-metrics-test"),
        ("AR_MCP_ALLOWED_HOSTS", "127.0.0.1"),
    ])
    .await;
    // A model call, then a tool call to a port nobody listens on (a transport failure).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let graph = json!({"steps": [
        {"id": "ask", "type": "llm_call", "model_ref": "direct.openai.gpt-4o-mini",
         "prompt": "say hi"},
        {"id": "tool", "type": "mcp_call", "depends_on": ["ask"],
         "server_url": format!("http://127.0.0.1:{closed}/mcp"), "tool_name": "echo",
         "tool_args": {}}
    ]});
    let workflow = publish(&client, &project, "calls", graph).await;
    let before = scrape(&server.base).await;
    let run = start_run(&client, &workflow, json!({})).await;
    let done = wait_run(&client, &workflow, &run, RUN_WAIT, is_terminal).await;
    assert_eq!(done["status"], "failed", "the tool call fails: {done}");
    let after = scrape(&server.base).await;
    let moved = |sample: &str, labels: &[(&str, &str)]| {
        after.sum(sample, labels) - before.sum(sample, labels)
    };
    assert_eq!(
        moved(
            "agentruntime_llm_tokens_total",
            &[("provider", "openai"), ("direction", "in")]
        ),
        11.0,
        "{}",
        after.text
    );
    assert_eq!(
        moved(
            "agentruntime_llm_tokens_total",
            &[("provider", "openai"), ("direction", "out")]
        ),
        5.0
    );
    assert_eq!(
        moved(
            "agentruntime_llm_call_duration_seconds_count",
            &[("provider", "openai"), ("outcome", "ok")]
        ),
        1.0
    );
    let failed_calls: f64 = after
        .families
        .iter()
        .flat_map(|f| f["samples"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["name"] == "agentruntime_mcp_call_duration_seconds_count")
        .filter(|s| s["labels"]["transport"] == "http" && s["labels"]["outcome"] != "ok")
        .map(|s| s["value"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(failed_calls >= 1.0, "{}", after.text);
    // The failure code is the label, never the URL.
    assert!(
        !after.label_values().iter().any(|v| v.contains("127.0.0.1")),
        "{}",
        after.text
    );
    assert!(!after.text.contains("sk-metrics-test"));
    server.terminate();
}

/// Issue 19: the MCP pool's live connections per transport, and the age of the oldest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_pools_connections_are_gauged_per_transport() {
    let mcp = mcp_fixture();
    let Started {
        server,
        client,
        project,
        dir: _data_dir,
        ..
    } = start_server(&[("AR_MCP_ALLOWED_HOSTS", "127.0.0.1")]).await;
    let before = scrape(&server.base).await;
    assert_eq!(
        before.sum("agentruntime_mcp_connections", &[]),
        0.0,
        "no tool was called yet: {}",
        before.text
    );
    let graph = json!({"steps": [
        {"id": "add", "type": "mcp_call", "server_url": mcp.url, "tool_name": "add",
         "tool_args": {"a": 1, "b": 2}}
    ]});
    let workflow = publish(&client, &project, "pooled", graph).await;
    let run = start_run(&client, &workflow, json!({})).await;
    let done = wait_run(&client, &workflow, &run, RUN_WAIT, is_terminal).await;
    assert_eq!(done["status"], "completed", "{done}");

    let after = scrape(&server.base).await;
    let family = after
        .family("agentruntime_mcp_connections")
        .unwrap_or_else(|| panic!("the connection gauge in {}", after.text));
    assert_eq!(family["type"], "gauge");
    assert_eq!(
        after.sum("agentruntime_mcp_connections", &[("transport", "http")]),
        1.0,
        "one pooled session to the fixture: {}",
        after.text
    );
    assert_eq!(
        after.sum("agentruntime_mcp_connections", &[("transport", "stdio")]),
        0.0
    );
    let age = after.sum(
        "agentruntime_mcp_connection_oldest_age_seconds",
        &[("transport", "http")],
    );
    assert!((0.0..60.0).contains(&age), "{age}: {}", after.text);
    // The transport is the only label: never the server's URL.
    assert!(
        !after.label_values().iter().any(|v| v.contains("127.0.0.1")),
        "{}",
        after.text
    );
    server.terminate();
}
