//! The charge of metered steps (docs/contract.md §14 "Ledger", "Enforcement"), made by
//! the metering wrapper (`crate::llm::metering`) around `llm_call` and `mcp_call`.
//!
//! Before the call, a step of a workspace whose balance is not above zero fails with
//! `INSUFFICIENT_CREDITS` (nothing is called). After a successful call each metered
//! quantity is debited under the key `(workspace, run, step, attempt, action)`, so a
//! re-run of the same attempt finds its debit and is not charged again. The debit is
//! written right after the call, not in the step's commit transaction: a node dying
//! between the two leaves a debit whose attempt never commits, and the engine re-runs
//! the step as the next attempt; the store counts that attempt's debit as a duplicate
//! (docs/billing.md "The ledger and exactly-once").
//! A debit that finds the balance emptied meanwhile (by the steps running beside it)
//! fails the step with `INSUFFICIENT_CREDITS`; the overdraw this allows is in
//! docs/billing.md "Overdraw".

use std::sync::Arc;

use ar_engine::{StepCall, StepFailure};
use ar_store::integrations::{Debit, DebitOutcome, IntegrationStore};
use ar_store::now_ms;

use crate::billing::enforce::INSUFFICIENT_CREDITS;
use crate::billing::prices::WorkspacePrices;
use crate::billing::settings::BillingSettings;

/// Charges metered steps at the settings' prices (billing on only).
pub struct Charger {
    store: Arc<dyn IntegrationStore>,
    /// Each workspace's prices (its own, else `[billing.prices]`).
    prices: WorkspacePrices,
}

fn out_of_credits() -> StepFailure {
    StepFailure::permanent(
        INSUFFICIENT_CREDITS,
        "the workspace has no credits left; the run stops here (steps already completed keep their results)",
    )
}

impl Charger {
    pub fn new(store: Arc<dyn IntegrationStore>, billing: BillingSettings) -> Charger {
        Charger {
            prices: WorkspacePrices::new(store.clone(), billing),
            store,
        }
    }

    /// Before the call: fails when the workspace has nothing left to spend.
    pub async fn check(&self, workspace_id: &str, call: &StepCall) -> Result<(), StepFailure> {
        match self.store.billing_balances(workspace_id).await {
            Ok(b) if b.total() > 0 => Ok(()),
            Ok(_) => Err(out_of_credits()),
            Err(error) => {
                // The charge after the call still applies; a read failure alone does not
                // stop the step.
                tracing::warn!(run_id = %call.run_id, %error, "credit check not made");
                Ok(())
            }
        }
    }

    /// After a successful call: one debit per priced quantity.
    pub async fn charge(
        &self,
        workspace_id: &str,
        call: &StepCall,
        step_key: &str,
        quantities: &[(&'static str, i64)],
    ) -> Result<(), StepFailure> {
        let key = ChargeKey {
            workspace_id,
            project_id: call.project_id.as_deref(),
            run_id: &call.run_id,
            step_key,
            attempt: i64::from(call.attempt),
        };
        match self.debit(&key, quantities).await {
            Charged::Done => Ok(()),
            Charged::OutOfCredits => Err(out_of_credits()),
        }
    }

    /// One debit per priced quantity under `key` (a step's, or an Autopilot call's).
    pub async fn debit(&self, key: &ChargeKey<'_>, quantities: &[(&'static str, i64)]) -> Charged {
        let prices = self.prices.of(key.workspace_id).await;
        for (action, quantity) in quantities {
            let price = prices.get(*action).copied().unwrap_or(0);
            let cost = quantity.saturating_mul(price);
            if cost <= 0 {
                continue;
            }
            let debit = Debit {
                workspace_id: key.workspace_id.to_owned(),
                project_id: key.project_id.map(str::to_owned),
                run_id: key.run_id.to_owned(),
                step_id: key.step_key.to_owned(),
                attempt: key.attempt,
                action: (*action).to_owned(),
                quantity: *quantity,
                microcredits: cost,
                at: now_ms(),
            };
            match self.write(&debit).await {
                Ok(DebitOutcome::Charged(_)) => {
                    crate::metrics::billing_debited(action, cost.unsigned_abs());
                }
                Ok(DebitOutcome::Duplicate) => {}
                Ok(DebitOutcome::Empty) => return Charged::OutOfCredits,
                Err(error) => {
                    // The call already happened; failing it would not undo it. Counted,
                    // so an operator can alert on unpaid calls.
                    crate::metrics::billing_debit_failed(action);
                    tracing::error!(run_id = %key.run_id, action, %error, "debit not written after retries: the call went unpaid");
                }
            }
        }
        Charged::Done
    }
}

impl Charger {
    /// Writes one debit, retrying a failing store a few times: the debit's key makes a
    /// retry of a write that did commit a no-op, so retrying never charges twice.
    async fn write(&self, debit: &Debit) -> ar_store::StoreResult<DebitOutcome> {
        with_retries(|| self.store.billing_debit(debit), |error| {
            tracing::warn!(run_id = %debit.run_id, action = %debit.action, %error, "debit failed; retrying");
        })
        .await
    }
}

/// Runs `op` until it succeeds, at most `DEBIT_RETRY_BACKOFF_MS.len() + 1` times.
async fn with_retries<T, F, Fut>(
    mut op: F,
    on_error: impl Fn(&ar_store::StoreError),
) -> ar_store::StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ar_store::StoreResult<T>>,
{
    for backoff_ms in DEBIT_RETRY_BACKOFF_MS {
        match op().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                on_error(&error);
                tokio::time::sleep(std::time::Duration::from_millis(backoff_ms)).await;
            }
        }
    }
    op().await
}

/// Waits between the attempts of a failing debit write (then one last attempt).
const DEBIT_RETRY_BACKOFF_MS: [u64; 3] = [50, 250, 1000];

/// What a debit is keyed by, besides its action: `(workspace, run, step, attempt)`. An
/// Autopilot call uses its turn id as the run and `autopilot#<call>` as the step.
pub struct ChargeKey<'a> {
    pub workspace_id: &'a str,
    pub project_id: Option<&'a str>,
    pub run_id: &'a str,
    pub step_key: &'a str,
    pub attempt: i64,
}

/// Whether the debits found credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charged {
    Done,
    /// The balance was empty before one of them: what follows must stop.
    OutOfCredits,
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn failure() -> ar_store::StoreError {
        ar_store::StoreError::Conflict("the database is restarting".into())
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_debit_write_is_retried_then_given_up() {
        let calls = AtomicUsize::new(0);
        let flaky = with_retries(
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move { if n < 2 { Err(failure()) } else { Ok(n) } }
            },
            |_| {},
        )
        .await;
        assert_eq!(flaky.ok(), Some(2), "succeeds on the third attempt");
        let calls = AtomicUsize::new(0);
        let down: ar_store::StoreResult<()> = with_retries(
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(failure()) }
            },
            |_| {},
        )
        .await;
        assert!(down.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            DEBIT_RETRY_BACKOFF_MS.len() + 1
        );
    }
}
