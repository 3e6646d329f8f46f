//! A workspace's subscription and credits (docs/contract.md §14): trials, subscribing,
//! changing and cancelling plans, operator grants, and the lazy roll-over that ends trials
//! and starts periods when someone looks (a start, a billing read).
//!
//! Nothing here runs on a timer: every entry point first calls [`Account::refresh`], which
//! applies what time has done since the last look. Period grants are once per (workspace,
//! period) in the store, so two nodes refreshing together grant once.

use ar_store::StoreError;
use ar_store::integrations::{Bucket, Grant, IntegrationStore, LedgerEntry, SubscriptionRecord};
use serde_json::json;

use crate::billing::settings::{BillingSettings, Interval, MAX_MICROCREDITS, PlanSettings};
use crate::error::{ApiError, ApiResult};

/// Subscription statuses (docs/contract.md §14 `GET /v1/billing/status`).
pub const TRIALING: &str = "trialing";
pub const ACTIVE: &str = "active";
pub const CANCELED: &str = "canceled";
pub const NONE: &str = "none";

/// Ledger actions of credit movements that are not metered usage.
pub const GRANT_ACTION: &str = "credits.grant";
const TRIAL_GRANT: &str = "trial.grant";
const TRIAL_EXPIRED: &str = "trial.expired";
const INCLUDED_EXPIRED: &str = "plan.included.expired";

const DAY_MS: i64 = 86_400_000;

/// When a plan change applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Now,
    PeriodEnd,
}

/// One workspace's billing, over the store and the operator's catalog.
pub struct Account<'a> {
    pub store: &'a dyn IntegrationStore,
    pub billing: &'a BillingSettings,
    /// The deployment's `product_code`: only its plans exist here.
    pub product_code: &'a str,
    pub workspace_id: &'a str,
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::conflict(message)
}

impl Account<'_> {
    fn plan(&self, plan_code: &str) -> ApiResult<&PlanSettings> {
        self.billing
            .plan(self.product_code, plan_code)
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .billing
                    .plans_of(self.product_code)
                    .map(|p| p.plan_code.as_str())
                    .collect();
                ApiError::bad_request(format!(
                    "unknown plan_code {plan_code:?}; the plans of this server are: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
                .with("known_plans", json!(known))
            })
    }

    /// The included credits and interval of `plan_code` (a plan removed from the settings
    /// since: nothing included, monthly).
    fn terms(&self, plan_code: &str) -> (i64, Interval) {
        self.billing
            .plan(self.product_code, plan_code)
            .map_or((0, Interval::Month), |p| {
                (p.included_microcredits, p.interval)
            })
    }

    /// The subscription after applying what time did: an ended trial loses its credits,
    /// an ended period starts the next one (with a pending downgrade, and the plan's
    /// included credits) or, cancelled at its end, ends the subscription.
    pub async fn refresh(&self, now: i64) -> Result<Option<SubscriptionRecord>, StoreError> {
        let Some(mut sub) = self.store.billing_subscription(self.workspace_id).await? else {
            return Ok(None);
        };
        let mut changed = false;
        if sub.status == TRIALING && sub.trial_ends_at.is_some_and(|end| now >= end) {
            self.store
                .billing_clear_bucket(self.workspace_id, Bucket::Trial, TRIAL_EXPIRED, now)
                .await?;
            sub.status = NONE.into();
            changed = true;
        }
        if sub.status == ACTIVE
            && let Some(mut end) = sub.current_period_end
            && now >= end
        {
            if sub.cancel_at_period_end {
                self.store
                    .billing_clear_bucket(
                        self.workspace_id,
                        Bucket::Included,
                        INCLUDED_EXPIRED,
                        now,
                    )
                    .await?;
                sub.status = CANCELED.into();
            } else {
                if let Some(next) = sub.pending_plan_code.take() {
                    sub.plan_code = next;
                }
                let (included, interval) = self.terms(&sub.plan_code);
                // Periods nobody was around for are skipped: only the current one grants.
                let mut start = end;
                while now >= end {
                    start = end;
                    end = interval.period_end(end);
                }
                sub.current_period_start = Some(start);
                sub.current_period_end = Some(end);
                self.store
                    .billing_start_period(self.workspace_id, start, included, now)
                    .await?;
            }
            changed = true;
        }
        if changed {
            sub.updated_at = now;
            self.store.billing_save_subscription(&sub).await?;
        }
        Ok(Some(sub))
    }

    /// `POST /v1/billing/trial`: once per workspace, on a plan that has a trial.
    pub async fn start_trial(
        &self,
        plan_code: Option<&str>,
        now: i64,
    ) -> ApiResult<SubscriptionRecord> {
        let code = plan_code
            .or(self.billing.default_plan.as_deref())
            .ok_or_else(|| {
                ApiError::bad_request("name a plan_code: this server has no billing.default_plan")
            })?;
        let plan = self.plan(code)?;
        let days = plan.trial_days.filter(|d| *d > 0).ok_or_else(|| {
            conflict(format!(
                "plan {code:?} has no trial; subscribe to it instead"
            ))
        })?;
        let sub = SubscriptionRecord {
            workspace_id: self.workspace_id.to_owned(),
            plan_code: code.to_owned(),
            status: TRIALING.into(),
            trial_ends_at: Some(now + i64::from(days) * DAY_MS),
            current_period_start: None,
            current_period_end: None,
            cancel_at_period_end: false,
            pending_plan_code: None,
            updated_at: now,
        };
        if !self.store.billing_create_subscription(&sub).await? {
            return Err(conflict(
                "this workspace already had a trial or a subscription; a trial is given once",
            ));
        }
        let credits = plan.trial_microcredits.unwrap_or(0);
        if credits > 0 {
            self.put(Bucket::Trial, TRIAL_GRANT, credits, None, now)
                .await?;
        }
        Ok(sub)
    }

    /// `POST /v1/billing/subscription`: starts a paid period now (a trial converts).
    pub async fn subscribe(&self, plan_code: &str, now: i64) -> ApiResult<SubscriptionRecord> {
        self.plan(plan_code)?;
        let current = self.refresh(now).await?;
        if let Some(sub) = &current
            && sub.status == ACTIVE
        {
            return Err(conflict(format!(
                "this workspace is already subscribed to {:?}; change the plan with POST /v1/billing/subscription/change-plan",
                sub.plan_code
            )));
        }
        self.activate(plan_code, current.as_ref(), now).await
    }

    /// `POST /v1/billing/subscription/convert-trial-now`.
    pub async fn convert_trial(&self, now: i64) -> ApiResult<SubscriptionRecord> {
        let current = self.refresh(now).await?;
        match &current {
            Some(sub) if sub.status == TRIALING => {
                let plan = sub.plan_code.clone();
                self.activate(&plan, current.as_ref(), now).await
            }
            _ => Err(conflict(
                "this workspace has no trial running; subscribe with POST /v1/billing/subscription",
            )),
        }
    }

    /// A paid period of `plan_code` starting now; a running trial ends (its credits with it).
    async fn activate(
        &self,
        plan_code: &str,
        current: Option<&SubscriptionRecord>,
        now: i64,
    ) -> ApiResult<SubscriptionRecord> {
        if current.is_some_and(|s| s.status == TRIALING) {
            self.store
                .billing_clear_bucket(self.workspace_id, Bucket::Trial, TRIAL_EXPIRED, now)
                .await?;
        }
        let (included, interval) = self.terms(plan_code);
        // A period is granted once per start time: one starting in the same millisecond
        // as the last (an upgrade right after subscribing) starts a millisecond later.
        let start = current
            .and_then(|s| s.current_period_start)
            .map_or(now, |last| now.max(last + 1));
        let sub = SubscriptionRecord {
            workspace_id: self.workspace_id.to_owned(),
            plan_code: plan_code.to_owned(),
            status: ACTIVE.into(),
            trial_ends_at: current.and_then(|s| s.trial_ends_at),
            current_period_start: Some(start),
            current_period_end: Some(interval.period_end(start)),
            cancel_at_period_end: false,
            pending_plan_code: None,
            updated_at: now,
        };
        self.store.billing_save_subscription(&sub).await?;
        self.store
            .billing_start_period(self.workspace_id, start, included, now)
            .await?;
        Ok(sub)
    }

    /// `POST /v1/billing/subscription/change-plan`: a dearer plan applies now (a new
    /// period with its included credits), a cheaper or equal one at the period's end.
    pub async fn change_plan(
        &self,
        plan_code: &str,
        now: i64,
    ) -> ApiResult<(SubscriptionRecord, Applies)> {
        let next = self.plan(plan_code)?;
        let Some(mut sub) = self.refresh(now).await? else {
            return Err(no_subscription());
        };
        if sub.plan_code == plan_code && sub.pending_plan_code.is_none() {
            return Err(conflict(format!(
                "the workspace is already on plan {plan_code:?}"
            )));
        }
        match sub.status.as_str() {
            TRIALING => {
                // A trial's plan only decides what the trial converts to.
                sub.plan_code = plan_code.to_owned();
                sub.updated_at = now;
                self.store.billing_save_subscription(&sub).await?;
                Ok((sub, Applies::Now))
            }
            ACTIVE => {
                let current_price = self
                    .billing
                    .plan(self.product_code, &sub.plan_code)
                    .map_or(0, monthly_price);
                if monthly_price(next) > current_price {
                    let current = sub.clone();
                    Ok((
                        self.activate(plan_code, Some(&current), now).await?,
                        Applies::Now,
                    ))
                } else {
                    sub.pending_plan_code =
                        (plan_code != sub.plan_code).then(|| plan_code.to_owned());
                    sub.updated_at = now;
                    self.store.billing_save_subscription(&sub).await?;
                    Ok((sub, Applies::PeriodEnd))
                }
            }
            _ => Err(no_subscription()),
        }
    }

    /// `POST /v1/billing/subscription/cancel`: at the period's end unless `immediately`;
    /// a trial ends at once.
    pub async fn cancel(&self, immediately: bool, now: i64) -> ApiResult<SubscriptionRecord> {
        let Some(mut sub) = self.refresh(now).await? else {
            return Err(no_subscription());
        };
        match sub.status.as_str() {
            TRIALING => {
                self.store
                    .billing_clear_bucket(self.workspace_id, Bucket::Trial, TRIAL_EXPIRED, now)
                    .await?;
                sub.status = CANCELED.into();
            }
            ACTIVE if immediately => {
                self.store
                    .billing_clear_bucket(
                        self.workspace_id,
                        Bucket::Included,
                        INCLUDED_EXPIRED,
                        now,
                    )
                    .await?;
                sub.status = CANCELED.into();
                sub.pending_plan_code = None;
            }
            ACTIVE => {
                sub.cancel_at_period_end = true;
            }
            _ => return Err(no_subscription()),
        }
        sub.updated_at = now;
        self.store.billing_save_subscription(&sub).await?;
        Ok(sub)
    }

    /// The operator's grant of PAYG credits (manual payments): `agentruntime admin
    /// credits grant` and `POST /v1/billing/credits/grant`.
    pub async fn grant(
        &self,
        microcredits: i64,
        note: Option<String>,
        now: i64,
    ) -> ApiResult<LedgerEntry> {
        if !(1..=MAX_MICROCREDITS).contains(&microcredits) {
            return Err(ApiError::bad_request(format!(
                "microcredits must be between 1 and {MAX_MICROCREDITS} (one credit is 1000000)"
            )));
        }
        self.put(Bucket::Payg, GRANT_ACTION, microcredits, note, now)
            .await
    }

    async fn put(
        &self,
        bucket: Bucket,
        action: &str,
        microcredits: i64,
        note: Option<String>,
        now: i64,
    ) -> ApiResult<LedgerEntry> {
        Ok(self
            .store
            .billing_grant(&Grant {
                workspace_id: self.workspace_id.to_owned(),
                bucket,
                action: action.to_owned(),
                microcredits,
                note,
                at: now,
            })
            .await?)
    }
}

fn no_subscription() -> ApiError {
    conflict("this workspace has no subscription; start one with POST /v1/billing/subscription")
}

/// A plan's price per month, to tell upgrades from downgrades across intervals.
fn monthly_price(plan: &PlanSettings) -> i64 {
    match plan.interval {
        Interval::Month => plan.price_cents,
        Interval::Year => plan.price_cents / 12,
    }
}
