//! The Anthropic client against a local server speaking the Messages API.

mod support;

use std::time::{Duration, Instant, SystemTime};

use ar_connect::llm::{
    ANTHROPIC_VERSION, ApiFlavor, DEFAULT_MAX_TOKENS, LlmError, LlmRequest, RetryPolicy,
    StreamEvent, ToolSpec,
};
use futures::StreamExt;
use serde_json::json;
use support::wire::anthropic::{
    MODEL, block_stop, message, message_delta, message_start, message_stop, ping, text_block_start,
    text_delta,
};
use support::{FakeProvider, Reply, event};

const KEY: &str = "sk-ant-api03-test-1a2b3c4d5e6f";
fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn plain_message_returns_text_usage_and_sends_the_documented_request() {
    let reply = message(
        json!([{"type": "text", "text": "Bonjour"}]),
        "end_turn",
        14,
        4,
    );
    let server = FakeProvider::start(vec![Reply::json(200, reply)]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let request = LlmRequest::new("claude-sonnet-4-5", "Say hello in French")
        .with_system("One word only.")
        .with_param("temperature", json!(0.3));

    let response = provider.complete(&request).await.expect("completes");

    assert_eq!(response.text, "Bonjour");
    assert_eq!(response.model, MODEL);
    assert_eq!((response.tokens_in, response.tokens_out), (14, 4));
    assert_eq!(response.finish_reason.as_deref(), Some("end_turn"));
    let recorded = &server.requests()[0];
    assert_eq!(recorded.path, "/v1/messages");
    assert_eq!(recorded.headers["x-api-key"], KEY);
    assert_eq!(recorded.headers["anthropic-version"], ANTHROPIC_VERSION);
    assert!(recorded.headers.get("authorization").is_none());
    assert_eq!(
        recorded.body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": DEFAULT_MAX_TOKENS,
            "temperature": 0.3,
            "system": "One word only.",
            "messages": [{"role": "user", "content": "Say hello in French"}]
        })
    );
}

#[tokio::test]
async fn text_blocks_are_concatenated_and_unknown_blocks_ignored() {
    let content = json!([
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "text", "text": "Hello, "},
        {"type": "text", "text": "world"}
    ]);
    let server =
        FakeProvider::start(vec![Reply::json(200, message(content, "end_turn", 1, 2))]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let response = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect("completes");
    assert_eq!(response.text, "Hello, world");
}

#[tokio::test]
async fn streamed_events_arrive_incrementally_and_are_assembled_with_usage() {
    let (feed, reply) = Reply::sse_channel();
    let server = FakeProvider::start(vec![reply]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let mut stream = provider
        .stream(&LlmRequest::new("claude-sonnet-4-5", "Count"))
        .await
        .expect("opens");

    for chunk in [
        message_start(25),
        text_block_start(0),
        ping(),
        text_delta(0, "One"),
    ] {
        feed.send(chunk).expect("feeds");
    }
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("first delta before the rest is sent");
    assert_eq!(
        first.expect("an event").expect("ok"),
        StreamEvent::TextDelta("One".into())
    );

    feed.send(text_delta(0, ", two")).expect("feeds");
    assert_eq!(
        stream.next().await.expect("an event").expect("ok"),
        StreamEvent::TextDelta(", two".into())
    );

    for chunk in [block_stop(0), message_delta("end_turn", 15), message_stop()] {
        feed.send(chunk).expect("feeds");
    }
    let Some(Ok(StreamEvent::Finished(response))) = stream.next().await else {
        panic!("expected the finished response");
    };
    assert_eq!(response.text, "One, two");
    assert_eq!(response.model, MODEL);
    assert_eq!((response.tokens_in, response.tokens_out), (25, 15));
    assert_eq!(response.finish_reason.as_deref(), Some("end_turn"));
    assert_eq!(server.requests()[0].body["stream"], json!(true));
}

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: Some("Current weather".into()),
        input_schema: json!({"type": "object", "properties": {"city": {"type": "string"}}}),
    }
}

#[tokio::test]
async fn tool_use_blocks_are_requested_and_parsed_from_a_message() {
    let content = json!([
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}
    ]);
    let server =
        FakeProvider::start(vec![Reply::json(200, message(content, "tool_use", 30, 20))]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let request = LlmRequest::new("m", "Weather in Paris?").with_tool(weather_tool());

    let response = provider.complete(&request).await.expect("completes");

    assert_eq!(response.text, "Let me check.");
    assert_eq!(response.finish_reason.as_deref(), Some("tool_use"));
    assert_eq!(response.tool_calls.len(), 1);
    assert_eq!(response.tool_calls[0].id, "toolu_01");
    assert_eq!(response.tool_calls[0].name, "get_weather");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Paris"}));
    assert_eq!(
        server.requests()[0].body["tools"],
        json!([{"name": "get_weather", "description": "Current weather",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    );
}

#[tokio::test]
async fn streamed_tool_use_input_json_is_assembled() {
    let tool_start = event(
        "content_block_start",
        &json!({"type": "content_block_start", "index": 1, "content_block":
                {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {}}}),
    );
    let json_delta = |piece: &str| {
        event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": 1,
                    "delta": {"type": "input_json_delta", "partial_json": piece}}),
        )
    };
    let chunks = vec![
        message_start(40),
        text_block_start(0),
        text_delta(0, "Checking."),
        block_stop(0),
        tool_start,
        json_delta(""),
        json_delta("{\"city\": \"Be"),
        json_delta("rlin\"}"),
        block_stop(1),
        message_delta("tool_use", 33),
        message_stop(),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let request = LlmRequest::new("m", "Weather?").with_tool(weather_tool());

    let response = provider
        .stream(&request)
        .await
        .expect("opens")
        .into_response()
        .await
        .expect("completes");

    assert_eq!(response.text, "Checking.");
    assert_eq!(response.tool_calls.len(), 1);
    assert_eq!(response.tool_calls[0].id, "toolu_02");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Berlin"}));
    assert_eq!((response.tokens_in, response.tokens_out), (40, 33));
}

#[tokio::test]
async fn rate_limit_with_an_http_date_retry_after_is_waited_out() {
    let in_two_seconds = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let limited = Reply::json(
        429,
        json!({"type": "error", "error": {
        "type": "rate_limit_error", "message": "Number of requests has exceeded your rate limit"}}),
    )
    .with_header("retry-after", &in_two_seconds);
    let ok = Reply::json(
        200,
        message(json!([{"type": "text", "text": "ok"}]), "end_turn", 1, 1),
    );
    let server = FakeProvider::start(vec![limited, ok]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));

    let started = Instant::now();
    let response = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &RetryPolicy::default())
        .await
        .expect("succeeds after the wait");
    let waited = started.elapsed();

    assert_eq!(response.text, "ok");
    assert_eq!(server.requests().len(), 2);
    // The date has one-second resolution, so "in 2 s" means somewhat over 1 s.
    assert!(
        waited >= Duration::from_millis(900),
        "retried after {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "waited far too long: {waited:?}"
    );
}

#[tokio::test]
async fn unauthorized_gives_a_clear_permanent_error_without_the_key() {
    let rejected = Reply::json(
        401,
        json!({"type": "error", "error": {
        "type": "authentication_error", "message": format!("invalid x-api-key {KEY}")}}),
    );
    let server = FakeProvider::start(vec![rejected]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));

    let error = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(3))
        .await
        .expect_err("401");

    assert!(
        matches!(error, LlmError::Status { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert_eq!(server.requests().len(), 1);
    let message = error.to_string();
    assert!(
        message.contains("anthropic returned HTTP 401: invalid x-api-key [REDACTED]"),
        "{message}"
    );
    assert!(message.contains("AR_ANTHROPIC_API_KEY"), "{message}");
    for rendering in [message, format!("{error:?}")] {
        assert!(!rendering.contains(KEY), "API key leaked: {rendering}");
    }
}

#[tokio::test]
async fn overloaded_status_is_transient_and_retried() {
    let overloaded = Reply::json(
        529,
        json!({"type": "error", "error": {
        "type": "overloaded_error", "message": "Overloaded"}}),
    );
    let ok = Reply::json(
        200,
        message(json!([{"type": "text", "text": "back"}]), "end_turn", 1, 1),
    );
    let server = FakeProvider::start(vec![overloaded, ok]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let response = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(2))
        .await
        .expect("recovers");
    assert_eq!(response.text, "back");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_error_without_recovery_is_reported_as_transient() {
    let server = FakeProvider::start(vec![Reply::json(
        500,
        json!({"type": "error", "error": {
        "type": "api_error", "message": "Internal server error"}}),
    )])
    .await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let error = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect_err("500");
    assert!(error.is_transient());
    assert!(
        error.to_string().contains("Internal server error"),
        "{error}"
    );
}

#[tokio::test]
async fn error_event_inside_a_stream_is_reported_and_classified() {
    let cases = [
        ("overloaded_error", "Overloaded", true),
        ("invalid_request_error", "prompt is too long", false),
    ];
    for (kind, text, transient) in cases {
        let chunks = vec![
            message_start(3),
            text_block_start(0),
            text_delta(0, "Hi"),
            event(
                "error",
                &json!({"type": "error", "error": {"type": kind, "message": text}}),
            ),
        ];
        let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
        let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
        let error = provider
            .stream(&LlmRequest::new("m", "p"))
            .await
            .expect("opens")
            .into_response()
            .await
            .expect_err("stream error");
        assert!(matches!(error, LlmError::StreamError { .. }), "{error:?}");
        assert_eq!(error.is_transient(), transient, "{kind}");
        assert!(error.to_string().contains(text), "{error}");
    }
}

#[tokio::test]
async fn truncated_stream_without_message_stop_is_a_clear_error() {
    let chunks = vec![
        message_start(3),
        text_block_start(0),
        text_delta(0, "Half an ans"),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let mut seen = String::new();
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect("opens")
        .for_each_text(|text| seen.push_str(text))
        .await
        .expect_err("truncated");
    assert_eq!(seen, "Half an ans");
    assert!(
        matches!(error, LlmError::StreamTruncated { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("message_stop"), "{error}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn malformed_bodies_and_events_give_clear_errors() {
    let server = FakeProvider::start(vec![
        Reply::text(
            200,
            "application/json",
            "{\"content\": [{\"type\": \"text\"",
        ),
        Reply::json(200, json!({"type": "message", "content": "not a list"})),
        Reply::sse(&[
            message_start(1),
            "event: content_block_delta\ndata: {oops\n\n".to_owned(),
        ]),
        Reply::sse(&[message_start(1), text_delta(5, "no such block")]),
    ])
    .await;
    let provider = server.provider(ApiFlavor::Anthropic, Some(KEY));
    let request = LlmRequest::new("m", "p");
    let errors = [
        provider
            .complete(&request)
            .await
            .expect_err("truncated JSON"),
        provider.complete(&request).await.expect_err("wrong shape"),
        provider
            .stream(&request)
            .await
            .expect("opens")
            .into_response()
            .await
            .expect_err("bad event"),
        provider
            .stream(&request)
            .await
            .expect("opens")
            .into_response()
            .await
            .expect_err("bad index"),
    ];
    let expected = [
        "not the expected JSON",
        "not the expected JSON",
        "stream event is not valid JSON",
        "block 5, which was never started",
    ];
    for (error, expected) in errors.iter().zip(expected) {
        assert!(
            matches!(error, LlmError::MalformedResponse { .. }),
            "{error:?}"
        );
        assert!(!error.is_transient());
        let message = error.to_string();
        assert!(
            message.contains("anthropic sent a response that could not be understood"),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
    }
}
