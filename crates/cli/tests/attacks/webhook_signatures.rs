//! Item 9: webhooks.
//!
//! The attacks (worked on main): a captured signed delivery can be sent again and starts
//! another run (no timestamped form, so nothing ties a signature to a moment); and the
//! automation PAT, which travels with every delivery, may carry `admin`, so whoever
//! captures one delivery administers the workspace. Now: a timestamped form
//! (`t=…,v1=…`, 5-minute tolerance) that a subscription can require, each such signature
//! accepted once; an `admin` token is refused as automation PAT at creation and at
//! ingress. The hosted form (plain signature + PAT) keeps working.

use hmac::{KeyInit, Mac};
use serde_json::json;

use crate::boundary_support::*;
use crate::serve_support::Reply;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The hosted form: `sha256=<HMAC of the body>`.
fn plain(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret, body))
}

/// The timestamped form: `t=<secs>,v1=<HMAC of "<t>.<body>">`.
fn timestamped(secret: &str, t: i64, body: &[u8]) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    format!("t={t},v1={}", hmac_hex(secret, &message))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// One delivery to the public ingress.
async fn deliver(base: &str, hook: &str, pat: &str, signature: &str, body: &[u8]) -> Reply {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/inbound-webhooks/{hook}"))
        .bearer_auth(pat)
        .header("X-Agentruntime-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("deliver");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    }
}

async fn run_count(api: &Api, workflow: &str) -> usize {
    let r = api.get(&format!("/v1/workflows/{workflow}/runs")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["runs"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_token_cannot_be_a_webhook_credential() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner
        .published_workflow(
            "hooked",
            json!({"steps": [{"id": "a", "type": "human_task"}]}),
        )
        .await;
    let (admin_pat_id, admin_pat) = owner
        .create_pat(&["workflow:run", "workflow:write", "admin"])
        .await;
    let (_, run_pat) = owner.create_pat(&["workflow:run"]).await;

    // Binding an admin token as the subscription's automation PAT is refused.
    let r = owner
        .post(
            "/v1/inbound-webhooks",
            json!({"workflow_id": workflow, "automation_pat_id": admin_pat_id}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("admin")
    );
    // So is creating it with that token (which would bind the token itself).
    let r = owner
        .with_pat(&admin_pat)
        .post("/v1/inbound-webhooks", json!({"workflow_id": workflow}))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    // A subscription made in a session accepts any of the user's run tokens, but never
    // one that carries admin.
    let r = owner
        .post("/v1/inbound-webhooks", json!({"workflow_id": workflow}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let hook = r.body["id"].as_str().expect("id").to_owned();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let body = br#"{"order": 1}"#;
    let r = deliver(
        served.base(),
        &hook,
        &admin_pat,
        &plain(&secret, body),
        body,
    )
    .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(run_count(&owner, &workflow).await, 0);
    // The hosted ingress (plain signature + a run-only PAT) keeps working.
    let r = deliver(served.base(), &hook, &run_pat, &plain(&secret, body), body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(run_count(&owner, &workflow).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_timestamped_delivery_cannot_be_replayed() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner
        .published_workflow(
            "hooked",
            json!({"steps": [{"id": "a", "type": "human_task"}]}),
        )
        .await;
    let (run_pat_id, run_pat) = owner.create_pat(&["workflow:run"]).await;
    let r = owner
        .post(
            "/v1/inbound-webhooks",
            json!({"workflow_id": workflow, "automation_pat_id": run_pat_id,
                   "require_timestamp": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["require_timestamp"], true);
    let hook = r.body["id"].as_str().expect("id").to_owned();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let body = br#"{"order": 2}"#;
    let base = served.base();

    // The sender's delivery starts a run; the same bytes sent again (a replay by whoever
    // captured them) start nothing.
    let signed = timestamped(&secret, now_secs(), body);
    let first = deliver(base, &hook, &run_pat, &signed, body).await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let replay = deliver(base, &hook, &run_pat, &signed, body).await;
    assert_eq!(replay.status, 409, "{:?}", replay.body);
    assert!(
        replay.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("replay")
    );
    assert_eq!(run_count(&owner, &workflow).await, 1);
    // A delivery signed long ago (outside the 5-minute tolerance) is refused, and so is
    // the plain form on a subscription that requires the timestamped one.
    let stale = timestamped(&secret, now_secs() - 600, body);
    assert_eq!(
        deliver(base, &hook, &run_pat, &stale, body).await.status,
        401
    );
    let r = deliver(base, &hook, &run_pat, &plain(&secret, body), body).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(run_count(&owner, &workflow).await, 1);
    // A fresh signature of the same body is a new delivery.
    let again = timestamped(&secret, now_secs() + 1, body);
    assert_eq!(
        deliver(base, &hook, &run_pat, &again, body).await.status,
        202
    );
    assert_eq!(run_count(&owner, &workflow).await, 2);
}
