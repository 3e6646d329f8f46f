//! The credit ledger (docs/contract.md §14): append-only entries, balances per bucket
//! cached in the same transaction as every entry, subscriptions, once-per-period grants
//! and refused run starts.
//!
//! Every write that moves credits first takes the workspace's balance row (an `UPDATE`
//! inside a write transaction: a row lock on Postgres, the write lock on SQLite), so the
//! moves of one workspace are serialized on every node. That is what makes a debit happen
//! once: the debit looks for its own rows (the key `(workspace, run, step, attempt,
//! action)`) after taking the lock, and a unique index on that key (with the bucket) backs
//! it up. It also looks for a debit of an earlier attempt of the same step whose outcome
//! was never committed (no `step_completed` / `step_failed` event of that attempt): the
//! step was cut off between its debit and its commit, and this later attempt is its
//! re-run, already paid for; and for a debit of a later attempt, which makes this one a
//! stale execution.

use async_trait::async_trait;

use crate::error::StoreResult;

/// Where credits sit; spending draws from them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Trial,
    Included,
    Payg,
}

impl Bucket {
    pub const DRAW_ORDER: [Bucket; 3] = [Bucket::Trial, Bucket::Included, Bucket::Payg];
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Trial => "trial",
            Bucket::Included => "included",
            Bucket::Payg => "payg",
        }
    }
    pub fn parse(s: &str) -> Option<Bucket> {
        Bucket::DRAW_ORDER.into_iter().find(|b| b.as_str() == s)
    }
    pub(crate) fn column(self) -> &'static str {
        self.as_str()
    }
}

/// A workspace's balances in microcredits. PAYG may be negative: the last debit before
/// the balance ran out draws what it costs (docs/billing.md "Overdraw").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balances {
    pub trial: i64,
    pub included: i64,
    pub payg: i64,
}

impl Balances {
    pub fn total(&self) -> i64 {
        self.trial + self.included + self.payg
    }
    pub fn get(&self, bucket: Bucket) -> i64 {
        match bucket {
            Bucket::Trial => self.trial,
            Bucket::Included => self.included,
            Bucket::Payg => self.payg,
        }
    }
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The ledger's order (cursor of usage-history).
    pub seq: i64,
    pub id: String,
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub at: i64,
    pub action: String,
    /// Of a debit drawn from several buckets, only the first row carries the quantity
    /// (the others 0), so sums over rows count each action once.
    pub quantity: i64,
    /// Positive in, negative out.
    pub microcredits: i64,
    pub bucket: String,
    pub run_id: Option<String>,
    pub step_id: Option<String>,
    pub attempt: Option<i64>,
    pub note: Option<String>,
}

/// A metered action to charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debit {
    pub workspace_id: String,
    pub project_id: Option<String>,
    pub run_id: String,
    pub step_id: String,
    pub attempt: i64,
    pub action: String,
    pub quantity: i64,
    /// What it costs (positive).
    pub microcredits: i64,
    pub at: i64,
}

/// What a debit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebitOutcome {
    /// Charged now: its rows.
    Charged(Vec<LedgerEntry>),
    /// Charged before (same key, or another attempt of the step that never committed its
    /// outcome): nothing written.
    Duplicate,
    /// The balance was not above zero: nothing written.
    Empty,
}

/// Credits put into a bucket (a grant, a trial, a top-up), or taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub workspace_id: String,
    pub bucket: Bucket,
    /// `credits.grant`, `trial.grant`, …
    pub action: String,
    pub microcredits: i64,
    pub note: Option<String>,
    pub at: i64,
}

/// Which rows a ledger page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerFilter {
    /// Debits of one project's runs.
    Usage { project_id: String },
    /// Credits paid for, granted by the operator or given by a code (`credits.grant`,
    /// `payg.topup`, `code.credits`).
    Payments,
}

/// Sum over a window of one action's debits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionUsage {
    pub action: String,
    pub quantity: i64,
    /// Spent (positive).
    pub microcredits: i64,
}

/// A workspace's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub workspace_id: String,
    pub plan_code: String,
    /// trialing | active | past_due | canceled | none
    pub status: String,
    pub trial_ends_at: Option<i64>,
    pub current_period_start: Option<i64>,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    /// A downgrade that applies at `current_period_end`.
    pub pending_plan_code: Option<String>,
    pub updated_at: i64,
}

/// A start refused for lack of credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRejection {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub workflow_id: String,
    pub code: String,
    pub at: i64,
}

#[async_trait]
pub trait BillingStore: Send + Sync + 'static {
    /// The cached balances (zero for a workspace that never had credits).
    async fn billing_balances(&self, workspace_id: &str) -> StoreResult<Balances>;
    /// Charges `debit` once: trial, then included, then PAYG; when the balance is above
    /// zero but below the cost, PAYG goes negative by the rest.
    async fn billing_debit(&self, debit: &Debit) -> StoreResult<DebitOutcome>;
    /// Adds (or, negative, removes) credits in one bucket.
    async fn billing_grant(&self, grant: &Grant) -> StoreResult<LedgerEntry>;
    /// Empties `bucket` (trial expiry, end of a plan): one row taking what is left.
    async fn billing_clear_bucket(
        &self,
        workspace_id: &str,
        bucket: Bucket,
        action: &str,
        at: i64,
    ) -> StoreResult<Option<LedgerEntry>>;
    /// The period starting at `period_start` begins: the included bucket is reset to
    /// `included` (what was left expires), once per (workspace, period) whatever the
    /// number of nodes or calls. True if this call did it.
    async fn billing_start_period(
        &self,
        workspace_id: &str,
        period_start: i64,
        included: i64,
        at: i64,
    ) -> StoreResult<bool>;
    /// Newest first, before `before_seq`, at most `limit`.
    async fn billing_ledger(
        &self,
        workspace_id: &str,
        filter: LedgerFilter,
        before_seq: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<LedgerEntry>>;
    /// Every row of the workspace, oldest first (tests, audits).
    async fn billing_ledger_all(&self, workspace_id: &str) -> StoreResult<Vec<LedgerEntry>>;
    /// Debits per action with `from <= at < to`.
    async fn billing_usage_by_action(
        &self,
        workspace_id: &str,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<ActionUsage>>;
    /// Microcredits spent by one project's runs with `from <= at < to`.
    async fn billing_project_spent(&self, project_id: &str, from: i64, to: i64)
    -> StoreResult<i64>;
    async fn billing_subscription(
        &self,
        workspace_id: &str,
    ) -> StoreResult<Option<SubscriptionRecord>>;
    /// Creates or replaces the workspace's subscription.
    async fn billing_save_subscription(&self, sub: &SubscriptionRecord) -> StoreResult<()>;
    /// Creates the workspace's first subscription; false (nothing written) if it had one.
    async fn billing_create_subscription(&self, sub: &SubscriptionRecord) -> StoreResult<bool>;
    async fn record_run_rejection(&self, rejection: &RunRejection) -> StoreResult<()>;
    async fn run_rejections(&self, workspace_id: &str) -> StoreResult<Vec<RunRejection>>;
    /// The workspace's own prices, `(action, microcredits)` by action.
    async fn billing_price_overrides(&self, workspace_id: &str) -> StoreResult<Vec<(String, i64)>>;
    /// Sets (`Some`) or removes (`None`) the workspace's price of `action`.
    async fn billing_set_price_override(
        &self,
        workspace_id: &str,
        action: &str,
        microcredits: Option<i64>,
        at: i64,
    ) -> StoreResult<()>;
}

/// The draw of `cost` from `balances`, in bucket order: (bucket, microcredits) pairs; what
/// the buckets do not cover is drawn from PAYG.
pub fn draw(balances: Balances, cost: i64) -> Vec<(Bucket, i64)> {
    let mut left = cost;
    let mut out = Vec::new();
    for bucket in [Bucket::Trial, Bucket::Included] {
        let take = balances.get(bucket).max(0).min(left);
        if take > 0 {
            out.push((bucket, take));
            left -= take;
        }
    }
    if left > 0 {
        out.push((Bucket::Payg, left));
    }
    out
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Implements [`BillingStore`] for `$store` (a struct with a `pool` field); `$begin` opens
/// a write transaction.
macro_rules! impl_billing_store {
    ($store:ty, $row:ty, $begin:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Row;

            use $crate::error::StoreResult;
            use $crate::integrations::billing::*;

            const ENTRY_COLUMNS: &str = "seq, id, workspace_id, project_id, at, action, quantity, microcredits, bucket, run_id, step_id, attempt, note";

            fn entry(row: &$row) -> StoreResult<LedgerEntry> {
                Ok(LedgerEntry {
                    seq: row.try_get("seq")?,
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    at: row.try_get("at")?,
                    action: row.try_get("action")?,
                    quantity: row.try_get("quantity")?,
                    microcredits: row.try_get("microcredits")?,
                    bucket: row.try_get("bucket")?,
                    run_id: row.try_get("run_id")?,
                    step_id: row.try_get("step_id")?,
                    attempt: row.try_get("attempt")?,
                    note: row.try_get("note")?,
                })
            }

            fn subscription(row: &$row) -> StoreResult<SubscriptionRecord> {
                Ok(SubscriptionRecord {
                    workspace_id: row.try_get("workspace_id")?,
                    plan_code: row.try_get("plan_code")?,
                    status: row.try_get("status")?,
                    trial_ends_at: row.try_get("trial_ends_at")?,
                    current_period_start: row.try_get("current_period_start")?,
                    current_period_end: row.try_get("current_period_end")?,
                    cancel_at_period_end: row.try_get("cancel_at_period_end")?,
                    pending_plan_code: row.try_get("pending_plan_code")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            /// Takes the workspace's balance row (creating it) and reads it.
            async fn lock_balances<'c>(
                tx: &mut sqlx::Transaction<'c, <$row as Row>::Database>,
                workspace_id: &str,
                at: i64,
            ) -> StoreResult<Balances> {
                sqlx::query("INSERT INTO billing_balances (workspace_id, trial, included, payg, updated_at) VALUES ($1, 0, 0, 0, $2) ON CONFLICT (workspace_id) DO NOTHING")
                    .bind(workspace_id)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE billing_balances SET updated_at = $2 WHERE workspace_id = $1")
                    .bind(workspace_id)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                let row: $row = sqlx::query("SELECT trial, included, payg FROM billing_balances WHERE workspace_id = $1")
                    .bind(workspace_id)
                    .fetch_one(&mut **tx)
                    .await?;
                Ok(Balances {
                    trial: row.try_get("trial")?,
                    included: row.try_get("included")?,
                    payg: row.try_get("payg")?,
                })
            }

            /// Adds `delta` to one bucket of the (locked) balance row.
            async fn add_to_bucket<'c>(
                tx: &mut sqlx::Transaction<'c, <$row as Row>::Database>,
                workspace_id: &str,
                bucket: Bucket,
                delta: i64,
            ) -> StoreResult<()> {
                // The column name comes from a fixed set, never from input.
                let sql = format!(
                    "UPDATE billing_balances SET {col} = {col} + $2 WHERE workspace_id = $1",
                    col = bucket.column()
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(workspace_id)
                    .bind(delta)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn insert_entry<'c>(
                tx: &mut sqlx::Transaction<'c, <$row as Row>::Database>,
                e: &LedgerEntry,
            ) -> StoreResult<LedgerEntry> {
                let sql = format!("INSERT INTO billing_ledger (id, workspace_id, project_id, at, action, quantity, microcredits, bucket, run_id, step_id, attempt, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {ENTRY_COLUMNS}");
                let row: $row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&e.id)
                    .bind(&e.workspace_id)
                    .bind(&e.project_id)
                    .bind(e.at)
                    .bind(&e.action)
                    .bind(e.quantity)
                    .bind(e.microcredits)
                    .bind(&e.bucket)
                    .bind(&e.run_id)
                    .bind(&e.step_id)
                    .bind(e.attempt)
                    .bind(&e.note)
                    .fetch_one(&mut **tx)
                    .await?;
                entry(&row)
            }

            /// The attempts of a run's step whose outcome the engine committed
            /// (`step_completed` / `step_failed` events). A charged attempt not among them
            /// was cut off between its debit and its commit (its node died, or lost the
            /// lease): the engine runs the step again as a later attempt, which the first
            /// one's debit pays for (docs/billing.md "The ledger and exactly-once").
            async fn ended_attempts<'c>(
                tx: &mut sqlx::Transaction<'c, <$row as Row>::Database>,
                run_id: &str,
                step_id: &str,
            ) -> StoreResult<Vec<i64>> {
                let rows = sqlx::query("SELECT CAST(data AS TEXT) AS data FROM events WHERE run_id = $1 AND step_id = $2 AND kind IN ('step_completed', 'step_failed')")
                    .bind(run_id)
                    .bind(step_id)
                    .fetch_all(&mut **tx)
                    .await?;
                let mut attempts = Vec::new();
                for row in &rows {
                    let data: String = row.try_get("data")?;
                    let attempt = serde_json::from_str::<serde_json::Value>(&data)
                        .ok()
                        .and_then(|v| v.get("attempt").and_then(serde_json::Value::as_i64));
                    attempts.extend(attempt);
                }
                Ok(attempts)
            }

            fn movement(workspace_id: &str, bucket: Bucket, action: &str, microcredits: i64, note: Option<String>, at: i64) -> LedgerEntry {
                LedgerEntry {
                    seq: 0,
                    id: new_id(),
                    workspace_id: workspace_id.to_owned(),
                    project_id: None,
                    at,
                    action: action.to_owned(),
                    quantity: 1,
                    microcredits,
                    bucket: bucket.as_str().to_owned(),
                    run_id: None,
                    step_id: None,
                    attempt: None,
                    note,
                }
            }

            #[async_trait]
            impl BillingStore for $store {
                async fn billing_balances(&self, workspace_id: &str) -> StoreResult<Balances> {
                    let row = sqlx::query("SELECT trial, included, payg FROM billing_balances WHERE workspace_id = $1")
                        .bind(workspace_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    match row {
                        None => Ok(Balances::default()),
                        Some(row) => Ok(Balances {
                            trial: row.try_get("trial")?,
                            included: row.try_get("included")?,
                            payg: row.try_get("payg")?,
                        }),
                    }
                }

                async fn billing_debit(&self, d: &Debit) -> StoreResult<DebitOutcome> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let balances = lock_balances(&mut tx, &d.workspace_id, d.at).await?;
                    // After the lock: a debit of the same key committed by anyone is seen,
                    // and so is one of another attempt of this step that stands for it.
                    let charged: Vec<i64> = sqlx::query("SELECT DISTINCT attempt FROM billing_ledger WHERE workspace_id = $1 AND run_id = $2 AND step_id = $3 AND action = $4")
                        .bind(&d.workspace_id)
                        .bind(&d.run_id)
                        .bind(&d.step_id)
                        .bind(&d.action)
                        .fetch_all(&mut *tx)
                        .await?
                        .iter()
                        .map(|row| row.try_get::<Option<i64>, _>("attempt"))
                        .collect::<Result<Vec<_>, _>>()?
                        .into_iter()
                        .flatten()
                        .collect();
                    // A later attempt charged: this one is a stale execution (a node that
                    // lost its lease and finished anyway), whose outcome the engine refuses.
                    let duplicate = charged.iter().any(|a| *a >= d.attempt) || {
                        !charged.is_empty() && {
                            let ended = ended_attempts(&mut tx, &d.run_id, &d.step_id).await?;
                            charged.iter().any(|a| !ended.contains(a))
                        }
                    };
                    // Rolled back explicitly, at once: a dropped transaction would keep
                    // the balance row locked until its connection is next used.
                    if duplicate {
                        tx.rollback().await?;
                        return Ok(DebitOutcome::Duplicate);
                    }
                    if balances.total() <= 0 {
                        tx.rollback().await?;
                        return Ok(DebitOutcome::Empty);
                    }
                    let mut rows = Vec::new();
                    for (i, (bucket, amount)) in draw(balances, d.microcredits).into_iter().enumerate() {
                        let row = LedgerEntry {
                            seq: 0,
                            id: new_id(),
                            workspace_id: d.workspace_id.clone(),
                            project_id: d.project_id.clone(),
                            at: d.at,
                            action: d.action.clone(),
                            quantity: if i == 0 { d.quantity } else { 0 },
                            microcredits: -amount,
                            bucket: bucket.as_str().to_owned(),
                            run_id: Some(d.run_id.clone()),
                            step_id: Some(d.step_id.clone()),
                            attempt: Some(d.attempt),
                            note: None,
                        };
                        rows.push(insert_entry(&mut tx, &row).await?);
                        add_to_bucket(&mut tx, &d.workspace_id, bucket, -amount).await?;
                    }
                    tx.commit().await?;
                    Ok(DebitOutcome::Charged(rows))
                }

                async fn billing_grant(&self, g: &Grant) -> StoreResult<LedgerEntry> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    lock_balances(&mut tx, &g.workspace_id, g.at).await?;
                    let row = movement(&g.workspace_id, g.bucket, &g.action, g.microcredits, g.note.clone(), g.at);
                    let saved = insert_entry(&mut tx, &row).await?;
                    add_to_bucket(&mut tx, &g.workspace_id, g.bucket, g.microcredits).await?;
                    tx.commit().await?;
                    Ok(saved)
                }

                async fn billing_clear_bucket(
                    &self,
                    workspace_id: &str,
                    bucket: Bucket,
                    action: &str,
                    at: i64,
                ) -> StoreResult<Option<LedgerEntry>> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let balances = lock_balances(&mut tx, workspace_id, at).await?;
                    let left = balances.get(bucket);
                    if left == 0 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    let row = movement(workspace_id, bucket, action, -left, None, at);
                    let saved = insert_entry(&mut tx, &row).await?;
                    add_to_bucket(&mut tx, workspace_id, bucket, -left).await?;
                    tx.commit().await?;
                    Ok(Some(saved))
                }

                async fn billing_start_period(
                    &self,
                    workspace_id: &str,
                    period_start: i64,
                    included: i64,
                    at: i64,
                ) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let claimed = sqlx::query("INSERT INTO billing_period_grants (workspace_id, period_start, granted_at) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, period_start) DO NOTHING")
                        .bind(workspace_id)
                        .bind(period_start)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1;
                    if !claimed {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    let balances = lock_balances(&mut tx, workspace_id, at).await?;
                    if balances.included != 0 {
                        let row = movement(workspace_id, Bucket::Included, "plan.included.expired", -balances.included, None, at);
                        insert_entry(&mut tx, &row).await?;
                        add_to_bucket(&mut tx, workspace_id, Bucket::Included, -balances.included).await?;
                    }
                    if included > 0 {
                        let row = movement(workspace_id, Bucket::Included, "plan.included", included, None, at);
                        insert_entry(&mut tx, &row).await?;
                        add_to_bucket(&mut tx, workspace_id, Bucket::Included, included).await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn billing_ledger(
                    &self,
                    workspace_id: &str,
                    filter: LedgerFilter,
                    before_seq: Option<i64>,
                    limit: i64,
                ) -> StoreResult<Vec<LedgerEntry>> {
                    let (which, project) = match &filter {
                        LedgerFilter::Usage { project_id } => ("run_id IS NOT NULL AND project_id = $4", Some(project_id)),
                        LedgerFilter::Payments => ("action IN ('credits.grant', 'payg.topup', 'code.credits')", None),
                    };
                    let sql = format!("SELECT {ENTRY_COLUMNS} FROM billing_ledger WHERE workspace_id = $1 AND seq < $2 AND {which} ORDER BY seq DESC LIMIT $3");
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(before_seq.unwrap_or(i64::MAX))
                        .bind(limit);
                    if let Some(project) = project {
                        query = query.bind(project);
                    }
                    let rows = query.fetch_all(&self.pool).await?;
                    rows.iter().map(entry).collect()
                }

                async fn billing_ledger_all(&self, workspace_id: &str) -> StoreResult<Vec<LedgerEntry>> {
                    let sql = format!("SELECT {ENTRY_COLUMNS} FROM billing_ledger WHERE workspace_id = $1 ORDER BY seq");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(entry).collect()
                }

                async fn billing_usage_by_action(
                    &self,
                    workspace_id: &str,
                    from: i64,
                    to: i64,
                ) -> StoreResult<Vec<ActionUsage>> {
                    let rows = sqlx::query("SELECT action, CAST(SUM(quantity) AS BIGINT) AS quantity, CAST(-SUM(microcredits) AS BIGINT) AS spent FROM billing_ledger WHERE workspace_id = $1 AND run_id IS NOT NULL AND at >= $2 AND at < $3 GROUP BY action ORDER BY action")
                        .bind(workspace_id)
                        .bind(from)
                        .bind(to)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(ActionUsage {
                                action: row.try_get("action")?,
                                quantity: row.try_get("quantity")?,
                                microcredits: row.try_get("spent")?,
                            })
                        })
                        .collect()
                }

                async fn billing_project_spent(&self, project_id: &str, from: i64, to: i64) -> StoreResult<i64> {
                    let row = sqlx::query("SELECT CAST(COALESCE(-SUM(microcredits), 0) AS BIGINT) AS spent FROM billing_ledger WHERE project_id = $1 AND run_id IS NOT NULL AND at >= $2 AND at < $3")
                        .bind(project_id)
                        .bind(from)
                        .bind(to)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(row.try_get("spent")?)
                }

                async fn billing_subscription(&self, workspace_id: &str) -> StoreResult<Option<SubscriptionRecord>> {
                    let row = sqlx::query("SELECT workspace_id, plan_code, status, trial_ends_at, current_period_start, current_period_end, cancel_at_period_end, pending_plan_code, updated_at FROM billing_subscriptions WHERE workspace_id = $1")
                        .bind(workspace_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(subscription).transpose()
                }

                async fn billing_save_subscription(&self, s: &SubscriptionRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO billing_subscriptions (workspace_id, plan_code, status, trial_ends_at, current_period_start, current_period_end, cancel_at_period_end, pending_plan_code, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace_id) DO UPDATE SET plan_code = excluded.plan_code, status = excluded.status, trial_ends_at = excluded.trial_ends_at, current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end, cancel_at_period_end = excluded.cancel_at_period_end, pending_plan_code = excluded.pending_plan_code, updated_at = excluded.updated_at")
                        .bind(&s.workspace_id)
                        .bind(&s.plan_code)
                        .bind(&s.status)
                        .bind(s.trial_ends_at)
                        .bind(s.current_period_start)
                        .bind(s.current_period_end)
                        .bind(s.cancel_at_period_end)
                        .bind(&s.pending_plan_code)
                        .bind(s.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn billing_create_subscription(&self, s: &SubscriptionRecord) -> StoreResult<bool> {
                    let done = sqlx::query("INSERT INTO billing_subscriptions (workspace_id, plan_code, status, trial_ends_at, current_period_start, current_period_end, cancel_at_period_end, pending_plan_code, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace_id) DO NOTHING")
                        .bind(&s.workspace_id)
                        .bind(&s.plan_code)
                        .bind(&s.status)
                        .bind(s.trial_ends_at)
                        .bind(s.current_period_start)
                        .bind(s.current_period_end)
                        .bind(s.cancel_at_period_end)
                        .bind(&s.pending_plan_code)
                        .bind(s.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn record_run_rejection(&self, r: &RunRejection) -> StoreResult<()> {
                    sqlx::query("INSERT INTO run_rejections (id, workspace_id, project_id, workflow_id, code, at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&r.id)
                        .bind(&r.workspace_id)
                        .bind(&r.project_id)
                        .bind(&r.workflow_id)
                        .bind(&r.code)
                        .bind(r.at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn billing_price_overrides(&self, workspace_id: &str) -> StoreResult<Vec<(String, i64)>> {
                    let rows = sqlx::query("SELECT action, microcredits FROM billing_price_overrides WHERE workspace_id = $1 ORDER BY action")
                        .bind(workspace_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| Ok((row.try_get("action")?, row.try_get("microcredits")?)))
                        .collect()
                }

                async fn billing_set_price_override(&self, workspace_id: &str, action: &str, microcredits: Option<i64>, at: i64) -> StoreResult<()> {
                    match microcredits {
                        Some(price) => sqlx::query("INSERT INTO billing_price_overrides (workspace_id, action, microcredits, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, action) DO UPDATE SET microcredits = excluded.microcredits, updated_at = excluded.updated_at")
                            .bind(workspace_id)
                            .bind(action)
                            .bind(price)
                            .bind(at)
                            .execute(&self.pool)
                            .await?,
                        None => sqlx::query("DELETE FROM billing_price_overrides WHERE workspace_id = $1 AND action = $2")
                            .bind(workspace_id)
                            .bind(action)
                            .execute(&self.pool)
                            .await?,
                    };
                    Ok(())
                }

                async fn run_rejections(&self, workspace_id: &str) -> StoreResult<Vec<RunRejection>> {
                    let rows = sqlx::query("SELECT id, workspace_id, project_id, workflow_id, code, at FROM run_rejections WHERE workspace_id = $1 ORDER BY at, id")
                        .bind(workspace_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(RunRejection {
                                id: row.try_get("id")?,
                                workspace_id: row.try_get("workspace_id")?,
                                project_id: row.try_get("project_id")?,
                                workflow_id: row.try_get("workflow_id")?,
                                code: row.try_get("code")?,
                                at: row.try_get("at")?,
                            })
                        })
                        .collect()
                }
            }

            $crate::integrations::billing_payments::impl_billing_payment_store!($store, $row, $begin);
        };
    };
}
pub(crate) use impl_billing_store;
