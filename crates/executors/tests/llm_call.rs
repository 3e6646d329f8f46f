//! `llm_call` steps run by the engine against a local server speaking the OpenAI
//! Chat Completions and the Anthropic Messages wire protocols (ar-connect's scriptable
//! fake provider): text and token counts, streaming, a 429 retried after its
//! `Retry-After`, a rejected key, a missing key.

mod common;

/// ar-connect's fake provider and reply bodies in the providers' wire formats.
#[path = "../../connect/tests/support/mod.rs"]
mod llm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_connect::llm::{ApiFlavor, ProviderConfig};
use ar_engine::{Engine, RunStatus};
use ar_executors::{LlmProviders, SystemKeys};
use common::{Setup, run, step};
use llm::wire::{anthropic, openai};
use llm::{FakeProvider, Reply, data};
use serde_json::{Value, json};

const OPENAI_KEY: &str = "sk-test-executor-4c1d9e";
const ANTHROPIC_KEY: &str = "sk-ant-test-executor-77a0";

/// An engine whose `openai` and `anthropic` providers live on `server`, with the
/// system keys `keys`.
async fn engine_for(server: &FakeProvider, keys: SystemKeys) -> Engine {
    let providers = LlmProviders::built_in()
        .with_provider(
            ProviderConfig::new(
                "openai",
                ApiFlavor::OpenAiCompatible,
                &server.base_url("/v1"),
                true,
            )
            .expect("openai config"),
        )
        .with_provider(
            ProviderConfig::new(
                "anthropic",
                ApiFlavor::Anthropic,
                &server.base_url(""),
                true,
            )
            .expect("anthropic config"),
        );
    common::engine(Setup {
        providers,
        keys: Arc::new(keys),
        ..Setup::default()
    })
    .await
}

fn both_keys() -> SystemKeys {
    SystemKeys::new()
        .with_key("openai", OPENAI_KEY)
        .with_key("anthropic", ANTHROPIC_KEY)
}

fn llm_step(id: &str, model_ref: &str, params: Value) -> Value {
    json!({
        "id": id, "type": "llm_call", "model_ref": model_ref,
        "system": "Answer in one word.", "prompt": "Capital of {{ run.workflow_id | \"France\" }}?",
        "llm_params": params
    })
}

/// The docs/contract.md §2 result: exactly these keys, with the given text and token counts.
fn assert_result(result: &Value, text: &str, tokens_in: u64, tokens_out: u64) {
    let mut keys: Vec<&String> = result
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(
        keys,
        ["latency_ms", "model", "text", "tokens_in", "tokens_out"],
        "{result}"
    );
    assert_eq!(result["text"], text);
    assert_eq!(result["tokens_in"], tokens_in);
    assert_eq!(result["tokens_out"], tokens_out);
    assert!(result["latency_ms"].is_u64(), "{result}");
}

#[tokio::test]
async fn openai_completion_returns_text_and_token_counts() {
    let server =
        FakeProvider::start(vec![Reply::json(200, openai::completion("Paris.", 21, 2))]).await;
    let engine = engine_for(&server, both_keys()).await;
    let params =
        json!({"temperature": 0, "max_tokens": 16, "response_format": {"type": "json_object"}});
    let (done, context) = run(
        &engine,
        json!([llm_step("ask", "direct.openai.gpt-4o-mini", params)]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_result(&step(&context, "ask")["result"], "Paris.", 21, 2);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(
        sent.headers["authorization"],
        format!("Bearer {OPENAI_KEY}")
    );
    assert_eq!(sent.body["model"], "gpt-4o-mini");
    assert_eq!(
        sent.body["messages"],
        json!([
            {"role": "system", "content": "Answer in one word."},
            {"role": "user", "content": "Capital of France?"}
        ]),
        "the prompt template was rendered"
    );
    assert_eq!(sent.body["temperature"], 0);
    assert_eq!(sent.body["max_tokens"], 16);
    assert_eq!(sent.body["response_format"], json!({"type": "json_object"}));
    engine.shutdown().await;
}

#[tokio::test]
async fn openai_streaming_assembles_text_and_usage() {
    let chunks = [
        data(&openai::chunk(
            json!({"role": "assistant", "content": "Par"}),
            Value::Null,
        )),
        data(&openai::chunk(json!({"content": "is."}), Value::Null)),
        data(&openai::chunk(json!({}), json!("stop"))),
        data(&openai::usage_chunk(30, 3)),
        "data: [DONE]\n\n".to_owned(),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let engine = engine_for(&server, both_keys()).await;
    let (done, context) = run(
        &engine,
        json!([llm_step(
            "ask",
            "direct.openai.gpt-4o-mini",
            json!({"stream": true})
        )]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_result(&step(&context, "ask")["result"], "Paris.", 30, 3);
    let sent = &server.requests()[0];
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["stream_options"], json!({"include_usage": true}));
    engine.shutdown().await;
}

#[tokio::test]
async fn anthropic_messages_plain_and_streamed() {
    let streamed = [
        anthropic::message_start(40),
        anthropic::text_block_start(0),
        anthropic::ping(),
        anthropic::text_delta(0, "Ber"),
        anthropic::text_delta(0, "lin."),
        anthropic::block_stop(0),
        anthropic::message_delta("end_turn", 5),
        anthropic::message_stop(),
    ];
    let plain = anthropic::message(
        json!([{"type": "text", "text": "Paris."}]),
        "end_turn",
        25,
        4,
    );
    let server = FakeProvider::start(vec![Reply::json(200, plain), Reply::sse(&streamed)]).await;
    let engine = engine_for(&server, both_keys()).await;
    let mut second = llm_step(
        "streamed",
        "direct.anthropic.claude-sonnet-4-5",
        json!({"stream": true}),
    );
    second["depends_on"] = json!(["plain"]);
    let (done, context) = run(
        &engine,
        json!([
            llm_step(
                "plain",
                "direct.anthropic.claude-sonnet-4-5",
                json!({"temperature": 0.2})
            ),
            second
        ]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    let plain = &step(&context, "plain")["result"];
    assert_result(plain, "Paris.", 25, 4);
    assert_eq!(
        plain["model"],
        anthropic::MODEL,
        "the model the provider reports"
    );
    assert_result(&step(&context, "streamed")["result"], "Berlin.", 40, 5);

    let requests = server.requests();
    assert_eq!(requests[0].path, "/v1/messages");
    assert_eq!(requests[0].headers["x-api-key"], ANTHROPIC_KEY);
    assert_eq!(requests[0].body["system"], "Answer in one word.");
    assert_eq!(requests[0].body["temperature"], 0.2);
    assert_eq!(
        requests[0].body["max_tokens"], 4096,
        "Anthropic needs one: the default is sent"
    );
    assert_eq!(requests[1].body["stream"], true);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_within_the_attempt() {
    let server = FakeProvider::start(vec![
        Reply::json(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}),
        )
        .with_header("retry-after", "1"),
        Reply::json(200, openai::completion("Paris.", 21, 2)),
    ])
    .await;
    let engine = engine_for(&server, both_keys()).await;
    let started = Instant::now();
    let (done, context) = run(
        &engine,
        json!([llm_step("ask", "direct.openai.gpt-4o-mini", json!({}))]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Completed, "{context}");
    assert_result(&step(&context, "ask")["result"], "Paris.", 21, 2);
    assert_eq!(
        step(&context, "ask")["attempt"],
        1,
        "retried inside the attempt"
    );
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited what Retry-After asked"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_rejected_key_fails_the_step_saying_which_key_to_check() {
    // Some servers echo the key they got; it must be redacted.
    let body = json!({"error": {"message": format!("Incorrect API key provided: {OPENAI_KEY}"),
                                "type": "invalid_request_error", "code": "invalid_api_key"}});
    let server = FakeProvider::start(vec![Reply::json(401, body)]).await;
    let engine = engine_for(&server, both_keys()).await;
    let (done, context) = run(
        &engine,
        json!([{"id": "ask", "type": "llm_call", "model": "gpt-4o-mini", "prompt": "hi", "retry_count": 2}]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Failed);
    let failed = step(&context, "ask");
    assert_eq!(failed["failure_code"], "LLM_REQUEST_FAILED", "{failed}");
    assert_eq!(failed["attempt"], 1, "a 401 is not retried");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("openai returned HTTP 401")
            && error.contains("API key was rejected")
            && error.contains("AR_OPENAI_API_KEY"),
        "{error}"
    );
    let visible = common::everything_visible(&engine, &done).await;
    assert!(!visible.contains(OPENAI_KEY), "the key leaked: {visible}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_missing_key_fails_the_step_naming_the_setting_without_calling_the_provider() {
    let server = FakeProvider::start(Vec::new()).await;
    let engine = engine_for(
        &server,
        SystemKeys::new().with_key("anthropic", ANTHROPIC_KEY),
    )
    .await;
    let (done, context) = run(
        &engine,
        json!([llm_step("ask", "direct.openai.gpt-4o-mini", json!({}))]),
    )
    .await;
    assert_eq!(done.status, RunStatus::Failed);
    let failed = step(&context, "ask");
    assert_eq!(failed["failure_code"], "LLM_REQUEST_FAILED");
    assert_eq!(
        failed["error"],
        "no API key for provider openai: add a workspace key under Providers, set \
         AR_OPENAI_API_KEY, or give the step an llm_credential_id"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    engine.shutdown().await;
}

#[tokio::test]
async fn bad_step_configuration_fails_clearly() {
    let server = FakeProvider::start(Vec::new()).await;
    let engine = engine_for(&server, both_keys()).await;
    let cases = [
        (
            json!({"model_ref": "openai/gpt-4o", "prompt": "hi"}),
            "expected <source>.<provider>.<model>",
        ),
        (
            json!({"model_ref": "direct.nowhere.m", "prompt": "hi"}),
            "unknown LLM provider \"nowhere\"",
        ),
        (
            json!({"model": "gpt-4o-mini", "prompt": "hi", "llm_params": {"stream": "yes"}}),
            "must be true or false",
        ),
        (
            json!({"model": "gpt-4o-mini", "prompt": "hi", "llm_params": {"messages": []}}),
            "messages",
        ),
    ];
    for (fields, expected) in cases {
        let mut ask = json!({"id": "ask", "type": "llm_call"});
        for (name, value) in fields.as_object().cloned().unwrap_or_default() {
            ask[name] = value;
        }
        let (done, context) = run(&engine, json!([ask])).await;
        assert_eq!(done.status, RunStatus::Failed, "{context}");
        let error = step(&context, "ask")["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(expected), "{fields}: {error}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    engine.shutdown().await;
}
