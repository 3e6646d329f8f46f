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
use crate::billing::settings::BillingSettings;

/// Charges metered steps at the settings' prices (billing on only).
pub struct Charger {
    store: Arc<dyn IntegrationStore>,
    billing: BillingSettings,
}

fn out_of_credits() -> StepFailure {
    StepFailure::permanent(
        INSUFFICIENT_CREDITS,
        "the workspace has no credits left; the run stops here (steps already completed keep their results)",
    )
}

impl Charger {
    pub fn new(store: Arc<dyn IntegrationStore>, billing: BillingSettings) -> Charger {
        Charger { store, billing }
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
        for (action, quantity) in quantities {
            let cost = quantity.saturating_mul(self.billing.price(action));
            if cost <= 0 {
                continue;
            }
            let debit = Debit {
                workspace_id: workspace_id.to_owned(),
                project_id: call.project_id.clone(),
                run_id: call.run_id.clone(),
                step_id: step_key.to_owned(),
                attempt: i64::from(call.attempt),
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
                Ok(DebitOutcome::Empty) => return Err(out_of_credits()),
                Err(error) => {
                    // The call already happened; failing the step would not undo it.
                    tracing::warn!(run_id = %call.run_id, action, %error, "debit not written");
                }
            }
        }
        Ok(())
    }
}
