//! Stripe (docs/billing.md "Top-ups with Stripe"): PaymentIntents created over Stripe's
//! REST API, and the signed webhook events that settle them.
//!
//! Only what a top-up needs: `POST /v1/payment_intents` (form-encoded, with an
//! `Idempotency-Key` so a retried request gets the same intent back) and the
//! `Stripe-Signature` check (HMAC-SHA256 of `"{t}.{body}"` with the endpoint's secret,
//! `t` within 300 s). Stripe's answers are read defensively: an error never echoes
//! a key, and an unexpected shape is a 502, never a panic.

use std::time::Duration;

use ar_connect::SecretString;
use serde::Deserialize;
use serde_json::Value;

use super::settings::StripeSettings;
use crate::automation::signature::{Policy, SignatureError, verify_delivery};

/// How long one call to Stripe may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of Stripe's answer read.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// A Stripe account as this server uses it.
pub struct Stripe {
    http: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    pub publishable_key: String,
    webhook_secret: SecretString,
}

/// A PaymentIntent to create.
pub struct IntentRequest<'a> {
    pub amount_cents: i64,
    pub currency: &'a str,
    /// Stripe keeps an idempotency key for 24 hours: the same key answers the same intent.
    pub idempotency_key: String,
    /// Echoed back in the webhook events (`metadata`).
    pub payment_id: &'a str,
    pub workspace_id: &'a str,
    pub microcredits: i64,
}

/// What the browser needs to confirm a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedIntent {
    pub id: String,
    pub client_secret: String,
    pub status: String,
}

/// Why Stripe could not be used; the message is safe to show (it never holds a key).
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("could not reach Stripe: {0}")]
    Unreachable(String),
    #[error("Stripe refused this server's API key (check billing.stripe.secret_key)")]
    Unauthorized,
    #[error("Stripe refused the payment: {0}")]
    Refused(String),
    #[error("Stripe answered something unexpected: {0}")]
    Unexpected(String),
}

impl Stripe {
    /// `None` unless the keys are set (the settings check requires them with
    /// `provider = "stripe"`).
    pub fn from_settings(s: &StripeSettings) -> Result<Option<Stripe>, String> {
        let (Some(secret), Some(publishable), Some(webhook)) =
            (&s.secret_key, &s.publishable_key, &s.webhook_secret)
        else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("billing.stripe: HTTP client: {e}"))?;
        Ok(Some(Stripe {
            http,
            api_base: s.api_base.trim_end_matches('/').to_owned(),
            secret_key: SecretString::new(secret.clone()),
            publishable_key: publishable.clone(),
            webhook_secret: SecretString::new(webhook.clone()),
        }))
    }

    /// `POST /v1/payment_intents`.
    pub async fn create_intent(
        &self,
        req: &IntentRequest<'_>,
    ) -> Result<CreatedIntent, StripeError> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("amount", &req.amount_cents.to_string())
            .append_pair("currency", req.currency)
            .append_pair("automatic_payment_methods[enabled]", "true")
            .append_pair("description", "agentruntime PAYG credits")
            .append_pair("metadata[payment_id]", req.payment_id)
            .append_pair("metadata[workspace_id]", req.workspace_id)
            .append_pair("metadata[microcredits]", &req.microcredits.to_string())
            .finish();
        let answer = self
            .http
            .post(format!("{}/v1/payment_intents", self.api_base))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Idempotency-Key", &req.idempotency_key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
        let status = answer.status();
        let body = read_limited(answer).await?;
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(StripeError::Unauthorized);
        }
        if !status.is_success() {
            return Err(StripeError::Refused(error_message(&body, status)));
        }
        #[derive(Deserialize)]
        struct Intent {
            id: String,
            client_secret: String,
            status: String,
        }
        let intent: Intent = serde_json::from_slice(&body).map_err(|e| {
            StripeError::Unexpected(format!("a PaymentIntent without its fields ({e})"))
        })?;
        Ok(CreatedIntent {
            id: intent.id,
            client_secret: intent.client_secret,
            status: intent.status,
        })
    }

    /// Checks a delivery's `Stripe-Signature` header against its raw body. Stripe signs
    /// as this server's own inbound webhooks do in their timestamped form
    /// (`t=…,v1=<HMAC-SHA256 of "{t}.{body}">`, 300 s tolerance), so the same verifier
    /// serves both; a `v0` entry (Stripe's test-mode scheme) is ignored.
    pub fn verify(&self, header: Option<&str>, body: &[u8], now_secs: i64) -> Result<(), String> {
        let policy = Policy {
            require_timestamp: true,
            now_secs,
        };
        verify_delivery(self.webhook_secret.expose_secret(), body, header, policy)
            .map(|_| ())
            .map_err(|e| signature_message(e).to_owned())
    }
}

/// What a refused delivery is told, in Stripe's terms.
fn signature_message(e: SignatureError) -> &'static str {
    match e {
        SignatureError::Missing => "the Stripe-Signature header is missing",
        SignatureError::Malformed | SignatureError::TimestampRequired => {
            "the Stripe-Signature header is malformed (expected t=<unix seconds>,v1=<hex>)"
        }
        SignatureError::Stale => {
            "the signature's timestamp is more than 300 s from this server's clock (a replayed or delayed delivery)"
        }
        SignatureError::Mismatch => {
            "no v1 signature matches this endpoint's signing secret (billing.stripe.webhook_secret)"
        }
    }
}

async fn read_limited(mut answer: reqwest::Response) -> Result<Vec<u8>, StripeError> {
    crate::connections::provider_http::read_bounded(&mut answer, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?
        .ok_or_else(|| StripeError::Unexpected("an answer too large".into()))
}

/// Stripe's `{"error": {"message", "code"}}`, bounded; or the status.
fn error_message(body: &[u8], status: reqwest::StatusCode) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message"))
        .and_then(Value::as_str)
        .map(|m| m.chars().take(300).collect::<String>());
    message.unwrap_or_else(|| format!("HTTP {status}"))
}

/// A webhook event this server acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentEvent {
    pub event_id: String,
    pub kind: String,
    pub intent_id: String,
    /// Our payment id from the intent's metadata.
    pub payment_id: Option<String>,
    pub amount_received: i64,
    pub currency: String,
    /// For `payment_intent.payment_failed`: Stripe's reason.
    pub failure: Option<String>,
}

/// What a delivery holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Intent(IntentEvent),
    /// Any other type: acknowledged, not acted on.
    Other {
        event_id: String,
        kind: String,
    },
}

/// Reads a verified delivery's JSON.
pub fn parse_event(body: &[u8]) -> Result<Event, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the event is not JSON: {e}"))?;
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let event_id = text("/id").ok_or("the event has no id")?;
    let kind = text("/type").ok_or("the event has no type")?;
    if !matches!(
        kind.as_str(),
        "payment_intent.succeeded" | "payment_intent.payment_failed" | "payment_intent.canceled"
    ) {
        return Ok(Event::Other { event_id, kind });
    }
    let object = v
        .pointer("/data/object")
        .ok_or("the event has no data.object")?;
    let field = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let intent_id = field("id").ok_or("data.object has no id")?;
    let amount_received = object
        .get("amount_received")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let failure = object
        .pointer("/last_payment_error/message")
        .or_else(|| object.pointer("/last_payment_error/code"))
        .and_then(Value::as_str)
        .map(|m| m.chars().take(300).collect());
    Ok(Event::Intent(IntentEvent {
        event_id,
        kind,
        intent_id,
        payment_id: object
            .pointer("/metadata/payment_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        amount_received,
        currency: field("currency").unwrap_or_default(),
        failure,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automation::signature::sign_timestamped;

    // A delivery recorded from Stripe's documented `payment_intent.succeeded` shape
    // (trimmed to the fields Stripe always sends), with its signature made for this test's
    // secret.
    const SUCCEEDED: &str = r#"{
      "id": "evt_3PqTest0001",
      "object": "event",
      "api_version": "2024-06-20",
      "created": 1733580000,
      "type": "payment_intent.succeeded",
      "livemode": false,
      "data": {"object": {
        "id": "pi_3PqTest0001", "object": "payment_intent", "amount": 1000,
        "amount_received": 1000, "currency": "usd", "status": "succeeded",
        "metadata": {"payment_id": "0193-pay", "workspace_id": "w1", "microcredits": "10000000"},
        "last_payment_error": null
      }}
    }"#;

    const SECRET: &str = "whsec_test_secret";

    fn stripe(secret: &str) -> Stripe {
        let settings = StripeSettings {
            secret_key: Some("sk_test_1".into()),
            publishable_key: Some("pk_test_1".into()),
            webhook_secret: Some(secret.into()),
            ..Default::default()
        };
        Stripe::from_settings(&settings)
            .unwrap()
            .expect("configured")
    }

    #[test]
    fn valid_stale_tampered_and_malformed_signatures() {
        let now = 1_733_580_010;
        let endpoint = stripe(SECRET);
        let header = sign_timestamped(SECRET, now - 5, SUCCEEDED.as_bytes());
        let body = SUCCEEDED.as_bytes();
        assert_eq!(endpoint.verify(Some(&header), body, now), Ok(()));
        // Stripe's test-mode `v0` entry and a second v1 (a rolled secret) are fine.
        let rolled = format!("{header},v1={},v0=abc", "00".repeat(32));
        assert_eq!(endpoint.verify(Some(&rolled), body, now), Ok(()));
        let stale = endpoint.verify(Some(&header), body, now + 600).unwrap_err();
        assert!(stale.contains("300 s"), "{stale}");
        let tampered = SUCCEEDED.replace("1000,", "9000,");
        let mismatch = endpoint
            .verify(Some(&header), tampered.as_bytes(), now)
            .unwrap_err();
        assert!(mismatch.contains("webhook_secret"), "{mismatch}");
        assert!(
            stripe("whsec_other")
                .verify(Some(&header), body, now)
                .is_err()
        );
        assert!(
            endpoint
                .verify(None, body, now)
                .unwrap_err()
                .contains("missing")
        );
        // The plain form of our own webhooks is not Stripe's: refused.
        let plain = crate::automation::signature::sign(SECRET, body);
        assert!(
            endpoint
                .verify(Some(&plain), body, now)
                .unwrap_err()
                .contains("malformed")
        );
        for bad in ["t=abc,v1=00", "v1=00", "t=1733580005", "garbage"] {
            assert!(endpoint.verify(Some(bad), body, now).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events_are_read_defensively() {
        let Event::Intent(e) = parse_event(SUCCEEDED.as_bytes()).unwrap() else {
            panic!("an intent event");
        };
        assert_eq!(
            (
                e.event_id.as_str(),
                e.intent_id.as_str(),
                e.payment_id.as_deref(),
                e.amount_received,
                e.currency.as_str()
            ),
            (
                "evt_3PqTest0001",
                "pi_3PqTest0001",
                Some("0193-pay"),
                1000,
                "usd"
            )
        );
        let failed = SUCCEEDED
            .replace("payment_intent.succeeded", "payment_intent.payment_failed")
            .replace("\"last_payment_error\": null", "\"last_payment_error\": {\"code\": \"card_declined\", \"message\": \"Your card was declined.\"}");
        let Event::Intent(e) = parse_event(failed.as_bytes()).unwrap() else {
            panic!("an intent event");
        };
        assert_eq!(e.failure.as_deref(), Some("Your card was declined."));
        assert_eq!(
            parse_event(br#"{"id":"evt_1","type":"customer.created","data":{}}"#).unwrap(),
            Event::Other {
                event_id: "evt_1".into(),
                kind: "customer.created".into()
            }
        );
        for bad in [
            &b"not json"[..],
            br#"{"type":"payment_intent.succeeded"}"#,
            br#"{"id":"e","type":"payment_intent.succeeded"}"#,
        ] {
            assert!(parse_event(bad).is_err());
        }
    }

    #[test]
    fn stripe_errors_are_bounded_and_keyless() {
        let body = format!(r#"{{"error":{{"message":"{}"}}}}"#, "x".repeat(1000));
        assert_eq!(
            error_message(body.as_bytes(), reqwest::StatusCode::BAD_REQUEST).len(),
            300
        );
        assert_eq!(
            error_message(b"<html>", reqwest::StatusCode::BAD_GATEWAY),
            "HTTP 502 Bad Gateway"
        );
    }
}
