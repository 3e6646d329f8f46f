//! Billing end to end (docs/contract.md §14, docs/billing.md) on SQLite and Postgres: the
//! catalog and balances, trials and subscriptions through the API and over time, the
//! credit check at start (422 + `run_rejected`), metered `llm_call` steps charged once
//! (a fake OpenAI-compatible provider answers), 50 runs racing for credits for 10, hostile
//! input and another tenant's attempts.

mod common;
/// ar-connect's fake provider and reply bodies in the providers' wire formats.
#[path = "../../connect/tests/support/mod.rs"]
mod llm;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ar_engine::{StepCall, StepExecutor, StepFailure};
use ar_server::billing::Account;
use ar_server::billing::charge::Charger;
use ar_server::llm::metering::{Meter, Metered};
use ar_server::settings::LlmProviderSettings;
use ar_store::integrations::{Bucket, Grant, IntegrationStore};
use common::*;
use llm::wire::openai;
use llm::{FakeProvider, Reply as LlmReply};
use reqwest::Method;
use serde_json::{Value, json};

const CREDIT: i64 = 1_000_000;
const DAY: i64 = 86_400_000;

fn billing_on() -> ar_server::Settings {
    let mut settings = test_settings();
    settings.billing = test_billing(true);
    settings
}

async fn get(s: &TestServer, ws: &Workspace, path: &str) -> Reply {
    s.call(Method::GET, path)
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project)
        .send()
        .await
}

async fn post(s: &TestServer, ws: &Workspace, path: &str, body: Option<Value>) -> Reply {
    let mut call = s.call(Method::POST, path).auth(&ws.owner).tenant(&ws.slug);
    if let Some(b) = body {
        call = call.json(b);
    }
    call.send().await
}

async fn start_run(s: &TestServer, ws: &Workspace, wf: &str) -> Reply {
    s.call(Method::POST, format!("/v1/workflows/{wf}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "start", "params": {}}))
        .send()
        .await
}

fn lua_graph() -> Value {
    json!({"steps": [{"id": "work", "type": "lua_script", "script": "return { ok = true }"}]})
}

async fn workspace_id(s: &TestServer, ws: &Workspace) -> String {
    s.server
        .state
        .integrations()
        .workspace_of_project(&ws.project)
        .await
        .expect("store")
        .expect("workspace")
}

/// Reads: the catalog of this product only, prices, empty balances and status; then the
/// tenant admin actions in order, each answer checked, and hostile values refused.
async fn catalog_and_admin_actions(backend: Backend) {
    let s = start_with(backend, billing_on()).await;
    let ws = workspace(&s, "bill-admin").await;

    let r = get(&s, &ws, "/v1/billing/plans").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes: Vec<&str> = r.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .filter_map(|p| p["plan_code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["pro", "max"],
        "another product's plan is never shown"
    );
    assert_eq!(r.body["plans"][0]["trial_microcredits"], 12 * CREDIT);
    // The hosted catalog's field names too.
    let pro = &r.body["plans"][0];
    assert_eq!(
        (
            &pro["amount"],
            &pro["product_name"],
            &pro["trial_enabled"],
            &pro["trial_credits_granted"],
            &pro["stripe_price_id"],
            &pro["interval_count"]
        ),
        (
            &json!(2900),
            &json!("PRO"),
            &json!(true),
            &json!(12 * CREDIT),
            &json!("price_pro"),
            &json!(1)
        ),
        "{pro}"
    );
    assert_eq!(r.body["plans"][0]["overdraft"], false);
    let r = get(&s, &ws, "/v1/billing/action-pricing").await;
    assert_eq!(
        r.body["prices"][0],
        json!({"action": "workflow.step.execute", "microcredits": CREDIT, "unit": "step",
               "workspace_price": false})
    );
    let zero = json!({"trial_remaining": 0, "included_remaining": 0, "payg_remaining": 0,
                      "total_remaining_microcredits": 0});
    assert_eq!(get(&s, &ws, "/v1/billing/usage").await.body, zero);
    assert_eq!(
        get(&s, &ws, "/v1/billing/status").await.body["status"],
        "none"
    );

    // A trial, once.
    let r = post(&s, &ws, "/v1/billing/trial", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["status"], &r.body["plan_code"]),
        (&json!("trialing"), &json!("pro"))
    );
    assert!(r.body["trial_ends_at"].is_string(), "{}", r.body);
    assert_eq!(
        get(&s, &ws, "/v1/billing/usage").await.body["trial_remaining"],
        12 * CREDIT
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/trial",
        Some(json!({"plan_code": "pro"})),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.error().contains("once"), "{}", r.body);

    // Converting ends the trial (its credits with it); pro includes nothing.
    let r = post(&s, &ws, "/v1/billing/subscription/convert-trial-now", None).await;
    assert_eq!(
        (r.status, &r.body["status"]),
        (200, &json!("active")),
        "{}",
        r.body
    );
    assert_eq!(
        get(&s, &ws, "/v1/billing/usage").await.body["trial_remaining"],
        0
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/subscription",
        Some(json!({"plan_code": "max"})),
    )
    .await;
    assert_eq!(r.status, 409, "already subscribed: {}", r.body);

    // Upgrade now (max includes 5 credits), downgrade at the period's end; the plan named
    // the hosted way, by its `stripe_price_id` from the catalog.
    let r = post(
        &s,
        &ws,
        "/v1/billing/subscription/change-plan",
        Some(json!({"stripe_price_id": "price_max"})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["applies"]),
        (200, &json!("now")),
        "{}",
        r.body
    );
    assert_eq!(
        get(&s, &ws, "/v1/billing/usage").await.body["included_remaining"],
        5 * CREDIT
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/subscription/change-plan",
        Some(json!({"plan_code": "pro"})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["applies"]),
        (200, &json!("period_end")),
        "{}",
        r.body
    );
    assert_eq!(
        (&r.body["plan_code"], &r.body["pending_plan_code"]),
        (&json!("max"), &json!("pro"))
    );
    let r = post(&s, &ws, "/v1/billing/subscription/cancel", None).await;
    assert_eq!(
        (r.status, &r.body["cancel_at_period_end"]),
        (200, &json!(true)),
        "{}",
        r.body
    );

    // The owner grants PAYG credits; they show in the payment history.
    let r = post(
        &s,
        &ws,
        "/v1/billing/credits/grant",
        Some(json!({"microcredits": 3 * CREDIT, "note": "invoice 7"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["balances"]["payg_remaining"], 3 * CREDIT);
    let r = get(&s, &ws, "/v1/billing/payment-history").await;
    assert_eq!(r.body["payments"][0]["note"], "invoice 7", "{}", r.body);
    assert_eq!(r.body["next_cursor"], Value::Null);
    let r = get(&s, &ws, "/v1/billing/summary").await;
    assert_eq!(
        (r.status, &r.body["plan_code"]),
        (200, &json!("max")),
        "{}",
        r.body
    );
    assert_eq!(
        r.body["balances"]["total_remaining_microcredits"],
        8 * CREDIT
    );

    // Hostile values: 400s that say what to fix.
    let long = "p".repeat(100_000);
    let bad: Vec<(&str, Option<Value>, &str)> = vec![
        (
            "/v1/billing/subscription",
            Some(json!({"plan_code": long})),
            "plan_code",
        ),
        (
            "/v1/billing/subscription/change-plan",
            Some(json!({"plan_code": "gold"})),
            "unknown plan_code",
        ),
        (
            "/v1/billing/subscription/change-plan",
            Some(json!({"plan_code": "elsewhere"})),
            "unknown plan_code",
        ),
        (
            "/v1/billing/subscription",
            Some(json!({"plan_code": "pro", "coupon": 1})),
            "coupon",
        ),
        (
            "/v1/billing/subscription/change-plan",
            Some(json!({"plan_code": "pro", "stripe_price_id": "price_pro"})),
            "one of them",
        ),
        (
            "/v1/billing/subscription/change-plan",
            Some(json!({})),
            "one of them",
        ),
        (
            "/v1/billing/subscription/change-plan",
            Some(json!({"stripe_price_id": "price_elsewhere"})),
            "stripe_price_id",
        ),
        (
            "/v1/billing/credits/grant",
            Some(json!({"microcredits": 0})),
            "between 1 and",
        ),
        (
            "/v1/billing/credits/grant",
            Some(json!({"microcredits": -5})),
            "between 1 and",
        ),
        (
            "/v1/billing/credits/grant",
            Some(json!({"microcredits": i64::MAX})),
            "between 1 and",
        ),
        (
            "/v1/billing/credits/grant",
            Some(json!({"microcredits": "10"})),
            "invalid type",
        ),
        (
            "/v1/billing/credits/grant",
            Some(json!({"microcredits": 1, "note": "n".repeat(501)})),
            "note",
        ),
    ];
    for (path, body, says) in bad {
        let r = post(&s, &ws, path, body).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.error().contains(says), "{path}: {}", r.body);
        assert!(
            r.error().len() < 500,
            "the error does not echo the input: {}",
            r.error().len()
        );
    }
    for query in [
        "?limit=0",
        "?limit=201",
        "?cursor=abc",
        "?cursor=-1",
        "?page=2",
    ] {
        let r = get(&s, &ws, &format!("/v1/billing/usage-history{query}")).await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
    }
    let r = get(&s, &ws, "/v1/billing/usage-dimensions?from=yesterday").await;
    assert_eq!(r.status, 400, "{}", r.body);

    // Another tenant: A's project and workspace are not found, and nothing of A changes.
    let other = workspace(&s, "bill-other").await;
    let before = get(&s, &ws, "/v1/billing/usage").await.body;
    let r = s
        .call(Method::GET, "/v1/billing/usage")
        .auth(&other.owner)
        .tenant(&other.slug)
        .project(&ws.project)
        .send()
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    for (path, body) in [
        ("/v1/billing/credits/grant", json!({"microcredits": CREDIT})),
        (
            "/v1/billing/subscription/cancel",
            json!({"at_period_end": false}),
        ),
    ] {
        let r = s
            .call(Method::POST, path)
            .auth(&other.owner)
            .tenant(&ws.slug)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    assert_eq!(get(&s, &ws, "/v1/billing/usage").await.body, before);
    assert_eq!(get(&s, &other, "/v1/billing/usage").await.body, zero);
    s.close().await;
}

/// Billing on: a start without credits is refused (422, recorded); a grant lets it
/// through. Billing off: nothing is refused.
async fn starts_need_credits_when_billing_is_on(backend: Backend) {
    let s = start_with(backend, billing_on()).await;
    let ws = workspace(&s, "bill-start").await;
    let wf = published_workflow(&s, &ws, json!({"name": "lua", "graph": lua_graph()})).await;
    let r = start_run(&s, &ws, &wf).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["code"], "INSUFFICIENT_CREDITS", "{}", r.body);
    assert!(r.error().contains("no credits left"), "{}", r.body);
    let ws_id = workspace_id(&s, &ws).await;
    let rejections = s
        .server
        .state
        .integrations()
        .run_rejections(&ws_id)
        .await
        .expect("store");
    assert_eq!(rejections.len(), 1);
    assert_eq!(
        (
            rejections[0].workflow_id.as_str(),
            rejections[0].code.as_str()
        ),
        (wf.as_str(), "INSUFFICIENT_CREDITS")
    );

    let r = post(
        &s,
        &ws,
        "/v1/billing/credits/grant",
        Some(json!({"microcredits": CREDIT})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = start_run(&s, &ws, &wf).await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.close().await;

    let s = start(backend).await;
    let ws = workspace(&s, "bill-off").await;
    let wf = published_workflow(&s, &ws, json!({"name": "lua", "graph": lua_graph()})).await;
    let r = start_run(&s, &ws, &wf).await;
    assert_eq!(r.status, 200, "billing off refuses nothing: {}", r.body);
    s.close().await;
}

fn llm_settings(provider: &FakeProvider, slug: &str) -> ar_server::Settings {
    let mut settings = billing_on();
    settings.llm.providers = BTreeMap::from([(
        "openai".to_owned(),
        LlmProviderSettings {
            api_key: Some("sk-system-billing-test".into()),
            base_url: Some(provider.base_url("/v1")),
        },
    )]);
    settings.llm.system_key_workspaces = vec![slug.into()];
    settings
}

/// 50 runs of one metered `llm_call` step start at once against credits for 10 (each
/// step costs one credit): exactly 10 complete, the others fail with
/// INSUFFICIENT_CREDITS or are refused at start, and the balance ends at 0 — nothing
/// overdrawn, since the price divides the balance (docs/billing.md "Overdraw").
async fn fifty_racing_runs_against_ten_credits(backend: Backend) {
    let replies = (0..60)
        .map(|_| LlmReply::json(200, openai::completion("ok", 1, 1)))
        .collect();
    let provider = FakeProvider::start(replies).await;
    let s = start_with(backend, llm_settings(&provider, "bill-race")).await;
    let ws = workspace(&s, "bill-race").await;
    let graph = json!({"steps": [{"id": "ask", "type": "llm_call",
        "model_ref": "direct.openai.gpt-4o-mini", "prompt": "hi"}]});
    let wf = published_workflow(&s, &ws, json!({"name": "ask", "graph": graph})).await;
    let r = post(
        &s,
        &ws,
        "/v1/billing/credits/grant",
        Some(json!({"microcredits": 10 * CREDIT})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let starts = (0..50).map(|_| start_run(&s, &ws, &wf));
    let answers = futures::future::join_all(starts).await;
    let mut runs = Vec::new();
    let mut refused = 0;
    for a in &answers {
        match a.status {
            200 => runs.push(a.body["run_id"].as_str().expect("run id").to_string()),
            422 => {
                assert_eq!(a.body["code"], "INSUFFICIENT_CREDITS", "{}", a.body);
                refused += 1;
            }
            other => panic!("start answered {other}: {}", a.body),
        }
    }
    // All runs to an end (50 runs on two shared cores take a while: up to 3 minutes).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let (mut completed, mut out_of_credits) = (0, 0);
    let mut pending: Vec<String> = runs.clone();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for run in pending {
            let r = get(&s, &ws, &format!("/v1/workflows/{wf}/runs/{run}")).await;
            match r.body["status"].as_str() {
                Some("completed") => completed += 1,
                Some("failed") => {
                    assert!(
                        r.body.to_string().contains("INSUFFICIENT_CREDITS"),
                        "{}",
                        r.body
                    );
                    out_of_credits += 1;
                }
                _ => still.push(run),
            }
        }
        pending = still;
        assert!(
            std::time::Instant::now() < deadline,
            "{} runs never ended ({completed} completed, {out_of_credits} failed)",
            pending.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        completed, 10,
        "{completed} completed, {out_of_credits} failed, {refused} refused"
    );
    assert_eq!(completed + out_of_credits + refused, 50);
    let usage = get(&s, &ws, "/v1/billing/usage").await.body;
    assert_eq!(usage["total_remaining_microcredits"], 0, "{usage}");
    // Calls made but not paid for: at most the steps in flight when credits ran out.
    assert!(provider.requests().len() <= 50 - refused);

    // The ledger: 10 debits of the project, paged by cursor.
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=4&cursor={c}"),
            None => "?limit=4".into(),
        };
        let r = get(&s, &ws, &format!("/v1/billing/usage-history{query}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let entries = r.body["entries"].as_array().expect("entries");
        assert!(
            entries
                .iter()
                .all(|e| e["microcredits"] == -CREDIT && e["action"] == "workflow.step.execute"),
            "{}",
            r.body
        );
        seen += entries.len();
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 10);
    let r = get(&s, &ws, "/v1/analytics/credits-consumed?window=all").await;
    assert_eq!(r.body["microcredits"], 10 * CREDIT, "{}", r.body);
    // The time series reads the same ledger: its points add up to the same spend.
    let r = get(
        &s,
        &ws,
        "/v1/analytics/usage-timeseries?window=all&granularity=hour",
    )
    .await;
    let points = r.body["points"].as_array().expect("points");
    let spent: i64 = points
        .iter()
        .filter_map(|p| p["microcredits"].as_i64())
        .sum();
    assert_eq!(spent, 10 * CREDIT, "{}", r.body);
    let r = get(&s, &ws, "/v1/billing/summary").await;
    assert_eq!(r.body["usage"][0]["quantity"], 10, "{}", r.body);
    s.close().await;
}

/// Answers like a successful `llm_call`, counting its calls.
struct Answers(AtomicUsize);

#[async_trait::async_trait]
impl StepExecutor for Answers {
    async fn execute(&self, _call: StepCall) -> Result<Value, StepFailure> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(json!({"model": "m", "text": "t", "tokens_in": 5, "tokens_out": 2, "latency_ms": 1}))
    }
}

/// The same attempt run again (a crash before its commit) is charged once; with nothing
/// left, the step fails before calling anything.
async fn a_metered_step_is_charged_once(backend: Backend) {
    let (stores, _dir) = stores(backend).await;
    let s = start_on(stores.clone(), test_settings()).await;
    let ws = workspace(&s, "bill-once").await;
    let ws_id = workspace_id(&s, &ws).await;
    let store: Arc<dyn IntegrationStore> = stores.integrations.clone();
    let mut billing = test_billing(true);
    billing.prices.insert("llm.tokens_in".into(), 100);
    let inner = Arc::new(Answers(AtomicUsize::new(0)));
    let metered = Metered::new(inner.clone(), Meter::Llm, store.clone())
        .charging(Some(Arc::new(Charger::new(store.clone(), billing))));
    let call = |attempt: u32| StepCall {
        run_id: "run-1".into(),
        workflow_id: "wf".into(),
        project_id: Some(ws.project.clone()),
        step_id: "ask".into(),
        step_type: "llm_call".into(),
        attempt,
        idempotency_key: format!("run-1:ask:{attempt}"),
        inputs: json!({}),
        globals: Arc::new(serde_json::Map::new()),
        timeout: None,
        cancel: tokio_util::sync::CancellationToken::new(),
        events: Default::default(),
    };
    let failure = metered.execute(call(1)).await.expect_err("no credits");
    assert_eq!(failure.code, "INSUFFICIENT_CREDITS");
    assert_eq!(inner.0.load(Ordering::SeqCst), 0, "nothing was called");
    store
        .billing_grant(&Grant {
            workspace_id: ws_id.clone(),
            bucket: Bucket::Payg,
            action: "credits.grant".into(),
            microcredits: 5 * CREDIT,
            note: None,
            at: 1,
        })
        .await
        .expect("grant");
    metered.execute(call(1)).await.expect("charged");
    metered
        .execute(call(1))
        .await
        .expect("the same attempt again");
    // The workspace's own price (the operator's `admin prices set`) applies to its next
    // debits once the charger's cache has expired; the catalog route shows it.
    store
        .billing_set_price_override(&ws_id, "llm.tokens_in", Some(7), 2)
        .await
        .expect("override");
    let pricing = get(&s, &ws, "/v1/billing/action-pricing").await;
    let tokens_in = pricing.body["prices"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["action"] == "llm.tokens_in"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&tokens_in["microcredits"], &tokens_in["workspace_price"]),
        (&json!(7), &json!(true)),
        "{}",
        pricing.body
    );
    tokio::time::sleep(ar_server::billing::prices::CACHE_TTL).await;
    // Another run's step (a later attempt of "ask" would be its cut-off re-run, already
    // paid: docs/billing.md "The ledger and exactly-once").
    let mut other_run = call(1);
    other_run.run_id = "run-2".into();
    other_run.idempotency_key = "run-2:ask:1".into();
    metered
        .execute(other_run)
        .await
        .expect("charged at the workspace's price");
    let rows = store.billing_ledger_all(&ws_id).await.expect("ledger");
    let second: Vec<(&str, i64)> = rows
        .iter()
        .filter(|r| r.run_id.as_deref() == Some("run-2"))
        .map(|r| (r.action.as_str(), r.microcredits))
        .collect();
    assert_eq!(
        second,
        [("llm.tokens_in", -35), ("workflow.step.execute", -CREDIT)]
    );
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| r.run_id.as_deref() != Some("run-2"))
        .collect();
    let debits: Vec<(&str, i64, Option<i64>)> = rows
        .iter()
        .filter(|r| r.run_id.is_some())
        .map(|r| (r.action.as_str(), r.microcredits, r.attempt))
        .collect();
    assert_eq!(
        debits,
        [
            ("llm.tokens_in", -500, Some(1)),
            ("workflow.step.execute", -CREDIT, Some(1))
        ],
        "one debit per priced action, unpriced tokens_out free"
    );
    let b = store.billing_balances(&ws_id).await.expect("balances");
    assert_eq!(b.payg, 5 * CREDIT - 2 * CREDIT - 500 - 35);
    let all = store.billing_ledger_all(&ws_id).await.expect("ledger");
    assert_eq!(all.iter().map(|r| r.microcredits).sum::<i64>(), b.total());
    s.close().await;
}

/// Over time: a trial ends and loses its credits; a period rolls over once, granting the
/// plan's included credits (a pending downgrade applies then); a cancellation at the
/// period's end ends the subscription and its included credits, PAYG stays.
async fn subscriptions_over_time(backend: Backend) {
    let (stores, _dir) = stores(backend).await;
    let s = start_on(stores.clone(), test_settings()).await;
    let billing = test_billing(true);
    let mut ids = Vec::new();
    for slug in ["bill-time-a", "bill-time-b"] {
        let ws = workspace(&s, slug).await;
        ids.push(workspace_id(&s, &ws).await);
    }
    let account = |ws: usize| Account {
        store: &*stores.integrations,
        billing: &billing,
        product_code: "test-product",
        workspace_id: &ids[ws],
    };
    let t0 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
    let a = account(0);
    a.start_trial(None, t0).await.expect("trial");
    assert_eq!(
        stores
            .integrations
            .billing_balances(&ids[0])
            .await
            .unwrap()
            .trial,
        12 * CREDIT
    );
    let sub = a.refresh(t0 + 15 * DAY).await.unwrap().expect("sub");
    assert_eq!(sub.status, "none");
    assert_eq!(
        stores
            .integrations
            .billing_balances(&ids[0])
            .await
            .unwrap()
            .trial,
        0
    );

    let b = account(1);
    b.grant(2 * CREDIT, None, t0).await.expect("payg");
    b.subscribe("max", t0).await.expect("subscribe");
    b.change_plan("pro", t0 + DAY).await.expect("downgrade");
    // Two refreshes at once past the period's end: one roll-over.
    let later = t0 + 40 * DAY;
    let (x, y) = tokio::join!(b.refresh(later), b.refresh(later));
    let (x, y) = (x.unwrap().expect("sub"), y.unwrap().expect("sub"));
    assert_eq!((x.plan_code.as_str(), y.plan_code.as_str()), ("pro", "pro"));
    assert_eq!(x.current_period_start, Some(1_706_745_600_000)); // 2024-02-01
    let included: Vec<String> = stores
        .integrations
        .billing_ledger_all(&ids[1])
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action.starts_with("plan.included"))
        .map(|r| format!("{} {}", r.action, r.microcredits))
        .collect();
    assert_eq!(
        included,
        ["plan.included 5000000", "plan.included.expired -5000000"],
        "max's credits granted once, expired once at the roll-over to pro (nothing included)"
    );
    let balances = stores.integrations.billing_balances(&ids[1]).await.unwrap();
    assert_eq!(
        (balances.included, balances.payg),
        (0, 2 * CREDIT),
        "pro includes nothing"
    );

    b.cancel(false, later).await.expect("cancel now");
    assert_eq!(
        b.refresh(later + 60 * DAY)
            .await
            .unwrap()
            .expect("sub")
            .status,
        "canceled"
    );
    assert_eq!(
        stores
            .integrations
            .billing_balances(&ids[1])
            .await
            .unwrap()
            .payg,
        2 * CREDIT,
        "PAYG survives cancellation"
    );
    s.close().await;
}

/// The plan's `max_members` (billing on): invites, accepting one and reactivating a member
/// are refused at the limit with 422 `PLAN_MEMBER_LIMIT`; a workspace without a plan has
/// no limit.
async fn the_plans_member_limit_holds(backend: Backend) {
    let mut settings = billing_on();
    settings.billing.plans[0].max_members = Some(2);
    let s = start_with(backend, settings).await;
    let ws = workspace(&s, "limited").await;
    let invite = |email: &'static str| {
        let (s, ws) = (&s, &ws);
        async move {
            s.call(Method::POST, "/v1/invites")
                .auth(&ws.owner)
                .tenant(&ws.slug)
                .json(json!({"email": email}))
                .send()
                .await
        }
    };
    let accept = |token: String, cookie: String| {
        let s = &s;
        async move {
            s.call(Method::POST, format!("/v1/invites/{token}/accept"))
                .auth(&Auth::Session(cookie))
                .send()
                .await
        }
    };
    // Without a plan: no limit.
    let first = invite("one@limited.test").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = invite("two@limited.test").await;
    assert_eq!(second.status, 201, "{}", second.body);
    let r = post(
        &s,
        &ws,
        "/v1/billing/subscription",
        Some(json!({"plan_code": "pro"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let (one, one_cookie) = s.signup("one@limited.test", "password-123").await;
    let r = accept(first.body["token"].as_str().unwrap().into(), one_cookie).await;
    assert_eq!(r.status, 200, "owner + one = the limit of 2: {}", r.body);
    let (_, two_cookie) = s.signup("two@limited.test", "password-123").await;
    let r = accept(
        second.body["token"].as_str().unwrap().into(),
        two_cookie.clone(),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (422, &json!("PLAN_MEMBER_LIMIT")),
        "{}",
        r.body
    );
    assert!(
        r.body["error"].as_str().unwrap().contains("change-plan"),
        "{}",
        r.body
    );
    let r = invite("three@limited.test").await;
    assert_eq!(
        (r.status, &r.body["max_members"]),
        (422, &json!(2)),
        "{}",
        r.body
    );

    // Room made by deactivating a member; reactivating them is then refused.
    let r = s
        .call(Method::DELETE, format!("/v1/members/{one}"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .send()
        .await;
    assert!(r.status < 300, "{}", r.body);
    let r = accept(second.body["token"].as_str().unwrap().into(), two_cookie).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call(Method::PATCH, format!("/v1/members/{one}"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"active": true}))
        .send()
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (422, &json!("PLAN_MEMBER_LIMIT")),
        "{}",
        r.body
    );
    // A bigger plan lifts the limit.
    let r = post(
        &s,
        &ws,
        "/v1/billing/subscription/change-plan",
        Some(json!({"plan_code": "max"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s
        .call(Method::PATCH, format!("/v1/members/{one}"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"active": true}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.close().await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(Backend::Sqlite).await; } )*
        }
        mod postgres {
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(Backend::Postgres).await; } )*
        }
    };
}

on_both_backends!(
    catalog_and_admin_actions,
    starts_need_credits_when_billing_is_on,
    a_metered_step_is_charged_once,
    subscriptions_over_time,
    fifty_racing_runs_against_ten_credits,
    the_plans_member_limit_holds,
);
