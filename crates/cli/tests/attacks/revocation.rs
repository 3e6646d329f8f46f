//! Item 5: revocation is enforced on long-lived access.
//! - A live event stream opened with a PAT kept delivering after the PAT was revoked (and
//!   likewise after expiry, sign-out, deactivation or loss of project access): now the
//!   stream is closed within a second with 1008 "access revoked: <why>".
//! - A cron trigger kept firing for a creator who was removed: now the fire is refused,
//!   starts no run, and the refusal is recorded as the trigger's `last_error`.
//! - A webhook delivery whose automation PAT was revoked, or whose user was removed, was
//!   refused but left no trace for whoever manages the webhook: now the subscription
//!   shows the refusal and its reason (`last_refusal`).

use std::time::Duration;

use futures::StreamExt;
use hmac::{KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::boundary_support::*;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The longest a stream may stay open after its access ends: the promised second, plus
/// slack for a loaded two-core test machine.
const CLOSE_WITHIN: Duration = Duration::from_millis(2_000);

/// A graph whose runs wait for a person: a stream of it has nothing to say on its own.
fn waiting_graph() -> Value {
    json!({"steps": [{"id": "a", "type": "human_task"}]})
}

/// Opens the workflow-wide stream (it stays open while access holds) as `api`.
async fn open_stream(api: &Api, workflow: &str) -> Socket {
    let tenant = api.tenant.as_deref().expect("a workspace");
    let url = format!(
        "{}/v1/workflows/{workflow}/stream?tenant={tenant}",
        api.base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    match &api.credential {
        Credential::Pat(pat) => {
            headers.insert(
                "Authorization",
                format!("Bearer {pat}").parse().expect("header"),
            );
        }
        Credential::Session(cookie) => {
            headers.insert("Cookie", cookie.parse().expect("header"));
            headers.insert("Origin", api.base.parse().expect("header"));
        }
    }
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the stream opens");
    socket
}

/// Asserts the stream stays open (no close, no frame) for a while: what ends it later is
/// the revocation, not something else.
async fn assert_still_open(socket: &mut Socket) {
    if let Ok(frame) = tokio::time::timeout(Duration::from_millis(1_200), socket.next()).await {
        panic!("the stream ended before anything was revoked: {frame:?}");
    }
}

/// Waits for the server's close frame, at most `within` from `since`; returns its reason.
async fn closed_for_revocation(socket: &mut Socket, since: Instant, within: Duration) -> String {
    loop {
        let frame = tokio::time::timeout_at(since + within, socket.next())
            .await
            .unwrap_or_else(|_| panic!("the stream was still open {within:?} after revocation"));
        match frame {
            Some(Ok(Message::Close(Some(close)))) => {
                assert_eq!(close.code, CloseCode::Policy, "{close:?}");
                let reason = close.reason.to_string();
                assert!(reason.starts_with("access revoked: "), "{reason}");
                return reason;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a close frame saying why, got {other:?}"),
        }
    }
}

async fn delete(api: &Api, path: &str) -> u16 {
    api.send(Method::DELETE, path, None).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_closes_when_its_pat_is_revoked() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner.published_workflow("watched", waiting_graph()).await;
    let (pat_id, pat) = owner.create_pat(&["workflow:read"]).await;
    let mut socket = open_stream(&owner.with_pat(&pat), &workflow).await;
    assert_still_open(&mut socket).await;

    assert_eq!(
        delete(&owner.without_project(), &format!("/v1/pats/{pat_id}")).await,
        204
    );
    let revoked_at = Instant::now();
    let reason = closed_for_revocation(&mut socket, revoked_at, CLOSE_WITHIN).await;
    assert!(reason.contains("revoked"), "{reason}");
    println!(
        "closed {:?} after revocation: {reason}",
        revoked_at.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_closes_when_its_pat_expires() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner.published_workflow("watched", waiting_graph()).await;
    let lifetime = Duration::from_secs(4);
    let expires = chrono::Utc::now() + lifetime;
    let r = owner
        .without_project()
        .post(
            "/v1/pats",
            json!({"name": "short", "scopes": ["workflow:read"],
                   "expires_at": expires.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let expiry = Instant::now() + lifetime;
    let pat = r.body["token"].as_str().expect("token");
    let mut socket = open_stream(&owner.with_pat(pat), &workflow).await;
    assert_still_open(&mut socket).await;

    let reason = closed_for_revocation(&mut socket, expiry, CLOSE_WITHIN).await;
    assert!(reason.contains("expired"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_stream_closes_on_sign_out() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner.published_workflow("watched", waiting_graph()).await;
    let mut socket = open_stream(&owner, &workflow).await;
    assert_still_open(&mut socket).await;

    let r = owner
        .without_project()
        .post("/v1/auth/logout", json!({}))
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let signed_out_at = Instant::now();
    let reason = closed_for_revocation(&mut socket, signed_out_at, CLOSE_WITHIN).await;
    assert!(reason.contains("signed out"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_closes_when_its_member_is_removed_or_loses_the_project() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner.published_workflow("watched", waiting_graph()).await;

    // Removed from the workspace: a PAT stream and a session stream.
    let (removed, member_id) = member(&owner, "removed@member.test", "member").await;
    let (_, pat) = removed.create_pat(&["workflow:read"]).await;
    let mut by_pat = open_stream(&removed.with_pat(&pat), &workflow).await;
    let mut by_session = open_stream(&removed, &workflow).await;
    assert_still_open(&mut by_pat).await;
    assert_eq!(
        delete(
            &owner.without_project(),
            &format!("/v1/members/{member_id}")
        )
        .await,
        204
    );
    let removed_at = Instant::now();
    for socket in [&mut by_pat, &mut by_session] {
        let reason = closed_for_revocation(socket, removed_at, CLOSE_WITHIN).await;
        assert!(reason.contains("no longer an active member"), "{reason}");
    }

    // Still a member, but the project turns private: they lose access to it.
    let (reader, _) = member(&owner, "outsider@member.test", "member").await;
    let mut socket = open_stream(&reader, &workflow).await;
    assert_still_open(&mut socket).await;
    let project = owner.project.clone().expect("project");
    let r = owner
        .without_project()
        .patch(
            &format!("/v1/projects/{project}"),
            json!({"visibility": "private"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let private_at = Instant::now();
    let reason = closed_for_revocation(&mut socket, private_at, CLOSE_WITHIN).await;
    assert!(reason.contains("no longer has access"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_trigger_of_a_removed_creator_does_not_fire() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner.published_workflow("scheduled", waiting_graph()).await;
    let (creator, creator_id) = member(&owner, "creator@member.test", "member").await;
    let r = creator
        .post(
            &format!("/v1/workflows/{workflow}/triggers"),
            json!({"cron": "* * * * *"}),
        )
        .await;
    assert_eq!(r.status, 201, "create trigger: {:?}", r.body);
    let trigger = r.body["id"].as_str().expect("trigger id").to_owned();
    assert_eq!(
        delete(
            &owner.without_project(),
            &format!("/v1/members/{creator_id}")
        )
        .await,
        204
    );

    // The trigger is due at the next minute; wait for its fire to be recorded.
    let deadline = Instant::now() + Duration::from_secs(90);
    let fired = loop {
        let r = owner
            .get(&format!("/v1/workflows/{workflow}/triggers/{trigger}"))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        if !r.body["last_fired_at"].is_null() {
            break r.body;
        }
        assert!(
            Instant::now() < deadline,
            "the trigger never fired: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let error = fired["last_error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("fire refused:") && error.contains("no longer an active member"),
        "the refused fire is recorded with its reason: {fired}"
    );
    assert!(fired["last_run_id"].is_null(), "{fired}");
    let r = owner.get(&format!("/v1/workflows/{workflow}/runs")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["runs"].as_array().map(Vec::len),
        Some(0),
        "no run started for the removed creator: {}",
        r.body
    );
}

/// A delivery signed in the hosted form (`sha256=<HMAC of the body>`).
async fn deliver(base: &str, hook: &str, secret: &str, pat: &str) -> u16 {
    let body = br#"{"order": 1}"#;
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    reqwest::Client::new()
        .post(format!("{base}/v1/inbound-webhooks/{hook}"))
        .bearer_auth(pat)
        .header("X-Agentruntime-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("deliver")
        .status()
        .as_u16()
}

/// A subscription of `api` to `workflow` with its PAT `pat_id`: (id, signing secret).
async fn subscription(api: &Api, workflow: &str, pat_id: &str) -> (String, String) {
    let r = api
        .post(
            "/v1/inbound-webhooks",
            json!({"workflow_id": workflow, "automation_pat_id": pat_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_str().expect("id").to_owned(),
        r.body["signing_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}

async fn run_count(api: &Api, workflow: &str) -> usize {
    let r = api.get(&format!("/v1/workflows/{workflow}/runs")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["runs"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_of_a_revoked_pat_or_removed_user_is_refused_and_recorded() {
    let served = serve(None, &[]);
    let base = served.base();
    let (owner, _) = owner(base).await;
    let workflow = owner.published_workflow("hooked", waiting_graph()).await;

    // The owner's subscription, whose PAT is then revoked.
    let (pat_id, pat) = owner.create_pat(&["workflow:run"]).await;
    let (hook, secret) = subscription(&owner, &workflow, &pat_id).await;
    assert_eq!(deliver(base, &hook, &secret, &pat).await, 202);
    assert_eq!(
        delete(&owner.without_project(), &format!("/v1/pats/{pat_id}")).await,
        204
    );
    assert_eq!(deliver(base, &hook, &secret, &pat).await, 401);
    let r = owner.get(&format!("/v1/inbound-webhooks/{hook}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let reason = r.body["last_refusal"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("revoked"), "{}", r.body);

    // A member's subscription; the member is then removed.
    let (member, member_id) = member(&owner, "hooker@member.test", "member").await;
    let (member_pat_id, member_pat) = member.create_pat(&["workflow:run"]).await;
    let (hook, secret) = subscription(&member, &workflow, &member_pat_id).await;
    assert_eq!(deliver(base, &hook, &secret, &member_pat).await, 202);
    assert_eq!(
        delete(
            &owner.without_project(),
            &format!("/v1/members/{member_id}")
        )
        .await,
        204
    );
    assert_eq!(deliver(base, &hook, &secret, &member_pat).await, 403);
    let r = owner.get(&format!("/v1/inbound-webhooks/{hook}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let reason = r.body["last_refusal"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("no longer an active member"), "{}", r.body);
    assert_eq!(
        run_count(&owner, &workflow).await,
        2,
        "only the two accepted deliveries ran"
    );
}
