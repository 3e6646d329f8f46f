//! Paying for credits (docs/billing.md "Top-ups"): the provider of this server (`manual`
//! or Stripe), what a top-up costs, and opening one.
//!
//! A top-up's life: `POST /v1/billing/topups/payg/intent` records a pending payment keyed
//! by the client's idempotency key, then asks Stripe for a PaymentIntent (with an
//! idempotency key derived from the payment, so a retry gets the same intent); the browser
//! confirms it with Stripe; Stripe's signed `payment_intent.succeeded` webhook credits
//! PAYG once (`ar_store::integrations::BillingPaymentStore::billing_settle_payment`). The
//! ledger never waits on Stripe: balances and debits work whether it is reachable or not.

pub mod settings;
pub mod stripe;

use ar_store::integrations::{NewPayment, PaymentRecord};

use self::settings::{PaymentSettings, ProviderKind};
use self::stripe::{CreatedIntent, IntentRequest, Stripe};
use crate::error::{ApiError, ApiResult};

/// This server's payment provider.
pub struct Payments {
    stripe: Option<Stripe>,
}

impl Payments {
    pub fn new(billing: &crate::billing::settings::BillingSettings) -> Result<Payments, String> {
        let stripe = match billing.payments.provider {
            ProviderKind::Manual => None,
            ProviderKind::Stripe => Stripe::from_settings(&billing.stripe)?,
        };
        Ok(Payments { stripe })
    }

    /// The Stripe account, when it is this server's provider.
    pub fn stripe(&self) -> Option<&Stripe> {
        self.stripe.as_ref()
    }
}

/// What a top-up costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub microcredits: i64,
    /// Before the discount.
    pub list_cents: i64,
    /// What is charged.
    pub amount_cents: i64,
    pub currency: String,
    pub discount: Option<(String, u8)>,
}

/// Prices a top-up from what the client asked (`microcredits`, `amount_cents`, or both,
/// which must then agree) and the workspace's discount. Every refusal says what would be
/// accepted.
pub fn quote(
    s: &PaymentSettings,
    microcredits: Option<i64>,
    amount_cents: Option<i64>,
    currency: Option<&str>,
    discount: Option<(String, u8)>,
) -> ApiResult<Quote> {
    if let Some(c) = currency
        && !c.eq_ignore_ascii_case(&s.currency)
    {
        return Err(ApiError::unprocessable(format!(
            "top-ups are paid in {:?} on this server",
            s.currency
        )));
    }
    let rate = s.microcredits_per_cent;
    let percent = discount.as_ref().map_or(0, |(_, p)| i64::from(*p));
    let discounted = |list: i64| list - list * percent / 100;
    let list_cents = match (microcredits, amount_cents) {
        (None, None) => {
            return Err(ApiError::bad_request(
                "give `microcredits` (what to buy) or `amount_cents` (what to pay)",
            ));
        }
        (Some(m), _) => {
            if m <= 0 || m % rate != 0 {
                return Err(ApiError::unprocessable(format!(
                    "`microcredits` must be a positive multiple of {rate} (one cent buys {rate})"
                )));
            }
            m / rate
        }
        // Only what to pay: the credits it buys at the list price.
        (None, Some(a)) if percent == 0 => a,
        (None, Some(_)) => {
            return Err(ApiError::unprocessable(
                "this workspace has a discount: give `microcredits`, and `amount_cents` is priced from it",
            ));
        }
    };
    if !(s.min_topup_cents..=s.max_topup_cents).contains(&list_cents) {
        return Err(ApiError::unprocessable(format!(
            "a top-up must be between {} and {} cents ({} to {} microcredits)",
            s.min_topup_cents,
            s.max_topup_cents,
            s.min_topup_cents * rate,
            s.max_topup_cents * rate
        )));
    }
    let amount = discounted(list_cents);
    if let Some(asked) = amount_cents
        && asked != amount
    {
        return Err(ApiError::unprocessable(format!(
            "`amount_cents` must be {amount} for {} microcredits{}",
            list_cents * rate,
            if percent > 0 {
                format!(" ({percent}% off)")
            } else {
                String::new()
            }
        ))
        .with("expected_amount_cents", serde_json::json!(amount)));
    }
    Ok(Quote {
        microcredits: list_cents * rate,
        list_cents,
        amount_cents: amount,
        currency: s.currency.clone(),
        discount,
    })
}

/// A pending top-up and the intent the browser confirms.
pub struct OpenedTopup {
    pub payment: PaymentRecord,
    pub intent: CreatedIntent,
}

/// Records the payment (or finds it by its idempotency key) and asks Stripe for its
/// intent. A key reused with other amounts is a 409: it would otherwise answer a payment
/// the client did not ask for.
pub async fn open_topup(
    state: &crate::state::AppState,
    stripe: &Stripe,
    new: NewPayment,
) -> ApiResult<OpenedTopup> {
    let payment = state.integrations().billing_open_payment(&new).await?;
    if (
        payment.amount_cents,
        payment.microcredits,
        payment.currency.as_str(),
    ) != (new.amount_cents, new.microcredits, new.currency.as_str())
    {
        return Err(ApiError::conflict(
            "this idempotency_key was used for a top-up of other amounts; use a new key for a new top-up",
        ));
    }
    if payment.status != "pending" {
        return Err(ApiError::conflict(format!(
            "the top-up of this idempotency_key is already {}; use a new key for a new top-up",
            payment.status
        )));
    }
    let intent = stripe
        .create_intent(&IntentRequest {
            amount_cents: payment.amount_cents,
            currency: &payment.currency,
            idempotency_key: format!("agentruntime-topup-{}", payment.id),
            payment_id: &payment.id,
            workspace_id: &payment.workspace_id,
            microcredits: payment.microcredits,
        })
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::BAD_GATEWAY, e.to_string()))?;
    state
        .integrations()
        .billing_set_payment_ref(&payment.id, &intent.id, ar_store::now_ms())
        .await?;
    Ok(OpenedTopup { payment, intent })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> PaymentSettings {
        PaymentSettings::default()
    }

    #[test]
    fn prices_from_either_side_and_the_discount() {
        let q = quote(&s(), Some(10_000_000), None, Some("USD"), None).unwrap();
        assert_eq!((q.amount_cents, q.microcredits), (1000, 10_000_000));
        let q = quote(&s(), None, Some(1000), None, None).unwrap();
        assert_eq!(q.microcredits, 10_000_000);
        let q = quote(&s(), Some(10_000_000), Some(1000), Some("usd"), None).unwrap();
        assert_eq!(q.amount_cents, 1000);
        let off = Some(("TEN".to_string(), 25));
        let q = quote(&s(), Some(10_000_000), Some(750), None, off.clone()).unwrap();
        assert_eq!((q.list_cents, q.amount_cents), (1000, 750));
        assert_eq!(q.discount, off);
    }

    #[test]
    fn refusals_say_what_would_be_accepted() {
        let msg = |r: ApiResult<Quote>| format!("{:?}", r.unwrap_err());
        assert!(msg(quote(&s(), Some(10_000_000), Some(1), None, None)).contains("must be 1000"));
        assert!(msg(quote(&s(), Some(123), None, None, None)).contains("multiple of 10000"));
        assert!(msg(quote(&s(), Some(-10_000), None, None, None)).contains("positive"));
        assert!(msg(quote(&s(), None, Some(1), None, None)).contains("between 500 and 100000"));
        assert!(msg(quote(&s(), None, Some(i64::MAX), None, None)).contains("between"));
        assert!(msg(quote(&s(), None, None, None, None)).contains("give `microcredits`"));
        assert!(msg(quote(&s(), Some(10_000_000), None, Some("eur"), None)).contains("paid in"));
        let off = Some(("TEN".to_string(), 25));
        assert!(msg(quote(&s(), None, Some(1000), None, off)).contains("discount"));
    }
}
