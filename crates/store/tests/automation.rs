//! Conformance tests of `AutomationStore` (webhooks, deliveries, cron triggers), one suite
//! run on SQLite (a database file) and on Postgres (a fresh schema per test).

mod common;

use std::sync::Arc;

use ar_store::automation::*;
use ar_store::tenant::*;
use ar_store::{PgConfig, PgStore};
use serde_json::json;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The stores under test (on one database) plus whatever must stay alive with them.
struct Fixture {
    tenants: Arc<dyn TenantStore>,
    store: Arc<dyn AutomationStore>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgStore>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let tenants = SqliteTenantStore::open(dir.path().join("ar.db"))
        .await
        .expect("open sqlite");
    let store = SqliteAutomationStore::from_pool(tenants.pool().clone());
    Fixture {
        tenants: Arc::new(tenants),
        store: Arc::new(store),
        _dir: Some(dir),
        _pg: None,
    }
}

/// A fresh schema, or `schema` when given (a second node on the same database).
async fn postgres_on(schema: Option<&str>) -> (Fixture, String) {
    let schema = schema
        .map(str::to_string)
        .unwrap_or_else(|| format!("automation_{}", uuid::Uuid::now_v7().simple()));
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres (is it running?)");
    let fixture = Fixture {
        tenants: Arc::new(PgTenantStore::from_pool(pg.pool().clone())),
        store: Arc::new(PgAutomationStore::from_pool(pg.pool().clone())),
        _dir: None,
        _pg: Some(pg),
    };
    (fixture, schema)
}

async fn postgres() -> Fixture {
    postgres_on(None).await.0
}

/// Workspaces w1 (project p1, workflow wf1) and w2 (project p2, workflow wf2), user u1.
async fn seed(t: &dyn TenantStore) {
    common::seed_workspaces(t).await;
    for n in ["1", "2"] {
        t.create_workflow(&WorkflowRecord {
            id: format!("wf{n}"),
            project_id: format!("p{n}"),
            name: "wf".into(),
            description: String::new(),
            draft_graph: json!({"steps": []}),
            run_setup: None,
            archived: false,
            created_by: Some("u1".into()),
            latest_version: None,
            created_at: 1,
            updated_at: 1,
        })
        .await
        .expect("workflow");
    }
}

fn webhook(id: &str, n: &str, created_at: i64) -> WebhookRecord {
    WebhookRecord {
        id: id.into(),
        workspace_id: format!("w{n}"),
        project_id: format!("p{n}"),
        workflow_id: format!("wf{n}"),
        name: format!("{id} name"),
        signing_secret_sealed: json!({"sealed": id}),
        extras: json!({"source": "test"}),
        enabled: true,
        automation_user_id: "u1".into(),
        automation_pat_id: Some("pat1".into()),
        require_timestamp: false,
        created_at,
        updated_at: created_at,
    }
}

fn trigger(id: &str, next_fire_at: Option<i64>) -> TriggerRecord {
    TriggerRecord {
        id: id.into(),
        workspace_id: "w1".into(),
        project_id: "p1".into(),
        workflow_id: "wf1".into(),
        cron: "0 3 * * *".into(),
        timezone: "Europe/Berlin".into(),
        trigger_payload: json!({"topic": "daily"}),
        trigger_steps: json!({}),
        excluded_step_ids: vec!["skip".into()],
        enabled: next_fire_at.is_some(),
        next_fire_at,
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
        claimed_by: None,
        claim_until: None,
        created_by: "u1".into(),
        created_at: 5,
        updated_at: 5,
    }
}

async fn webhooks_are_scoped_listed_patched_and_deleted(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_webhook(&webhook("h1", "1", 10)).await.unwrap();
    s.create_webhook(&webhook("h2", "1", 20)).await.unwrap();
    s.create_webhook(&webhook("h3", "2", 30)).await.unwrap();
    assert_eq!(
        s.webhook("w1", "h1").await.unwrap(),
        Some(webhook("h1", "1", 10))
    );
    assert_eq!(
        s.webhook("w2", "h1").await.unwrap(),
        None,
        "another workspace's webhook is not found"
    );
    assert_eq!(
        s.webhook_for_ingress("h3")
            .await
            .unwrap()
            .map(|w| w.workspace_id),
        Some("w2".to_string())
    );
    let ids: Vec<String> = s
        .list_webhooks("p1")
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["h2", "h1"], "newest first, only the project's");

    let patch = WebhookPatch {
        name: Some("renamed".into()),
        extras: Some(json!({"a": 1})),
        enabled: Some(false),
        require_timestamp: None,
    };
    assert!(s.update_webhook("h1", &patch, 99).await.unwrap());
    let h1 = s.webhook("w1", "h1").await.unwrap().expect("h1");
    assert_eq!(
        (h1.name.as_str(), &h1.extras, h1.enabled, h1.updated_at),
        ("renamed", &json!({"a": 1}), false, 99)
    );
    assert_eq!(h1.signing_secret_sealed, json!({"sealed": "h1"}), "kept");
    assert!(
        s.update_webhook("h1", &WebhookPatch::default(), 100)
            .await
            .unwrap()
    );
    assert_eq!(
        s.webhook("w1", "h1").await.unwrap().map(|h| h.name),
        Some("renamed".into()),
        "an empty patch changes nothing"
    );
    assert!(!s.update_webhook("nope", &patch, 1).await.unwrap());

    assert_eq!(
        s.record_delivery("h1", "k", "run-1", 5).await.unwrap(),
        "run-1"
    );
    assert!(s.delete_webhook("h1").await.unwrap());
    assert!(!s.delete_webhook("h1").await.unwrap());
    assert_eq!(s.webhook("w1", "h1").await.unwrap(), None);
    assert_eq!(
        s.delivery_run("h1", "k").await.unwrap(),
        None,
        "deliveries go with their webhook"
    );
}

async fn a_delivery_key_keeps_its_first_run(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_webhook(&webhook("h1", "1", 10)).await.unwrap();
    s.create_webhook(&webhook("h2", "1", 10)).await.unwrap();
    assert_eq!(s.delivery_run("h1", "key").await.unwrap(), None);
    assert_eq!(
        s.record_delivery("h1", "key", "run-1", 1).await.unwrap(),
        "run-1"
    );
    assert_eq!(
        s.record_delivery("h1", "key", "run-2", 2).await.unwrap(),
        "run-1",
        "a second delivery with the key gets the first run"
    );
    assert_eq!(
        s.record_delivery("h2", "key", "run-3", 3).await.unwrap(),
        "run-3",
        "keys are per webhook"
    );
    assert_eq!(
        s.delivery_run("h1", "key").await.unwrap().as_deref(),
        Some("run-1")
    );
}

async fn the_latest_refused_delivery_is_kept_per_webhook(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_webhook(&webhook("h1", "1", 10)).await.unwrap();
    s.create_webhook(&webhook("h2", "1", 10)).await.unwrap();
    assert_eq!(s.last_webhook_refusal("h1").await.unwrap(), None);
    s.record_webhook_refusal("h1", 5, "the token was revoked")
        .await
        .unwrap();
    s.record_webhook_refusal("h1", 7, "no longer a member")
        .await
        .unwrap();
    assert_eq!(
        s.last_webhook_refusal("h1").await.unwrap(),
        Some((7, "no longer a member".to_string()))
    );
    assert_eq!(s.last_webhook_refusal("h2").await.unwrap(), None);
    assert!(s.delete_webhook("h1").await.unwrap());
    assert_eq!(
        s.last_webhook_refusal("h1").await.unwrap(),
        None,
        "refusals go with their webhook"
    );
}

async fn a_timestamped_signature_is_accepted_once_until_it_expires(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_webhook(&webhook("h1", "1", 10)).await.unwrap();
    s.create_webhook(&webhook("h2", "1", 10)).await.unwrap();
    assert!(
        s.first_use_of_signature("h1", "sig", 1_000, 0)
            .await
            .unwrap()
    );
    assert!(
        !s.first_use_of_signature("h1", "sig", 1_000, 500)
            .await
            .unwrap(),
        "the same signature again before it expires is a replay"
    );
    assert!(
        s.first_use_of_signature("h2", "sig", 1_000, 500)
            .await
            .unwrap(),
        "signatures are remembered per webhook"
    );
    assert!(
        s.first_use_of_signature("h1", "sig", 3_000, 1_001)
            .await
            .unwrap(),
        "an expired entry is purged, not held against a new delivery"
    );
    // A subscription can be required to use the timestamped form, and changed back.
    let patch = WebhookPatch {
        require_timestamp: Some(true),
        ..WebhookPatch::default()
    };
    assert!(s.update_webhook("h1", &patch, 20).await.unwrap());
    let h1 = s.webhook_for_ingress("h1").await.unwrap().expect("h1");
    assert!(h1.require_timestamp);
    assert!(
        s.delete_webhook("h1").await.unwrap(),
        "seen signatures go with it"
    );
}

/// Of many concurrent deliveries of one signature, exactly one is the first.
async fn concurrent_uses_of_one_signature_have_one_winner(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    f.store
        .create_webhook(&webhook("h1", "1", 10))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .first_use_of_signature("h1", "sig", 10_000, 1)
                .await
                .expect("record")
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.expect("task"));
    }
    assert_eq!(wins, 1);
}

async fn triggers_are_scoped_and_patched(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_trigger(&trigger("t1", Some(1_000))).await.unwrap();
    assert_eq!(
        s.trigger("wf1", "t1").await.unwrap(),
        Some(trigger("t1", Some(1_000)))
    );
    assert_eq!(s.trigger("wf2", "t1").await.unwrap(), None);
    let patch = TriggerPatch {
        cron: Some("*/5 * * * *".into()),
        timezone: Some("UTC".into()),
        trigger_payload: Some(json!({"x": 2})),
        trigger_steps: Some(json!({"a": {"y": 1}})),
        excluded_step_ids: Some(vec![]),
        enabled: Some(false),
        next_fire_at: Some(None),
    };
    assert!(s.update_trigger("t1", &patch, 50).await.unwrap());
    let t1 = s.trigger("wf1", "t1").await.unwrap().expect("t1");
    assert_eq!(t1.cron, "*/5 * * * *");
    assert_eq!(t1.timezone, "UTC");
    assert_eq!(t1.trigger_payload, json!({"x": 2}));
    assert_eq!(t1.trigger_steps, json!({"a": {"y": 1}}));
    assert!(t1.excluded_step_ids.is_empty());
    assert!(!t1.enabled);
    assert_eq!(t1.next_fire_at, None);
    assert_eq!(t1.updated_at, 50);
    // A patch without `next_fire_at` leaves it alone.
    let enable = TriggerPatch {
        enabled: Some(true),
        next_fire_at: Some(Some(7_000)),
        ..TriggerPatch::default()
    };
    assert!(s.update_trigger("t1", &enable, 51).await.unwrap());
    let rename_only = TriggerPatch {
        cron: Some("0 * * * *".into()),
        ..TriggerPatch::default()
    };
    assert!(s.update_trigger("t1", &rename_only, 52).await.unwrap());
    assert_eq!(
        s.trigger("wf1", "t1")
            .await
            .unwrap()
            .and_then(|t| t.next_fire_at),
        Some(7_000)
    );
    s.create_trigger(&trigger("t2", Some(5))).await.unwrap();
    let ids: Vec<String> = s
        .list_triggers("wf1")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["t1", "t2"]);
    assert!(s.delete_trigger("t1").await.unwrap());
    assert!(!s.delete_trigger("t1").await.unwrap());
    assert!(!s.update_trigger("t1", &patch, 1).await.unwrap());
}

async fn a_due_fire_is_claimed_once_and_moves_on(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_trigger(&trigger("due", Some(1_000)))
        .await
        .unwrap();
    s.create_trigger(&trigger("later", Some(9_000)))
        .await
        .unwrap();
    s.create_trigger(&trigger("off", None)).await.unwrap();
    let due: Vec<String> = s
        .due_triggers(2_000, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(due, ["due"]);

    assert!(
        s.claim_fire("due", 1_000, "a", 2_000, 32_000)
            .await
            .unwrap()
    );
    assert!(
        !s.claim_fire("due", 1_000, "b", 2_000, 32_000)
            .await
            .unwrap(),
        "a live claim excludes other nodes"
    );
    assert!(
        s.due_triggers(2_000, 10).await.unwrap().is_empty(),
        "claimed fires are not offered again while the claim lives"
    );
    let outcome = FireOutcome {
        fired_at: 2_000,
        next_fire_at: Some(86_401_000),
        run_id: Some("run-1".into()),
        error: None,
    };
    assert!(
        !s.finish_fire("due", 1_000, "b", &outcome).await.unwrap(),
        "only the claimant finishes"
    );
    assert!(s.finish_fire("due", 1_000, "a", &outcome).await.unwrap());
    let t = s.trigger("wf1", "due").await.unwrap().expect("due");
    assert_eq!(t.next_fire_at, Some(86_401_000));
    assert_eq!(t.last_fired_at, Some(2_000));
    assert_eq!(t.last_run_id.as_deref(), Some("run-1"));
    assert_eq!((t.claimed_by, t.claim_until), (None, None));
    assert!(
        !s.claim_fire("due", 1_000, "b", 3_000, 33_000)
            .await
            .unwrap(),
        "a finished fire cannot be claimed again"
    );
    assert!(
        !s.finish_fire("due", 1_000, "a", &outcome).await.unwrap(),
        "nor finished twice"
    );
}

async fn an_expired_claim_is_taken_over(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_trigger(&trigger("t", Some(1_000))).await.unwrap();
    assert!(
        s.claim_fire("t", 1_000, "dead", 1_000, 5_000)
            .await
            .unwrap()
    );
    assert!(s.due_triggers(4_999, 10).await.unwrap().is_empty());
    assert_eq!(s.due_triggers(5_000, 10).await.unwrap().len(), 1);
    assert!(
        s.claim_fire("t", 1_000, "alive", 5_000, 9_000)
            .await
            .unwrap()
    );
    let outcome = FireOutcome {
        fired_at: 5_000,
        next_fire_at: Some(10_000),
        run_id: None,
        error: Some("no published version".into()),
    };
    assert!(
        !s.finish_fire("t", 1_000, "dead", &outcome).await.unwrap(),
        "the node that lost its claim cannot finish"
    );
    assert!(s.finish_fire("t", 1_000, "alive", &outcome).await.unwrap());
    let t = s.trigger("wf1", "t").await.unwrap().expect("t");
    assert_eq!(t.last_error.as_deref(), Some("no published version"));
    assert_eq!(t.last_run_id, None);
}

async fn editing_a_claimed_trigger_voids_the_claim(f: &Fixture) {
    seed(f.tenants.as_ref()).await;
    let s = f.store.as_ref();
    s.create_trigger(&trigger("t", Some(1_000))).await.unwrap();
    assert!(s.claim_fire("t", 1_000, "a", 1_000, 5_000).await.unwrap());
    let moved = TriggerPatch {
        next_fire_at: Some(Some(50_000)),
        ..TriggerPatch::default()
    };
    assert!(s.update_trigger("t", &moved, 2).await.unwrap());
    let outcome = FireOutcome {
        fired_at: 1_000,
        next_fire_at: Some(2_000),
        run_id: Some("r".into()),
        error: None,
    };
    assert!(!s.finish_fire("t", 1_000, "a", &outcome).await.unwrap());
    assert_eq!(
        s.trigger("wf1", "t")
            .await
            .unwrap()
            .and_then(|t| t.next_fire_at),
        Some(50_000),
        "the edit's schedule stands"
    );
}

/// Many concurrent claims of one fire, from two pools on one Postgres schema (two nodes):
/// exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_claim_a_fire_once() {
    let (a, schema) = postgres_on(None).await;
    let (b, _) = postgres_on(Some(&schema)).await;
    seed(a.tenants.as_ref()).await;
    a.store
        .create_trigger(&trigger("t", Some(1_000)))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 {
            a.store.clone()
        } else {
            b.store.clone()
        };
        tasks.push(tokio::spawn(async move {
            store
                .claim_fire("t", 1_000, &format!("node-{i}"), 2_000, 60_000)
                .await
                .expect("claim")
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.expect("task"));
    }
    assert_eq!(wins, 1);
}

/// Runs one suite function on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test] async fn $name() { super::$name(&super::sqlite().await).await; } )*
        }
        mod on_postgres {
            $( #[tokio::test] async fn $name() { super::$name(&super::postgres().await).await; } )*
        }
    };
}

on_both_backends!(
    webhooks_are_scoped_listed_patched_and_deleted,
    a_delivery_key_keeps_its_first_run,
    the_latest_refused_delivery_is_kept_per_webhook,
    a_timestamped_signature_is_accepted_once_until_it_expires,
    concurrent_uses_of_one_signature_have_one_winner,
    triggers_are_scoped_and_patched,
    a_due_fire_is_claimed_once_and_moves_on,
    an_expired_claim_is_taken_over,
    editing_a_claimed_trigger_voids_the_claim,
);
