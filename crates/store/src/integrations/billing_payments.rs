//! Payments through a provider and applied codes (docs/billing.md "Top-ups with Stripe",
//! "Codes"): the record of a PAYG top-up from the request that opens it to the webhook
//! that settles it, the provider events already handled, and code redemptions.
//!
//! Crediting a paid top-up is one transaction: the event id is claimed, the payment is
//! marked paid, the `payg.topup` ledger row is written and the balance moved, or none of
//! it. A redelivered event finds its id claimed; another event for a payment already paid
//! finds it paid. Either way nothing is credited twice.

use async_trait::async_trait;

use crate::error::StoreResult;
use crate::integrations::billing::LedgerEntry;

/// The ledger action of a paid top-up.
pub const TOPUP_ACTION: &str = "payg.topup";
/// The ledger action of a code's credits.
pub const CODE_CREDITS_ACTION: &str = "code.credits";

/// A top-up to open (or find, by its idempotency key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub workspace_id: String,
    pub provider: String,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub currency: String,
    pub microcredits: i64,
    pub discount_code: Option<String>,
    pub created_by: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: String,
    pub workspace_id: String,
    pub provider: String,
    pub provider_ref: Option<String>,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub currency: String,
    pub microcredits: i64,
    pub discount_code: Option<String>,
    /// pending | succeeded | failed | canceled
    pub status: String,
    pub failure_reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub ledger_entry_id: Option<String>,
}

/// What a provider event says happened to a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Paid: what the provider received.
    Succeeded {
        amount_cents: i64,
        currency: String,
    },
    Failed {
        reason: String,
    },
    Canceled,
}

/// A provider event about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub provider: String,
    pub event_id: String,
    /// The provider's event type (`payment_intent.succeeded`, …).
    pub event_kind: String,
    /// The provider's object id.
    pub provider_ref: String,
    /// Our payment id, as the provider echoes it back (metadata): finds the payment when
    /// the node died before it recorded `provider_ref`.
    pub payment_id: Option<String>,
    pub outcome: PaymentOutcome,
    pub at: i64,
}

/// What settling did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleOutcome {
    /// This event id was handled before: nothing changed.
    DuplicateEvent,
    /// No payment of ours has this provider id: nothing changed (the event id is not
    /// claimed, so the event can be handled once the payment exists).
    UnknownPayment,
    /// Paid now: the PAYG credit written.
    Credited(Box<LedgerEntry>),
    /// The provider's amount or currency differs from the payment's: nothing credited,
    /// the payment marked failed with the reason.
    Mismatch(String),
    /// Recorded (failed, canceled, or paid before): no credit moved.
    Recorded { status: String },
}

/// A code to apply to a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub workspace_id: String,
    /// Normalized (upper case).
    pub code: String,
    /// credits | discount
    pub kind: String,
    /// Across all workspaces; `None`: unlimited.
    pub max_redemptions: Option<i64>,
    /// PAYG microcredits the code grants (kind credits).
    pub microcredits: i64,
    pub redeemed_by: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// Applied now; the grant's ledger row for a credits code.
    Applied(Option<Box<LedgerEntry>>),
    /// This workspace applied it before.
    AlreadyApplied,
    /// Every allowed redemption is taken.
    Exhausted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRedemption {
    pub code: String,
    pub kind: String,
    pub redeemed_at: i64,
}

#[async_trait]
pub trait BillingPaymentStore: Send + Sync + 'static {
    /// Opens a pending payment, or returns the workspace's payment with the same
    /// idempotency key (whatever its fields: the caller compares).
    async fn billing_open_payment(&self, new: &NewPayment) -> StoreResult<PaymentRecord>;
    /// Records the provider's id of a payment (once; an id already set stays).
    async fn billing_set_payment_ref(
        &self,
        payment_id: &str,
        provider_ref: &str,
        at: i64,
    ) -> StoreResult<()>;
    async fn billing_payment(
        &self,
        workspace_id: &str,
        payment_id: &str,
    ) -> StoreResult<Option<PaymentRecord>>;
    /// Applies a provider event: see [`SettleOutcome`].
    async fn billing_settle_payment(&self, settlement: &Settlement) -> StoreResult<SettleOutcome>;
    /// Applies a code once per workspace, within its redemption limit; a credits code's
    /// PAYG grant is written in the same transaction.
    async fn billing_redeem_code(&self, redemption: &Redemption) -> StoreResult<RedeemOutcome>;
    /// The codes the workspace applied, oldest first.
    async fn billing_redemptions(&self, workspace_id: &str) -> StoreResult<Vec<CodeRedemption>>;
    /// How many workspaces applied `code`.
    async fn billing_code_redeemed(&self, code: &str) -> StoreResult<i64>;
}

/// Implements [`BillingPaymentStore`] for `$store` (a struct with a `pool` field); `$begin`
/// opens a write transaction. Stamped out inside `impl_billing_store!`'s scope, so credits
/// move through the same ledger helpers as every other movement (`lock_balances`,
/// `movement`, `insert_entry`, `add_to_bucket`).
macro_rules! impl_billing_payment_store {
    ($store:ty, $row:ty, $begin:literal) => {
        use $crate::integrations::billing_payments::*;

        const PAYMENT_COLUMNS: &str = "id, workspace_id, provider, provider_ref, idempotency_key, amount_cents, currency, microcredits, discount_code, status, failure_reason, created_by, created_at, updated_at, ledger_entry_id";

        fn payment(row: &$row) -> StoreResult<PaymentRecord> {
            Ok(PaymentRecord {
                id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                provider: row.try_get("provider")?,
                provider_ref: row.try_get("provider_ref")?,
                idempotency_key: row.try_get("idempotency_key")?,
                amount_cents: row.try_get("amount_cents")?,
                currency: row.try_get("currency")?,
                microcredits: row.try_get("microcredits")?,
                discount_code: row.try_get("discount_code")?,
                status: row.try_get("status")?,
                failure_reason: row.try_get("failure_reason")?,
                created_by: row.try_get("created_by")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                ledger_entry_id: row.try_get("ledger_entry_id")?,
            })
        }

        /// A PAYG credit inside `tx`: the balance row is locked first, like every
        /// movement of credits.
        async fn credit_payg<'c>(
            tx: &mut sqlx::Transaction<'c, <$row as Row>::Database>,
            workspace_id: &str,
            action: &str,
            microcredits: i64,
            note: String,
            at: i64,
        ) -> StoreResult<LedgerEntry> {
            lock_balances(tx, workspace_id, at).await?;
            let row = movement(workspace_id, Bucket::Payg, action, microcredits, Some(note), at);
            let saved = insert_entry(tx, &row).await?;
            add_to_bucket(tx, workspace_id, Bucket::Payg, microcredits).await?;
            Ok(saved)
        }

        #[async_trait]
        impl BillingPaymentStore for $store {
            async fn billing_open_payment(&self, n: &NewPayment) -> StoreResult<PaymentRecord> {
                sqlx::query("INSERT INTO billing_payments (id, workspace_id, provider, provider_ref, idempotency_key, amount_cents, currency, microcredits, discount_code, status, failure_reason, created_by, created_at, updated_at, ledger_entry_id) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, 'pending', NULL, $9, $10, $10, NULL) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING")
                    .bind(new_id())
                    .bind(&n.workspace_id)
                    .bind(&n.provider)
                    .bind(&n.idempotency_key)
                    .bind(n.amount_cents)
                    .bind(&n.currency)
                    .bind(n.microcredits)
                    .bind(&n.discount_code)
                    .bind(&n.created_by)
                    .bind(n.at)
                    .execute(&self.pool)
                    .await?;
                let sql = format!("SELECT {PAYMENT_COLUMNS} FROM billing_payments WHERE workspace_id = $1 AND idempotency_key = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&n.workspace_id)
                    .bind(&n.idempotency_key)
                    .fetch_one(&self.pool)
                    .await?;
                payment(&row)
            }

            async fn billing_set_payment_ref(&self, payment_id: &str, provider_ref: &str, at: i64) -> StoreResult<()> {
                sqlx::query("UPDATE billing_payments SET provider_ref = $2, updated_at = $3 WHERE id = $1 AND provider_ref IS NULL")
                    .bind(payment_id)
                    .bind(provider_ref)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn billing_payment(&self, workspace_id: &str, payment_id: &str) -> StoreResult<Option<PaymentRecord>> {
                let sql = format!("SELECT {PAYMENT_COLUMNS} FROM billing_payments WHERE workspace_id = $1 AND id = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(workspace_id)
                    .bind(payment_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(payment).transpose()
            }

            async fn billing_settle_payment(&self, s: &Settlement) -> StoreResult<SettleOutcome> {
                let mut tx = self.pool.begin_with($begin).await?;
                let claimed = sqlx::query("INSERT INTO billing_provider_events (provider, event_id, kind, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (provider, event_id) DO NOTHING")
                    .bind(&s.provider)
                    .bind(&s.event_id)
                    .bind(&s.event_kind)
                    .bind(s.at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !claimed {
                    tx.rollback().await?;
                    return Ok(SettleOutcome::DuplicateEvent);
                }
                // By the provider's id; else by our id echoed back, for a payment
                // whose provider id was never recorded (only if it has none).
                let by_ref = format!("SELECT {PAYMENT_COLUMNS} FROM billing_payments WHERE provider = $1 AND provider_ref = $2");
                let mut found = sqlx::query(sqlx::AssertSqlSafe(by_ref))
                    .bind(&s.provider)
                    .bind(&s.provider_ref)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() && let Some(id) = &s.payment_id {
                    let by_id = format!("SELECT {PAYMENT_COLUMNS} FROM billing_payments WHERE provider = $1 AND id = $2 AND provider_ref IS NULL");
                    found = sqlx::query(sqlx::AssertSqlSafe(by_id))
                        .bind(&s.provider)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                }
                let Some(row) = found else {
                    tx.rollback().await?;
                    return Ok(SettleOutcome::UnknownPayment);
                };
                let p = payment(&row)?;
                // Each change is a conditional update of the payment's status: on
                // Postgres two events of one payment handled at once serialize on the
                // row and the second finds the status already changed; SQLite's
                // write lock serializes the whole transaction.
                let changed = |status: &'static str, reason: Option<String>, allowed_from: &'static str| {
                    let sql = format!("UPDATE billing_payments SET status = $2, failure_reason = $3, provider_ref = COALESCE(provider_ref, $4), updated_at = $5 WHERE id = $1 AND status IN ({allowed_from})");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(p.id.clone())
                        .bind(status)
                        .bind(reason)
                        .bind(s.provider_ref.clone())
                        .bind(s.at)
                };
                let outcome = match &s.outcome {
                    PaymentOutcome::Succeeded { amount_cents, currency }
                        if *amount_cents != p.amount_cents || !currency.eq_ignore_ascii_case(&p.currency) =>
                    {
                        let why = format!(
                            "the provider received {amount_cents} {currency}, the top-up was {} {}",
                            p.amount_cents, p.currency
                        );
                        changed("failed", Some(why.clone()), "'pending', 'failed'").execute(&mut *tx).await?;
                        SettleOutcome::Mismatch(why)
                    }
                    PaymentOutcome::Succeeded { .. } => {
                        let won = changed("succeeded", None, "'pending', 'failed', 'canceled'")
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                            == 1;
                        if won {
                            let note = format!("{} {}", p.provider, s.provider_ref);
                            let entry = credit_payg(&mut tx, &p.workspace_id, TOPUP_ACTION, p.microcredits, note, s.at).await?;
                            sqlx::query("UPDATE billing_payments SET ledger_entry_id = $2 WHERE id = $1")
                                .bind(&p.id)
                                .bind(&entry.id)
                                .execute(&mut *tx)
                                .await?;
                            SettleOutcome::Credited(Box::new(entry))
                        } else {
                            SettleOutcome::Recorded { status: "succeeded".into() }
                        }
                    }
                    PaymentOutcome::Failed { reason } => {
                        let applied = changed("failed", Some(reason.clone()), "'pending', 'failed'").execute(&mut *tx).await?.rows_affected() == 1;
                        let status = if applied { "failed".to_owned() } else { p.status.clone() };
                        SettleOutcome::Recorded { status }
                    }
                    PaymentOutcome::Canceled => {
                        let applied = changed("canceled", None, "'pending', 'failed'").execute(&mut *tx).await?.rows_affected() == 1;
                        let status = if applied { "canceled".to_owned() } else { p.status.clone() };
                        SettleOutcome::Recorded { status }
                    }
                };
                tx.commit().await?;
                Ok(outcome)
            }

            async fn billing_redeem_code(&self, r: &Redemption) -> StoreResult<RedeemOutcome> {
                let mut tx = self.pool.begin_with($begin).await?;
                let first = sqlx::query("INSERT INTO billing_code_redemptions (workspace_id, code, kind, redeemed_by, redeemed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, code) DO NOTHING")
                    .bind(&r.workspace_id)
                    .bind(&r.code)
                    .bind(&r.kind)
                    .bind(&r.redeemed_by)
                    .bind(r.at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !first {
                    tx.rollback().await?;
                    return Ok(RedeemOutcome::AlreadyApplied);
                }
                sqlx::query("INSERT INTO billing_code_counters (code, redeemed) VALUES ($1, 0) ON CONFLICT (code) DO NOTHING")
                    .bind(&r.code)
                    .execute(&mut *tx)
                    .await?;
                let counted = sqlx::query("UPDATE billing_code_counters SET redeemed = redeemed + 1 WHERE code = $1 AND ($2 IS NULL OR redeemed < $2)")
                    .bind(&r.code)
                    .bind(r.max_redemptions)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !counted {
                    tx.rollback().await?;
                    return Ok(RedeemOutcome::Exhausted);
                }
                let entry = if r.microcredits > 0 {
                    let note = format!("code {}", r.code);
                    Some(credit_payg(&mut tx, &r.workspace_id, CODE_CREDITS_ACTION, r.microcredits, note, r.at).await?)
                } else {
                    None
                };
                tx.commit().await?;
                Ok(RedeemOutcome::Applied(entry.map(Box::new)))
            }

            async fn billing_redemptions(&self, workspace_id: &str) -> StoreResult<Vec<CodeRedemption>> {
                let rows = sqlx::query("SELECT code, kind, redeemed_at FROM billing_code_redemptions WHERE workspace_id = $1 ORDER BY redeemed_at, code")
                    .bind(workspace_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row: &$row| {
                        Ok(CodeRedemption {
                            code: row.try_get("code")?,
                            kind: row.try_get("kind")?,
                            redeemed_at: row.try_get("redeemed_at")?,
                        })
                    })
                    .collect()
            }

            async fn billing_code_redeemed(&self, code: &str) -> StoreResult<i64> {
                let row = sqlx::query("SELECT redeemed FROM billing_code_counters WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(row) => row.try_get("redeemed")?,
                    None => 0,
                })
            }
        }
    };
}
pub(crate) use impl_billing_payment_store;
