//! Inbound webhooks and cron triggers over a real listener (docs/contract.md §10): the secret shown
//! once, signatures, the automation PAT, disabled subscriptions, extras merge,
//! `Idempotency-Key`, tenant isolation, trigger validation, one catch-up fire after
//! downtime, and two nodes on one Postgres firing a trigger once. Every API test runs on
//! SQLite and on Postgres.

mod common;

use std::sync::Arc;

use ar_server::Stores;
use ar_server::automation::scheduler::Scheduler;
use ar_server::automation::signature::{sign, sign_timestamped};
use ar_store::RunStatus;
use ar_store::automation::PgAutomationStore;
use ar_store::tenant::PgTenantStore;
use ar_store::{PgConfig, PgStore};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A workspace with its owner, a published workflow and the owner's automation token.
struct World {
    s: TestServer,
    slug: String,
    owner: Auth,
    project: String,
    workflow: String,
    /// The owner's token with `workflow:run` (id, token).
    pat_id: String,
    pat: String,
}

const ALL_STATUSES: [RunStatus; 7] = [
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Paused,
    RunStatus::Draining,
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Stopped,
];

async fn create_pat(s: &TestServer, slug: &str, who: &Auth, scopes: &[&str]) -> (String, String) {
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(who)
        .tenant(slug)
        .json(json!({"name": "automation", "scopes": scopes}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_str().expect("id").into(),
        r.body["token"].as_str().expect("token").into(),
    )
}

/// A workflow with one human task (its runs wait, so their input can be read at leisure).
fn intake_graph() -> Value {
    json!({"name": "intake", "graph": {"steps": [{"id": "review", "type": "human_task"}]}})
}

async fn tenant_on(s: TestServer, slug: &str) -> World {
    let ws = workspace(&s, slug).await;
    let workflow = published_workflow(&s, &ws, intake_graph()).await;
    let (pat_id, pat) = create_pat(&s, slug, &ws.owner, &["workflow:read", "workflow:run"]).await;
    World {
        s,
        slug: ws.slug,
        owner: ws.owner,
        project: ws.project,
        workflow,
        pat_id,
        pat,
    }
}

async fn world(backend: Backend) -> World {
    tenant_on(start(backend).await, "acme").await
}

impl World {
    /// Creates a subscription as the owner; returns the creation reply.
    async fn create_webhook(&self, body: Value) -> Reply {
        self.s
            .call(Method::POST, "/v1/inbound-webhooks")
            .auth(&self.owner)
            .tenant(&self.slug)
            .json(body)
            .send()
            .await
    }

    /// A subscription bound to the owner's automation token: (id, signing secret).
    async fn webhook(&self, extras: Value) -> (String, String) {
        let r = self
            .create_webhook(json!({"workflow_id": self.workflow, "extras": extras, "automation_pat_id": self.pat_id}))
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        (
            r.body["id"].as_str().expect("id").into(),
            r.body["signing_secret"].as_str().expect("secret").into(),
        )
    }

    async fn trigger(&self, id: &str) -> ar_store::automation::TriggerRecord {
        self.s
            .server
            .state
            .automation()
            .trigger(&self.workflow, id)
            .await
            .expect("read trigger")
            .expect("the trigger exists")
    }

    /// `GET` of one trigger through the API, as the owner.
    async fn get_trigger(&self, id: &str) -> Reply {
        self.s
            .call(
                Method::GET,
                format!("/v1/workflows/{}/triggers/{id}", self.workflow),
            )
            .auth(&self.owner)
            .tenant(&self.slug)
            .send()
            .await
    }

    async fn run_count(&self) -> usize {
        self.s
            .server
            .state
            .engine()
            .store()
            .runs_with_status(&ALL_STATUSES)
            .await
            .expect("runs")
            .len()
    }

    async fn run_input(&self, run_id: &str) -> Value {
        self.s
            .server
            .state
            .engine()
            .store()
            .get_run(run_id)
            .await
            .expect("read run")
            .expect("the run exists")
            .input
    }
}

/// One delivery to the ingress, with the raw `body` and the headers given.
struct Delivery<'a> {
    body: &'a str,
    signature: Option<String>,
    bearer: Option<&'a str>,
    idempotency_key: Option<&'a str>,
}

impl<'a> Delivery<'a> {
    /// Signed with `secret`, carrying `pat`.
    fn signed(body: &'a str, secret: &str, pat: &'a str) -> Delivery<'a> {
        Delivery {
            body,
            signature: Some(sign(secret, body.as_bytes())),
            bearer: Some(pat),
            idempotency_key: None,
        }
    }

    async fn send(self, s: &TestServer, webhook_id: &str) -> Reply {
        let mut req = s
            .http
            .post(format!("{}/v1/inbound-webhooks/{webhook_id}", s.base))
            .header("Content-Type", "application/json")
            .body(self.body.to_string());
        if let Some(sig) = &self.signature {
            req = req.header("X-Agentruntime-Signature", sig);
        }
        if let Some(token) = self.bearer {
            req = req.bearer_auth(token);
        }
        if let Some(key) = self.idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }
}

async fn webhook_secret_is_shown_once_and_ingress_needs_signature_and_pat(backend: Backend) {
    let w = world(backend).await;
    let r = w
        .create_webhook(
            json!({"workflow_id": w.workflow, "name": "CRM", "automation_pat_id": w.pat_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(r.body["subscription_id"], id.as_str());
    assert_eq!(r.body["ingress_path"], format!("/v1/inbound-webhooks/{id}"));
    assert_eq!(
        r.body["ingress_url"],
        format!("{}/v1/inbound-webhooks/{id}", w.s.base)
    );
    assert_eq!(r.body["enabled"], true);

    // Never shown again: not in get, not in list, and not in clear in the database.
    let get =
        w.s.call(Method::GET, format!("/v1/inbound-webhooks/{id}"))
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(get.status, 200, "{:?}", get.body);
    assert_eq!(get.body["name"], "CRM");
    let list =
        w.s.call(Method::GET, "/v1/inbound-webhooks")
            .auth(&w.owner)
            .tenant(&w.slug)
            .project(&w.project)
            .send()
            .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["inbound_webhooks"][0]["id"], id.as_str());
    for body in [&get.body, &list.body] {
        assert!(body.get("signing_secret").is_none());
        assert!(!body.to_string().contains(&secret), "{body}");
    }
    let stored =
        w.s.server
            .state
            .automation()
            .webhook_for_ingress(&id)
            .await
            .expect("read")
            .expect("stored");
    assert!(!stored.signing_secret_sealed.to_string().contains(&secret));

    let body = r#"{"order": 42}"#;
    // Missing, malformed and wrong signatures start nothing.
    let missing = Delivery {
        signature: None,
        ..Delivery::signed(body, &secret, &w.pat)
    };
    let r = missing.send(&w.s, &id).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(
        r.error().contains("X-Agentruntime-Signature"),
        "{:?}",
        r.body
    );
    let malformed = Delivery {
        signature: Some("sha256=not-hex".into()),
        ..Delivery::signed(body, &secret, &w.pat)
    };
    assert_eq!(malformed.send(&w.s, &id).await.status, 401);
    let wrong_secret = Delivery::signed(body, "whsec_someone_else", &w.pat);
    let r = wrong_secret.send(&w.s, &id).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(r.error().contains("does not match"), "{:?}", r.body);
    let tampered = Delivery {
        body: r#"{"order": 43}"#,
        ..Delivery::signed(body, &secret, &w.pat)
    };
    assert_eq!(tampered.send(&w.s, &id).await.status, 401);

    // The automation PAT: missing or invalid 401, someone else's (or another of the
    // owner's) 403.
    let no_pat = Delivery {
        bearer: None,
        ..Delivery::signed(body, &secret, &w.pat)
    };
    let r = no_pat.send(&w.s, &id).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(r.error().contains("automation PAT"), "{:?}", r.body);
    assert_eq!(
        Delivery::signed(body, &secret, "pat_not_a_real_token")
            .send(&w.s, &id)
            .await
            .status,
        401
    );
    let (_, other_of_owner) = create_pat(&w.s, &w.slug, &w.owner, &["workflow:run"]).await;
    let r = Delivery::signed(body, &secret, &other_of_owner)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let (member_id, member_cookie) = w.s.signup("member@acme.test", "password-123").await;
    let ws =
        w.s.tenants()
            .workspace_by_slug(&w.slug)
            .await
            .expect("ws")
            .expect("ws");
    w.s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id: ws.id,
            user_id: member_id,
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    let (_, member_pat) = create_pat(
        &w.s,
        &w.slug,
        &Auth::Session(member_cookie),
        &["workflow:run"],
    )
    .await;
    assert_eq!(
        Delivery::signed(body, &secret, &member_pat)
            .send(&w.s, &id)
            .await
            .status,
        403
    );
    assert_eq!(w.run_count().await, 0, "no refused delivery started a run");

    // Correct signature and token: the run starts with the body as its payload.
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["workflow_id"], w.workflow.as_str());
    assert_eq!(r.body["subscription_id"], id.as_str());
    assert_eq!(r.body["duplicate"], false);
    let run_id = r.body["run_id"].as_str().expect("run id");
    assert_eq!(w.run_input(run_id).await, json!({"order": 42}));
    assert_eq!(w.run_count().await, 1);

    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, "no-such-subscription")
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    w.s.close().await;
}

async fn extras_merge_under_the_body_and_idempotency_keys_start_one_run(backend: Backend) {
    let w = world(backend).await;
    let (id, secret) = w.webhook(json!({"source": "crm", "priority": "low"})).await;
    let body = r#"{"priority": "high", "order": 42}"#;
    let first = Delivery {
        idempotency_key: Some("delivery-1"),
        ..Delivery::signed(body, &secret, &w.pat)
    };
    let r = first.send(&w.s, &id).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let run_id = r.body["run_id"].as_str().expect("run").to_string();
    assert_eq!(
        w.run_input(&run_id).await,
        json!({"source": "crm", "priority": "high", "order": 42}),
        "the body wins over extras"
    );

    // The same key again (even with another body): the first run, no new one.
    let again = Delivery {
        idempotency_key: Some("delivery-1"),
        ..Delivery::signed(r#"{"order": 99}"#, &secret, &w.pat)
    };
    let r = again.send(&w.s, &id).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["run_id"], run_id.as_str());
    assert_eq!(r.body["duplicate"], true);
    assert_eq!(w.run_count().await, 1);

    let other_key = Delivery {
        idempotency_key: Some("delivery-2"),
        ..Delivery::signed(body, &secret, &w.pat)
    };
    let r = other_key.send(&w.s, &id).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_ne!(r.body["run_id"], run_id.as_str());
    assert_eq!(w.run_count().await, 2);

    // Without a key every delivery is new; an empty body is just the extras.
    let r = Delivery::signed("", &secret, &w.pat).send(&w.s, &id).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let input = w.run_input(r.body["run_id"].as_str().expect("run")).await;
    assert_eq!(input, json!({"source": "crm", "priority": "low"}));
    assert_eq!(w.run_count().await, 3);

    // Bodies that are not JSON objects are refused (signed or not, they start nothing).
    for bad in ["[1, 2]", "{not json"] {
        let r = Delivery::signed(bad, &secret, &w.pat).send(&w.s, &id).await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
    }
    let long_key = "k".repeat(300);
    let r = Delivery {
        idempotency_key: Some(&long_key),
        ..Delivery::signed(body, &secret, &w.pat)
    }
    .send(&w.s, &id)
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(w.run_count().await, 3);
    w.s.close().await;
}

async fn disabled_deleted_or_revoked_webhooks_start_nothing(backend: Backend) {
    let w = world(backend).await;
    let (id, secret) = w.webhook(json!({})).await;
    let patch = |enabled: bool| {
        w.s.call(Method::PATCH, format!("/v1/inbound-webhooks/{id}"))
            .auth(&w.owner)
            .tenant(&w.slug)
            .json(json!({"enabled": enabled, "extras": {"v": 2}, "name": "renamed"}))
            .send()
    };
    let r = patch(false).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["enabled"], &r.body["extras"], &r.body["name"]),
        (&json!(false), &json!({"v": 2}), &json!("renamed"))
    );
    let body = r#"{"a": 1}"#;
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("disabled"), "{:?}", r.body);
    // A disabled subscription still refuses bad credentials first (401, not 409).
    let r = Delivery::signed(body, "whsec_wrong", &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(w.run_count().await, 0);
    assert_eq!(patch(true).await.status, 200);
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);

    // Revoking the automation PAT stops the webhook.
    let r =
        w.s.call(Method::DELETE, format!("/v1/pats/{}", w.pat_id))
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(r.status, 204);
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);

    let r =
        w.s.call(Method::DELETE, format!("/v1/inbound-webhooks/{id}"))
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(w.run_count().await, 1);
    w.s.close().await;
}

async fn webhook_creation_checks_its_input(backend: Backend) {
    let w = world(backend).await;
    let cases = [
        (json!({"workflow_id": "no-such-workflow"}), 404),
        (json!({"workflow_id": w.workflow, "extras": [1]}), 400),
        (json!({"workflow_id": w.workflow, "surprise": true}), 400),
        (
            json!({"workflow_id": w.workflow, "automation_pat_id": "no-such-token"}),
            404,
        ),
    ];
    for (body, status) in cases {
        let r = w.create_webhook(body.clone()).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        assert!(r.body["error"].is_string());
    }
    // The automation PAT must be able to start runs.
    let (read_only_id, read_only) = create_pat(
        &w.s,
        &w.slug,
        &w.owner,
        &["workflow:read", "workflow:write"],
    )
    .await;
    let r = w
        .create_webhook(json!({"workflow_id": w.workflow, "automation_pat_id": read_only_id}))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(r.error().contains("workflow:run"), "{:?}", r.body);
    // Created with a token and no automation_pat_id: that token is bound, so it too must
    // carry workflow:run.
    let r =
        w.s.call(Method::POST, "/v1/inbound-webhooks")
            .auth(&Auth::Pat(read_only))
            .json(json!({"workflow_id": w.workflow}))
            .send()
            .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let (_, writer) =
        create_pat(&w.s, &w.slug, &w.owner, &["workflow:write", "workflow:run"]).await;
    let r =
        w.s.call(Method::POST, "/v1/inbound-webhooks")
            .auth(&Auth::Pat(writer.clone()))
            .json(json!({"workflow_id": w.workflow}))
            .send()
            .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id");
    let secret = r.body["signing_secret"].as_str().expect("secret");
    let r = Delivery::signed("{}", secret, &writer).send(&w.s, id).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    w.s.close().await;
}

async fn other_workspaces_webhooks_and_triggers_are_not_found(backend: Backend) {
    let a = world(backend).await;
    let (hook, _) = a.webhook(json!({})).await;
    let trigger = create_trigger(&a, json!({"cron": "0 3 * * *"})).await;
    let b = workspace(&a.s, "globex").await;
    let b_workflow = published_workflow(&a.s, &b, intake_graph()).await;
    let as_b =
        |method: Method, path: String| a.s.call(method, path).auth(&b.owner).tenant("globex");
    let hook_path = format!("/v1/inbound-webhooks/{hook}");
    let trigger_path = format!("/v1/workflows/{}/triggers/{trigger}", a.workflow);
    for (method, path, body) in [
        (Method::GET, hook_path.clone(), None),
        (
            Method::PATCH,
            hook_path.clone(),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, hook_path.clone(), None),
        (
            Method::POST,
            "/v1/inbound-webhooks".to_string(),
            Some(json!({"workflow_id": a.workflow})),
        ),
        (
            Method::GET,
            format!("/v1/workflows/{}/triggers", a.workflow),
            None,
        ),
        (
            Method::POST,
            format!("/v1/workflows/{}/triggers", a.workflow),
            Some(json!({"cron": "0 3 * * *"})),
        ),
        (Method::GET, trigger_path.clone(), None),
        (
            Method::PATCH,
            trigger_path.clone(),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, trigger_path, None),
        // A's trigger through B's own workflow.
        (
            Method::GET,
            format!("/v1/workflows/{b_workflow}/triggers/{trigger}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/v1/workflows/{b_workflow}/triggers/{trigger}"),
            None,
        ),
    ] {
        let mut call = as_b(method.clone(), path.clone());
        if let Some(b) = body {
            call = call.json(b);
        }
        let r = call.send().await;
        assert_eq!(r.status, 404, "{method} {path}: {:?}", r.body);
    }
    let r = as_b(Method::GET, "/v1/inbound-webhooks".into())
        .project(&b.project)
        .send()
        .await;
    assert_eq!(r.body["inbound_webhooks"], json!([]), "{:?}", r.body);
    // A's objects are untouched.
    let r =
        a.s.call(Method::GET, format!("/v1/inbound-webhooks/{hook}"))
            .auth(&a.owner)
            .tenant(&a.slug)
            .send()
            .await;
    assert_eq!(r.body["enabled"], true);
    a.s.close().await;
}

async fn create_trigger(w: &World, body: Value) -> String {
    let r =
        w.s.call(
            Method::POST,
            format!("/v1/workflows/{}/triggers", w.workflow),
        )
        .auth(&w.owner)
        .tenant(&w.slug)
        .json(body)
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().expect("id").into()
}

fn ms(rfc3339: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp_millis()
}

async fn cron_triggers_are_validated_listed_patched_and_deleted(backend: Backend) {
    let w = world(backend).await;
    let base = format!("/v1/workflows/{}/triggers", w.workflow);
    let post = |body: Value| {
        w.s.call(Method::POST, base.clone())
            .auth(&w.owner)
            .tenant(&w.slug)
            .json(body)
            .send()
    };
    for (body, needle) in [
        (json!({"cron": "not a cron"}), "`cron`"),
        (json!({"cron": "61 * * * *"}), "`cron`"),
        (json!({"cron": "0 0 30 2 *"}), "never matches"),
        (
            json!({"cron": "0 9 * * *", "timezone": "Mars/Olympus"}),
            "`timezone`",
        ),
        (
            json!({"cron": "0 9 * * *", "trigger_payload": [1]}),
            "`trigger_payload`",
        ),
        (
            json!({"cron": "0 9 * * *", "trigger_steps": {"review": 1}}),
            "`trigger_steps.review`",
        ),
        (json!({"timezone": "UTC"}), "cron"),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert!(r.error().contains(needle), "{body}: {:?}", r.body);
    }

    let r = post(json!({
        "cron": "0 9 * * *", "timezone": "Europe/Berlin",
        "trigger_payload": {"topic": "daily"}, "excluded_step_ids": []
    }))
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let next = chrono::DateTime::parse_from_rfc3339(r.body["next_fire_at"].as_str().expect("next"))
        .expect("time")
        .with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(
        next.format("%H:%M").to_string(),
        "09:00",
        "09:00 Berlin time"
    );
    assert!(next.timestamp_millis() > ar_store::now_ms());
    assert_eq!(r.body["trigger_payload"], json!({"topic": "daily"}));
    assert_eq!(r.body["enabled"], true);

    let r =
        w.s.call(Method::GET, base.clone())
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["triggers"][0]["id"], id.as_str());

    let one = format!("{base}/{id}");
    let patch = |body: Value| {
        w.s.call(Method::PATCH, one.clone())
            .auth(&w.owner)
            .tenant(&w.slug)
            .json(body)
            .send()
    };
    let r = patch(json!({"enabled": false})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["next_fire_at"],
        Value::Null,
        "a disabled trigger has no next fire"
    );
    let r = patch(json!({"enabled": true, "cron": "30 6 * * *", "timezone": "UTC"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let next = chrono::DateTime::parse_from_rfc3339(r.body["next_fire_at"].as_str().expect("next"))
        .expect("time");
    assert_eq!(next.format("%H:%M %z").to_string(), "06:30 +0000");
    let r = patch(json!({"cron": "bad"})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = patch(json!({"timezone": "Nowhere/City"})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = patch(json!({"trigger_payload": {"topic": "weekly"}})).await;
    assert_eq!(r.body["trigger_payload"], json!({"topic": "weekly"}));
    assert_eq!(r.body["cron"], "30 6 * * *", "unchanged fields are kept");

    let r =
        w.s.call(Method::DELETE, one.clone())
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(r.status, 204);
    let r =
        w.s.call(Method::GET, one)
            .auth(&w.owner)
            .tenant(&w.slug)
            .send()
            .await;
    assert_eq!(r.status, 404);
    w.s.close().await;
}

/// Feb 29 at 03:00 UTC: due only in leap years, so the server's own wall-clock scheduler
/// never fires it while the test drives a scheduler with a clock years ahead.
const LEAP_DAY: &str = "0 3 29 2 *";

async fn a_trigger_missed_during_downtime_fires_once_then_moves_on(backend: Backend) {
    let w = world(backend).await;
    let id = create_trigger(
        &w,
        json!({"cron": LEAP_DAY, "timezone": "UTC", "trigger_payload": {"report": "leap"}}),
    )
    .await;
    let first_due = w.trigger(&id).await.next_fire_at.expect("scheduled");
    let scheduler = Scheduler::new(w.s.server.state.clone(), "test-node");
    assert!(
        scheduler
            .tick(first_due - 1)
            .await
            .expect("tick")
            .is_empty(),
        "nothing is due before its time"
    );
    // The server was "down" across two leap days: one fire, not two.
    let second_due = Value::String(
        chrono::DateTime::from_timestamp_millis(first_due)
            .expect("t")
            .checked_add_months(chrono::Months::new(48))
            .expect("t")
            .to_rfc3339(),
    );
    let after_downtime = ms(&second_due) + 86_400_000;
    let fired = scheduler.tick(after_downtime).await.expect("tick");
    assert_eq!(fired.len(), 1, "{fired:?}");
    let run_id = fired[0].run_id.clone().expect("a run started");
    assert_eq!(w.run_input(&run_id).await, json!({"report": "leap"}));
    let t = w.trigger(&id).await;
    assert_eq!(t.last_run_id.as_deref(), Some(run_id.as_str()));
    assert_eq!(t.last_fired_at, Some(after_downtime));
    let next = t.next_fire_at.expect("next");
    assert!(next > after_downtime, "the next fire is in the future");
    assert_eq!(
        chrono::DateTime::from_timestamp_millis(next)
            .expect("t")
            .format("%m-%d %H:%M")
            .to_string(),
        "02-29 03:00"
    );
    assert!(
        scheduler
            .tick(after_downtime)
            .await
            .expect("tick")
            .is_empty()
    );
    assert!(scheduler.tick(next - 1).await.expect("tick").is_empty());
    assert_eq!(scheduler.tick(next).await.expect("tick").len(), 1);
    assert_eq!(w.run_count().await, 2);

    // The API shows the last fire.
    let r = w.get_trigger(&id).await;
    assert_eq!(
        r.body["last_run_id"],
        json!(w.trigger(&id).await.last_run_id)
    );
    w.s.close().await;
}

async fn a_fire_that_cannot_start_a_run_is_recorded_and_the_schedule_moves_on(backend: Backend) {
    let w = world(backend).await;
    let id = create_trigger(
        &w,
        json!({"cron": LEAP_DAY, "trigger_steps": {"no-such-step": {}}}),
    )
    .await;
    let due = w.trigger(&id).await.next_fire_at.expect("due");
    let scheduler = Scheduler::new(w.s.server.state.clone(), "test-node");
    let fired = scheduler.tick(due).await.expect("tick");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].run_id, None);
    let error = fired[0].error.clone().expect("why");
    assert!(error.contains("no-such-step"), "{error}");
    let r = w.get_trigger(&id).await;
    assert_eq!(r.body["last_error"], error.as_str());
    assert!(ms(&r.body["next_fire_at"]) > due);
    assert_eq!(w.run_count().await, 0);
    w.s.close().await;
}

/// Stores on an existing Postgres schema, as a second node would open them.
async fn pg_stores(schema: &str, vault_keys: ar_connect::vault::MasterKeyRing) -> Stores {
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(schema))
        .await
        .expect("postgres");
    Stores {
        tenants: Arc::new(PgTenantStore::from_pool(pg.pool().clone())),
        automation: Arc::new(PgAutomationStore::from_pool(pg.pool().clone())),
        integrations: Arc::new(ar_store::integrations::PgIntegrationStore::from_pool(
            pg.pool().clone(),
        )),
        runs: Arc::new(pg),
        vault_keys: vault_keys.into(),
        mcp_state: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_fire_each_due_trigger_once() {
    let schema = format!("automation_{}", uuid::Uuid::now_v7().simple());
    let keys = test_vault_keys();
    let a = start_on(pg_stores(&schema, keys.clone()).await, test_settings()).await;
    let b = start_on(pg_stores(&schema, keys).await, test_settings()).await;
    let w = tenant_on(a, "acme").await;
    let mut due = 0;
    for n in 0..5 {
        let id = create_trigger(&w, json!({"cron": LEAP_DAY, "trigger_payload": {"n": n}})).await;
        due = w.trigger(&id).await.next_fire_at.expect("due");
    }
    let on_a = Scheduler::new(w.s.server.state.clone(), "node-a");
    let on_b = Scheduler::new(b.server.state.clone(), "node-b");
    let at = due + 1_000;
    let (fired_a, fired_b) = tokio::join!(on_a.tick(at), on_b.tick(at));
    let (fired_a, fired_b) = (fired_a.expect("a"), fired_b.expect("b"));
    assert_eq!(fired_a.len() + fired_b.len(), 5, "{fired_a:?} {fired_b:?}");
    let mut triggers: Vec<&str> = fired_a
        .iter()
        .chain(&fired_b)
        .map(|f| f.trigger_id.as_str())
        .collect();
    triggers.sort();
    triggers.dedup();
    assert_eq!(triggers.len(), 5, "each trigger fired once");
    assert_eq!(w.run_count().await, 5);
    let (again_a, again_b) = tokio::join!(on_a.tick(at), on_b.tick(at));
    assert!(again_a.expect("a").is_empty() && again_b.expect("b").is_empty());
    b.close().await;
    w.s.close().await;
}

fn now_secs() -> i64 {
    ar_store::now_ms() / 1000
}

/// A delivery signed in the timestamped form at `t`.
fn timestamped<'a>(body: &'a str, secret: &str, pat: &'a str, t: i64) -> Delivery<'a> {
    Delivery {
        signature: Some(sign_timestamped(secret, t, body.as_bytes())),
        ..Delivery::signed(body, secret, pat)
    }
}

/// Regression (issue 13): a captured delivery could be sent again. The timestamped form
/// is accepted once (any node: the store remembers it), within 5 minutes of the clock; a
/// subscription may require it, and switch the requirement on later.
async fn timestamped_signatures_are_accepted_once(backend: Backend) {
    let w = world(backend).await;
    let (id, secret) = w.webhook(json!({})).await;
    let body = r#"{"n": 1}"#;
    // Not required yet: both forms work, and the timestamped one is still single-use.
    let plain = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(plain.status, 202, "{:?}", plain.body);
    let t = now_secs();
    let first = timestamped(body, &secret, &w.pat, t).send(&w.s, &id).await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let replay = timestamped(body, &secret, &w.pat, t).send(&w.s, &id).await;
    assert_eq!(replay.status, 409, "{:?}", replay.body);
    assert_eq!(w.run_count().await, 2);
    // Required from now on: the plain form is refused.
    let r =
        w.s.call(Method::PATCH, format!("/v1/inbound-webhooks/{id}"))
            .auth(&w.owner)
            .tenant(&w.slug)
            .json(json!({"require_timestamp": true}))
            .send()
            .await;
    assert_eq!(
        (r.status, &r.body["require_timestamp"]),
        (200, &json!(true))
    );
    let plain = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(plain.status, 401, "{:?}", plain.body);
    assert!(plain.error().contains("timestamped"), "{}", plain.error());
    // Well outside the 5-minute tolerance either way (a second may pass meanwhile).
    for stale in [now_secs() - 400, now_secs() + 400] {
        let r = timestamped(body, &secret, &w.pat, stale)
            .send(&w.s, &id)
            .await;
        assert_eq!(r.status, 401, "{:?}", r.body);
    }
    // A delivery refused for another reason is not used up: sent again once the
    // subscription is enabled, it starts its run.
    let body = r#"{"n": 2}"#;
    let t = now_secs();
    let disable = |enabled: bool| {
        w.s.call(Method::PATCH, format!("/v1/inbound-webhooks/{id}"))
            .auth(&w.owner)
            .tenant(&w.slug)
            .json(json!({"enabled": enabled}))
            .send()
    };
    assert_eq!(disable(false).await.status, 200);
    let r = timestamped(body, &secret, &w.pat, t).send(&w.s, &id).await;
    assert_eq!(r.status, 409, "disabled: {:?}", r.body);
    assert_eq!(disable(true).await.status, 200);
    let r = timestamped(body, &secret, &w.pat, t).send(&w.s, &id).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(w.run_count().await, 3);
    w.s.close().await;
}

/// Regression (issue 13): the automation PAT, which every delivery carries, could hold
/// `admin`. Refused when binding it and when presenting it.
async fn an_admin_token_is_never_a_webhook_credential(backend: Backend) {
    let w = world(backend).await;
    let (admin_id, admin) = create_pat(
        &w.s,
        &w.slug,
        &w.owner,
        &["workflow:run", "workflow:write", "admin"],
    )
    .await;
    let r = w
        .create_webhook(json!({"workflow_id": w.workflow, "automation_pat_id": admin_id}))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r =
        w.s.call(Method::POST, "/v1/inbound-webhooks")
            .auth(&Auth::Pat(admin.clone()))
            .json(json!({"workflow_id": w.workflow}))
            .send()
            .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    // Session-made: any of the user's run tokens, never one with admin.
    let r = w.create_webhook(json!({"workflow_id": w.workflow})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let body = "{}";
    let r = Delivery::signed(body, &secret, &admin)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert!(r.error().contains("admin"), "{}", r.error());
    let r = Delivery::signed(body, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(w.run_count().await, 1);
    w.s.close().await;
}

/// A timestamped delivery accepted by one node is a replay on the other: the memory of
/// accepted signatures is in the shared database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_is_refused_by_every_node() {
    let schema = format!("automation_{}", uuid::Uuid::now_v7().simple());
    let keys = test_vault_keys();
    let a = start_on(pg_stores(&schema, keys.clone()).await, test_settings()).await;
    let b = start_on(pg_stores(&schema, keys).await, test_settings()).await;
    let w = tenant_on(a, "acme").await;
    let (id, secret) = w.webhook(json!({})).await;
    let body = r#"{"n": 1}"#;
    let t = now_secs();
    let on_a = timestamped(body, &secret, &w.pat, t).send(&w.s, &id).await;
    assert_eq!(on_a.status, 202, "{:?}", on_a.body);
    let on_b = timestamped(body, &secret, &w.pat, t).send(&b, &id).await;
    assert_eq!(on_b.status, 409, "{:?}", on_b.body);
    // Sent to both at once, a fresh signature starts one run.
    let t = t + 1;
    let (x, y) = tokio::join!(
        timestamped(body, &secret, &w.pat, t).send(&w.s, &id),
        timestamped(body, &secret, &w.pat, t).send(&b, &id),
    );
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [202, 409], "{:?} {:?}", x.body, y.body);
    assert_eq!(w.run_count().await, 2);
    b.close().await;
    w.s.close().await;
}

/// Runs each suite function on both backends.
/// The hosted create body unchanged (docs/contract.md §10): the automation token given as
/// `automation_bearer`, `extras` as start parameters; the 201 answer wraps the
/// subscription. The body is merged over `extras.trigger_payload`.
async fn hosted_subscription_body_and_start_param_extras(backend: Backend) {
    let w = world(backend).await;
    let r = w
        .create_webhook(json!({
            "workflow_id": w.workflow,
            "name": "shopify-orders",
            "automation_bearer": w.pat,
            "extras": {"use_run_setup_defaults": true, "trigger_payload": {"source": "shopify", "env": "prod"}}
        }))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let sub = &r.body["subscription"];
    for field in [
        "id",
        "tenant_id",
        "project_id",
        "workflow_id",
        "name",
        "enabled",
    ] {
        assert!(!sub[field].is_null(), "subscription.{field}: {:?}", r.body);
    }
    assert_eq!(sub["automation_pat_id"], w.pat_id.as_str(), "{:?}", r.body);
    assert!(sub.get("signing_secret").is_none(), "{:?}", r.body);
    for field in ["ingress_url", "ingress_path", "signing_secret"] {
        assert!(r.body[field].is_string(), "{field}: {:?}", r.body);
    }
    assert!(
        !r.body.to_string().contains(&w.pat),
        "the bearer is never echoed"
    );
    let id = sub["id"].as_str().expect("id").to_owned();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let r = Delivery::signed(r#"{"env": "staging", "order": 7}"#, &secret, &w.pat)
        .send(&w.s, &id)
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(
        w.run_input(r.body["run_id"].as_str().expect("run")).await,
        json!({"source": "shopify", "env": "staging", "order": 7}),
        "the body wins over extras.trigger_payload"
    );

    // A bearer that is not one of the caller's tokens here: not found, whatever it is.
    let other = tenant_on(start(Backend::Sqlite).await, "other").await;
    for bearer in [other.pat.as_str(), "pat_not_a_real_token", "garbage"] {
        let r = w
            .create_webhook(json!({"workflow_id": w.workflow, "automation_bearer": bearer}))
            .await;
        assert_eq!(r.status, 404, "{bearer}: {:?}", r.body);
        assert!(!r.body.to_string().contains(bearer), "{:?}", r.body);
    }
    other.s.close().await;
    // The id and the bearer must name one token.
    let (second_id, _) =
        create_pat(&w.s, &w.slug, &w.owner, &["workflow:read", "workflow:run"]).await;
    let r = w
        .create_webhook(json!({"workflow_id": w.workflow, "automation_pat_id": second_id, "automation_bearer": w.pat}))
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    // Start-parameter extras are type-checked, and mixing in payload fields is refused.
    for extras in [
        json!({"use_run_setup_defaults": "yes"}),
        json!({"excluded_step_ids": "review"}),
        json!({"trigger_payload": {}, "source": "crm"}),
    ] {
        let r = w
            .create_webhook(
                json!({"workflow_id": w.workflow, "automation_pat_id": w.pat_id, "extras": extras}),
            )
            .await;
        assert_eq!(r.status, 400, "{extras}: {:?}", r.body);
    }
    w.s.close().await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod on_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

on_both_backends!(
    webhook_secret_is_shown_once_and_ingress_needs_signature_and_pat,
    extras_merge_under_the_body_and_idempotency_keys_start_one_run,
    disabled_deleted_or_revoked_webhooks_start_nothing,
    webhook_creation_checks_its_input,
    other_workspaces_webhooks_and_triggers_are_not_found,
    cron_triggers_are_validated_listed_patched_and_deleted,
    a_trigger_missed_during_downtime_fires_once_then_moves_on,
    a_fire_that_cannot_start_a_run_is_recorded_and_the_schedule_moves_on,
    timestamped_signatures_are_accepted_once,
    an_admin_token_is_never_a_webhook_credential,
    hosted_subscription_body_and_start_param_extras,
);
