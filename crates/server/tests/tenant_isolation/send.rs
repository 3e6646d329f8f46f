//! Sending a row twice (A's id, an unknown id) as B's owner and comparing the answers.

use std::cmp::Reverse;

use reqwest::Method;
use serde_json::Value;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use crate::common::*;
use crate::types::{Compare, Ids, Req, Row};
use crate::world::Tenant;

/// An answer: status and JSON body (Null when there is none).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

pub(crate) async fn send(
    s: &TestServer,
    b: &Tenant,
    method: &str,
    websocket: bool,
    req: &Req,
) -> Answer {
    if websocket {
        return handshake(s, b, req).await;
    }
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut call = s.call(method, &req.path).auth(&b.owner);
    if let Some(t) = &req.tenant {
        call = call.tenant(t);
    }
    if let Some(p) = &req.project {
        call = call.project(p);
    }
    if let Some(body) = &req.body {
        call = call.json(body.clone());
    }
    let reply = call.send().await;
    Answer {
        status: reply.status,
        body: reply.body,
    }
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `req` as a WebSocket with B's owner's session (as the console does).
pub(crate) async fn open(s: &TestServer, b: &Tenant, req: &Req) -> Result<Socket, Answer> {
    let url = format!("{}{}", s.base.replacen("http://", "ws://", 1), req.path);
    let mut request = url.into_client_request().expect("request");
    let Auth::Session(cookie) = &b.owner else {
        panic!("owners sign in with a session");
    };
    let headers = request.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        headers.insert(name, value.parse().expect("header value"));
    };
    set("Cookie", &format!("ar_session={cookie}"));
    set("Origin", &s.base);
    if let Some(t) = &req.tenant {
        set("X-Tenant-Id", t);
    }
    if let Some(p) = &req.project {
        set("X-Project-Id", p);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(Answer {
            status: response.status().as_u16(),
            body: response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null),
        }),
        Err(e) => panic!("websocket connect failed: {e}"),
    }
}

async fn handshake(s: &TestServer, b: &Tenant, req: &Req) -> Answer {
    match open(s, b, req).await {
        Ok(mut socket) => {
            let _ = socket.close(None).await;
            Answer {
                status: 101,
                body: Value::Null,
            }
        }
        Err(refused) => refused,
    }
}

/// The answer's body with every id the request carried replaced by its label, so the
/// answers to A's id and to an unknown id compare equal when they say the same.
fn masked(answer: &Answer, req: &Req, id_sets: &[&Ids]) -> String {
    let sent = req.text();
    let mut pairs: Vec<(&str, &str)> = id_sets
        .iter()
        .flat_map(|ids| ids.labelled())
        .filter(|(_, v)| !v.is_empty() && sent.contains(v))
        .collect();
    // Longest first: A's addresses contain A's slug.
    pairs.sort_by_key(|(_, v)| Reverse(v.len()));
    let mut body = answer.body.to_string();
    for (label, v) in pairs {
        body = body.replace(v, &format!("<{label}>"));
    }
    body
}

/// What of `a` the answer shows beyond what the request carried.
pub(crate) fn leaks(answer: &Answer, req: &Req, a: &Tenant) -> Vec<String> {
    let sent = req.text();
    let body = answer.body.to_string();
    a.markers
        .iter()
        .filter(|m| !m.is_empty() && !sent.contains(m.as_str()) && body.contains(m.as_str()))
        .cloned()
        .collect()
}

pub(crate) async fn check_row(
    s: &TestServer,
    a: &Tenant,
    b: &Tenant,
    r: &Row,
    failures: &mut Vec<String>,
) {
    let unknown = Ids::unknown(&a.ids);
    let foreign_req = (r.build)(b, &a.ids);
    let unknown_req = (r.build)(b, &unknown);
    let foreign = send(s, b, r.method, r.websocket, &foreign_req).await;
    let control = send(s, b, r.method, r.websocket, &unknown_req).await;
    let label = r.label();
    let mut fail = |what: String| failures.push(format!("{label}: {what}"));
    for (whose, answer) in [("A's id", &foreign), ("an unknown id", &control)] {
        if answer.status >= 500 {
            fail(format!("{whose} got {} {}", answer.status, answer.body));
        }
    }
    let sets = [&a.ids, &unknown];
    let (f, c) = (
        masked(&foreign, &foreign_req, &sets),
        masked(&control, &unknown_req, &sets),
    );
    let differs = foreign.status != control.status || (r.compare == Compare::Exact && f != c);
    if differs {
        fail(format!(
            "A's id got {} {f}; an unknown id got {} {c}",
            foreign.status, control.status
        ));
    }
    let shown = leaks(&foreign, &foreign_req, a);
    if !shown.is_empty() {
        fail(format!("the answer shows A's {shown:?}: {}", foreign.body));
    }
}
