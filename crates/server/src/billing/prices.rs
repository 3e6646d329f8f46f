//! What an action costs a workspace (docs/billing.md "Per-workspace prices"): the price the
//! operator set for that workspace (`agentruntime admin prices set`), else `[billing.prices]`.
//!
//! The charge of every metered step needs the table, so each [`crate::billing::charge::Charger`]
//! keeps the workspaces' tables for a few seconds: a price the operator changes applies to
//! the debits of every node within [`CACHE_TTL`].

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ar_store::StoreResult;
use ar_store::integrations::IntegrationStore;

use crate::billing::settings::{BillingSettings, MAX_MICROCREDITS, PRICED_ACTIONS};

/// How long a workspace's table is reused before it is read again.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// Action → microcredits per unit; an action not named is free.
pub type PriceTable = BTreeMap<String, i64>;

/// The workspace's table: the defaults with its own prices over them.
pub async fn resolved(
    store: &dyn IntegrationStore,
    billing: &BillingSettings,
    workspace_id: &str,
) -> StoreResult<(PriceTable, Vec<String>)> {
    let mut table = billing.prices.clone();
    let mut own = Vec::new();
    for (action, price) in store.billing_price_overrides(workspace_id).await? {
        own.push(action.clone());
        table.insert(action, price);
    }
    Ok((table, own))
}

/// Whether `action` may be given a price of `microcredits` (the operator's command).
pub fn check(action: &str, microcredits: i64) -> Result<(), String> {
    if !PRICED_ACTIONS.contains(&action) {
        return Err(format!(
            "unknown action {action:?} (known: {})",
            PRICED_ACTIONS.join(", ")
        ));
    }
    if !(0..=MAX_MICROCREDITS).contains(&microcredits) {
        return Err(format!(
            "a price must be between 0 and {MAX_MICROCREDITS} microcredits"
        ));
    }
    Ok(())
}

/// The workspaces' tables, read through a short cache.
pub struct WorkspacePrices {
    store: Arc<dyn IntegrationStore>,
    billing: BillingSettings,
    cache: Mutex<HashMap<String, (Instant, Arc<PriceTable>)>>,
}

impl WorkspacePrices {
    pub fn new(store: Arc<dyn IntegrationStore>, billing: BillingSettings) -> WorkspacePrices {
        WorkspacePrices {
            store,
            billing,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The table of `workspace_id`. When the store cannot be read the defaults apply
    /// (a debit is never skipped for it).
    pub async fn of(&self, workspace_id: &str) -> Arc<PriceTable> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(workspace_id)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, table)| Arc::clone(table));
        if let Some(table) = cached {
            return table;
        }
        let table = match resolved(self.store.as_ref(), &self.billing, workspace_id).await {
            Ok((table, _)) => Arc::new(table),
            Err(error) => {
                tracing::warn!(workspace_id, %error, "workspace prices not read; the defaults apply");
                return Arc::new(self.billing.prices.clone());
            }
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a node serving many workspaces drops expired tables first.
        if cache.len() >= 10_000 {
            cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        cache.insert(
            workspace_id.to_owned(),
            (Instant::now(), Arc::clone(&table)),
        );
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_values_are_checked() {
        check("mcp.call", 0).expect("free is a price");
        check("llm.tokens_out", 8).expect("valid");
        assert!(
            check("llm.tokens", 1)
                .unwrap_err()
                .contains("unknown action")
        );
        assert!(check("mcp.call", -1).unwrap_err().contains("between 0"));
        assert!(check("mcp.call", MAX_MICROCREDITS + 1).is_err());
    }
}
