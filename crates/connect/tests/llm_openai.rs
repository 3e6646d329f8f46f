//! The OpenAI-compatible client against a local server speaking Chat Completions.

mod support;

use std::time::{Duration, Instant};

use ar_connect::SecretString;
use ar_connect::llm::{
    ApiFlavor, HttpOptions, LlmError, LlmRequest, Provider, ProviderConfig, RetryPolicy,
    StreamEvent, ToolSpec, http_client,
};
use futures::StreamExt;
use serde_json::{Value, json};
use support::wire::openai::{chunk, completion, usage_chunk};
use support::{FakeProvider, Reply, closed_port_url, data};

const KEY: &str = "sk-test-9f8e7d6c5b4a39281706";

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

fn assert_key_absent(error: &LlmError) {
    for rendering in [error.to_string(), format!("{error:?}")] {
        assert!(!rendering.contains(KEY), "API key leaked: {rendering}");
    }
}

#[tokio::test]
async fn plain_completion_returns_text_usage_and_sends_the_documented_request() {
    let server = FakeProvider::start(vec![Reply::json(200, completion("Paris.", 21, 2))]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let request = LlmRequest::new("gpt-4o-mini", "Capital of France?")
        .with_system("Answer in one word.")
        .with_param("temperature", json!(0))
        .with_param("max_tokens", json!(16))
        .with_param("seed", json!(7));

    let response = provider.complete(&request).await.expect("completes");

    assert_eq!(response.text, "Paris.");
    assert_eq!(response.model, "gpt-4o-mini-2024-07-18");
    assert_eq!((response.tokens_in, response.tokens_out), (21, 2));
    assert_eq!(response.finish_reason.as_deref(), Some("stop"));
    assert!(response.tool_calls.is_empty());
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(
        requests[0].headers["authorization"],
        format!("Bearer {KEY}").as_str()
    );
    assert_eq!(
        requests[0].body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Answer in one word."},
                {"role": "user", "content": "Capital of France?"}
            ],
            "temperature": 0,
            "max_tokens": 16,
            "seed": 7
        })
    );
}

#[tokio::test]
async fn step_result_of_a_completion_has_the_contract_shape() {
    let server = FakeProvider::start(vec![Reply::json(200, completion("ok", 5, 1))]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let response = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect("completes");
    let result = response.step_result();
    let mut keys: Vec<&str> = result
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["latency_ms", "model", "text", "tokens_in", "tokens_out"]
    );
    assert_eq!(result["text"], "ok");
    assert_eq!(result["tokens_in"], 5);
}

#[tokio::test]
async fn local_provider_without_a_key_sends_no_authorization_header() {
    let server = FakeProvider::start(vec![Reply::json(200, completion("hi", 1, 1))]).await;
    let config = ProviderConfig::built_in("ollama")
        .and_then(|config| config.with_base_url(&server.base_url("/v1")))
        .expect("config");
    let provider = Provider::new(
        config,
        None,
        http_client(HttpOptions::default()).expect("client"),
    );
    provider
        .complete(&LlmRequest::new("llama3.1:8b", "hi"))
        .await
        .expect("completes");
    assert!(server.requests()[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn streamed_chunks_arrive_incrementally_and_are_assembled_with_usage() {
    let (feed, reply) = Reply::sse_channel();
    let server = FakeProvider::start(vec![reply]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let mut stream = provider
        .stream(&LlmRequest::new("gpt-4o-mini", "Say hello"))
        .await
        .expect("stream opens");

    // The server holds back everything after the first chunk until the client has
    // seen it: if the client buffered the whole body, this would hang.
    feed.send(data(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )))
    .expect("feeds");
    feed.send(data(&chunk(json!({"content": "Hel"}), Value::Null)))
        .expect("feeds");
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("first delta before the rest is sent");
    assert_eq!(
        first.expect("an event").expect("ok"),
        StreamEvent::TextDelta("Hel".into())
    );

    feed.send(data(&chunk(json!({"content": "lo!"}), Value::Null)))
        .expect("feeds");
    let second = stream.next().await.expect("an event").expect("ok");
    assert_eq!(second, StreamEvent::TextDelta("lo!".into()));

    feed.send(data(&chunk(json!({}), json!("stop"))))
        .expect("feeds");
    feed.send(data(&usage_chunk(9, 3))).expect("feeds");
    feed.send("data: [DONE]\n\n".into()).expect("feeds");
    let Some(Ok(StreamEvent::Finished(response))) = stream.next().await else {
        panic!("expected the finished response");
    };
    assert_eq!(response.text, "Hello!");
    assert_eq!((response.tokens_in, response.tokens_out), (9, 3));
    assert_eq!(response.finish_reason.as_deref(), Some("stop"));
    assert!(stream.next().await.is_none(), "nothing after Finished");

    let body = &server.requests()[0].body;
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
}

#[tokio::test]
async fn stream_with_retries_passes_each_text_delta_to_the_callback() {
    let chunks = vec![
        data(&chunk(json!({"content": "a"}), Value::Null)),
        data(&chunk(json!({"content": "b"}), Value::Null)),
        data(&chunk(json!({"content": "c"}), json!("stop"))),
        "data: [DONE]\n\n".to_owned(),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let mut seen = Vec::new();
    let response = provider
        .stream_with_retries(&LlmRequest::new("m", "p"), &fast_retries(0), |text| {
            seen.push(text.to_owned());
        })
        .await
        .expect("streams");
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(response.text, "abc");
    // No usage chunk from this server: counts are reported as 0, not invented.
    assert_eq!((response.tokens_in, response.tokens_out), (0, 0));
}

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: Some("Current weather for a city".into()),
        input_schema: json!({"type": "object", "properties": {"city": {"type": "string"}},
                             "required": ["city"]}),
    }
}

#[tokio::test]
async fn tool_calls_are_requested_and_parsed_from_a_completion() {
    let reply = json!({
        "id": "chatcmpl-3",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                    {"id": "call_2", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {"prompt_tokens": 50, "completion_tokens": 30}
    });
    let server = FakeProvider::start(vec![Reply::json(200, reply)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let request =
        LlmRequest::new("gpt-4o-mini", "Weather in Paris and Oslo?").with_tool(weather_tool());

    let response = provider.complete(&request).await.expect("completes");

    assert_eq!(response.text, "");
    assert_eq!(response.finish_reason.as_deref(), Some("tool_calls"));
    let calls: Vec<_> = response
        .tool_calls
        .iter()
        .map(|call| (call.id.as_str(), call.name.as_str(), call.arguments.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("call_1", "get_weather", json!({"city": "Paris"})),
            ("call_2", "get_weather", json!({"city": "Oslo"}))
        ]
    );
    assert_eq!(
        server.requests()[0].body["tools"],
        json!([{"type": "function", "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"]}
        }}])
    );
}

#[tokio::test]
async fn streamed_tool_call_fragments_are_assembled() {
    let call = |index: u64, fields: Value| {
        json!({"tool_calls": [{
            "index": index,
            "id": fields.get("id"),
            "type": "function",
            "function": {"name": fields.get("name"), "arguments": fields.get("arguments")}
        }]})
    };
    let chunks = vec![
        data(&chunk(
            json!({"role": "assistant", "content": null}),
            Value::Null,
        )),
        data(&chunk(
            call(
                0,
                json!({"id": "call_a", "name": "get_weather", "arguments": ""}),
            ),
            Value::Null,
        )),
        data(&chunk(call(0, json!({"arguments": "{\"ci"})), Value::Null)),
        data(&chunk(
            call(0, json!({"arguments": "ty\": \"Rome\"}"})),
            Value::Null,
        )),
        data(&chunk(
            call(
                1,
                json!({"id": "call_b", "name": "get_weather", "arguments": "{\"city\":"}),
            ),
            Value::Null,
        )),
        data(&chunk(
            call(1, json!({"arguments": "\"Lima\"}"})),
            Value::Null,
        )),
        data(&chunk(json!({}), json!("tool_calls"))),
        data(&usage_chunk(40, 22)),
        "data: [DONE]\n\n".to_owned(),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let request = LlmRequest::new("gpt-4o-mini", "Weather?").with_tool(weather_tool());

    let response = provider
        .stream(&request)
        .await
        .expect("opens")
        .into_response()
        .await
        .expect("completes");

    assert_eq!(response.tool_calls.len(), 2);
    assert_eq!(response.tool_calls[0].id, "call_a");
    assert_eq!(response.tool_calls[0].arguments, json!({"city": "Rome"}));
    assert_eq!(response.tool_calls[1].id, "call_b");
    assert_eq!(response.tool_calls[1].arguments, json!({"city": "Lima"}));
    assert_eq!((response.tokens_in, response.tokens_out), (40, 22));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_the_call_succeeds() {
    let limited = Reply::json(429, json!({"error": {"message": "Rate limit reached for gpt-4o-mini",
                                                    "type": "requests", "code": "rate_limit_exceeded"}}))
        .with_header("retry-after", "1");
    let server =
        FakeProvider::start(vec![limited, Reply::json(200, completion("done", 3, 1))]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));

    // The first attempt alone surfaces the wait the server asked for.
    let started = Instant::now();
    let response = provider
        .complete_with_retries(
            &LlmRequest::new("gpt-4o-mini", "p"),
            &RetryPolicy::default(),
        )
        .await
        .expect("succeeds after the wait");
    let waited = started.elapsed();

    assert_eq!(response.text, "done");
    assert_eq!(server.requests().len(), 2);
    assert!(
        waited >= Duration::from_secs(1),
        "retried after {waited:?}, before Retry-After"
    );
    assert!(
        waited < Duration::from_secs(5),
        "waited far too long: {waited:?}"
    );
}

#[tokio::test]
async fn rate_limit_error_exposes_retry_after_and_is_transient() {
    let limited = Reply::json(429, json!({"error": {"message": "slow down"}}))
        .with_header("retry-after", "17");
    let server = FakeProvider::start(vec![limited]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let error = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect_err("429");
    assert!(error.is_transient());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(17)));
    assert!(error.to_string().contains("slow down"), "{error}");
}

#[tokio::test]
async fn retry_after_longer_than_the_cap_is_returned_instead_of_waited() {
    let limited =
        Reply::json(429, json!({"error": {"message": "quota"}})).with_header("retry-after", "3600");
    let server =
        FakeProvider::start(vec![limited, Reply::json(200, completion("late", 1, 1))]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let started = Instant::now();
    let error = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &RetryPolicy::default())
        .await
        .expect_err("gives up");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn unauthorized_gives_a_clear_permanent_error_without_the_key() {
    // Some servers echo the key they were given; it must not reach our error.
    let rejected = Reply::json(
        401,
        json!({"error": {
            "message": format!("Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys."),
            "type": "invalid_request_error", "code": "invalid_api_key"
        }}),
    );
    let server = FakeProvider::start(vec![rejected, Reply::json(200, completion("x", 1, 1))]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));

    let error = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(3))
        .await
        .expect_err("401");

    assert!(
        matches!(error, LlmError::Status { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
    let message = error.to_string();
    assert!(message.contains("openai returned HTTP 401"), "{message}");
    assert!(
        message.contains("Incorrect API key provided: [REDACTED]"),
        "{message}"
    );
    assert!(message.contains("AR_OPENAI_API_KEY"), "{message}");
    assert_key_absent(&error);
}

#[tokio::test]
async fn permanent_statuses_are_not_retried_and_carry_the_provider_message() {
    let cases = [
        (400, "Invalid value for 'temperature'"),
        (403, "Project does not have access to model"),
        (404, "The model `gpt-9` does not exist"),
    ];
    for (status, message) in cases {
        let server = FakeProvider::start(vec![Reply::json(
            status,
            json!({"error": {"message": message}}),
        )])
        .await;
        let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
        let error = provider
            .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(3))
            .await
            .expect_err("fails");
        assert!(!error.is_transient(), "{status}");
        assert!(error.to_string().contains(message), "{status}: {error}");
        assert_eq!(server.requests().len(), 1, "{status} retried");
    }
}

#[tokio::test]
async fn server_error_is_transient_and_retried_until_the_policy_gives_up() {
    let server = FakeProvider::start(vec![
        Reply::text(500, "text/plain", "Internal Server Error"),
        Reply::text(502, "text/html", "<html>Bad Gateway</html>"),
        Reply::json(503, json!({"error": {"message": "overloaded"}})),
    ])
    .await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let error = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(2))
        .await
        .expect_err("all attempts fail");
    assert!(error.is_transient());
    assert!(
        matches!(error, LlmError::Status { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("overloaded"), "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn server_error_then_success_is_recovered_by_retrying() {
    let server = FakeProvider::start(vec![
        Reply::text(500, "text/plain", "Internal Server Error"),
        Reply::json(200, completion("recovered", 2, 1)),
    ])
    .await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let response = provider
        .complete_with_retries(&LlmRequest::new("m", "p"), &fast_retries(2))
        .await
        .expect("recovers");
    assert_eq!(response.text, "recovered");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn malformed_bodies_give_a_clear_permanent_error() {
    let cases = [
        Reply::text(200, "application/json", "{\"choices\": [ {\"message\": "),
        Reply::text(200, "text/html", "<html>captive portal</html>"),
        Reply::json(200, json!({"object": "chat.completion", "choices": []})),
        Reply::json(
            200,
            json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"id": "c", "function": {"name": "f", "arguments": "{not json"}}]}}]}),
        ),
    ];
    let expected = [
        "not the expected JSON",
        "not the expected JSON",
        "no choices",
        "not valid JSON",
    ];
    for (reply, expected) in cases.into_iter().zip(expected) {
        let server = FakeProvider::start(vec![reply]).await;
        let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
        let error = provider
            .complete(&LlmRequest::new("m", "p"))
            .await
            .expect_err("malformed");
        assert!(
            matches!(error, LlmError::MalformedResponse { .. }),
            "{error:?}"
        );
        assert!(!error.is_transient());
        let message = error.to_string();
        assert!(
            message.contains("openai sent a response that could not be understood"),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn truncated_stream_delivers_the_text_so_far_then_a_transient_error() {
    let chunks = vec![
        data(&chunk(json!({"content": "partial"}), Value::Null)),
        data(&chunk(json!({"content": " answ"}), Value::Null)),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let mut seen = String::new();
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect("opens")
        .for_each_text(|text| seen.push_str(text))
        .await
        .expect_err("truncated");
    assert_eq!(seen, "partial answ");
    assert!(
        matches!(error, LlmError::StreamTruncated { .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(error.to_string().contains("[DONE]"), "{error}");
}

#[tokio::test]
async fn malformed_stream_chunk_gives_a_clear_error() {
    let chunks = vec![
        data(&chunk(json!({"content": "ok"}), Value::Null)),
        "data: {\"choices\": [{\"delta\": \n\n".to_owned(),
        "data: [DONE]\n\n".to_owned(),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect("opens")
        .into_response()
        .await
        .expect_err("malformed");
    assert!(
        matches!(error, LlmError::MalformedResponse { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("stream chunk is not valid JSON"),
        "{error}"
    );
}

#[tokio::test]
async fn error_object_inside_a_stream_is_reported_with_its_message() {
    let chunks = vec![
        data(&chunk(json!({"content": "so"}), Value::Null)),
        data(
            &json!({"error": {"message": "The server had an error while processing your request.",
                               "type": "server_error"}}),
        ),
    ];
    let server = FakeProvider::start(vec![Reply::sse(&chunks)]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect("opens")
        .into_response()
        .await
        .expect_err("stream error");
    assert!(matches!(error, LlmError::StreamError { .. }), "{error:?}");
    assert!(error.is_transient(), "server_error is transient");
    assert!(
        error.to_string().contains("had an error while processing"),
        "{error}"
    );
}

#[tokio::test]
async fn streaming_request_rejected_up_front_reports_the_status() {
    let server = FakeProvider::start(vec![Reply::json(
        401,
        json!({"error": {"message": "bad key"}}),
    )])
    .await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect_err("401");
    assert!(
        matches!(error, LlmError::Status { status: 401, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn refused_connection_is_a_transient_connect_error() {
    let config = ProviderConfig::new(
        "openai",
        ApiFlavor::OpenAiCompatible,
        &closed_port_url().await,
        true,
    )
    .expect("config");
    let provider = Provider::new(
        config,
        Some(SecretString::from(KEY)),
        http_client(HttpOptions::default()).expect("client"),
    );
    let error = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect_err("refused");
    assert!(matches!(error, LlmError::Connect { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().contains("base URL"), "{error}");
    assert_key_absent(&error);
}

#[tokio::test]
async fn server_that_never_answers_hits_the_read_timeout() {
    let server = FakeProvider::start(vec![Reply::Hang]).await;
    let options = HttpOptions {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(300),
    };
    let provider = server.provider_with(ApiFlavor::OpenAiCompatible, Some(KEY), options);
    let started = Instant::now();
    let error = provider
        .complete(&LlmRequest::new("m", "p"))
        .await
        .expect_err("times out");
    assert!(matches!(error, LlmError::Timeout { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn stream_that_stalls_mid_answer_hits_the_read_timeout() {
    let (feed, reply) = Reply::sse_channel();
    let server = FakeProvider::start(vec![reply]).await;
    let options = HttpOptions {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(300),
    };
    let provider = server.provider_with(ApiFlavor::OpenAiCompatible, Some(KEY), options);
    feed.send(data(&chunk(json!({"content": "start"}), Value::Null)))
        .expect("feeds");
    let mut seen = String::new();
    let error = provider
        .stream(&LlmRequest::new("m", "p"))
        .await
        .expect("opens")
        .for_each_text(|text| seen.push_str(text))
        .await
        .expect_err("stalls");
    assert_eq!(seen, "start");
    assert!(error.is_transient(), "{error:?}");
    assert!(matches!(error, LlmError::Timeout { .. }), "{error:?}");
    drop(feed);
}

#[tokio::test]
async fn llm_params_overriding_the_messages_are_refused_before_sending() {
    let server = FakeProvider::start(vec![]).await;
    let provider = server.provider(ApiFlavor::OpenAiCompatible, Some(KEY));
    let request = LlmRequest::new("m", "p").with_param("messages", json!([]));
    let error = provider.complete(&request).await.expect_err("refused");
    assert!(matches!(error, LlmError::InvalidRequest(_)), "{error:?}");
    assert!(server.requests().is_empty());
}
