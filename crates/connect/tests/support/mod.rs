//! A scriptable fake LLM provider: a real HTTP server on 127.0.0.1:0 that records
//! each request and answers with the next scripted reply, so the clients are tested
//! against the actual wire protocols.

#![allow(dead_code)] // each test file uses a different part

pub mod wire;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_connect::SecretString;
use ar_connect::llm::{ApiFlavor, HttpOptions, Provider, ProviderConfig, http_client};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use futures::stream;
use serde_json::Value;
use tokio::sync::mpsc;

/// What the server answers to one request.
pub enum Reply {
    /// A complete body with a status and extra headers.
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        content_type: &'static str,
        body: String,
    },
    /// A 200 `text/event-stream` whose chunks the test feeds (and ends by dropping
    /// the sender).
    Streamed(mpsc::UnboundedReceiver<String>),
    /// Never answers (until the client gives up).
    Hang,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self::Full {
            status,
            headers: Vec::new(),
            content_type: "application/json",
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: &str) -> Self {
        Self::Full {
            status,
            headers: Vec::new(),
            content_type,
            body: body.to_owned(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Self::Full { headers, .. } = &mut self {
            headers.push((name, value.to_owned()));
        }
        self
    }

    /// A complete SSE body at once (all chunks already sent, sender dropped).
    pub fn sse(chunks: &[String]) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        for chunk in chunks {
            sender.send(chunk.clone()).expect("receiver alive");
        }
        Self::Streamed(receiver)
    }

    /// An SSE body the test feeds chunk by chunk.
    pub fn sse_channel() -> (mpsc::UnboundedSender<String>, Self) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (sender, Self::Streamed(receiver))
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone, Default)]
struct Shared {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

/// The running fake server.
pub struct FakeProvider {
    pub address: SocketAddr,
    shared: Shared,
}

impl FakeProvider {
    /// Starts a server that answers with `replies` in order.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let shared = Shared::default();
        shared.replies.lock().expect("lock").extend(replies);
        let router = Router::new().fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serves");
        });
        Self { address, shared }
    }

    pub fn base_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("lock").clone()
    }

    /// A [`Provider`] pointed at this server.
    pub fn provider(&self, flavor: ApiFlavor, api_key: Option<&str>) -> Provider {
        self.provider_with(flavor, api_key, HttpOptions::default())
    }

    pub fn provider_with(
        &self,
        flavor: ApiFlavor,
        api_key: Option<&str>,
        options: HttpOptions,
    ) -> Provider {
        let (name, base) = match flavor {
            ApiFlavor::OpenAiCompatible => ("openai", self.base_url("/v1")),
            ApiFlavor::Anthropic => ("anthropic", self.base_url("")),
        };
        let config = ProviderConfig::new(name, flavor, &base, true).expect("valid config");
        let http = http_client(options).expect("http client");
        Provider::new(config, api_key.map(SecretString::from), http)
    }
}

async fn answer(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.requests.lock().expect("lock").push(Recorded {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let reply = shared.replies.lock().expect("lock").pop_front();
    let builder = Response::builder();
    match reply {
        None => builder
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(Body::from("no scripted reply left"))
            .expect("response"),
        Some(Reply::Full {
            status,
            headers,
            content_type,
            body,
        }) => {
            let mut builder = builder.status(status).header("content-type", content_type);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            builder.body(Body::from(body)).expect("response")
        }
        Some(Reply::Streamed(receiver)) => {
            let chunks = stream::unfold(receiver, |mut receiver| async move {
                let chunk = receiver.recv().await?;
                Some((Ok::<_, std::io::Error>(chunk), receiver))
            });
            builder
                .status(200)
                .header("content-type", "text/event-stream")
                .header("cache-control", "no-cache")
                .body(Body::from_stream(chunks))
                .expect("response")
        }
        Some(Reply::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            builder.body(Body::empty()).expect("response")
        }
    }
}

/// One SSE `data:` event.
pub fn data(json: &Value) -> String {
    format!("data: {json}\n\n")
}

/// One SSE event with a name.
pub fn event(name: &str, json: &Value) -> String {
    format!("event: {name}\ndata: {json}\n\n")
}

/// An address nothing listens on.
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{address}")
}
