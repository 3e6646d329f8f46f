//! The live event stream `GET /v1/workflows/{id}/stream` (docs/contract.md §7, §9) on both
//! backends: resume by sequence number with no gap and no duplicate, many subscribers on
//! one run sharing one hub, refusals before the upgrade, workflow-wide streams, and a run
//! executing on one Postgres node watched through another.

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Longest any test waits for one frame.
const FRAME_WAIT: Duration = Duration::from_secs(30);

/// Lua step `a`, a human approval `approve`, then Lua steps `c` and `d`: the run pauses
/// at the approval, so a test controls when its second half happens.
fn graph() -> Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "approve", "type": "human_task", "depends_on": ["a"], "task_type": "approval"},
        {"id": "c", "type": "lua_script", "depends_on": ["approve"], "script": "return {n = 3}"},
        {"id": "d", "type": "lua_script", "depends_on": ["c"], "script": "return {n = 4}"}
    ]})
}

/// A workspace `acme` with a published workflow and a read-only PAT of its owner.
struct Fixture {
    workflow: String,
    pat: String,
    session: String,
}

async fn fixture(s: &TestServer, slug: &str) -> Fixture {
    let (_, session) = s
        .signup(&format!("owner@{slug}.test"), "password-123")
        .await;
    let owner = Auth::Session(session.clone());
    let r = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&owner)
        .json(json!({"slug": slug, "name": slug}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .call(Method::POST, "/v1/projects")
        .auth(&owner)
        .tenant(slug)
        .json(json!({"name": "P"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let project = r.body["id"].as_str().expect("project").to_string();
    let r = s
        .call(Method::POST, "/v1/workflows")
        .auth(&owner)
        .tenant(slug)
        .project(&project)
        .json(json!({"name": "W", "graph": graph()}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let workflow = r.body["id"].as_str().expect("workflow").to_string();
    let r = s
        .call(Method::POST, format!("/v1/workflows/{workflow}/versions"))
        .auth(&owner)
        .tenant(slug)
        .json(json!({"changelog": "first"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&owner)
        .tenant(slug)
        .json(json!({"name": "watcher", "scopes": ["workflow:read"]}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    Fixture {
        workflow,
        pat: r.body["token"].as_str().expect("token").to_string(),
        session,
    }
}

/// Starts a run of the fixture's workflow on `s`'s node; returns its id.
async fn start_run(s: &TestServer, slug: &str, f: &Fixture) -> String {
    let state = &s.server.state;
    let ws = state
        .tenants()
        .workspace_by_slug(slug)
        .await
        .expect("workspace")
        .expect("exists");
    let wf = state
        .tenants()
        .workflow(&ws.id, &f.workflow)
        .await
        .expect("workflow")
        .expect("exists");
    ar_server::runs::start::start_workflow_run(state, &wf, json!({}), "test")
        .await
        .expect("run started")
        .run_id
}

async fn approve(s: &TestServer, run_id: &str) {
    s.server
        .state
        .engine()
        .complete_task(run_id, "approve", true, None, Some("test"))
        .await
        .expect("task completed");
}

fn stream_url(base: &str, workflow: &str, query: &str) -> String {
    let ws_base = base.replacen("http://", "ws://", 1);
    format!("{ws_base}/v1/workflows/{workflow}/stream{query}")
}

/// Opens a stream with a bearer token; `Err(status)` when the handshake is refused.
async fn connect(base: &str, workflow: &str, query: &str, pat: &str) -> Result<Socket, u16> {
    let mut request = stream_url(base, workflow, query)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {pat}").parse().expect("header"),
    );
    handshake(request).await
}

async fn handshake(request: tungstenite::handshake::client::Request) -> Result<Socket, u16> {
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("websocket connect failed: {e}"),
    }
}

/// The next frame that is an event or a close; pings are answered by the client library.
enum Frame {
    Event(Value),
    Closed(Option<CloseFrame>),
}

async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let message = tokio::time::timeout(FRAME_WAIT, socket.next())
            .await
            .expect("a frame within the wait");
        match message {
            Some(Ok(Message::Text(text))) => {
                return Frame::Event(serde_json::from_str(&text).expect("event JSON"));
            }
            Some(Ok(Message::Close(frame))) => return Frame::Closed(frame),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("stream error: {e}"),
            None => return Frame::Closed(None),
        }
    }
}

/// Events until one of `event_type` (included).
async fn read_until(socket: &mut Socket, event_type: &str) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        match next_frame(socket).await {
            Frame::Event(e) => {
                let done = e["event_type"] == event_type;
                events.push(e);
                if done {
                    return events;
                }
            }
            Frame::Closed(c) => panic!("closed before {event_type}: {c:?}; got {events:?}"),
        }
    }
}

/// Events until the server closes, and its close frame.
async fn read_to_close(socket: &mut Socket) -> (Vec<Value>, Option<CloseFrame>) {
    let mut events = Vec::new();
    loop {
        match next_frame(socket).await {
            Frame::Event(e) => events.push(e),
            Frame::Closed(c) => return (events, c),
        }
    }
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect()
}

/// Sequence numbers of the run's stored events after `after`.
async fn stored_seqs(s: &TestServer, run_id: &str, after: i64) -> Vec<i64> {
    s.server
        .state
        .engine()
        .store()
        .events(run_id, after, 10_000)
        .await
        .expect("events")
        .iter()
        .map(|e| e.seq)
        .collect()
}

fn assert_closed_normally(close: &Option<CloseFrame>) {
    let close = close.as_ref().expect("a close frame");
    assert_eq!(u16::from(close.code), 1000, "{close:?}");
    assert_eq!(close.reason.as_str(), "run ended");
}

async fn resume_after_disconnect(backend: Backend) {
    let s = start(backend).await;
    let f = fixture(&s, "acme").await;
    let run = start_run(&s, "acme", &f).await;
    let mut socket = connect(&s.base, &f.workflow, &format!("?run_id={run}"), &f.pat)
        .await
        .expect("connected");
    let first = read_until(&mut socket, "step_paused").await;
    let last = *seqs(&first).last().expect("events");
    assert_eq!(seqs(&first), (1..=last).collect::<Vec<_>>());
    assert_eq!(first[0]["event_type"], "run_started");
    assert_eq!(first[0]["run_id"], run.as_str());
    assert_eq!(first[0]["workflow_id"], f.workflow.as_str());
    for key in ["step_id", "data", "at"] {
        assert!(first[0].get(key).is_some(), "{key} missing: {}", first[0]);
    }
    socket.close(None).await.expect("closed");
    drop(socket);

    // The run goes on while nobody watches; the client comes back with its last seq.
    approve(&s, &run).await;
    let mut socket = connect(
        &s.base,
        &f.workflow,
        &format!("?run_id={run}&after_seq={last}"),
        &f.pat,
    )
    .await
    .expect("reconnected");
    let (rest, close) = read_to_close(&mut socket).await;
    assert_closed_normally(&close);
    assert_eq!(seqs(&rest), stored_seqs(&s, &run, last).await);
    assert_eq!(
        seqs(&rest),
        (last + 1..=last + rest.len() as i64).collect::<Vec<_>>()
    );
    assert_eq!(rest.last().expect("events")["event_type"], "run_completed");
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resuming_with_its_last_seq_gets_every_later_event_once_on_sqlite() {
    resume_after_disconnect(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resuming_with_its_last_seq_gets_every_later_event_once_on_postgres() {
    resume_after_disconnect(Backend::Postgres).await;
}

async fn many_subscribers(backend: Backend) {
    const SUBSCRIBERS: usize = 100;
    let s = start(backend).await;
    let f = fixture(&s, "acme").await;
    let run = start_run(&s, "acme", &f).await;
    let mut sockets = Vec::new();
    for _ in 0..SUBSCRIBERS {
        sockets.push(
            connect(&s.base, &f.workflow, &format!("?run_id={run}"), &f.pat)
                .await
                .expect("connected"),
        );
    }
    // Everyone has the first half; then the run finishes while all of them watch live.
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            tokio::spawn(async move {
                let mut events = read_until(&mut socket, "step_paused").await;
                (events.split_off(0), socket)
            })
        })
        .collect();
    let mut halfway = Vec::new();
    for r in readers {
        halfway.push(r.await.expect("reader"));
    }
    assert_eq!(
        s.server.state.streams().hub_count(),
        1,
        "one hub serves every subscriber of the run"
    );
    approve(&s, &run).await;
    let finishers: Vec<_> = halfway
        .into_iter()
        .map(|(mut events, mut socket)| {
            tokio::spawn(async move {
                let (rest, close) = read_to_close(&mut socket).await;
                events.extend(rest);
                (events, close)
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in finishers {
        results.push(f.await.expect("finisher"));
    }
    // Every subscriber saw the run end, so the store holds all of its events now.
    let expected = stored_seqs(&s, &run, 0).await;
    let mut reference: Option<Vec<Value>> = None;
    for (events, close) in results {
        assert_closed_normally(&close);
        assert_eq!(seqs(&events), expected);
        match &reference {
            None => reference = Some(events),
            Some(r) => assert_eq!(&events, r, "every subscriber sees the same events"),
        }
    }
    assert_eq!(
        reference.expect("subscribers").last().expect("events")["event_type"],
        "run_completed"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_subscribers_see_the_same_ordered_events_on_sqlite() {
    many_subscribers(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_subscribers_see_the_same_ordered_events_on_postgres() {
    many_subscribers(Backend::Postgres).await;
}

async fn refusals(backend: Backend) {
    let s = start(backend).await;
    let f = fixture(&s, "acme").await;
    let other = fixture(&s, "globex").await;
    let run = start_run(&s, "acme", &f).await;
    let other_run = start_run(&s, "globex", &other).await;
    let query = format!("?run_id={run}");

    // No credentials, or a bad token: 401 before any upgrade.
    let request = stream_url(&s.base, &f.workflow, &query)
        .into_client_request()
        .expect("request");
    assert_eq!(handshake(request).await.err(), Some(401));
    assert_eq!(
        connect(&s.base, &f.workflow, &query, "pat_not_a_token")
            .await
            .err(),
        Some(401)
    );
    // Another workspace's workflow, or its run under our workflow: not found.
    assert_eq!(
        connect(&s.base, &f.workflow, &query, &other.pat)
            .await
            .err(),
        Some(404)
    );
    assert_eq!(
        connect(
            &s.base,
            &f.workflow,
            &format!("?run_id={other_run}"),
            &f.pat
        )
        .await
        .err(),
        Some(404)
    );
    assert_eq!(
        connect(&s.base, &f.workflow, "?run_id=no-such-run", &f.pat)
            .await
            .err(),
        Some(404)
    );
    // Bad query: 400.
    assert_eq!(
        connect(&s.base, &f.workflow, "?after_seq=3", &f.pat)
            .await
            .err(),
        Some(400)
    );
    assert_eq!(
        connect(
            &s.base,
            &f.workflow,
            &format!("{query}&after_seq=-1"),
            &f.pat
        )
        .await
        .err(),
        Some(400)
    );
    // A plain GET (no WebSocket handshake) is told to upgrade, with a JSON error.
    let r = s
        .call(
            Method::GET,
            format!("/v1/workflows/{}/stream{query}", f.workflow),
        )
        .auth(&Auth::Pat(f.pat.clone()))
        .send()
        .await;
    assert_eq!(r.status, 426, "{}", r.body);
    assert!(r.error().contains("WebSocket"), "{}", r.body);

    // A session cookie works from this server's own origin (with ?tenant= since a
    // browser cannot send X-Tenant-Id), and is refused from another site.
    let cookie_request = |origin: &str| {
        let mut request = stream_url(&s.base, &f.workflow, &format!("{query}&tenant=acme"))
            .into_client_request()
            .expect("request");
        let headers = request.headers_mut();
        headers.insert(
            "Cookie",
            format!("ar_session={}", f.session).parse().expect("cookie"),
        );
        headers.insert("Origin", origin.parse().expect("origin"));
        request
    };
    assert_eq!(
        handshake(cookie_request("https://evil.example"))
            .await
            .err(),
        Some(403)
    );
    let mut socket = handshake(cookie_request(&s.base))
        .await
        .expect("same-origin cookie accepted");
    let events = read_until(&mut socket, "step_paused").await;
    assert_eq!(events[0]["seq"], 1);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_happen_before_the_upgrade_on_sqlite() {
    refusals(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_happen_before_the_upgrade_on_postgres() {
    refusals(Backend::Postgres).await;
}

async fn workflow_stream(backend: Backend) {
    let s = start(backend).await;
    let f = fixture(&s, "acme").await;
    let mut socket = connect(&s.base, &f.workflow, "", &f.pat)
        .await
        .expect("connected");
    let runs = [
        start_run(&s, "acme", &f).await,
        start_run(&s, "acme", &f).await,
    ];
    let mut paused = 0;
    let mut per_run: std::collections::HashMap<String, Vec<i64>> = Default::default();
    while paused < runs.len() {
        let Frame::Event(e) = next_frame(&mut socket).await else {
            panic!("a workflow stream stays open");
        };
        if e["event_type"] == "step_paused" {
            paused += 1;
        }
        let run = e["run_id"].as_str().expect("run_id").to_string();
        per_run
            .entry(run)
            .or_default()
            .push(e["seq"].as_i64().expect("seq"));
    }
    for run in &runs {
        let got = per_run.get(run).expect("events of every run");
        assert_eq!(got, &stored_seqs(&s, run, 0).await[..got.len()]);
        assert_eq!(got[0], 1);
    }
    // The stream outlives a run: finishing one keeps it open and delivers the rest.
    approve(&s, &runs[0]).await;
    loop {
        let Frame::Event(e) = next_frame(&mut socket).await else {
            panic!("a workflow stream stays open after a run ends");
        };
        if e["event_type"] == "run_completed" {
            assert_eq!(e["run_id"], runs[0].as_str());
            break;
        }
    }
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_stream_follows_every_run_on_sqlite() {
    workflow_stream(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_stream_follows_every_run_on_postgres() {
    workflow_stream(Backend::Postgres).await;
}

/// Two server nodes on one fresh Postgres schema with one master key (as a Postgres
/// deployment must have).
async fn two_nodes() -> (TestServer, TestServer, tempfile::TempDir) {
    let schema = format!("stream_{}", uuid::Uuid::now_v7().simple());
    // Both nodes share one master key, as a Postgres deployment must.
    let data = tempfile::tempdir().expect("data dir");
    std::fs::write(
        data.path().join("master.key"),
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )
    .expect("master key");
    std::fs::set_permissions(
        data.path().join("master.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod 600");
    let node = || async {
        let settings = ar_server::Settings {
            data_dir: data.path().to_path_buf(),
            database_url: Some(PG_URL.to_string()),
            database_schema: Some(schema.clone()),
            ..test_settings()
        };
        let stores = ar_server::open_stores(&settings)
            .await
            .expect("postgres (is it running?)");
        start_on(stores, settings).await
    };
    let a = node().await;
    let b = node().await;
    (a, b, data)
}

/// Node B's engine is stopped, so every step of the run executes on node A and B learns
/// of the events only through the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_executing_on_one_node_is_watched_through_another() {
    let (a, b, _data) = two_nodes().await;
    b.server.state.engine().shutdown().await;
    let f = fixture(&a, "acme").await;
    let run = start_run(&a, "acme", &f).await;

    let mut socket = connect(&b.base, &f.workflow, &format!("?run_id={run}"), &f.pat)
        .await
        .expect("connected to node B");
    let first = read_until(&mut socket, "step_paused").await;
    let last = *seqs(&first).last().expect("events");
    socket.close(None).await.expect("closed");
    drop(socket);
    let mut watcher = connect(
        &b.base,
        &f.workflow,
        &format!("?run_id={run}&after_seq={last}"),
        &f.pat,
    )
    .await
    .expect("reconnected to node B");
    approve(&a, &run).await;
    let (rest, close) = read_to_close(&mut watcher).await;
    assert_closed_normally(&close);
    let mut all = first;
    all.extend(rest);
    assert_eq!(seqs(&all), stored_seqs(&a, &run, 0).await);
    assert_eq!(all.last().expect("events")["event_type"], "run_completed");
    b.close().await;
    a.close().await;
}

/// Regression: node B discovered other nodes' runs only by polling for *active* runs, so a
/// run that started and ended on node A between two polls never reached a workflow stream
/// on B. Here each run is stopped right after it starts, well within one poll interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_starts_and_ends_between_polls_on_another_node_is_streamed() {
    let (a, b, _data) = two_nodes().await;
    b.server.state.engine().shutdown().await;
    let f = fixture(&a, "acme").await;
    let mut socket = connect(&b.base, &f.workflow, "", &f.pat)
        .await
        .expect("connected to node B");
    let mut runs = Vec::new();
    for _ in 0..3 {
        let run = start_run(&a, "acme", &f).await;
        a.server
            .state
            .engine()
            .stop(&run, ar_engine::StopMode::Immediate, None)
            .await
            .expect("stopped");
        runs.push(run);
    }
    let mut per_run: std::collections::HashMap<String, Vec<Value>> = Default::default();
    let mut stopped = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while stopped < runs.len() {
        let frame = tokio::time::timeout_at(deadline, next_frame(&mut socket))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {stopped} of {} stopped runs reached the stream on node B: {per_run:?}",
                    runs.len()
                )
            });
        let Frame::Event(e) = frame else {
            panic!("a workflow stream stays open");
        };
        if e["event_type"] == "run_stopped" {
            stopped += 1;
        }
        let run = e["run_id"].as_str().expect("run_id").to_string();
        per_run.entry(run).or_default().push(e);
    }
    for run in &runs {
        let got = per_run.get(run).expect("every short run is streamed");
        assert_eq!(
            seqs(got),
            stored_seqs(&a, run, 0).await,
            "all of run {run}'s events, once"
        );
    }
    b.close().await;
    a.close().await;
}

/// Issue 13 item 5: a token revoked through node A closes a stream it opened on node B
/// within a second (B re-checks the caller's access in the shared database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_on_one_node_closes_its_stream_on_another() {
    let (a, b, _data) = two_nodes().await;
    let f = fixture(&a, "acme").await;
    let mut socket = connect(&b.base, &f.workflow, "", &f.pat)
        .await
        .expect("connected to node B");
    let owner = Auth::Session(f.session.clone());
    let r = a
        .call(Method::GET, "/v1/pats")
        .auth(&owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pat_id = r.body["pats"][0]["id"]
        .as_str()
        .expect("pat id")
        .to_string();
    let r = a
        .call(Method::DELETE, format!("/v1/pats/{pat_id}"))
        .auth(&owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let revoked_at = std::time::Instant::now();
    let (events, close) = read_to_close(&mut socket).await;
    assert!(events.is_empty(), "{events:?}");
    assert!(
        revoked_at.elapsed() < Duration::from_secs(2),
        "closed {:?} after the revocation",
        revoked_at.elapsed()
    );
    let close = close.expect("a close frame");
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    assert_eq!(
        close.reason.as_str(),
        "access revoked: the token was revoked"
    );
    b.close().await;
    a.close().await;
}
