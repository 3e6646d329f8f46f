//! Paying for credits end to end (docs/billing.md "Top-ups with Stripe", "Codes") on
//! SQLite and Postgres, against a local stub of Stripe's REST API (no network): a top-up
//! intent, Stripe's signed webhook crediting it once (valid, invalid, replayed and
//! redelivered deliveries), idempotent retries, credits and discount codes, the manual
//! provider, and what another tenant or a hostile body gets.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ar_server::automation::signature::sign_timestamped;
use ar_server::billing::codes::{CodeKind, CodeSettings};
use ar_server::billing::payments::settings::{PaymentSettings, ProviderKind, StripeSettings};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET_KEY: &str = "sk_test_stub_secret_0123456789";
const WEBHOOK_SECRET: &str = "whsec_stub_0123456789";
const PUBLISHABLE_KEY: &str = "pk_test_stub_0123";
const CREDIT: i64 = 1_000_000;

/// What the stub received and answered: intents by Stripe idempotency key.
#[derive(Default)]
struct StubStripe {
    intents: HashMap<String, Value>,
    requests: usize,
}

type Stub = Arc<Mutex<StubStripe>>;

/// `POST /v1/payment_intents` as Stripe answers it: form fields in, the intent out, the
/// same intent for a repeated `Idempotency-Key`, 401 for another key.
async fn create_intent(
    State(stub): State<Stub>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, axum::Json<Value>) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {SECRET_KEY}")) {
        let error = json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_****"}});
        return (StatusCode::UNAUTHORIZED, axum::Json(error));
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut stub = stub.lock().unwrap();
    stub.requests += 1;
    let n = stub.intents.len() + 1;
    let intent = stub.intents.entry(key).or_insert_with(|| {
        let id = format!("pi_stub_{n}");
        json!({
            "id": id, "object": "payment_intent",
            "amount": form["amount"].parse::<i64>().unwrap(), "currency": form["currency"],
            "status": "requires_payment_method", "client_secret": format!("{id}_secret_abc"),
            "metadata": {
                "payment_id": form["metadata[payment_id]"],
                "workspace_id": form["metadata[workspace_id]"],
                "microcredits": form["metadata[microcredits]"],
            },
        })
    });
    (StatusCode::OK, axum::Json(intent.clone()))
}

async fn stub_stripe() -> (String, Stub) {
    let stub: Stub = Arc::default();
    let app = axum::Router::new()
        .route("/v1/payment_intents", axum::routing::post(create_intent))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, stub)
}

fn codes() -> Vec<CodeSettings> {
    let code = |code: &str, kind, microcredits, percent_off, max| CodeSettings {
        code: code.into(),
        kind,
        microcredits,
        percent_off,
        expires_at: None,
        max_redemptions: max,
    };
    let mut expired = code("OLD", CodeKind::Credits, CREDIT, None, None);
    expired.expires_at = Some("2020-01-01T00:00:00Z".into());
    vec![
        code("WELCOME5", CodeKind::Credits, 5 * CREDIT, None, None),
        code("QUARTER", CodeKind::Discount, 0, Some(25), None),
        code("ONLYONE", CodeKind::Credits, CREDIT, None, Some(1)),
        expired,
    ]
}

fn settings(stripe_base: Option<&str>) -> ar_server::Settings {
    let mut settings = test_settings();
    settings.billing = test_billing(true);
    settings.billing.codes = codes();
    if let Some(base) = stripe_base {
        settings.billing.payments = PaymentSettings {
            provider: ProviderKind::Stripe,
            ..Default::default()
        };
        settings.billing.stripe = StripeSettings {
            secret_key: Some(SECRET_KEY.into()),
            publishable_key: Some(PUBLISHABLE_KEY.into()),
            webhook_secret: Some(WEBHOOK_SECRET.into()),
            api_base: base.into(),
        };
    }
    settings
}

async fn post(s: &TestServer, ws: &Workspace, path: &str, body: Value) -> Reply {
    s.call(Method::POST, path)
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project)
        .json(body)
        .send()
        .await
}

async fn get(s: &TestServer, ws: &Workspace, path: &str) -> Reply {
    s.call(Method::GET, path)
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .project(&ws.project)
        .send()
        .await
}

async fn payg(s: &TestServer, ws: &Workspace) -> i64 {
    get(s, ws, "/v1/billing/usage").await.body["payg_remaining"]
        .as_i64()
        .expect("payg")
}

/// A Stripe event as Stripe sends it (the documented envelope), for `intent`.
fn event(id: &str, kind: &str, intent: &Value, amount_received: i64) -> Vec<u8> {
    let mut object = intent.clone();
    object["amount_received"] = json!(amount_received);
    object["status"] = json!(if kind == "payment_intent.succeeded" {
        "succeeded"
    } else {
        "requires_payment_method"
    });
    if kind == "payment_intent.payment_failed" {
        object["last_payment_error"] =
            json!({"code": "card_declined", "message": "Your card was declined."});
    }
    serde_json::to_vec(&json!({
        "id": id, "object": "event", "api_version": "2024-06-20", "created": 1_733_580_000,
        "livemode": false, "pending_webhook": 1, "type": kind,
        "data": {"object": object},
    }))
    .unwrap()
}

async fn deliver(s: &TestServer, body: &[u8], signature: Option<String>) -> (u16, Value) {
    let mut req = s
        .http
        .post(format!("{}/v1/billing/webhooks/stripe", s.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    let r = req.send().await.expect("deliver");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn signed(body: &[u8]) -> Option<String> {
    Some(sign_timestamped(
        WEBHOOK_SECRET,
        ar_store::now_ms() / 1000,
        body,
    ))
}

/// The whole top-up: config, intent, retries, Stripe's deliveries in every form.
async fn topup_through_stripe(backend: Backend) {
    let (base, stub) = stub_stripe().await;
    let s = start_with(backend, settings(Some(&base))).await;
    let ws = workspace(&s, "pay-a").await;

    let config = s.call(Method::GET, "/v1/config/stripe").send().await;
    assert_eq!(config.status, 200, "{}", config.body);
    assert_eq!(
        (
            &config.body["enabled"],
            &config.body["publishable_key"],
            &config.body["currency"]
        ),
        (&json!(true), &json!(PUBLISHABLE_KEY), &json!("usd"))
    );
    assert!(
        !config.body.to_string().contains(SECRET_KEY)
            && !config.body.to_string().contains(WEBHOOK_SECRET)
    );

    // Hosted body: all four fields.
    let body = json!({"amount_cents": 1000, "microcredits": 10 * CREDIT, "currency": "usd", "idempotency_key": "order-1"});
    let r = post(&s, &ws, "/v1/billing/topups/payg/intent", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["client_secret"], "pi_stub_1_secret_abc");
    assert_eq!(r.body["publishable_key"], PUBLISHABLE_KEY);
    assert_eq!(r.body["payment"]["status"], "pending");
    assert_eq!(r.body["payment"]["amount_cents"], 1000);
    let payment_id = r.body["payment"]["id"].as_str().unwrap().to_owned();
    assert!(!r.body.to_string().contains(SECRET_KEY), "{}", r.body);

    // A retry with the same key: the same payment, the same intent; other amounts: 409.
    let again = post(&s, &ws, "/v1/billing/topups/payg/intent", body).await;
    assert_eq!(
        (again.status, &again.body["payment"]["id"]),
        (201, &json!(payment_id))
    );
    assert_eq!(again.body["payment_intent_id"], "pi_stub_1");
    assert_eq!(
        stub.lock().unwrap().intents.len(),
        1,
        "Stripe saw one idempotency key"
    );
    let other = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"microcredits": 20 * CREDIT, "idempotency_key": "order-1"}),
    )
    .await;
    assert_eq!(other.status, 409, "{}", other.body);

    let intent = stub
        .lock()
        .unwrap()
        .intents
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(intent["metadata"]["payment_id"], json!(payment_id));
    assert_eq!(
        payg(&s, &ws).await,
        0,
        "nothing is credited before Stripe says it is paid"
    );

    // Bad deliveries change nothing.
    let paid = event("evt_paid_1", "payment_intent.succeeded", &intent, 1000);
    let (status, answer) = deliver(&s, &paid, None).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("Stripe-Signature"),
        "{answer}"
    );
    let forged = Some(sign_timestamped(
        "whsec_attacker",
        ar_store::now_ms() / 1000,
        &paid,
    ));
    assert_eq!(deliver(&s, &paid, forged).await.0, 400);
    let stale = Some(sign_timestamped(
        WEBHOOK_SECRET,
        ar_store::now_ms() / 1000 - 3_600,
        &paid,
    ));
    let (status, answer) = deliver(&s, &paid, stale).await;
    assert_eq!(status, 400, "a replay of an hour-old delivery: {answer}");
    let tampered = event("evt_paid_1", "payment_intent.succeeded", &intent, 999_999);
    assert_eq!(
        deliver(&s, &tampered, signed(&paid)).await.0,
        400,
        "the body no longer matches"
    );
    assert_eq!(payg(&s, &ws).await, 0);

    // The real delivery credits once; its redelivery and another event of the payment
    // credit nothing.
    let (status, answer) = deliver(&s, &paid, signed(&paid)).await;
    assert_eq!(
        (status, &answer["result"]),
        (200, &json!("credited")),
        "{answer}"
    );
    assert_eq!(payg(&s, &ws).await, 10 * CREDIT);
    let (status, answer) = deliver(&s, &paid, signed(&paid)).await;
    assert_eq!(
        (status, &answer["result"]),
        (200, &json!("duplicate")),
        "{answer}"
    );
    let second = event("evt_paid_2", "payment_intent.succeeded", &intent, 1000);
    let (_, answer) = deliver(&s, &second, signed(&second)).await;
    assert_eq!(answer["result"], "recorded");
    assert_eq!(payg(&s, &ws).await, 10 * CREDIT);

    let status = get(&s, &ws, &format!("/v1/billing/topups/payg/{payment_id}")).await;
    assert_eq!(
        status.body["payment"]["status"], "succeeded",
        "{}",
        status.body
    );
    let history = get(&s, &ws, "/v1/billing/payment-history").await;
    let actions: Vec<&str> = history.body["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["action"].as_str())
        .collect();
    assert_eq!(actions, ["payg.topup"], "{}", history.body);

    // Events of other kinds and of payments that are not ours are acknowledged.
    let other_kind = br#"{"id":"evt_c","type":"customer.created","data":{"object":{}}}"#;
    let (status, answer) = deliver(&s, other_kind, signed(other_kind)).await;
    assert_eq!((status, &answer["handled"]), (200, &json!(false)));
    let foreign = event(
        "evt_f",
        "payment_intent.succeeded",
        &json!({"id": "pi_elsewhere", "amount": 5, "currency": "usd", "metadata": {}}),
        5,
    );
    let (_, answer) = deliver(&s, &foreign, signed(&foreign)).await;
    assert_eq!(answer["result"], "unknown_payment");

    // A declined card, then a second card that works.
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"amount_cents": 500, "idempotency_key": "order-2"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let intent2 = stub
        .lock()
        .unwrap()
        .intents
        .values()
        .find(|i| i["amount"] == 500)
        .unwrap()
        .clone();
    let declined = event("evt_d", "payment_intent.payment_failed", &intent2, 0);
    deliver(&s, &declined, signed(&declined)).await;
    let id2 = r.body["payment"]["id"].as_str().unwrap();
    let status = get(&s, &ws, &format!("/v1/billing/topups/payg/{id2}")).await;
    assert_eq!(
        (
            &status.body["payment"]["status"],
            &status.body["payment"]["failure_reason"]
        ),
        (&json!("failed"), &json!("Your card was declined."))
    );
    let ok = event("evt_d_ok", "payment_intent.succeeded", &intent2, 500);
    deliver(&s, &ok, signed(&ok)).await;
    assert_eq!(payg(&s, &ws).await, 15 * CREDIT);

    // Another tenant: the payment is not found, and its own top-up is its own.
    let b = workspace(&s, "pay-b").await;
    let r = get(&s, &b, &format!("/v1/billing/topups/payg/{payment_id}")).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = post(
        &s,
        &b,
        "/v1/billing/topups/payg/intent",
        json!({"amount_cents": 1000, "idempotency_key": "order-1"}),
    )
    .await;
    assert_eq!(r.status, 201, "keys are per workspace: {}", r.body);
    assert_ne!(r.body["payment"]["id"], json!(payment_id));
    assert_eq!(payg(&s, &b).await, 0);
    s.close().await;
}

/// Hostile and wrong bodies: each a 4xx that says what to fix, nothing opened.
async fn topup_refusals(backend: Backend) {
    let (base, stub) = stub_stripe().await;
    let s = start_with(backend, settings(Some(&base))).await;
    let ws = workspace(&s, "pay-bad").await;
    for (body, status, says) in [
        (json!({"amount_cents": 1000}), 400, "idempotency_key"),
        (json!({"idempotency_key": "k"}), 400, "give `microcredits`"),
        (
            json!({"amount_cents": 1, "idempotency_key": "k"}),
            422,
            "between 500 and 100000",
        ),
        (
            json!({"amount_cents": 1000, "microcredits": 1, "idempotency_key": "k"}),
            422,
            "multiple of 10000",
        ),
        (
            json!({"amount_cents": 999, "microcredits": 10 * CREDIT, "idempotency_key": "k"}),
            422,
            "must be 1000",
        ),
        (
            json!({"amount_cents": 1000, "currency": "eur", "idempotency_key": "k"}),
            422,
            "paid in",
        ),
        (
            json!({"amount_cents": "1000", "idempotency_key": "k"}),
            400,
            "amount_cents",
        ),
        (
            json!({"amount_cents": 1000, "idempotency_key": "k\u{0}"}),
            400,
            "NUL",
        ),
        (
            json!({"amount_cents": 1000, "idempotency_key": "k\tx"}),
            400,
            "printable",
        ),
        (
            json!({"amount_cents": 1000, "idempotency_key": "k".repeat(300)}),
            400,
            "255",
        ),
        (
            json!({"amount_cents": 1000, "idempotency_key": "k", "extra": 1}),
            400,
            "extra",
        ),
        (
            json!({"amount_cents": i64::MAX, "idempotency_key": "k"}),
            422,
            "between",
        ),
    ] {
        let r = post(&s, &ws, "/v1/billing/topups/payg/intent", body.clone()).await;
        assert_eq!(r.status, status, "{body} → {}", r.body);
        assert!(r.body.to_string().contains(says), "{body} → {}", r.body);
    }
    assert_eq!(stub.lock().unwrap().requests, 0, "Stripe was never asked");
    s.close().await;

    // A wrong secret key: 502 naming the setting, never the key.
    let mut bad_key = settings(Some(&base));
    bad_key.billing.stripe.secret_key = Some("sk_test_wrong_key_987".into());
    let s = start_with(backend, bad_key).await;
    let ws = workspace(&s, "pay-key").await;
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"amount_cents": 1000, "idempotency_key": "k"}),
    )
    .await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("billing.stripe.secret_key"),
        "{}",
        r.body
    );
    assert!(
        !r.body.to_string().contains("sk_test_wrong_key_987"),
        "{}",
        r.body
    );
    s.close().await;

    // Stripe unreachable: 502, and the ledger still works (balances read, grants land).
    let s = start_with(backend, settings(Some("http://127.0.0.1:9"))).await;
    let ws = workspace(&s, "pay-down").await;
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"amount_cents": 1000, "idempotency_key": "k"}),
    )
    .await;
    assert_eq!(r.status, 502, "{}", r.body);
    let r = post(
        &s,
        &ws,
        "/v1/billing/credits/grant",
        json!({"microcredits": CREDIT}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(payg(&s, &ws).await, CREDIT);
    s.close().await;
}

/// Codes: credits once, a discount that prices later top-ups, expired, used up, unknown;
/// and the manual provider's answers.
async fn codes_and_the_manual_provider(backend: Backend) {
    let (base, _stub) = stub_stripe().await;
    let s = start_with(backend, settings(Some(&base))).await;
    let ws = workspace(&s, "codes-a").await;

    let v = post(
        &s,
        &ws,
        "/v1/billing/discounts/validate",
        json!({"code": "welcome5"}),
    )
    .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(
        (&v.body["valid"], &v.body["kind"], &v.body["microcredits"]),
        (&json!(true), &json!("credits"), &json!(5 * CREDIT))
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/codes/apply",
        json!({"code": " Welcome5 "}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["balances"]["payg_remaining"], 5 * CREDIT);
    let r = post(
        &s,
        &ws,
        "/v1/billing/codes/apply",
        json!({"code": "WELCOME5"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (409, &json!("CODE_ALREADY_APPLIED")),
        "{}",
        r.body
    );
    let v = post(
        &s,
        &ws,
        "/v1/billing/discounts/validate",
        json!({"code": "WELCOME5"}),
    )
    .await;
    assert_eq!(
        (&v.body["valid"], &v.body["reason"]),
        (&json!(false), &json!("already_applied"))
    );
    assert_eq!(payg(&s, &ws).await, 5 * CREDIT);

    for (code, status, reason) in [("NOPE", 404, "unknown"), ("OLD", 422, "expired")] {
        let v = post(
            &s,
            &ws,
            "/v1/billing/discounts/validate",
            json!({"code": code}),
        )
        .await;
        assert_eq!(
            (v.status, &v.body["valid"], &v.body["reason"]),
            (200, &json!(false), &json!(reason)),
            "{}",
            v.body
        );
        let r = post(&s, &ws, "/v1/billing/codes/apply", json!({"code": code})).await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    for bad in [
        json!({"code": ""}),
        json!({"code": "x".repeat(65)}),
        json!({"code": 5}),
        json!({}),
    ] {
        let r = post(&s, &ws, "/v1/billing/codes/apply", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad} → {}", r.body);
    }

    // One redemption allowed: the second workspace finds it used up.
    let b = workspace(&s, "codes-b").await;
    assert_eq!(
        post(
            &s,
            &ws,
            "/v1/billing/codes/apply",
            json!({"code": "ONLYONE"})
        )
        .await
        .status,
        200
    );
    let r = post(
        &s,
        &b,
        "/v1/billing/codes/apply",
        json!({"code": "ONLYONE"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (409, &json!("CODE_EXHAUSTED")),
        "{}",
        r.body
    );
    assert_eq!(payg(&s, &b).await, 0);

    // A discount prices this workspace's top-ups, not another's.
    let r = post(
        &s,
        &ws,
        "/v1/billing/codes/apply",
        json!({"code": "quarter"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["percent_off"]),
        (200, &json!(25)),
        "{}",
        r.body
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"microcredits": 10 * CREDIT, "idempotency_key": "d1"}),
    )
    .await;
    assert_eq!(
        (
            r.status,
            &r.body["payment"]["amount_cents"],
            &r.body["list_amount_cents"]
        ),
        (201, &json!(750), &json!(1000)),
        "{}",
        r.body
    );
    assert_eq!(r.body["payment"]["discount_code"], "QUARTER");
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"microcredits": 10 * CREDIT, "amount_cents": 1000, "idempotency_key": "d2"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["expected_amount_cents"]),
        (422, &json!(750)),
        "{}",
        r.body
    );
    let r = post(
        &s,
        &b,
        "/v1/billing/topups/payg/intent",
        json!({"microcredits": 10 * CREDIT, "idempotency_key": "d1"}),
    )
    .await;
    assert_eq!(r.body["payment"]["amount_cents"], 1000, "{}", r.body);
    s.close().await;

    // The manual provider: no card payments, a clear answer; codes still work.
    let s = start_with(backend, settings(None)).await;
    let ws = workspace(&s, "manual").await;
    let config = s.call(Method::GET, "/v1/config/stripe").send().await;
    assert_eq!(
        (
            &config.body["enabled"],
            &config.body["provider"],
            &config.body["publishable_key"]
        ),
        (&json!(false), &json!("manual"), &Value::Null)
    );
    let r = post(
        &s,
        &ws,
        "/v1/billing/topups/payg/intent",
        json!({"amount_cents": 1000, "idempotency_key": "k"}),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (409, &json!("PAYMENTS_NOT_CONFIGURED")),
        "{}",
        r.body
    );
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("admin credits grant")
    );
    let paid =
        br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}"#;
    let (status, _) = deliver(&s, paid, signed(paid)).await;
    assert_eq!(status, 404, "no Stripe endpoint without Stripe");
    assert_eq!(
        post(
            &s,
            &ws,
            "/v1/billing/codes/apply",
            json!({"code": "WELCOME5"})
        )
        .await
        .status,
        200
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn topup_through_stripe_sqlite() {
    topup_through_stripe(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn topup_through_stripe_postgres() {
    topup_through_stripe(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn topup_refusals_sqlite() {
    topup_refusals(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn codes_and_the_manual_provider_sqlite() {
    codes_and_the_manual_provider(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn codes_and_the_manual_provider_postgres() {
    codes_and_the_manual_provider(Backend::Postgres).await;
}
