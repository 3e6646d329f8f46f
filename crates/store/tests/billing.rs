//! Conformance tests of `BillingStore` (docs/contract.md §14): the ledger, its balances,
//! exactly-once debits, bucket order, once-per-period grants and subscriptions; one suite
//! run on SQLite (a database file) and on Postgres (a fresh schema per test), with a
//! second store handle on the same database standing in for a second node.

mod common;

use std::sync::Arc;

use ar_store::integrations::*;
use ar_store::tenant::*;
use ar_store::{NewEvent, NewRun, PgConfig, PgStore, SqliteConfig, SqliteStore, Store};
use serde_json::json;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const CREDIT: i64 = 1_000_000;

struct Fixture {
    store: Arc<dyn IntegrationStore>,
    /// Another handle (its own pool) on the same database: a second node.
    other_node: Arc<dyn IntegrationStore>,
    /// The run store of the same database (runs and their events).
    runs: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    _pg: Vec<PgStore>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ar.db");
    let tenants = SqliteTenantStore::open(path.clone())
        .await
        .expect("open sqlite");
    common::seed_workspaces(&tenants).await;
    let second = SqliteTenantStore::open(path.clone())
        .await
        .expect("open again");
    let runs = SqliteStore::open(SqliteConfig::file(path.to_str().expect("utf-8 path")))
        .await
        .expect("open the run store");
    Fixture {
        store: Arc::new(SqliteIntegrationStore::from_pool(tenants.pool().clone())),
        other_node: Arc::new(SqliteIntegrationStore::from_pool(second.pool().clone())),
        runs: Arc::new(runs),
        _dir: Some(dir),
        _pg: Vec::new(),
    }
}

async fn postgres() -> Fixture {
    let schema = format!("billing_{}", uuid::Uuid::now_v7().simple());
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres (is it running?)");
    common::seed_workspaces(&PgTenantStore::from_pool(pg.pool().clone())).await;
    let second = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres again");
    let runs = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres a third time");
    Fixture {
        store: Arc::new(PgIntegrationStore::from_pool(pg.pool().clone())),
        other_node: Arc::new(PgIntegrationStore::from_pool(second.pool().clone())),
        runs: Arc::new(runs),
        _dir: None,
        _pg: vec![pg, second],
    }
}

fn grant(ws: &str, bucket: Bucket, microcredits: i64) -> Grant {
    Grant {
        workspace_id: ws.into(),
        bucket,
        action: "credits.grant".into(),
        microcredits,
        note: None,
        at: 10,
    }
}

fn debit(ws: &str, run: &str, step: &str, microcredits: i64) -> Debit {
    Debit {
        workspace_id: ws.into(),
        project_id: Some(if ws == "w1" { "p1" } else { "p2" }.into()),
        run_id: run.into(),
        step_id: step.into(),
        attempt: 1,
        action: "workflow.step.execute".into(),
        quantity: 1,
        microcredits,
        at: 20,
    }
}

/// The cached balances equal the sums of the ledger rows per bucket.
async fn assert_balances_are_the_ledger(store: &dyn IntegrationStore, ws: &str) -> Balances {
    let rows = store.billing_ledger_all(ws).await.unwrap();
    let sum = |b: &str| {
        rows.iter()
            .filter(|r| r.bucket == b)
            .map(|r| r.microcredits)
            .sum::<i64>()
    };
    let balances = store.billing_balances(ws).await.unwrap();
    assert_eq!(
        balances,
        Balances {
            trial: sum("trial"),
            included: sum("included"),
            payg: sum("payg"),
        },
        "{rows:#?}"
    );
    balances
}

/// The same debit committed twice (a retried commit, a re-run after a crash, another
/// node) writes its rows once.
async fn a_debit_is_charged_once(f: &Fixture) {
    f.store
        .billing_grant(&grant("w1", Bucket::Payg, 10 * CREDIT))
        .await
        .unwrap();
    let d = debit("w1", "r1", "s1", 2 * CREDIT);
    let first = f.store.billing_debit(&d).await.unwrap();
    assert!(
        matches!(&first, DebitOutcome::Charged(rows) if rows.len() == 1),
        "{first:?}"
    );
    assert_eq!(
        f.store.billing_debit(&d).await.unwrap(),
        DebitOutcome::Duplicate
    );
    assert_eq!(
        f.other_node.billing_debit(&d).await.unwrap(),
        DebitOutcome::Duplicate
    );
    // A later attempt of the step while the charged one has no committed outcome: the
    // engine re-runs a step cut off between its debit and its commit as a new attempt,
    // which that debit already paid for.
    let rerun = Debit {
        attempt: 2,
        ..d.clone()
    };
    for node in [&f.store, &f.other_node] {
        assert_eq!(
            node.billing_debit(&rerun).await.unwrap(),
            DebitOutcome::Duplicate
        );
    }
    // Another action is another debit.
    let tokens = Debit {
        action: "llm.tokens_in".into(),
        microcredits: CREDIT,
        ..d.clone()
    };
    assert!(matches!(
        f.store.billing_debit(&tokens).await.unwrap(),
        DebitOutcome::Charged(_)
    ));
    // Once attempt 1's outcome is committed, a later attempt is a new call to pay for (a
    // run retried from this step).
    f.runs
        .create_run(NewRun {
            id: "r1".into(),
            workflow_id: "wf".into(),
            version: Some(1),
            project_id: None,
            client_run_id: None,
            graph_hash: "h".into(),
            graph: json!({"steps": []}),
            input: json!({}),
            params: json!({}),
            resumed_from_run_id: None,
            steps: Vec::new(),
            work: Vec::new(),
            events: vec![NewEvent::new(
                "step_completed",
                Some("s1"),
                json!({"result": {}, "attempt": 1}),
            )],
            take: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        f.store.billing_debit(&rerun).await.unwrap(),
        DebitOutcome::Charged(_)
    ));
    assert_eq!(
        f.other_node.billing_debit(&rerun).await.unwrap(),
        DebitOutcome::Duplicate
    );
    // A third attempt while attempt 2 is uncommitted: attempt 2's debit stands for it.
    let third = Debit {
        attempt: 3,
        ..d.clone()
    };
    assert_eq!(
        f.store.billing_debit(&third).await.unwrap(),
        DebitOutcome::Duplicate
    );
    // An earlier attempt's debit arriving after a later one's (a node that lost its lease
    // and finished its call anyway): stale, not charged.
    let stale = Debit {
        attempt: 1,
        action: "llm.tokens_out".into(),
        ..d.clone()
    };
    let later = Debit {
        attempt: 2,
        ..stale.clone()
    };
    assert!(matches!(
        f.other_node.billing_debit(&later).await.unwrap(),
        DebitOutcome::Charged(_)
    ));
    assert_eq!(
        f.store.billing_debit(&stale).await.unwrap(),
        DebitOutcome::Duplicate
    );
    let b = assert_balances_are_the_ledger(&*f.store, "w1").await;
    assert_eq!(b.payg, 3 * CREDIT);
    // The other workspace is untouched.
    assert_eq!(
        f.store.billing_balances("w2").await.unwrap(),
        Balances::default()
    );
}

/// Twenty nodes committing the same debit at once: one charge.
async fn concurrent_duplicates_charge_once(f: &Fixture) {
    f.store
        .billing_grant(&grant("w1", Bucket::Payg, 100 * CREDIT))
        .await
        .unwrap();
    let d = debit("w1", "r1", "s1", CREDIT);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 {
                f.store.clone()
            } else {
                f.other_node.clone()
            };
            let d = d.clone();
            tokio::spawn(async move { store.billing_debit(&d).await.unwrap() })
        })
        .collect();
    let mut charged = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), DebitOutcome::Charged(_)) {
            charged += 1;
        }
    }
    assert_eq!(charged, 1);
    assert_eq!(
        assert_balances_are_the_ledger(&*f.store, "w1").await.payg,
        99 * CREDIT
    );
}

/// Trial first, then included, then PAYG; a debit spanning buckets is one row per bucket
/// with its quantity on the first.
async fn buckets_are_drawn_in_order(f: &Fixture) {
    for (bucket, n) in [
        (Bucket::Trial, 3),
        (Bucket::Included, 5),
        (Bucket::Payg, 10),
    ] {
        f.store
            .billing_grant(&grant("w1", bucket, n * CREDIT))
            .await
            .unwrap();
    }
    let DebitOutcome::Charged(rows) = f
        .store
        .billing_debit(&debit("w1", "r1", "a", 7 * CREDIT))
        .await
        .unwrap()
    else {
        panic!("not charged");
    };
    let drawn: Vec<(&str, i64, i64)> = rows
        .iter()
        .map(|r| (r.bucket.as_str(), r.microcredits, r.quantity))
        .collect();
    assert_eq!(
        drawn,
        [("trial", -3 * CREDIT, 1), ("included", -4 * CREDIT, 0)]
    );
    f.store
        .billing_debit(&debit("w1", "r1", "b", 5 * CREDIT))
        .await
        .unwrap();
    let b = assert_balances_are_the_ledger(&*f.store, "w1").await;
    assert_eq!(
        b,
        Balances {
            trial: 0,
            included: 0,
            payg: 6 * CREDIT
        }
    );
    let usage = f.store.billing_usage_by_action("w1", 0, 100).await.unwrap();
    assert_eq!(
        usage,
        [ActionUsage {
            action: "workflow.step.execute".into(),
            quantity: 2,
            microcredits: 12 * CREDIT
        }]
    );
    assert_eq!(
        f.store.billing_project_spent("p1", 0, 100).await.unwrap(),
        12 * CREDIT
    );
    assert_eq!(
        f.store.billing_project_spent("p2", 0, 100).await.unwrap(),
        0
    );
}

/// A balance not above zero refuses; a positive one below the price overdraws PAYG by
/// less than that one price.
async fn an_empty_balance_refuses_and_overdraw_is_one_price(f: &Fixture) {
    assert_eq!(
        f.store
            .billing_debit(&debit("w1", "r1", "s1", CREDIT))
            .await
            .unwrap(),
        DebitOutcome::Empty
    );
    assert!(f.store.billing_ledger_all("w1").await.unwrap().is_empty());
    f.store
        .billing_grant(&grant("w1", Bucket::Trial, 1))
        .await
        .unwrap();
    assert!(matches!(
        f.store
            .billing_debit(&debit("w1", "r1", "s2", 5 * CREDIT))
            .await
            .unwrap(),
        DebitOutcome::Charged(_)
    ));
    let b = assert_balances_are_the_ledger(&*f.store, "w1").await;
    assert_eq!((b.trial, b.payg), (0, -(5 * CREDIT - 1)));
    assert_eq!(
        f.store
            .billing_debit(&debit("w1", "r1", "s3", 1))
            .await
            .unwrap(),
        DebitOutcome::Empty
    );
}

/// 50 debits racing on two nodes against credits for 10: exactly 10 are charged, and
/// nothing is overdrawn (each costs exactly a tenth).
async fn fifty_racing_debits_against_ten_credits(f: &Fixture) {
    f.store
        .billing_grant(&grant("w1", Bucket::Payg, 10 * CREDIT))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = if i % 2 == 0 {
                f.store.clone()
            } else {
                f.other_node.clone()
            };
            tokio::spawn(async move {
                store
                    .billing_debit(&debit("w1", &format!("run{i}"), "s", CREDIT))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut charged = 0;
    for t in tasks {
        match t.await.unwrap() {
            DebitOutcome::Charged(_) => charged += 1,
            DebitOutcome::Empty => {}
            DebitOutcome::Duplicate => panic!("distinct debits"),
        }
    }
    assert_eq!(charged, 10);
    assert_eq!(
        assert_balances_are_the_ledger(&*f.store, "w1")
            .await
            .total(),
        0
    );
}

/// The included credits of a period are granted once, with two nodes racing; the next
/// period expires what is left and grants again.
async fn a_period_is_granted_once(f: &Fixture) {
    let (a, b) = tokio::join!(
        f.store.billing_start_period("w1", 1000, 5 * CREDIT, 1000),
        f.other_node
            .billing_start_period("w1", 1000, 5 * CREDIT, 1000),
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|x| **x).count(), 1);
    assert!(
        !f.store
            .billing_start_period("w1", 1000, 5 * CREDIT, 1001)
            .await
            .unwrap()
    );
    f.store
        .billing_debit(&debit("w1", "r", "s", 2 * CREDIT))
        .await
        .unwrap();
    assert!(
        f.other_node
            .billing_start_period("w1", 2000, 5 * CREDIT, 2000)
            .await
            .unwrap()
    );
    let b = assert_balances_are_the_ledger(&*f.store, "w1").await;
    assert_eq!(b.included, 5 * CREDIT);
    let actions: Vec<String> = f
        .store
        .billing_ledger_all("w1")
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.action, r.microcredits))
        .collect();
    assert_eq!(
        actions,
        [
            "plan.included 5000000",
            "workflow.step.execute -2000000",
            "plan.included.expired -3000000",
            "plan.included 5000000"
        ]
    );
}

/// Emptying a bucket writes one row taking what is left (nothing when empty).
async fn clearing_a_bucket(f: &Fixture) {
    f.store
        .billing_grant(&grant("w1", Bucket::Trial, 7))
        .await
        .unwrap();
    let row = f
        .store
        .billing_clear_bucket("w1", Bucket::Trial, "trial.expired", 30)
        .await
        .unwrap()
        .expect("a row");
    assert_eq!(
        (row.microcredits, row.action.as_str()),
        (-7, "trial.expired")
    );
    assert!(
        f.store
            .billing_clear_bucket("w1", Bucket::Trial, "trial.expired", 31)
            .await
            .unwrap()
            .is_none()
    );
    assert_balances_are_the_ledger(&*f.store, "w1").await;
}

/// Pages are newest first, by cursor; usage pages hold one project's debits, payment
/// pages the grants.
async fn ledger_pages(f: &Fixture) {
    f.store
        .billing_grant(&grant("w1", Bucket::Payg, 100 * CREDIT))
        .await
        .unwrap();
    for i in 0..5 {
        f.store
            .billing_debit(&debit("w1", "r", &format!("s{i}"), 1))
            .await
            .unwrap();
    }
    let mut other = debit("w1", "r9", "x", 1);
    other.project_id = Some("p-other".into());
    f.store.billing_debit(&other).await.unwrap();
    let usage = LedgerFilter::Usage {
        project_id: "p1".into(),
    };
    let first = f
        .store
        .billing_ledger("w1", usage.clone(), None, 3)
        .await
        .unwrap();
    let steps: Vec<_> = first.iter().map(|r| r.step_id.clone().unwrap()).collect();
    assert_eq!(steps, ["s4", "s3", "s2"]);
    let rest = f
        .store
        .billing_ledger("w1", usage, Some(first[2].seq), 3)
        .await
        .unwrap();
    let steps: Vec<_> = rest.iter().map(|r| r.step_id.clone().unwrap()).collect();
    assert_eq!(steps, ["s1", "s0"]);
    let payments = f
        .store
        .billing_ledger("w1", LedgerFilter::Payments, None, 10)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].microcredits, 100 * CREDIT);
    assert!(
        f.store
            .billing_ledger("w2", LedgerFilter::Payments, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A first subscription is created once; saving replaces it; rejections are per workspace.
async fn subscriptions_and_rejections(f: &Fixture) {
    let sub = SubscriptionRecord {
        workspace_id: "w1".into(),
        plan_code: "pro".into(),
        status: "trialing".into(),
        trial_ends_at: Some(100),
        current_period_start: None,
        current_period_end: None,
        cancel_at_period_end: false,
        pending_plan_code: None,
        updated_at: 1,
    };
    assert!(f.store.billing_create_subscription(&sub).await.unwrap());
    assert!(
        !f.other_node
            .billing_create_subscription(&sub)
            .await
            .unwrap()
    );
    let active = SubscriptionRecord {
        status: "active".into(),
        current_period_start: Some(5),
        current_period_end: Some(50),
        cancel_at_period_end: true,
        pending_plan_code: Some("free".into()),
        ..sub.clone()
    };
    f.store.billing_save_subscription(&active).await.unwrap();
    assert_eq!(
        f.store.billing_subscription("w1").await.unwrap(),
        Some(active)
    );
    assert_eq!(f.store.billing_subscription("w2").await.unwrap(), None);
    let rejection = RunRejection {
        id: "rj1".into(),
        workspace_id: "w1".into(),
        project_id: "p1".into(),
        workflow_id: "wf".into(),
        code: "INSUFFICIENT_CREDITS".into(),
        at: 3,
    };
    f.store.record_run_rejection(&rejection).await.unwrap();
    assert_eq!(f.store.run_rejections("w1").await.unwrap(), [rejection]);
    assert!(f.store.run_rejections("w2").await.unwrap().is_empty());
}

fn topup(ws: &str, key: &str) -> NewPayment {
    NewPayment {
        workspace_id: ws.into(),
        provider: "stripe".into(),
        idempotency_key: key.into(),
        amount_cents: 1000,
        currency: "usd".into(),
        microcredits: 10 * CREDIT,
        discount_code: None,
        created_by: Some("u1".into()),
        at: 5,
    }
}

fn paid(event: &str, reference: &str, payment_id: Option<&str>) -> Settlement {
    Settlement {
        provider: "stripe".into(),
        event_id: event.into(),
        event_kind: "payment_intent.succeeded".into(),
        provider_ref: reference.into(),
        payment_id: payment_id.map(str::to_owned),
        outcome: PaymentOutcome::Succeeded {
            amount_cents: 1000,
            currency: "usd".into(),
        },
        at: 6,
    }
}

fn topups_of(rows: &[LedgerEntry]) -> usize {
    rows.iter().filter(|r| r.action == "payg.topup").count()
}

async fn settle(store: &dyn IntegrationStore, s: &Settlement) -> SettleOutcome {
    store.billing_settle_payment(s).await.unwrap()
}

/// A top-up is opened once per idempotency key and credited once, whatever the number of
/// deliveries of its events, replays included.
async fn a_topup_is_credited_once(f: &Fixture) {
    let opened = f
        .store
        .billing_open_payment(&topup("w1", "k1"))
        .await
        .unwrap();
    assert_eq!(opened.status, "pending");
    let mut again = topup("w1", "k1");
    again.amount_cents = 1;
    let found = f.other_node.billing_open_payment(&again).await.unwrap();
    assert_eq!(
        found, opened,
        "the same key finds the first payment, unchanged"
    );
    let other_ws = f
        .store
        .billing_open_payment(&topup("w2", "k1"))
        .await
        .unwrap();
    assert_ne!(other_ws.id, opened.id, "keys are per workspace");
    f.store
        .billing_set_payment_ref(&opened.id, "pi_1", 6)
        .await
        .unwrap();

    let SettleOutcome::Credited(entry) =
        settle(f.store.as_ref(), &paid("evt_1", "pi_1", None)).await
    else {
        panic!("the first delivery credits");
    };
    assert_eq!(
        (
            entry.microcredits,
            entry.bucket.as_str(),
            entry.action.as_str()
        ),
        (10 * CREDIT, "payg", "payg.topup")
    );
    assert_eq!(
        settle(f.other_node.as_ref(), &paid("evt_1", "pi_1", None)).await,
        SettleOutcome::DuplicateEvent
    );
    assert_eq!(
        settle(f.store.as_ref(), &paid("evt_2", "pi_1", None)).await,
        SettleOutcome::Recorded {
            status: "succeeded".into()
        },
        "another event of a paid payment credits nothing"
    );
    let mut failed_late = paid("evt_3", "pi_1", None);
    failed_late.outcome = PaymentOutcome::Failed {
        reason: "card_declined".into(),
    };
    assert_eq!(
        settle(f.store.as_ref(), &failed_late).await,
        SettleOutcome::Recorded {
            status: "succeeded".into()
        },
        "a late failure does not undo a payment"
    );
    let balances = assert_balances_are_the_ledger(f.store.as_ref(), "w1").await;
    assert_eq!(balances.payg, 10 * CREDIT);
    assert_eq!(
        topups_of(&f.store.billing_ledger_all("w1").await.unwrap()),
        1
    );
    let stored = f
        .store
        .billing_payment("w1", &opened.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.ledger_entry_id.as_deref()),
        ("succeeded", Some(entry.id.as_str()))
    );
    assert!(
        f.store
            .billing_payment("w2", &opened.id)
            .await
            .unwrap()
            .is_none(),
        "another workspace's payment is not found"
    );
    let payments = f
        .store
        .billing_ledger("w1", LedgerFilter::Payments, None, 10)
        .await
        .unwrap();
    assert_eq!(payments.len(), 1, "top-ups are in the payment history");
}

/// Ten different events of one payment handled at once on two nodes credit it once.
async fn racing_events_credit_once(f: &Fixture) {
    let opened = f
        .store
        .billing_open_payment(&topup("w1", "race"))
        .await
        .unwrap();
    f.store
        .billing_set_payment_ref(&opened.id, "pi_race", 6)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = if i % 2 == 0 {
            f.store.clone()
        } else {
            f.other_node.clone()
        };
        tasks.push(tokio::spawn(async move {
            settle(store.as_ref(), &paid(&format!("evt_r{i}"), "pi_race", None)).await
        }));
    }
    let mut credited = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), SettleOutcome::Credited(_)) {
            credited += 1;
        }
    }
    assert_eq!(credited, 1);
    assert_eq!(
        assert_balances_are_the_ledger(f.store.as_ref(), "w1")
            .await
            .payg,
        10 * CREDIT
    );
}

/// A payment whose provider id was never recorded (the node died after asking the
/// provider) is found by the payment id the provider echoes; an unknown one changes
/// nothing and leaves the event unclaimed; a wrong amount credits nothing; a failed
/// payment may still be paid later.
async fn settling_edge_cases(f: &Fixture) {
    let orphan = f
        .store
        .billing_open_payment(&topup("w1", "orphan"))
        .await
        .unwrap();
    assert_eq!(
        settle(f.store.as_ref(), &paid("evt_u", "pi_orphan", None)).await,
        SettleOutcome::UnknownPayment
    );
    assert!(
        matches!(
            settle(
                f.store.as_ref(),
                &paid("evt_u", "pi_orphan", Some(&orphan.id))
            )
            .await,
            SettleOutcome::Credited(_)
        ),
        "the unclaimed event is handled once the payment is found"
    );
    let stored = f
        .store
        .billing_payment("w1", &orphan.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.provider_ref.as_deref(), Some("pi_orphan"));
    // Another workspace's payment id echoed with a foreign provider id finds nothing new:
    // the id lookup is only for payments without a provider id.
    assert_eq!(
        settle(
            f.store.as_ref(),
            &paid("evt_x", "pi_other", Some(&orphan.id))
        )
        .await,
        SettleOutcome::UnknownPayment
    );

    let cheap = f
        .store
        .billing_open_payment(&topup("w2", "cheap"))
        .await
        .unwrap();
    f.store
        .billing_set_payment_ref(&cheap.id, "pi_cheap", 6)
        .await
        .unwrap();
    let mut short = paid("evt_c1", "pi_cheap", None);
    short.outcome = PaymentOutcome::Succeeded {
        amount_cents: 1,
        currency: "usd".into(),
    };
    assert!(matches!(
        settle(f.store.as_ref(), &short).await,
        SettleOutcome::Mismatch(_)
    ));
    assert_eq!(f.store.billing_balances("w2").await.unwrap().payg, 0);

    let retried = f
        .store
        .billing_open_payment(&topup("w2", "retried"))
        .await
        .unwrap();
    f.store
        .billing_set_payment_ref(&retried.id, "pi_retried", 6)
        .await
        .unwrap();
    let mut declined = paid("evt_d1", "pi_retried", None);
    declined.outcome = PaymentOutcome::Failed {
        reason: "card_declined".into(),
    };
    assert_eq!(
        settle(f.store.as_ref(), &declined).await,
        SettleOutcome::Recorded {
            status: "failed".into()
        }
    );
    assert!(matches!(
        settle(f.store.as_ref(), &paid("evt_d2", "pi_retried", None)).await,
        SettleOutcome::Credited(_)
    ));
    assert_eq!(
        assert_balances_are_the_ledger(f.store.as_ref(), "w2")
            .await
            .payg,
        10 * CREDIT
    );
}

fn code(ws: &str, code: &str, max: Option<i64>, microcredits: i64) -> Redemption {
    Redemption {
        workspace_id: ws.into(),
        code: code.into(),
        kind: if microcredits > 0 {
            "credits"
        } else {
            "discount"
        }
        .into(),
        max_redemptions: max,
        microcredits,
        redeemed_by: Some("u1".into()),
        at: 7,
    }
}

/// A code applies once per workspace, its credits are granted with it, and its limit
/// holds under concurrent redemptions from two nodes.
async fn codes_apply_once_within_their_limit(f: &Fixture) {
    let RedeemOutcome::Applied(Some(entry)) = f
        .store
        .billing_redeem_code(&code("w1", "WELCOME", None, 5 * CREDIT))
        .await
        .unwrap()
    else {
        panic!("a credits code grants");
    };
    assert_eq!(
        (entry.action.as_str(), entry.microcredits),
        ("code.credits", 5 * CREDIT)
    );
    assert_eq!(
        f.other_node
            .billing_redeem_code(&code("w1", "WELCOME", None, 5 * CREDIT))
            .await
            .unwrap(),
        RedeemOutcome::AlreadyApplied
    );
    assert_eq!(
        assert_balances_are_the_ledger(f.store.as_ref(), "w1")
            .await
            .payg,
        5 * CREDIT
    );
    let payments = f
        .store
        .billing_ledger("w1", LedgerFilter::Payments, None, 10)
        .await
        .unwrap();
    assert_eq!(
        payments.len(),
        1,
        "a code's credits are in the payment history"
    );
    assert_eq!(
        f.store
            .billing_redeem_code(&code("w1", "TENOFF", Some(5), 0))
            .await
            .unwrap(),
        RedeemOutcome::Applied(None)
    );
    let applied: Vec<String> = f
        .store
        .billing_redemptions("w1")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(applied, ["TENOFF", "WELCOME"], "ordered by time, then code");

    // One redemption left for two workspaces racing on two nodes.
    let a = f.store.clone();
    let b = f.other_node.clone();
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move {
            a.billing_redeem_code(&code("w1", "LAST", Some(1), CREDIT))
                .await
                .unwrap()
        }),
        tokio::spawn(async move {
            b.billing_redeem_code(&code("w2", "LAST", Some(1), CREDIT))
                .await
                .unwrap()
        }),
    );
    let outcomes = [ra.unwrap(), rb.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, RedeemOutcome::Applied(_)))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&RedeemOutcome::Exhausted), "{outcomes:?}");
    assert_eq!(f.store.billing_code_redeemed("LAST").await.unwrap(), 1);
    assert_balances_are_the_ledger(f.store.as_ref(), "w1").await;
    assert_balances_are_the_ledger(f.store.as_ref(), "w2").await;
}

/// A workspace's own prices: set, replaced, removed; another workspace's are its own.
async fn price_overrides(f: &Fixture) {
    assert!(
        f.store
            .billing_price_overrides("w1")
            .await
            .unwrap()
            .is_empty()
    );
    f.store
        .billing_set_price_override("w1", "mcp.call", Some(5), 1)
        .await
        .unwrap();
    f.store
        .billing_set_price_override("w1", "llm.tokens_in", Some(1), 1)
        .await
        .unwrap();
    f.other_node
        .billing_set_price_override("w1", "mcp.call", Some(7), 2)
        .await
        .unwrap();
    assert_eq!(
        f.store.billing_price_overrides("w1").await.unwrap(),
        [
            ("llm.tokens_in".to_string(), 1),
            ("mcp.call".to_string(), 7)
        ]
    );
    assert!(
        f.store
            .billing_price_overrides("w2")
            .await
            .unwrap()
            .is_empty()
    );
    f.store
        .billing_set_price_override("w1", "llm.tokens_in", None, 3)
        .await
        .unwrap();
    assert_eq!(
        f.store.billing_price_overrides("w1").await.unwrap(),
        [("mcp.call".to_string(), 7)]
    );
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(&super::sqlite().await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(&super::postgres().await).await; } )*
        }
    };
}

on_both_backends!(
    a_debit_is_charged_once,
    concurrent_duplicates_charge_once,
    buckets_are_drawn_in_order,
    an_empty_balance_refuses_and_overdraw_is_one_price,
    fifty_racing_debits_against_ten_credits,
    a_period_is_granted_once,
    clearing_a_bucket,
    ledger_pages,
    subscriptions_and_rejections,
    a_topup_is_credited_once,
    racing_events_credit_once,
    settling_edge_cases,
    codes_apply_once_within_their_limit,
    price_overrides,
);
