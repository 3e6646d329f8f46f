//! `[billing]` (docs/billing.md): whether credits are enforced, the plan catalog and the
//! prices per metered action (docs/contract.md §14). Checked at start-up: a bad plan or
//! price is an error naming the setting, never a surprise at the first run.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The metered actions a price may be set for.
pub const PRICED_ACTIONS: [&str; 4] = [
    "workflow.step.execute",
    "llm.tokens_in",
    "llm.tokens_out",
    "mcp.call",
];

/// The unit each priced action is counted in (`GET /v1/billing/action-pricing`).
pub fn unit_of(action: &str) -> &'static str {
    match action {
        "workflow.step.execute" => "step",
        "llm.tokens_in" | "llm.tokens_out" => "token",
        "mcp.call" => "call",
        _ => "unit",
    }
}

/// `[billing]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct BillingSettings {
    /// Enforce credits: refuse starts without a positive balance, charge metered steps
    /// (`AR_BILLING_ENABLED`, default false).
    pub enabled: bool,
    /// The plan `POST /v1/billing/trial` uses when the body names none
    /// (`AR_BILLING_DEFAULT_PLAN`).
    pub default_plan: Option<String>,
    /// `[[billing.plans]]`: the catalog.
    pub plans: Vec<PlanSettings>,
    /// `[billing.prices]`: microcredits per unit of each metered action; an action not
    /// named is free (`AR_BILLING_PRICES`: `action=microcredits,…`).
    pub prices: BTreeMap<String, i64>,
    /// `[billing.payments]`: the payment provider and what PAYG credits cost.
    pub payments: crate::billing::payments::settings::PaymentSettings,
    /// `[billing.stripe]`: Stripe's keys, when it is the provider.
    pub stripe: crate::billing::payments::settings::StripeSettings,
    /// `[[billing.codes]]`: credits and discount codes.
    pub codes: Vec<crate::billing::codes::CodeSettings>,
}

/// `[[billing.plans]]`: one plan of the catalog, keyed by `(product_code, plan_code)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSettings {
    pub plan_code: String,
    pub name: String,
    pub interval: Interval,
    pub price_cents: i64,
    pub currency: String,
    #[serde(default)]
    pub included_microcredits: i64,
    #[serde(default)]
    pub trial_days: Option<u32>,
    #[serde(default)]
    pub trial_microcredits: Option<i64>,
    #[serde(default)]
    pub max_members: Option<u32>,
    /// Unset: the deployment's `product_code`. A plan of another product is never shown.
    #[serde(default)]
    pub product_code: Option<String>,
    /// The Stripe Price of this plan, shown in the catalog; hosted clients may name the
    /// plan by it when subscribing.
    #[serde(default)]
    pub stripe_price_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Month,
    Year,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
    /// The end of a period starting at `start` (ms): one calendar month or year later, in
    /// UTC (a month from 31 January ends on the last day of February).
    pub fn period_end(self, start: i64) -> i64 {
        use chrono::{Months, TimeZone, Utc};
        let months = match self {
            Interval::Month => Months::new(1),
            Interval::Year => Months::new(12),
        };
        Utc.timestamp_millis_opt(start)
            .single()
            .and_then(|t| t.checked_add_months(months))
            .map_or(start.saturating_add(30 * 86_400_000), |t| {
                t.timestamp_millis()
            })
    }
}

/// The most microcredits one setting or grant may hold (a billion credits): sums of many
/// of them stay far from overflowing.
pub const MAX_MICROCREDITS: i64 = 1_000_000_000_000_000;

impl BillingSettings {
    /// `AR_BILLING_*` overrides.
    pub fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(v) = get("AR_BILLING_ENABLED") {
            self.enabled = v
                .trim()
                .parse()
                .map_err(|_| format!("AR_BILLING_ENABLED={v:?}: expected true or false"))?;
        }
        if let Some(v) = get("AR_BILLING_DEFAULT_PLAN") {
            self.default_plan = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("AR_BILLING_PRICES") {
            let mut prices = BTreeMap::new();
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (action, amount) = pair.split_once('=').ok_or_else(|| {
                    format!("AR_BILLING_PRICES: {pair:?} is not action=microcredits")
                })?;
                let amount: i64 = amount.trim().parse().map_err(|_| {
                    format!("AR_BILLING_PRICES: the price of {action:?} is not a whole number")
                })?;
                prices.insert(action.trim().to_owned(), amount);
            }
            self.prices = prices;
        }
        crate::billing::payments::settings::apply_env(&mut self.payments, &mut self.stripe, get)
    }

    /// The start-up checks; `product_code` is the deployment's.
    pub fn check(&self, product_code: &str) -> Result<(), String> {
        let mut keys = std::collections::HashSet::new();
        for plan in &self.plans {
            let which = format!("[[billing.plans]] {:?}", plan.plan_code);
            let code_ok = !plan.plan_code.is_empty()
                && plan.plan_code.len() <= 64
                && plan.plan_code.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !code_ok {
                return Err(format!(
                    "{which}: plan_code must be 1-64 characters of a-z, 0-9, _ and -"
                ));
            }
            if !keys.insert((
                Self::product_of(plan, product_code),
                plan.plan_code.as_str(),
            )) {
                return Err(format!(
                    "{which}: the plan_code is used twice for one product_code"
                ));
            }
            if plan.name.trim().is_empty() {
                return Err(format!("{which}: name is empty"));
            }
            if plan.currency.len() != 3 || !plan.currency.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(format!(
                    "{which}: currency must be a lowercase ISO 4217 code such as \"usd\""
                ));
            }
            for (name, value) in [
                ("price_cents", plan.price_cents),
                ("included_microcredits", plan.included_microcredits),
                ("trial_microcredits", plan.trial_microcredits.unwrap_or(0)),
            ] {
                if !(0..=MAX_MICROCREDITS).contains(&value) {
                    return Err(format!(
                        "{which}: {name} = {value} must be between 0 and {MAX_MICROCREDITS}"
                    ));
                }
            }
            if plan.trial_days.is_some_and(|d| d > 366) {
                return Err(format!("{which}: trial_days must be at most 366"));
            }
            if plan.max_members == Some(0) {
                return Err(format!("{which}: max_members must be at least 1"));
            }
            if let Some(price) = &plan.stripe_price_id {
                let taken = self.plans.iter().filter(|p| {
                    p.stripe_price_id.as_ref() == Some(price)
                        && Self::product_of(p, product_code) == Self::product_of(plan, product_code)
                });
                if price.trim().is_empty() || taken.count() > 1 {
                    return Err(format!(
                        "{which}: stripe_price_id must be non-empty and name one plan of its product"
                    ));
                }
            }
        }
        if let Some(default) = &self.default_plan
            && self.plan(product_code, default).is_none()
        {
            return Err(format!(
                "billing.default_plan {default:?} is not a plan of product_code {product_code:?}"
            ));
        }
        crate::billing::payments::settings::check(&self.payments, &self.stripe)?;
        crate::billing::codes::check(&self.codes)?;
        for (action, price) in &self.prices {
            if !PRICED_ACTIONS.contains(&action.as_str()) {
                return Err(format!(
                    "billing.prices: unknown action {action:?} (known: {})",
                    PRICED_ACTIONS.join(", ")
                ));
            }
            if !(0..=MAX_MICROCREDITS).contains(price) {
                return Err(format!(
                    "billing.prices: {action:?} = {price} must be between 0 and {MAX_MICROCREDITS}"
                ));
            }
        }
        Ok(())
    }

    fn product_of<'a>(plan: &'a PlanSettings, product_code: &'a str) -> &'a str {
        plan.product_code.as_deref().unwrap_or(product_code)
    }

    /// The plans this deployment shows: those of its `product_code`.
    pub fn plans_of<'a>(&'a self, product_code: &'a str) -> impl Iterator<Item = &'a PlanSettings> {
        self.plans
            .iter()
            .filter(move |p| Self::product_of(p, product_code) == product_code)
    }

    /// One plan of this deployment's product.
    pub fn plan(&self, product_code: &str, plan_code: &str) -> Option<&PlanSettings> {
        self.plans
            .iter()
            .find(|p| Self::product_of(p, product_code) == product_code && p.plan_code == plan_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default price of `action` (what `billing::prices` starts from).
    fn price(b: &BillingSettings, action: &str) -> i64 {
        b.prices.get(action).copied().unwrap_or(0)
    }

    fn issue_example() -> BillingSettings {
        #[derive(Deserialize)]
        struct File {
            billing: BillingSettings,
        }
        let text = r#"
            [billing]
            enabled = true
            default_plan = "pro"
            [[billing.plans]]
            plan_code = "pro"
            name = "Pro"
            interval = "month"
            price_cents = 2900
            currency = "usd"
            included_microcredits = 0
            trial_days = 14
            trial_microcredits = 12000000
            [[billing.plans]]
            plan_code = "pro"
            product_code = "other"
            name = "Other's pro"
            interval = "year"
            price_cents = 1
            currency = "eur"
            [billing.prices]
            "workflow.step.execute" = 1000000
        "#;
        toml::from_str::<File>(text).expect("parses").billing
    }

    #[test]
    fn the_issue_example_is_valid_and_other_products_are_hidden() {
        let b = issue_example();
        b.check("agentruntime").expect("valid");
        let shown: Vec<&str> = b
            .plans_of("agentruntime")
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(shown, ["Pro"]);
        assert_eq!(price(&b, "workflow.step.execute"), 1_000_000);
        assert_eq!(price(&b, "mcp.call"), 0);
    }

    #[test]
    fn bad_settings_are_refused_with_the_setting_named() {
        let mut b = issue_example();
        b.prices.insert("llm.tokens".into(), 1);
        assert!(
            b.check("agentruntime")
                .unwrap_err()
                .contains("unknown action \"llm.tokens\"")
        );
        let mut b = issue_example();
        b.default_plan = Some("max".into());
        assert!(
            b.check("agentruntime")
                .unwrap_err()
                .contains("default_plan \"max\"")
        );
        let mut b = issue_example();
        b.plans[0].currency = "USD".into();
        assert!(b.check("agentruntime").unwrap_err().contains("currency"));
        let mut b = issue_example();
        b.plans[0].price_cents = -1;
        assert!(b.check("agentruntime").unwrap_err().contains("price_cents"));
        let mut b = issue_example();
        b.plans[1].product_code = None;
        assert!(b.check("agentruntime").unwrap_err().contains("used twice"));
        let mut b = issue_example();
        b.plans[0].plan_code = "Pro Plan".into();
        assert!(b.check("agentruntime").unwrap_err().contains("plan_code"));
    }

    #[test]
    fn environment_overrides() {
        let mut b = issue_example();
        let env = |name: &str| match name {
            "AR_BILLING_ENABLED" => Some("false".to_string()),
            "AR_BILLING_PRICES" => Some("mcp.call=5, llm.tokens_in=2".to_string()),
            _ => None,
        };
        b.apply_env(&env).expect("applies");
        assert!(!b.enabled);
        assert_eq!(price(&b, "mcp.call"), 5);
        assert_eq!(
            price(&b, "workflow.step.execute"),
            0,
            "the variable replaces the table"
        );
        let bad = |name: &str| (name == "AR_BILLING_ENABLED").then(|| "yes".to_string());
        assert!(
            b.apply_env(&bad)
                .unwrap_err()
                .contains("AR_BILLING_ENABLED")
        );
    }

    #[test]
    fn periods_are_calendar_months_and_years() {
        let jan31 = 1_706_659_200_000; // 2024-01-31T00:00:00Z
        let feb29 = 1_709_164_800_000; // 2024-02-29T00:00:00Z
        assert_eq!(Interval::Month.period_end(jan31), feb29);
        assert_eq!(Interval::Year.period_end(jan31), 1_738_281_600_000); // 2025-01-31
    }
}
