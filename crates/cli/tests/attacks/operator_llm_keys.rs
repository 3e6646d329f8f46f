//! Item 8 (part): the operator's LLM keys are used only by workspaces the operator allows.
//!
//! The attack (worked on main): a stranger signs up, makes a workspace and runs an
//! `llm_call` step without any key of their own: the step falls back to the operator's
//! system key, so anyone who can reach the server spends the operator's money. Now: the
//! system key is offered only to the workspaces listed in `[llm] system_key_workspaces`
//! (`AR_LLM_SYSTEM_KEY_WORKSPACES`), by default the first-start workspace alone. The
//! provider is stood in for by a local server speaking the OpenAI wire protocol, which
//! records the key of every request.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::boundary_support::*;

const OPERATOR_KEY: &str = "sk-operator-system-key-9a41";

/// A stand-in OpenAI-compatible provider: answers every chat completion and records the
/// `Authorization` header it came with. Returns its base URL (`…/v1`).
async fn stand_in_provider() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::extract::State;
    use axum::http::HeaderMap;

    type Seen = Arc<Mutex<Vec<String>>>;
    async fn completion(State(seen): State<Seen>, headers: HeaderMap) -> axum::Json<Value> {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if let Ok(mut all) = seen.lock() {
            all.push(auth);
        }
        axum::Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
        }))
    }
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completion))
        .with_state(seen.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v1"), seen)
}

fn llm_graph() -> Value {
    json!({"steps": [{"id": "ask", "type": "llm_call",
                      "model_ref": "direct.openai.gpt-4o-mini", "prompt": "Capital of France?"}]})
}

/// Publishes the LLM workflow in the caller's project, runs it to its end; returns the
/// run's summary.
async fn run_llm_step(api: &Api) -> Value {
    let workflow = api.published_workflow("ask", llm_graph()).await;
    let r = api
        .post(
            &format!("/v1/workflows/{workflow}/command"),
            json!({"command": "start", "params": {}}),
        )
        .await;
    assert!(r.status == 200 || r.status == 202, "{:?}", r.body);
    let run = r.body["run_id"].as_str().expect("run id").to_owned();
    run_to_end(api, &workflow, &run).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_spend_the_operators_llm_key() {
    let (provider, seen) = stand_in_provider().await;
    let served = serve(
        None,
        &[
            ("AR_OPENAI_API_KEY", OPERATOR_KEY),
            ("AR_OPENAI_BASE_URL", &provider),
        ],
    );
    let with_operator_key = || {
        seen.lock()
            .map(|all| {
                all.iter()
                    .filter(|a| a.as_str() == format!("Bearer {OPERATOR_KEY}"))
                    .count()
            })
            .unwrap_or_default()
    };

    // The attack: a stranger's run without a key of their own.
    let eve = stranger(served.base(), "eve").await;
    // Resolve is asked in a project (contributors and up, docs/contract.md §9).
    let r = eve
        .post(
            "/v1/llm/resolve",
            json!({"model_ref": "direct.openai.gpt-4o-mini"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["key_source"], Value::Null, "{:?}", r.body);
    let summary = run_llm_step(&eve).await;
    assert_eq!(summary["status"], "failed", "{summary}");
    assert_eq!(
        with_operator_key(),
        0,
        "the stranger's step reached the provider with the operator's key"
    );

    // The operator's own workspace still uses it.
    let (owner, _) = owner(served.base()).await;
    let summary = run_llm_step(&owner).await;
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(with_operator_key(), 1);
}

/// The operator lists the workspaces that may use it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_decides_which_workspaces_use_the_system_key() {
    let (provider, seen) = stand_in_provider().await;
    let served = serve(
        None,
        &[
            ("AR_OPENAI_API_KEY", OPERATOR_KEY),
            ("AR_OPENAI_BASE_URL", &provider),
            ("AR_LLM_SYSTEM_KEY_WORKSPACES", "default, partner"),
        ],
    );
    let partner = stranger(served.base(), "partner").await;
    let summary = run_llm_step(&partner).await;
    assert_eq!(summary["status"], "completed", "{summary}");
    let other = stranger(served.base(), "other").await;
    let summary = run_llm_step(&other).await;
    assert_eq!(summary["status"], "failed", "{summary}");
    let keys = seen.lock().expect("seen").clone();
    assert_eq!(
        keys,
        [format!("Bearer {OPERATOR_KEY}")],
        "one call, partner's"
    );
}
