//! What the billing routes answer (docs/billing.md): balances, a subscription's status,
//! ledger entries.

use ar_store::integrations::{Balances, LedgerEntry, SubscriptionRecord};
use serde::Serialize;
use utoipa::ToSchema;

use crate::billing::account::NONE;
use crate::views::Time;

/// A workspace's balances in microcredits (1 credit = 1,000,000 microcredits).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingBalances {
    pub trial_remaining: i64,
    pub included_remaining: i64,
    pub payg_remaining: i64,
    pub total_remaining_microcredits: i64,
}

impl From<&Balances> for BillingBalances {
    fn from(b: &Balances) -> Self {
        BillingBalances {
            trial_remaining: b.trial,
            included_remaining: b.included,
            payg_remaining: b.payg,
            total_remaining_microcredits: b.total(),
        }
    }
}

/// A workspace's subscription (`GET /v1/billing/status`); `status: none` and nulls
/// without one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingStatus {
    #[schema(required = true)]
    pub plan_code: Option<String>,
    /// `trialing`, `active`, `past_due`, `canceled` or `none`.
    #[schema(schema_with = subscription_status_schema)]
    pub status: String,
    #[schema(required = true)]
    pub trial_ends_at: Option<Time>,
    #[schema(required = true)]
    pub current_period_end: Option<Time>,
    pub cancel_at_period_end: bool,
    /// A downgrade waiting for the period's end.
    #[schema(required = true)]
    pub pending_plan_code: Option<String>,
}

impl BillingStatus {
    pub fn of(sub: Option<&SubscriptionRecord>) -> Self {
        match sub {
            None => BillingStatus {
                plan_code: None,
                status: NONE.to_owned(),
                trial_ends_at: None,
                current_period_end: None,
                cancel_at_period_end: false,
                pending_plan_code: None,
            },
            Some(s) => BillingStatus {
                plan_code: Some(s.plan_code.clone()),
                status: s.status.clone(),
                trial_ends_at: Time::opt(s.trial_ends_at),
                current_period_end: Time::opt(s.current_period_end),
                cancel_at_period_end: s.cancel_at_period_end,
                pending_plan_code: s.pending_plan_code.clone(),
            },
        }
    }
}

/// `POST /v1/billing/subscription/change-plan`'s answer: the status, and when the new
/// plan applies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanChanged {
    #[serde(flatten)]
    pub status: BillingStatus,
    /// `now` (an upgrade) or `period_end` (a downgrade).
    #[schema(schema_with = applies_schema)]
    pub applies: &'static str,
}

fn subscription_status_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["trialing", "active", "past_due", "canceled", "none"]))
        .build()
}

fn interval_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["month", "year"]))
        .build()
}

fn applies_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["now", "period_end"]))
        .build()
}

/// One ledger row: negative `microcredits` for debits, positive for credits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingEntry {
    pub id: String,
    pub at: Time,
    pub action: String,
    /// Of a debit drawn from several buckets, only the first row carries the quantity.
    pub quantity: i64,
    pub microcredits: i64,
    pub bucket: String,
    #[schema(required = true)]
    pub run_id: Option<String>,
    #[schema(required = true)]
    pub step_id: Option<String>,
    #[schema(required = true)]
    pub attempt: Option<i64>,
    #[schema(required = true)]
    pub note: Option<String>,
}

impl From<&LedgerEntry> for BillingEntry {
    fn from(e: &LedgerEntry) -> Self {
        BillingEntry {
            id: e.id.clone(),
            at: Time(e.at),
            action: e.action.clone(),
            quantity: e.quantity,
            microcredits: e.microcredits,
            bucket: e.bucket.clone(),
            run_id: e.run_id.clone(),
            step_id: e.step_id.clone(),
            attempt: e.attempt,
            note: e.note.clone(),
        }
    }
}

/// `GET /v1/billing/usage-history`'s answer: the project's debits, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageHistory {
    pub entries: Vec<BillingEntry>,
    /// Pass it back as `cursor`; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /v1/billing/payment-history`'s answer: credits paid for or granted, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentHistory {
    pub payments: Vec<BillingEntry>,
    /// Pass it back as `cursor`; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `POST /v1/billing/credits/grant`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditGrant {
    pub entry: BillingEntry,
    pub balances: BillingBalances,
}

/// One action's spending in the summary's period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionSpending {
    pub action: String,
    pub quantity: i64,
    pub microcredits: i64,
}

/// `[from, to)` of the summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryPeriod {
    pub from: Time,
    pub to: Time,
}

/// `GET /v1/billing/summary`: plan, status, balances and the workspace's spending of the
/// current period (the last 30 days without one) by action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingSummary {
    #[schema(required = true)]
    pub plan_code: Option<String>,
    #[schema(schema_with = subscription_status_schema)]
    pub status: String,
    pub subscription: BillingStatus,
    pub balances: BillingBalances,
    pub period: SummaryPeriod,
    pub usage: Vec<ActionSpending>,
    pub billing_enabled: bool,
}

/// A plan of this deployment (`GET /v1/billing/plans`), with the hosted catalog's names
/// for the same facts (docs/billing.md "Routes").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingPlan {
    pub plan_code: String,
    pub name: String,
    /// `month` or `year`.
    #[schema(schema_with = interval_schema)]
    pub interval: &'static str,
    pub price_cents: i64,
    pub currency: String,
    pub included_microcredits: i64,
    #[schema(required = true)]
    pub trial_days: Option<u32>,
    #[schema(required = true)]
    pub trial_microcredits: Option<i64>,
    #[schema(required = true)]
    pub max_members: Option<u32>,
    /// Always `false`: no plan runs into debt.
    pub overdraft: bool,
    /// `price_cents`, under the hosted catalog's name.
    pub amount: i64,
    /// Always 1.
    pub interval_count: i64,
    /// `name`, under the hosted catalog's name.
    pub product_name: String,
    pub trial_enabled: bool,
    /// `trial_microcredits`, under the hosted catalog's name.
    #[schema(required = true)]
    pub trial_credits_granted: Option<i64>,
    /// Always `false`.
    pub trial_requires_card: bool,
    #[schema(required = true)]
    pub stripe_price_id: Option<String>,
}

/// `GET /v1/billing/plans`'s answer: this deployment's plans.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BillingPlans {
    pub product_code: String,
    pub plans: Vec<BillingPlan>,
}

/// A metered action's price for the workspace.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionPrice {
    pub action: &'static str,
    pub microcredits: i64,
    /// What one unit is (`step`, `token`, `call`).
    pub unit: &'static str,
    /// The operator set this workspace's own price.
    pub workspace_price: bool,
}

/// `GET /v1/billing/action-pricing`'s answer: the workspace's resolved prices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionPricing {
    pub prices: Vec<ActionPrice>,
    pub billing_enabled: bool,
}

/// One metered dimension of `GET /v1/billing/usage-dimensions`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageDimension {
    pub action: String,
    pub quantity: i64,
    pub unit: &'static str,
}

/// `GET /v1/billing/usage-dimensions`'s answer: what the project's runs consumed per
/// metered dimension in `[from, to)`, priced or not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageDimensions {
    pub project_id: String,
    pub from: Time,
    pub to: Time,
    pub dimensions: Vec<UsageDimension>,
}
