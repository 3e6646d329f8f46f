//! `[billing.payments]` and `[billing.stripe]` (docs/billing.md "Top-ups"): which provider
//! takes money, what PAYG credits cost, and Stripe's keys. Checked at start-up like the
//! rest of `[billing]`.

use serde::Deserialize;

/// Who takes payments for PAYG credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Nobody: an operator grants credits (`agentruntime admin credits grant`).
    #[default]
    Manual,
    /// Stripe PaymentIntents, settled by Stripe's signed webhooks.
    Stripe,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Manual => "manual",
            ProviderKind::Stripe => "stripe",
        }
    }
}

/// `[billing.payments]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    /// `manual` (default) or `stripe` (`AR_BILLING_PAYMENT_PROVIDER`).
    pub provider: ProviderKind,
    /// The currency top-ups are paid in (lowercase ISO 4217).
    pub currency: String,
    /// What one cent buys: 10,000 microcredits is one credit per dollar.
    pub microcredits_per_cent: i64,
    /// The smallest and largest top-up, in cents, before any discount.
    pub min_topup_cents: i64,
    pub max_topup_cents: i64,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            provider: ProviderKind::Manual,
            currency: "usd".into(),
            microcredits_per_cent: 10_000,
            min_topup_cents: 500,
            max_topup_cents: 100_000,
        }
    }
}

/// `[billing.stripe]`. The keys are better given by environment (`AR_STRIPE_SECRET_KEY`,
/// `AR_STRIPE_PUBLISHABLE_KEY`, `AR_STRIPE_WEBHOOK_SECRET`) than written in a file.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeSettings {
    /// `sk_…` or a restricted `rk_…` key allowed to create PaymentIntents.
    pub secret_key: Option<String>,
    /// `pk_…`: given to browsers (`GET /v1/config/stripe`).
    pub publishable_key: Option<String>,
    /// `whsec_…`: the signing secret of the webhook endpoint
    /// `POST /v1/billing/webhooks/stripe`.
    pub webhook_secret: Option<String>,
    /// Where Stripe's REST API is (`AR_STRIPE_API_BASE`): tests point it at a local stub.
    pub api_base: String,
}

impl Default for StripeSettings {
    fn default() -> Self {
        StripeSettings {
            secret_key: None,
            publishable_key: None,
            webhook_secret: None,
            api_base: "https://api.stripe.com".into(),
        }
    }
}

/// The keys never reach a log through `Debug`.
impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("StripeSettings")
            .field("secret_key", &set(&self.secret_key))
            .field("publishable_key", &self.publishable_key)
            .field("webhook_secret", &set(&self.webhook_secret))
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// `AR_BILLING_PAYMENT_PROVIDER` and `AR_STRIPE_*` overrides.
pub fn apply_env(
    payments: &mut PaymentSettings,
    stripe: &mut StripeSettings,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    if let Some(v) = get("AR_BILLING_PAYMENT_PROVIDER") {
        payments.provider = match v.trim() {
            "manual" => ProviderKind::Manual,
            "stripe" => ProviderKind::Stripe,
            other => {
                return Err(format!(
                    "AR_BILLING_PAYMENT_PROVIDER={other:?}: expected manual or stripe"
                ));
            }
        };
    }
    let non_empty = |name: &str| {
        get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(v) = non_empty("AR_STRIPE_SECRET_KEY") {
        stripe.secret_key = Some(v);
    }
    if let Some(v) = non_empty("AR_STRIPE_PUBLISHABLE_KEY") {
        stripe.publishable_key = Some(v);
    }
    if let Some(v) = non_empty("AR_STRIPE_WEBHOOK_SECRET") {
        stripe.webhook_secret = Some(v);
    }
    if let Some(v) = non_empty("AR_STRIPE_API_BASE") {
        stripe.api_base = v;
    }
    Ok(())
}

/// The start-up checks. Messages name the setting, never a key's value.
pub fn check(payments: &PaymentSettings, stripe: &StripeSettings) -> Result<(), String> {
    if payments.currency.len() != 3 || !payments.currency.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(
            "billing.payments.currency must be a lowercase ISO 4217 code such as \"usd\"".into(),
        );
    }
    if !(1..=1_000_000_000).contains(&payments.microcredits_per_cent) {
        return Err("billing.payments.microcredits_per_cent must be between 1 and 10^9".into());
    }
    if payments.min_topup_cents < 1 || payments.max_topup_cents < payments.min_topup_cents {
        return Err(
            "billing.payments: min_topup_cents must be at least 1 and at most max_topup_cents"
                .into(),
        );
    }
    // A top-up's credits stay within what one grant may hold.
    if payments
        .max_topup_cents
        .checked_mul(payments.microcredits_per_cent)
        .is_none_or(|m| m > crate::billing::settings::MAX_MICROCREDITS)
    {
        return Err(
            "billing.payments: max_topup_cents × microcredits_per_cent is too large".into(),
        );
    }
    if payments.provider != ProviderKind::Stripe {
        return Ok(());
    }
    let key = |name: &str, value: &Option<String>, prefixes: &[&str]| -> Result<(), String> {
        match value {
            None => Err(format!(
                "billing.stripe.{name} is required with provider = \"stripe\" (or set AR_STRIPE_{})",
                name.to_uppercase()
            )),
            Some(v) if !prefixes.iter().any(|p| v.starts_with(p)) => Err(format!(
                "billing.stripe.{name} does not look like a Stripe key (it starts with {})",
                prefixes.join(" or ")
            )),
            Some(_) => Ok(()),
        }
    };
    key("secret_key", &stripe.secret_key, &["sk_", "rk_"])?;
    key("publishable_key", &stripe.publishable_key, &["pk_"])?;
    key("webhook_secret", &stripe.webhook_secret, &["whsec_"])?;
    let base = url::Url::parse(&stripe.api_base)
        .map_err(|e| format!("billing.stripe.api_base is not a URL: {e}"))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err("billing.stripe.api_base must be an http(s) URL".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripe() -> (PaymentSettings, StripeSettings) {
        let payments = PaymentSettings {
            provider: ProviderKind::Stripe,
            ..Default::default()
        };
        let stripe = StripeSettings {
            secret_key: Some("sk_test_123".into()),
            publishable_key: Some("pk_test_123".into()),
            webhook_secret: Some("whsec_123".into()),
            ..Default::default()
        };
        (payments, stripe)
    }

    #[test]
    fn a_complete_stripe_setup_passes_and_gaps_are_named() {
        let (p, s) = stripe();
        check(&p, &s).expect("valid");
        let (p, mut s) = stripe();
        s.webhook_secret = None;
        assert!(
            check(&p, &s)
                .unwrap_err()
                .contains("webhook_secret is required")
        );
        let (p, mut s) = stripe();
        s.secret_key = Some("pk_live_oops".into());
        let err = check(&p, &s).unwrap_err();
        assert!(err.contains("secret_key does not look like"), "{err}");
        assert!(
            !err.contains("pk_live_oops"),
            "the value is never echoed: {err}"
        );
        let (mut p, s) = stripe();
        p.max_topup_cents = i64::MAX;
        assert!(check(&p, &s).unwrap_err().contains("too large"));
        // Manual needs no keys.
        check(&PaymentSettings::default(), &StripeSettings::default()).expect("manual");
    }

    #[test]
    fn debug_never_shows_the_secrets() {
        let (_, s) = stripe();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("sk_test_123") && !shown.contains("whsec_123"),
            "{shown}"
        );
        assert!(
            shown.contains("pk_test_123"),
            "the publishable key is public"
        );
    }

    #[test]
    fn environment_overrides() {
        let (mut p, mut s) = (PaymentSettings::default(), StripeSettings::default());
        let env = |name: &str| match name {
            "AR_BILLING_PAYMENT_PROVIDER" => Some("stripe".to_string()),
            "AR_STRIPE_SECRET_KEY" => Some("sk_env".to_string()),
            "AR_STRIPE_API_BASE" => Some("http://127.0.0.1:9".to_string()),
            _ => None,
        };
        apply_env(&mut p, &mut s, &env).expect("applies");
        assert_eq!(p.provider, ProviderKind::Stripe);
        assert_eq!(s.secret_key.as_deref(), Some("sk_env"));
        assert_eq!(s.api_base, "http://127.0.0.1:9");
        let bad =
            |name: &str| (name == "AR_BILLING_PAYMENT_PROVIDER").then(|| "paypal".to_string());
        assert!(
            apply_env(&mut p, &mut s, &bad)
                .unwrap_err()
                .contains("paypal")
        );
    }
}
