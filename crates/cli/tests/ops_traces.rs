//! OpenTelemetry traces of a real `agentruntime serve`, received by an OTLP/HTTP endpoint
//! inside the test (protobuf, decoded with the OpenTelemetry proto types): a run is one
//! trace, run -> step -> MCP tool call, the call's context reaches the MCP server as a
//! `traceparent` header, and an HTTP request joins the trace its caller sent.
//!
//! The MCP server is the Python SDK fixture over Streamable HTTP (scripts/mcp-fixtures.sh).

mod ops_support;
mod serve_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use ops_support::*;
use prost::Message;
use reqwest::Method;
use serde_json::json;
use serve_support::start_run;

/// One received span, ids in hex.
#[derive(Debug, Clone)]
struct Received {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    attributes: HashMap<String, String>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// `POST /v1/traces`: decodes the OTLP protobuf body into the inbox.
async fn receive(State(inbox): State<Inbox>, body: Bytes) -> &'static str {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf request");
    let mut spans = inbox.lock().expect("inbox");
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            for span in scope.spans {
                let attributes = span
                    .attributes
                    .iter()
                    .map(|kv| {
                        let value = match kv.value.as_ref().and_then(|v| v.value.clone()) {
                            Some(AnyValue::StringValue(s)) => s,
                            Some(AnyValue::IntValue(i)) => i.to_string(),
                            Some(AnyValue::BoolValue(b)) => b.to_string(),
                            Some(AnyValue::DoubleValue(d)) => d.to_string(),
                            _ => String::new(),
                        };
                        (kv.key.clone(), value)
                    })
                    .collect();
                spans.push(Received {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    name: span.name,
                    attributes,
                });
            }
        }
    }
    ""
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The OTLP endpoint: a base URL and what it received.
async fn otlp_stub() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route("/v1/traces", post(receive))
        .with_state(inbox.clone());
    (format!("http://{}", serve_router(app).await), inbox)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_one_trace_of_run_step_and_tool_call_spans() {
    let (otlp, inbox) = otlp_stub().await;
    let mcp = mcp_fixture();
    let Started {
        server,
        client,
        pat,
        project,
        dir: _data_dir,
        ..
    } = start_server(&[
        ("AR_OTLP_ENDPOINT", otlp.as_str()),
        ("AR_OTEL_SERVICE_NAME", "ar-trace-test"),
        ("AR_MCP_ALLOWED_HOSTS", "127.0.0.1"),
        // Export batches quickly (the SDK's standard variable).
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ])
    .await;
    let graph = json!({"steps": [
        {"id": "prepare", "type": "lua_script", "script": "return {name = 'traceparent'}"},
        {"id": "call", "type": "mcp_call", "depends_on": ["prepare"],
         "server_url": mcp.url, "tool_name": "whoami",
         "tool_args": {"header_name": "{{ steps.prepare.result.name }}"}}
    ]});
    let workflow = publish(&client, &project, "traced", graph).await;

    // The start request carries a caller's trace context.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let started = client
        .http
        .post(format!("{}/v1/workflows/{workflow}/command", server.base))
        .bearer_auth(&pat)
        .header("X-Tenant-Id", "default")
        .header("traceparent", format!("00-{caller_trace}-{caller_span}-01"))
        .json(&json!({"command": "start", "params": {}}))
        .send()
        .await
        .expect("start");
    assert!(started.status().is_success(), "{}", started.status());
    let run_id = started.json::<serde_json::Value>().await.expect("json")["run_id"]
        .as_str()
        .expect("run_id")
        .to_owned();
    let run = wait_run(
        &client,
        &workflow,
        &run_id,
        Duration::from_secs(60),
        is_terminal,
    )
    .await;
    assert_eq!(run["status"], "completed", "{run}");
    let context = client
        .send(
            Method::GET,
            &format!("/v1/workflows/{workflow}/runs/{run_id}/context"),
            None,
            None,
        )
        .await;
    let received_header = context.body.to_string();

    // Stopping flushes the last batch.
    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    let spans = wait_for_spans(&inbox, |spans| spans.iter().any(|s| s.name == "run")).await;

    let trace = run_id.replace('-', "");
    let root = spans
        .iter()
        .find(|s| s.name == "run" && s.trace_id == trace)
        .unwrap_or_else(|| panic!("a run span in trace {trace}: {spans:#?}"));
    assert_eq!(root.parent_span_id, "", "the run span is the root");
    assert_eq!(root.attributes["agentruntime.run.id"], run_id);
    assert_eq!(root.attributes["agentruntime.run.status"], "completed");
    let step = |id: &str| {
        spans
            .iter()
            .find(|s| s.name == format!("step {id}") && s.trace_id == trace)
            .unwrap_or_else(|| panic!("a span of step {id}: {spans:#?}"))
    };
    for id in ["prepare", "call"] {
        let s = step(id);
        assert_eq!(
            s.parent_span_id, root.span_id,
            "step {id} is a child of the run"
        );
        assert_eq!(
            s.attributes["step_type"],
            if id == "call" {
                "mcp_call"
            } else {
                "lua_script"
            }
        );
        assert_eq!(s.attributes["outcome"], "completed");
    }
    let call = spans
        .iter()
        .find(|s| s.name == "tools/call whoami")
        .unwrap_or_else(|| panic!("an MCP call span: {spans:#?}"));
    assert_eq!(call.trace_id, trace);
    assert_eq!(
        call.parent_span_id,
        step("call").span_id,
        "the tool call is in its step"
    );
    assert_eq!(call.attributes["gen_ai.tool.name"], "whoami");
    // The MCP server saw the call span's context as its `traceparent` header.
    let expected = format!("00-{trace}-{}-01", call.span_id);
    assert!(
        received_header.contains(&expected),
        "the MCP server received {expected}: {received_header}"
    );

    // The start request joined the caller's trace.
    let request = spans
        .iter()
        .find(|s| s.name == "POST /v1/workflows/{id}/command")
        .unwrap_or_else(|| panic!("the start request's span: {spans:#?}"));
    assert_eq!(
        (request.trace_id.as_str(), request.parent_span_id.as_str()),
        (caller_trace, caller_span)
    );
    // No span carries the PAT.
    for s in &spans {
        assert!(
            !s.attributes.values().any(|v| v.contains(&pat)),
            "the token reached a span: {s:?}"
        );
    }
}

async fn wait_for_spans(inbox: &Inbox, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let spans = inbox.lock().expect("inbox").clone();
        if done(&spans) || Instant::now() > deadline {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_exported_unless_an_endpoint_is_configured() {
    let (otlp, inbox) = otlp_stub().await;
    // The stub exists, but no setting names it.
    let Started {
        server,
        client,
        project,
        dir: _data_dir,
        ..
    } = start_server(&[]).await;
    let workflow = publish(
        &client,
        &project,
        "untraced",
        json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}),
    )
    .await;
    let run = start_run(&client, &workflow, json!({})).await;
    wait_run(
        &client,
        &workflow,
        &run,
        Duration::from_secs(60),
        is_terminal,
    )
    .await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        inbox.lock().expect("inbox").is_empty(),
        "spans went to {otlp}"
    );
}
