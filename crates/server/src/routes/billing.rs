//! `/v1/billing/*` (docs/contract.md §14, docs/billing.md): balances, plans, prices, the
//! ledger and the subscription for contributors of a project of the workspace
//! (`BillingRead`, `X-Project-Id`); the metered dimensions for its viewers
//! (`BillingDimensionsRead`); trials and subscriptions for tenant admins
//! (`BillingManage`); hand grants for the owner (`BillingGrant`).
//!
//! Balances are the workspace's; ledger rows that name a run are shown only through the
//! project of that run, so a project's readers never see another project's run ids.

use ar_store::integrations::{LedgerFilter, SubscriptionRecord};
use ar_store::now_ms;
use axum::extract::State;
use serde::Deserialize;

use crate::auth::gate::Gate;
use crate::billing::account::{Account, Applies};
use crate::billing::settings::{PRICED_ACTIONS, unit_of};
use crate::billing::view::{
    ActionPrice, ActionPricing, ActionSpending, BillingBalances, BillingEntry, BillingPlan,
    BillingPlans, BillingStatus, BillingSummary, CreditGrant, PaymentHistory, PlanChanged,
    SummaryPeriod, UsageDimension, UsageDimensions, UsageHistory,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::json::{Json, OptionalJson};
use crate::state::AppState;
use crate::views::Time;

/// The default window of usage-dimensions: the last 30 days.
const DEFAULT_WINDOW_MS: i64 = 30 * 86_400_000;
/// Ledger pages: default and largest size.
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;
/// The longest plan code the catalog accepts (settings.rs) and a grant's note.
const MAX_PLAN_CODE: usize = 64;
const MAX_NOTE: usize = 500;

fn time(name: &str, text: &str) -> ApiResult<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| ApiError::bad_request(format!("`{name}` is not an RFC 3339 time: {e}")))
}

/// `{trial_remaining, included_remaining, payg_remaining, total_remaining_microcredits}`.
pub(crate) async fn balances_json(
    state: &AppState,
    workspace_id: &str,
) -> ApiResult<BillingBalances> {
    let b = state.integrations().billing_balances(workspace_id).await?;
    Ok(BillingBalances::from(&b))
}

/// `GET /v1/billing/status`'s shape.
fn status_json(sub: Option<&SubscriptionRecord>) -> BillingStatus {
    BillingStatus::of(sub)
}

/// The workspace of the request's project (`X-Project-Id`), refreshed (an ended trial or
/// period is applied before anything is read).
async fn project_workspace(state: &AppState, gate: &Gate) -> ApiResult<(String, String)> {
    let project = gate.project()?;
    let ws = project.workspace_id.clone();
    crate::billing::account(state, &ws)
        .refresh(now_ms())
        .await?;
    Ok((ws, project.id.clone()))
}

/// `GET /v1/billing/usage` → the balances.
pub async fn usage(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<BillingBalances>> {
    let (ws, _) = project_workspace(&state, &gate).await?;
    Ok(Json(balances_json(&state, &ws).await?))
}

/// `GET /v1/billing/plans` → this deployment's plans (its `product_code` only).
pub async fn plans(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<BillingPlans>> {
    gate.project()?;
    let settings = state.settings();
    let plans = settings
        .billing
        .plans_of(&settings.product_code)
        .map(|p| BillingPlan {
            plan_code: p.plan_code.clone(),
            name: p.name.clone(),
            interval: p.interval.as_str(),
            price_cents: p.price_cents,
            currency: p.currency.clone(),
            included_microcredits: p.included_microcredits,
            trial_days: p.trial_days,
            trial_microcredits: p.trial_microcredits,
            max_members: p.max_members,
            overdraft: false,
            // The hosted catalog's names for the same facts (docs/billing.md "Routes").
            amount: p.price_cents,
            interval_count: 1,
            product_name: p.name.clone(),
            trial_enabled: p.trial_days.is_some(),
            trial_credits_granted: p.trial_microcredits,
            trial_requires_card: false,
            stripe_price_id: p.stripe_price_id.clone(),
        })
        .collect();
    Ok(Json(BillingPlans {
        product_code: settings.product_code.clone(),
        plans,
    }))
}

/// `GET /v1/billing/action-pricing` → `{prices: [{action, microcredits, unit,
/// workspace_price}]}`: the workspace's resolved prices (its own where the operator set
/// one, flagged `workspace_price: true`).
pub async fn action_pricing(
    State(state): State<AppState>,
    gate: Gate,
) -> ApiResult<Json<ActionPricing>> {
    let project = gate.project()?;
    let billing = &state.settings().billing;
    let (table, own) =
        crate::billing::prices::resolved(state.integrations(), billing, &project.workspace_id)
            .await?;
    let prices = PRICED_ACTIONS
        .iter()
        .map(|a| ActionPrice {
            action: a,
            microcredits: table.get(*a).copied().unwrap_or(0),
            unit: unit_of(a),
            workspace_price: own.iter().any(|o| o == a),
        })
        .collect();
    Ok(Json(ActionPricing {
        prices,
        billing_enabled: billing.enabled,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

impl PageQuery {
    fn read(&self) -> ApiResult<(i64, Option<i64>)> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "`limit` must be between 1 and {MAX_PAGE}"
            )));
        }
        let before = match &self.cursor {
            None => None,
            Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ApiError::bad_request("`cursor` is not a cursor this server gave out")
            })?),
        };
        Ok((limit, before))
    }
}

async fn ledger_page(
    state: &AppState,
    ws: &str,
    filter: LedgerFilter,
    q: &PageQuery,
) -> ApiResult<(Vec<BillingEntry>, Option<String>)> {
    let (limit, before) = q.read()?;
    let rows = state
        .integrations()
        .billing_ledger(ws, filter, before, limit)
        .await?;
    let next = if rows.len() as i64 == limit {
        rows.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok((rows.iter().map(BillingEntry::from).collect(), next))
}

/// `GET /v1/billing/usage-history` (`limit`, `cursor`): the project's debits, newest
/// first → `{entries, next_cursor}`.
pub async fn usage_history(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<UsageHistory>> {
    let (ws, project) = project_workspace(&state, &gate).await?;
    let (entries, next) = ledger_page(
        &state,
        &ws,
        LedgerFilter::Usage {
            project_id: project,
        },
        &q,
    )
    .await?;
    Ok(Json(UsageHistory {
        entries,
        next_cursor: next,
    }))
}

/// `GET /v1/billing/payment-history` (`limit`, `cursor`): credits paid for or granted,
/// newest first → `{payments, next_cursor}`.
pub async fn payment_history(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PaymentHistory>> {
    let (ws, _) = project_workspace(&state, &gate).await?;
    let (payments, next) = ledger_page(&state, &ws, LedgerFilter::Payments, &q).await?;
    Ok(Json(PaymentHistory {
        payments,
        next_cursor: next,
    }))
}

/// `GET /v1/billing/status`.
pub async fn status(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<BillingStatus>> {
    let project = gate.project()?;
    let sub = crate::billing::account(&state, &project.workspace_id)
        .refresh(now_ms())
        .await?;
    Ok(Json(status_json(sub.as_ref())))
}

/// `GET /v1/billing/summary`: plan, status, balances and the workspace's spending of the
/// current period (the last 30 days without one) by action.
pub async fn summary(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<BillingSummary>> {
    let project = gate.project()?;
    let ws = project.workspace_id.clone();
    let now = now_ms();
    let sub = crate::billing::account(&state, &ws).refresh(now).await?;
    let (from, to) = match &sub {
        Some(s) if s.current_period_start.is_some() && s.current_period_end.is_some() => (
            s.current_period_start.unwrap_or(now),
            s.current_period_end.unwrap_or(now),
        ),
        _ => (now - DEFAULT_WINDOW_MS, now),
    };
    let usage = state
        .integrations()
        .billing_usage_by_action(&ws, from, to.max(now))
        .await?
        .iter()
        .map(|u| ActionSpending {
            action: u.action.clone(),
            quantity: u.quantity,
            microcredits: u.microcredits,
        })
        .collect();
    let status = status_json(sub.as_ref());
    Ok(Json(BillingSummary {
        plan_code: status.plan_code.clone(),
        status: status.status.clone(),
        subscription: status,
        balances: balances_json(&state, &ws).await?,
        period: SummaryPeriod {
            from: Time(from),
            to: Time(to),
        },
        usage,
        billing_enabled: state.settings().billing.enabled,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    /// RFC 3339 start (inclusive); default 30 days before `to`.
    #[serde(default)]
    from: Option<String>,
    /// RFC 3339 end (exclusive); default now.
    #[serde(default)]
    to: Option<String>,
}

/// `GET /v1/billing/usage-dimensions` (`X-Project-Id`; optional `from`, `to`): what the
/// project's runs consumed per metered dimension, priced or not → `{project_id, from, to,
/// dimensions: [{action, quantity, unit}]}`.
pub async fn usage_dimensions(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<WindowQuery>,
) -> ApiResult<Json<UsageDimensions>> {
    let project = gate.project()?;
    let to = match &q.to {
        Some(t) => time("to", t)?,
        None => now_ms(),
    };
    let from = match &q.from {
        Some(t) => time("from", t)?,
        None => to - DEFAULT_WINDOW_MS,
    };
    if from > to {
        return Err(ApiError::bad_request("`from` is after `to`"));
    }
    let totals = state
        .integrations()
        .usage_totals(&project.workspace_id, Some(&project.id), from, to)
        .await?;
    let dimensions = totals
        .iter()
        .map(|t| UsageDimension {
            action: t.kind.clone(),
            quantity: t.quantity,
            unit: unit_of(&t.kind),
        })
        .collect();
    Ok(Json(UsageDimensions {
        project_id: project.id.clone(),
        from: Time(from),
        to: Time(to),
        dimensions,
    }))
}

// --- tenant admin actions

/// The workspace a tenant admin acts on (`X-Tenant-Id`).
fn admin_account<'a>(state: &'a AppState, gate: &'a Gate) -> ApiResult<Account<'a>> {
    let ws = gate.require_workspace()?;
    Ok(crate::billing::account(state, &ws.id))
}

fn plan_code(code: &str) -> ApiResult<&str> {
    if code.is_empty() || code.len() > MAX_PLAN_CODE {
        return Err(ApiError::bad_request(format!(
            "`plan_code` must be 1 to {MAX_PLAN_CODE} characters (GET /v1/billing/plans lists them)"
        )));
    }
    Ok(code)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialBody {
    /// The plan to try; default: the server's `billing.default_plan`.
    #[serde(default)]
    pub plan_code: Option<String>,
    /// The hosted way to name the plan: its `stripe_price_id` from the catalog.
    #[serde(default)]
    pub stripe_price_id: Option<String>,
}

/// `POST /v1/billing/trial` (`{plan_code?}`): a trial, once per workspace → the status.
pub async fn start_trial(
    State(state): State<AppState>,
    gate: Gate,
    OptionalJson(body): OptionalJson<TrialBody>,
) -> ApiResult<Json<BillingStatus>> {
    let code = match (&body.plan_code, &body.stripe_price_id) {
        (None, None) => None,
        (code, price) => Some(chosen_plan(&state, code.as_deref(), price.as_deref())?),
    };
    let sub = admin_account(&state, &gate)?
        .start_trial(code.as_deref(), now_ms())
        .await?;
    Ok(Json(status_json(Some(&sub))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// A plan of `GET /v1/billing/plans`.
    #[serde(default)]
    pub plan_code: Option<String>,
    /// Or, as the hosted API takes it, the plan's `stripe_price_id` from the catalog.
    #[serde(default)]
    pub stripe_price_id: Option<String>,
}

/// The plan a body names, by `plan_code` or by `stripe_price_id` (exactly one).
fn chosen_plan(state: &AppState, code: Option<&str>, price: Option<&str>) -> ApiResult<String> {
    match (code, price) {
        (Some(code), None) => Ok(plan_code(code)?.to_owned()),
        (None, Some(price)) => {
            let settings = state.settings();
            settings
                .billing
                .plans_of(&settings.product_code)
                .find(|p| p.stripe_price_id.as_deref() == Some(price))
                .map(|p| p.plan_code.clone())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "unknown stripe_price_id: no plan of this server has it (GET /v1/billing/plans lists them)",
                    )
                })
        }
        _ => Err(ApiError::bad_request(
            "name the plan with `plan_code` or `stripe_price_id` (one of them)",
        )),
    }
}

/// `POST /v1/billing/subscription` (`{plan_code}`): a paid period starts now → the status.
pub async fn subscribe(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<PlanBody>,
) -> ApiResult<Json<BillingStatus>> {
    let code = chosen_plan(
        &state,
        body.plan_code.as_deref(),
        body.stripe_price_id.as_deref(),
    )?;
    let sub = admin_account(&state, &gate)?
        .subscribe(&code, now_ms())
        .await?;
    Ok(Json(status_json(Some(&sub))))
}

/// `POST /v1/billing/subscription/change-plan` (`{plan_code}`): upgrades apply now,
/// downgrades at the end of the period → the status with `applies: now | period_end`.
pub async fn change_plan(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<PlanBody>,
) -> ApiResult<Json<PlanChanged>> {
    let code = chosen_plan(
        &state,
        body.plan_code.as_deref(),
        body.stripe_price_id.as_deref(),
    )?;
    let (sub, applies) = admin_account(&state, &gate)?
        .change_plan(&code, now_ms())
        .await?;
    Ok(Json(PlanChanged {
        status: status_json(Some(&sub)),
        applies: match applies {
            Applies::Now => "now",
            Applies::PeriodEnd => "period_end",
        },
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// End at the end of the period (default) or, false, now.
    #[serde(default = "yes")]
    pub at_period_end: bool,
}

fn yes() -> bool {
    true
}

impl Default for CancelBody {
    fn default() -> Self {
        CancelBody {
            at_period_end: true,
        }
    }
}

/// `POST /v1/billing/subscription/cancel` (`{at_period_end?}`) → the status.
pub async fn cancel(
    State(state): State<AppState>,
    gate: Gate,
    OptionalJson(body): OptionalJson<CancelBody>,
) -> ApiResult<Json<BillingStatus>> {
    let sub = admin_account(&state, &gate)?
        .cancel(!body.at_period_end, now_ms())
        .await?;
    Ok(Json(status_json(Some(&sub))))
}

/// `POST /v1/billing/subscription/convert-trial-now` → the status.
pub async fn convert_trial(
    State(state): State<AppState>,
    gate: Gate,
) -> ApiResult<Json<BillingStatus>> {
    let sub = admin_account(&state, &gate)?
        .convert_trial(now_ms())
        .await?;
    Ok(Json(status_json(Some(&sub))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// PAYG microcredits to add (one credit is 1,000,000).
    pub microcredits: i64,
    /// Why (an invoice number, …), kept on the ledger row.
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /v1/billing/credits/grant` (owner; `{microcredits, note?}`): the `manual`
/// payment provider → `{entry, balances}`.
pub async fn grant(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<GrantBody>,
) -> ApiResult<Json<CreditGrant>> {
    if body
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(ApiError::bad_request(format!(
            "`note` is longer than {MAX_NOTE} characters"
        )));
    }
    let account = admin_account(&state, &gate)?;
    let entry = account
        .grant(body.microcredits, body.note, now_ms())
        .await?;
    let balances = balances_json(&state, account.workspace_id).await?;
    Ok(Json(CreditGrant {
        entry: BillingEntry::from(&entry),
        balances,
    }))
}
