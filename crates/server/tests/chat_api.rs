//! `/v1/chat/*` on both backends (docs/contract.md §13, docs/agents.md "Chat"): roles,
//! visibility, bounds, hostile input, another workspace's ids, the live stream, and an
//! agent's turn carried by a run whose end stores the reply once.
//!
//! The agent here has no model it can reach (no LLM is configured), so its turn fails:
//! the failed reply is what the durable path stores. A real answer, tool use and a crash
//! in the middle of a turn are tested against `agentruntime serve` in
//! crates/cli/tests/serve_chat.rs.

#[macro_use]
mod common;

use std::time::Duration;

use std::sync::Arc;

use ar_server::Stores;
use ar_store::tenant::{MembershipRecord, PgTenantStore};
use ar_store::{PgConfig, PgStore};
use common::*;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

/// A workspace `acme` with project P, its owner, and a viewer, a contributor and a project
/// admin of P, plus an agent of P.
struct World {
    s: TestServer,
    project: String,
    owner: Auth,
    viewer: Auth,
    contributor: Auth,
    admin: Auth,
    agent: String,
}

async fn world(backend: Backend) -> World {
    world_on(start(backend).await).await
}

async fn world_on(s: TestServer) -> World {
    let (_, owner) = s.signup("owner@acme.test", "password-123").await;
    let owner = Auth::Session(owner);
    let r = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&owner)
        .json(json!({"slug": "acme", "name": "Acme"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ws = r.body["id"].as_str().expect("ws").to_string();
    let r = s
        .call(Method::POST, "/v1/projects")
        .auth(&owner)
        .tenant("acme")
        .json(json!({"name": "P", "visibility": "private"}))
        .send()
        .await;
    let project = r.body["id"].as_str().expect("project").to_string();
    let mut people = Vec::new();
    for role in ["project_viewer", "project_contributor", "project_admin"] {
        let (id, cookie) = s.signup(&format!("{role}@acme.test"), "password-123").await;
        s.tenants()
            .upsert_member(&MembershipRecord {
                workspace_id: ws.clone(),
                user_id: id.clone(),
                role: "member".into(),
                active: true,
                created_at: 0,
            })
            .await
            .expect("member");
        s.tenants()
            .set_project_member(&project, &id, role, 0)
            .await
            .expect("project member");
        people.push(Auth::Session(cookie));
    }
    let r = s
        .call(Method::POST, "/v1/agents")
        .auth(&owner)
        .tenant("acme")
        .project(&project)
        .json(json!({"name": "helper", "model": "gpt-4o-mini", "instructions": "be brief"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agent = r.body["id"].as_str().expect("agent").to_string();
    let admin = people.pop().expect("admin");
    let contributor = people.pop().expect("contributor");
    let viewer = people.pop().expect("viewer");
    World {
        s,
        project,
        owner,
        viewer,
        contributor,
        admin,
        agent,
    }
}

impl World {
    async fn call(&self, who: &Auth, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut call = self
            .s
            .call(method, path)
            .auth(who)
            .tenant("acme")
            .project(&self.project);
        if let Some(b) = body {
            call = call.json(b);
        }
        call.send().await
    }

    async fn thread(&self, who: &Auth, body: Value) -> String {
        let r = self
            .call(who, Method::POST, "/v1/chat/threads", Some(body))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    }

    async fn post(&self, who: &Auth, thread: &str, text: &str) -> Reply {
        self.call(
            who,
            Method::POST,
            &format!("/v1/chat/threads/{thread}/messages"),
            Some(json!({"text": text})),
        )
        .await
    }

    async fn messages(&self, who: &Auth, thread: &str) -> Vec<Value> {
        let r = self
            .call(
                who,
                Method::GET,
                &format!("/v1/chat/threads/{thread}/messages"),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["messages"].as_array().expect("messages").clone()
    }
}

async fn threads_messages_and_shapes(backend: Backend) {
    let w = world(backend).await;
    let r = w
        .call(
            &w.viewer,
            Method::POST,
            "/v1/chat/threads",
            Some(json!({"kind": "channel"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let channel = r.body["id"].as_str().expect("id").to_string();
    assert!(channel.starts_with("cth_"), "{channel}");
    assert_eq!(r.body["title"], "New chat");
    assert_eq!(r.body["kind"], "channel");
    assert_eq!(r.body["agent_ids"], json!([]));
    assert_eq!(r.body["project_id"], json!(w.project));
    assert!(r.body["last_message_at"].is_null());
    // A viewer posts in a thread without agents; seq counts 1, 2, …
    for (i, who) in [&w.viewer, &w.contributor, &w.owner]
        .into_iter()
        .enumerate()
    {
        let r = w.post(who, &channel, &format!("hello {i}")).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["seq"], json!(i + 1));
        assert_eq!(r.body["author"]["kind"], "user");
        assert_eq!(r.body["actions"], json!([]));
        assert!(r.body["error"].is_null() && r.body["run_id"].is_null());
        assert!(
            r.body["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("cmsg_"))
        );
    }
    let all = w.messages(&w.admin, &channel).await;
    assert_eq!(
        all.iter().map(|m| m["text"].clone()).collect::<Vec<_>>(),
        vec![json!("hello 0"), json!("hello 1"), json!("hello 2")]
    );
    let r = w
        .call(
            &w.viewer,
            Method::GET,
            &format!("/v1/chat/threads/{channel}/messages?after_seq=1&limit=1"),
            None,
        )
        .await;
    assert_eq!(r.body["messages"][0]["seq"], 2, "{}", r.body);
    assert_eq!(r.body["next_after_seq"], 2, "{}", r.body);
    let r = w
        .call(
            &w.viewer,
            Method::GET,
            &format!("/v1/chat/threads/{channel}"),
            None,
        )
        .await;
    assert!(r.body["last_message_at"].is_string(), "{}", r.body);
    // Lists: newest activity first, paged by cursor.
    let second = w
        .thread(&w.viewer, json!({"kind": "channel", "title": "second"}))
        .await;
    let r = w
        .call(&w.viewer, Method::GET, "/v1/chat/threads?limit=1", None)
        .await;
    assert_eq!(r.body["threads"][0]["id"], json!(second), "{}", r.body);
    let cursor = r.body["next_cursor"].as_str().expect("cursor").to_string();
    let r = w
        .call(
            &w.viewer,
            Method::GET,
            &format!("/v1/chat/threads?limit=1&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(r.body["threads"][0]["id"], json!(channel), "{}", r.body);
    // Rename: the creator; for a channel also a project admin; not another viewer.
    let path = format!("/v1/chat/threads/{channel}");
    let r = w
        .call(
            &w.contributor,
            Method::PATCH,
            &path,
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .call(
            &w.admin,
            Method::PATCH,
            &path,
            Some(json!({"title": "  Renamed  "})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "Renamed");
    let r = w.call(&w.viewer, Method::DELETE, &path, None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = w.call(&w.viewer, Method::GET, &path, None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = w
        .call(&w.viewer, Method::GET, &format!("{path}/messages"), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    w.s.close().await;
}

async fn dms_are_their_creators_alone(backend: Backend) {
    let w = world(backend).await;
    let dm = w.thread(&w.contributor, json!({"kind": "dm"})).await;
    let r = w.post(&w.contributor, &dm, "just me").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let unknown = "cth_00000000-0000-7000-8000-000000000000".to_string();
    for who in [&w.viewer, &w.admin, &w.owner] {
        for (method, suffix, body) in [
            (Method::GET, "", None),
            (Method::PATCH, "", Some(json!({"title": "mine"}))),
            (Method::DELETE, "", None),
            (Method::GET, "/messages", None),
            (Method::POST, "/messages", Some(json!({"text": "hi"}))),
            (Method::GET, "/stream", None),
        ] {
            let theirs = w
                .call(
                    who,
                    method.clone(),
                    &format!("/v1/chat/threads/{dm}{suffix}"),
                    body.clone(),
                )
                .await;
            let none = w
                .call(
                    who,
                    method.clone(),
                    &format!("/v1/chat/threads/{unknown}{suffix}"),
                    body,
                )
                .await;
            assert_eq!(theirs.status, 404, "{method} {suffix}: {}", theirs.body);
            assert_eq!(theirs.body, none.body, "{method} {suffix}");
        }
        let r = w.call(who, Method::GET, "/v1/chat/threads", None).await;
        assert!(
            !r.body.to_string().contains(&dm),
            "someone else's dm is listed: {}",
            r.body
        );
    }
    let r = w
        .call(
            &w.contributor,
            Method::GET,
            "/v1/chat/threads?kind=dm",
            None,
        )
        .await;
    assert_eq!(r.body["threads"][0]["id"], json!(dm), "{}", r.body);
    w.s.close().await;
}

async fn bounds_and_hostile_input(backend: Backend) {
    let w = world(backend).await;
    let t = w.thread(&w.viewer, json!({"kind": "channel"})).await;
    let path = format!("/v1/chat/threads/{t}/messages");
    let big = "x".repeat(32 * 1024 + 1);
    let r = w.post(&w.viewer, &t, &big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.error().contains("32 KiB"), "{}", r.body);
    let r = w.post(&w.viewer, &t, &"x".repeat(32 * 1024)).await;
    assert_eq!(r.status, 201, "exactly 32 KiB is allowed: {}", r.body);
    let r = w.post(&w.viewer, &t, "   ").await;
    assert_eq!(r.status, 422, "{}", r.body);
    for body in [
        json!({}),
        json!({"text": 5}),
        json!({"text": "a", "extra": 1}),
        json!([1]),
    ] {
        let r = w
            .call(&w.viewer, Method::POST, &path, Some(body.clone()))
            .await;
        assert!(
            r.status == 400 || r.status == 422,
            "{body}: {} {}",
            r.status,
            r.body
        );
    }
    let world = &w;
    let new = |body: Value| async move {
        world
            .call(
                &world.contributor,
                Method::POST,
                "/v1/chat/threads",
                Some(body),
            )
            .await
    };
    let r = new(json!({"kind": "channel", "title": "t".repeat(201)})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        new(json!({"kind": "channel", "title": "t".repeat(200)}))
            .await
            .status,
        201
    );
    let r = new(json!({"kind": "autopilot"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.error().contains("/v1/autopilot/chat"), "{}", r.body);
    assert_eq!(new(json!({"kind": "room"})).await.status, 422);
    assert_eq!(new(json!({"title": "no kind"})).await.status, 400);
    let nine: Vec<String> = (0..9).map(|i| format!("agent-{i}")).collect();
    let r = new(json!({"kind": "channel", "agent_ids": nine})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = new(json!({"kind": "dm", "agent_ids": [w.agent, w.agent]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = new(json!({"kind": "channel", "agent_ids": ["no-such-agent"]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.error().contains("no-such-agent"), "{}", r.body);
    for query in [
        "limit=0",
        "limit=201",
        "kind=room",
        "cursor=garbage",
        "limit=x",
    ] {
        let r = w
            .call(
                &w.viewer,
                Method::GET,
                &format!("/v1/chat/threads?{query}"),
                None,
            )
            .await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
    }
    let r = w
        .call(
            &w.viewer,
            Method::GET,
            &format!("{path}?after_seq=-1"),
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Hostile ids answer like unknown ones (a NUL too, which PostgreSQL refuses in text).
    for id in ["..", "cth_%2e%2e", "'%20OR%201=1%20--", "%00", "cth_%00x"] {
        for suffix in ["", "/messages", "/stream"] {
            let r = w
                .call(
                    &w.viewer,
                    Method::GET,
                    &format!("/v1/chat/threads/{id}{suffix}"),
                    None,
                )
                .await;
            assert!(
                r.status == 404 || r.status == 400,
                "{id}{suffix}: {} {}",
                r.status,
                r.body
            );
        }
    }
    w.s.close().await;
}

async fn another_workspaces_thread_is_unknown(backend: Backend) {
    let w = world(backend).await;
    let t = w
        .thread(&w.owner, json!({"kind": "channel", "title": "acme only"}))
        .await;
    let (_, cookie) = w.s.signup("owner@globex.test", "password-123").await;
    let other = Auth::Session(cookie);
    let r =
        w.s.call(Method::POST, "/v1/workspaces")
            .auth(&other)
            .json(json!({"slug": "globex", "name": "Globex"}))
            .send()
            .await;
    assert_eq!(r.status, 201, "{}", r.body);
    for path in [
        format!("/v1/chat/threads/{t}"),
        format!("/v1/chat/threads/{t}/messages"),
    ] {
        let r =
            w.s.call(Method::GET, &path)
                .auth(&other)
                .tenant("globex")
                .send()
                .await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        let r =
            w.s.call(Method::GET, &path)
                .auth(&other)
                .tenant("acme")
                .send()
                .await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    w.s.close().await;
}

type Frames = Vec<(String, Option<String>, Value)>;

/// Reads SSE frames `(event, id, data)` from `response` until `want` of them came.
async fn sse_frames(response: reqwest::Response, want: usize) -> Frames {
    sse_frames_until(response, move |frames: &Frames| frames.len() >= want).await
}

/// Reads SSE frames from `response` until `done` says so.
async fn sse_frames_until(response: reqwest::Response, done: impl Fn(&Frames) -> bool) -> Frames {
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&frames) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("frames in time")
            .expect("the stream stays open")
            .expect("a chunk");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut event, mut id, mut data) = (String::new(), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !event.is_empty() {
                frames.push((event, id, serde_json::from_str(&data).expect("json data")));
            }
        }
    }
    frames
}

async fn open_stream(w: &World, who: &Auth, thread: &str, query: &str) -> reqwest::Response {
    let Auth::Session(cookie) = who else {
        panic!("sessions only")
    };
    let r =
        w.s.http
            .get(format!(
                "{}/v1/chat/threads/{thread}/stream{query}",
                w.s.base
            ))
            .header("cookie", format!("ar_session={cookie}"))
            .header("x-tenant-id", "acme")
            .send()
            .await
            .expect("stream");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .is_ok_and(|v| v.starts_with("text/event-stream")),
        "{:?}",
        r.headers()
    );
    r
}

async fn the_stream_sends_messages_live_and_resumes(backend: Backend) {
    let w = world(backend).await;
    let t = w.thread(&w.viewer, json!({"kind": "channel"})).await;
    w.post(&w.viewer, &t, "one").await;
    let stream = open_stream(&w, &w.contributor, &t, "").await;
    let reader = tokio::spawn(sse_frames(stream, 3));
    tokio::time::sleep(Duration::from_millis(200)).await;
    w.post(&w.viewer, &t, "two").await;
    w.post(&w.owner, &t, "three").await;
    let frames = reader.await.expect("reader");
    let got: Vec<(String, Option<String>, Value)> = frames
        .into_iter()
        .map(|(e, id, d)| (e, id, d["text"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("message".into(), Some("1".into()), json!("one")),
            ("message".into(), Some("2".into()), json!("two")),
            ("message".into(), Some("3".into()), json!("three")),
        ]
    );
    // Resume: after_seq, and Last-Event-ID when the query has none.
    let resumed = sse_frames(open_stream(&w, &w.viewer, &t, "?after_seq=2").await, 1).await;
    assert_eq!(resumed[0].2["text"], "three");
    let Auth::Session(cookie) = &w.viewer else {
        unreachable!()
    };
    let r =
        w.s.http
            .get(format!("{}/v1/chat/threads/{t}/stream", w.s.base))
            .header("cookie", format!("ar_session={cookie}"))
            .header("x-tenant-id", "acme")
            .header("last-event-id", "1")
            .send()
            .await
            .expect("stream");
    let resumed = sse_frames(r, 1).await;
    assert_eq!(resumed[0].2["seq"], 2);
    w.s.close().await;
}

async fn the_stream_closes_when_access_ends(backend: Backend) {
    let w = world(backend).await;
    let t = w.thread(&w.owner, json!({"kind": "channel"})).await;
    let stream = open_stream(&w, &w.viewer, &t, "").await;
    let reader = tokio::spawn(async move {
        let mut body = stream.bytes_stream();
        let mut text = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, body.next()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = w
        .call(
            &w.owner,
            Method::DELETE,
            &format!("/v1/chat/threads/{t}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let text = reader.await.expect("reader");
    assert!(
        text.contains("event: error") && text.contains("ACCESS_REVOKED"),
        "the stream ends with why: {text}"
    );
    w.s.close().await;
}

/// The WebSocket form of the stream: the same frames as JSON text, `{event, id, data}`;
/// 1008 with the reason once the thread is gone.
async fn the_stream_is_also_a_websocket(backend: Backend) {
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let w = world(backend).await;
    let t = w.thread(&w.owner, json!({"kind": "channel"})).await;
    w.post(&w.owner, &t, "before").await;
    let Auth::Session(cookie) = &w.viewer else {
        unreachable!()
    };
    let url = format!(
        "{}/v1/chat/threads/{t}/stream?tenant=acme",
        w.s.base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    headers.insert(
        "cookie",
        format!("ar_session={cookie}").parse().expect("cookie"),
    );
    headers.insert("origin", w.s.base.parse().expect("origin"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("handshake");
    let mut next = async || loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        match message {
            Message::Text(text) => return Ok(serde_json::from_str::<Value>(&text).expect("json")),
            Message::Close(frame) => return Err(frame),
            _ => continue,
        }
    };
    let first = next().await.expect("a frame");
    assert_eq!(first["event"], "message", "{first}");
    assert_eq!(first["id"], 1, "{first}");
    assert_eq!(first["data"]["text"], "before", "{first}");
    w.post(&w.contributor, &t, "after").await;
    let second = next().await.expect("a frame");
    assert_eq!(
        (second["id"].clone(), second["data"]["text"].clone()),
        (json!(2), json!("after"))
    );
    let r = w
        .call(
            &w.owner,
            Method::DELETE,
            &format!("/v1/chat/threads/{t}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let closed = next().await.expect_err("closed").expect("a close frame");
    assert_eq!(u16::from(closed.code), 1008, "{closed:?}");
    assert!(closed.reason.contains("deleted"), "{closed:?}");
    w.s.close().await;
}

/// Waits until the thread holds `n` messages.
async fn wait_for_messages(w: &World, who: &Auth, thread: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let all = w.messages(who, thread).await;
        if all.len() >= n {
            return all;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {} messages: {all:?}",
            all.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn agents_need_contributors_and_answer_once(backend: Backend) {
    let w = world(backend).await;
    // A viewer may not make a thread with an agent, nor start an agent's turn.
    let r = w
        .call(
            &w.viewer,
            Method::POST,
            "/v1/chat/threads",
            Some(json!({"kind": "dm", "agent_ids": [w.agent]})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.error().contains("contributor"), "{}", r.body);
    let room = w
        .thread(
            &w.contributor,
            json!({"kind": "channel", "title": "with helper", "agent_ids": [w.agent]}),
        )
        .await;
    let r = w.post(&w.viewer, &room, "viewer asks").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        w.messages(&w.viewer, &room).await.is_empty(),
        "a refused post stores nothing"
    );
    // A contributor's message starts the agent's turn: a run of no workflow, whose end
    // stores one reply (here a failed one: no model is reachable).
    let stream = open_stream(&w, &w.viewer, &room, "").await;
    // Until the reply (seq 2) and the turn's end came, whatever their order.
    let reader = tokio::spawn(sse_frames_until(stream, |frames: &Frames| {
        frames
            .iter()
            .any(|(e, _, d)| e == "message" && d["seq"] == 2)
            && frames
                .iter()
                .any(|(e, _, d)| e == "turn" && d["status"] == "failed")
    }));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = w.post(&w.contributor, &room, "hello helper").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let all = wait_for_messages(&w, &w.viewer, &room, 2).await;
    let reply = &all[1];
    assert_eq!(
        reply["author"],
        json!({"kind": "agent", "id": w.agent}),
        "{reply}"
    );
    assert_eq!(reply["seq"], 2);
    let run_id = reply["run_id"].as_str().expect("the reply names its run");
    assert!(reply["error"]["code"].is_string(), "{reply}");
    assert!(reply["error"]["message"].is_string(), "{reply}");
    let frames = reader.await.expect("reader");
    let kinds: Vec<(&str, Value)> = frames
        .iter()
        .map(|(e, _, d)| {
            (
                e.as_str(),
                if e == "turn" {
                    d["status"].clone()
                } else {
                    d["seq"].clone()
                },
            )
        })
        .collect();
    assert!(kinds.contains(&("message", json!(1))), "{frames:?}");
    assert!(kinds.contains(&("message", json!(2))), "{frames:?}");
    assert!(kinds.contains(&("turn", json!("running"))), "{frames:?}");
    assert!(kinds.contains(&("turn", json!("failed"))), "{frames:?}");
    // The run shows in the run list with no workflow.
    let r = w.call(&w.contributor, Method::GET, "/v1/runs", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let run = r.body["runs"]
        .as_array()
        .and_then(|runs| runs.iter().find(|x| x["run_id"] == run_id))
        .unwrap_or_else(|| panic!("the turn's run is listed: {}", r.body))
        .clone();
    assert!(run["workflow_id"].is_null(), "{run}");
    // Runs of no workflow break no other view of runs.
    for path in [
        "/v1/analytics/live-runs",
        "/v1/analytics/runs-count",
        "/v1/analytics/success-rate",
        "/v1/analytics/steps-summary",
        "/v1/analytics/execution-duration",
        "/v1/analytics/runs-timeseries",
        "/v1/analytics/usage-timeseries",
        "/v1/tasks/pending",
        "/v1/runs?status=failed",
    ] {
        let r = w.call(&w.contributor, Method::GET, path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    // The pass that finishes turns finds nothing more to do: still one reply.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(w.messages(&w.viewer, &room).await.len(), 2);
    w.s.close().await;
}

/// Stores on an existing Postgres schema, as a second node opens them.
async fn pg_stores(schema: &str, vault_keys: ar_connect::vault::MasterKeyRing) -> Stores {
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(schema))
        .await
        .expect("postgres");
    Stores {
        tenants: Arc::new(PgTenantStore::from_pool(pg.pool().clone())),
        automation: Arc::new(ar_store::automation::PgAutomationStore::from_pool(
            pg.pool().clone(),
        )),
        integrations: Arc::new(ar_store::integrations::PgIntegrationStore::from_pool(
            pg.pool().clone(),
        )),
        runs: Arc::new(pg),
        vault_keys: vault_keys.into(),
        mcp_state: Default::default(),
    }
}

/// A message appended on node A reaches a stream open on node B (both on one Postgres):
/// B reads the store every 0.5 s. Prints the latency of each message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_on_one_node_reaches_a_stream_on_another() {
    let schema = format!("chat_{}", uuid::Uuid::now_v7().simple());
    let keys = test_vault_keys();
    let a = start_on(pg_stores(&schema, keys.clone()).await, test_settings()).await;
    let b = start_on(pg_stores(&schema, keys).await, test_settings()).await;
    let w = world_on(a).await;
    let t = w.thread(&w.owner, json!({"kind": "channel"})).await;
    let Auth::Session(cookie) = &w.viewer else {
        unreachable!()
    };
    let stream = b
        .http
        .get(format!("{}/v1/chat/threads/{t}/stream", b.base))
        .header("cookie", format!("ar_session={cookie}"))
        .header("x-tenant-id", "acme")
        .send()
        .await
        .expect("stream on node B");
    assert_eq!(stream.status(), 200);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        let mut body = stream.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if block.contains("event: message") {
                    let _ = tx.send(std::time::Instant::now());
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut latencies = Vec::new();
    for i in 0..8 {
        let sent = std::time::Instant::now();
        let r = w
            .post(&w.contributor, &t, &format!("from node A {i}"))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let seen = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the message reached node B's stream within 5 s")
            .expect("frame");
        latencies.push(seen.duration_since(sent).as_millis());
        // Spread the posts over B's poll interval.
        tokio::time::sleep(Duration::from_millis(137)).await;
    }
    eprintln!("chat cross-node latency (ms): {latencies:?}");
    assert!(latencies.iter().all(|ms| *ms < 2_000), "{latencies:?}");
    reader.abort();
    b.close().await;
    w.s.close().await;
}

/// The pass over running turns (docs/agents.md "Chat", durability) finishes a turn whose
/// run ended while no node was listening (a crash), and fails one that never got a run.
async fn the_pass_finishes_turns_that_events_missed(backend: Backend) {
    use ar_server::chat::finisher::{UNSTARTED_GRACE_MS, finish_turns_of};
    use ar_store::integrations::{ChatStore, ChatTurnRecord, TURN_RUNNING};
    let w = world(backend).await;
    let room = w
        .thread(
            &w.contributor,
            json!({"kind": "dm", "agent_ids": [w.agent]}),
        )
        .await;
    let asked = w.post(&w.contributor, &room, "first").await;
    let done = wait_for_messages(&w, &w.contributor, &room, 2).await;
    let ended_run = done[1]["run_id"].as_str().expect("run").to_string();
    let state = &w.s.server.state;
    let store = state.integrations();
    let now = ar_store::now_ms();
    let turn = |id: &str, run: Option<&str>, at: i64| ChatTurnRecord {
        id: id.into(),
        thread_id: room.clone(),
        agent_id: Some(w.agent.clone()),
        reply_to: asked.body["id"].as_str().expect("id").into(),
        run_id: run.map(str::to_string),
        status: TURN_RUNNING.into(),
        created_at: at,
        updated_at: at,
    };
    // As a crash leaves them: a turn whose run has ended, one that never got a run (old
    // enough to give up on), and a fresh one still waiting for its run.
    let ended = turn("cmsg_ended-while-down", Some(&ended_run), now);
    let orphan = turn("cmsg_never-started", None, now - UNSTARTED_GRACE_MS - 1_000);
    let fresh = turn("cmsg_just-made", None, now);
    for t in [&ended, &orphan, &fresh] {
        ChatStore::create_turn(store, t).await.expect("turn");
    }
    finish_turns_of(state, None).await.expect("pass");
    let all = w.messages(&w.contributor, &room).await;
    let by_id = |id: &str| all.iter().find(|m| m["id"] == id).cloned();
    let ended_reply = by_id(&ended.id).expect("the ended run's turn is finished");
    assert_eq!(ended_reply["run_id"], json!(ended_run), "{ended_reply}");
    assert!(ended_reply["error"]["code"].is_string(), "{ended_reply}");
    let orphan_reply = by_id(&orphan.id).expect("the orphan is failed");
    assert_eq!(
        orphan_reply["error"]["code"], "TURN_NOT_STARTED",
        "{orphan_reply}"
    );
    assert!(by_id(&fresh.id).is_none(), "a fresh turn waits for its run");
    // Twice changes nothing: each reply is stored once.
    finish_turns_of(state, None).await.expect("pass");
    assert_eq!(w.messages(&w.contributor, &room).await.len(), all.len());
    w.s.close().await;
}

on_both_backends!(
    the_pass_finishes_turns_that_events_missed,
    threads_messages_and_shapes,
    dms_are_their_creators_alone,
    bounds_and_hostile_input,
    another_workspaces_thread_is_unknown,
    the_stream_sends_messages_live_and_resumes,
    the_stream_closes_when_access_ends,
    the_stream_is_also_a_websocket,
    agents_need_contributors_and_answer_once,
);
