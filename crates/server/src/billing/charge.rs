//! The charge of metered steps (docs/contract.md §14 "Ledger", "Enforcement"), made by
//! the metering wrapper (`crate::llm::metering`) around `llm_call` and `mcp_call`.
//!
//! Before the call, a step of a workspace whose balance is not above zero fails with
//! `INSUFFICIENT_CREDITS` (nothing is called). After a successful call each metered
//! quantity is debited under the key `(workspace, run, step, attempt, action)`, so a
//! re-run of the same attempt after a crash finds its debit and is not charged again. The
//! debit is written right after the call, not in the step's commit transaction: a node
//! dying between the two re-runs the attempt, and the key makes that re-run free.
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
            match self.store.billing_debit(&debit).await {
                Ok(DebitOutcome::Charged(_)) => {
                    crate::metrics::billing_debited(action, cost.unsigned_abs());
                }
                Ok(DebitOutcome::Duplicate) => {}
                Ok(DebitOutcome::Empty) => return Charged::OutOfCredits,
                Err(error) => {
                    // The call already happened; failing it would not undo it.
                    tracing::warn!(run_id = %key.run_id, action, %error, "debit not written");
                }
            }
        }
        Charged::Done
    }
}

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
