//! The relay loop: stdin lines → rmcp's Streamable HTTP client transport → stdout lines.
//!
//! Messages are relayed as they come, without waiting for earlier answers (a client may
//! cancel or ping while a call runs). Every request the client sent gets exactly one
//! answer line: the server's, or a JSON-RPC error of ours when the request could not be
//! relayed or the connection ended before the server answered.

use std::collections::HashSet;
use std::time::Duration;

use rmcp::model::{ClientJsonRpcMessage, RequestId, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransport, StreamableHttpClientTransportConfig, StreamableHttpError,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::failure::{self, PARSE_ERROR, RELAY_FAILED};

type HttpTransport = StreamableHttpClientTransport<reqwest::Client>;
type SendOutcome = (
    Option<RequestId>,
    Result<(), StreamableHttpError<reqwest::Error>>,
);

/// How long connecting to the server may take. There is no overall request timeout:
/// answers may stream for as long as a tool runs, and the client owns cancellation.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Relays until `input` ends and every request sent has its answer. `input` yields the
/// lines read from stdin; `out` takes the lines for stdout (both moved through threads
/// by the caller: tokio's stdio is a feature this workspace does not build).
pub async fn relay(
    endpoint: String,
    token: String,
    mut input: mpsc::UnboundedReceiver<String>,
    out: mpsc::UnboundedSender<String>,
) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let mut transport: Option<HttpTransport> = None;
    let mut sends: JoinSet<SendOutcome> = JoinSet::new();
    // Requests relayed and not answered yet.
    let mut unanswered: HashSet<RequestId> = HashSet::new();
    let mut input_open = true;

    loop {
        if !input_open && unanswered.is_empty() && sends.is_empty() {
            break;
        }
        tokio::select! {
            line = input.recv(), if input_open => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => match serde_json::from_str::<ClientJsonRpcMessage>(&line) {
                    Ok(message) => {
                        let id = request_id(&message);
                        if let Some(id) = &id {
                            unanswered.insert(id.clone());
                        }
                        // A transport whose connection ended is replaced on the next
                        // message (e.g. a client that initializes again after a failure).
                        let transport = transport.get_or_insert_with(|| {
                            connect(http.clone(), &endpoint, &token)
                        });
                        let sent = transport.send(message);
                        sends.spawn(async move { (id, sent.await) });
                    }
                    Err(e) => {
                        eprintln!("agentruntime mcp: a line on stdin is not a JSON-RPC message: {e}");
                        let _ = out.send(error_line(
                            id_in_raw(&line),
                            PARSE_ERROR,
                            &format!("not a JSON-RPC message: {e}"),
                        ));
                    }
                },
                None => input_open = false,
            },
            Some(sent) = sends.join_next(), if !sends.is_empty() => {
                let (id, result) = sent.map_err(|e| format!("relay task failed: {e}"))?;
                if let Err(error) = result {
                    let text = failure::explain(&error, &endpoint);
                    eprintln!("agentruntime mcp: {text}");
                    if let Some(id) = id
                        && unanswered.remove(&id)
                    {
                        let _ = out.send(error_line(id_value(&id), RELAY_FAILED, &text));
                    }
                }
            },
            message = receive(&mut transport), if transport.is_some() => match message {
                Some(message) => {
                    if let Some(id) = response_id(&message) {
                        unanswered.remove(id);
                    }
                    match serde_json::to_string(&message) {
                        Ok(line) => { let _ = out.send(line); }
                        Err(e) => eprintln!("agentruntime mcp: cannot write a server message: {e}"),
                    }
                }
                None => {
                    transport = None;
                    // The sends still running fail now; their errors say why better
                    // than a generic line, so they answer first.
                    while let Some(sent) = sends.join_next().await {
                        let (id, result) = sent.map_err(|e| format!("relay task failed: {e}"))?;
                        if let (Some(id), Err(error)) = (id, result)
                            && unanswered.remove(&id)
                        {
                            let text = failure::explain(&error, &endpoint);
                            eprintln!("agentruntime mcp: {text}");
                            let _ = out.send(error_line(id_value(&id), RELAY_FAILED, &text));
                        }
                    }
                    for id in unanswered.drain() {
                        let _ = out.send(error_line(
                            id_value(&id),
                            RELAY_FAILED,
                            "the connection to the agentruntime server ended before it answered",
                        ));
                    }
                }
            },
        }
    }
    if let Some(mut transport) = transport {
        // Ends the session on the server (DELETE) when there is one.
        let _ = transport.close().await;
    }
    Ok(())
}

fn connect(http: reqwest::Client, endpoint: &str, token: &str) -> HttpTransport {
    let config = StreamableHttpClientTransportConfig::with_uri(endpoint).auth_header(token);
    StreamableHttpClientTransport::with_client(http, config)
}

async fn receive(transport: &mut Option<HttpTransport>) -> Option<ServerJsonRpcMessage> {
    match transport {
        Some(transport) => transport.receive().await,
        None => None,
    }
}

fn request_id(message: &ClientJsonRpcMessage) -> Option<RequestId> {
    match message {
        ClientJsonRpcMessage::Request(request) => Some(request.id.clone()),
        _ => None,
    }
}

fn response_id(message: &ServerJsonRpcMessage) -> Option<&RequestId> {
    match message {
        ServerJsonRpcMessage::Response(response) => Some(&response.id),
        ServerJsonRpcMessage::Error(error) => error.id.as_ref(),
        _ => None,
    }
}

fn id_value(id: &RequestId) -> Value {
    serde_json::to_value(id).unwrap_or(Value::Null)
}

/// The `id` of a line that is JSON but not a valid message, so the client can match the
/// error to its request; `null` otherwise (JSON-RPC 2.0 §5).
fn id_in_raw(line: &str) -> Value {
    serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .filter(|id| id.is_string() || id.is_number())
        .unwrap_or(Value::Null)
}

fn error_line(id: Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}
