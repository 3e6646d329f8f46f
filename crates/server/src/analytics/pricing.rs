//! What metered usage costs in microcredits (docs/contract.md §14: one credit is
//! 1,000,000 microcredits). Billing — plans, per-workspace action prices and the ledger —
//! does not exist yet, so the only price table is [`Unpriced`], where every action is
//! free. `credits-consumed` and the `microcredits` of `usage-timeseries` are computed
//! through this module, so when billing brings its prices (and later its ledger) they
//! change here and nowhere else (docs/analytics.md).

use ar_store::integrations::UsageTotal;

/// The price of one unit of a metered action (`workflow.step.execute`, `llm.tokens_in`,
/// `llm.tokens_out`, `mcp.call`).
pub trait PriceTable: Send + Sync {
    fn microcredits_per_unit(&self, action: &str) -> i64;
}

/// The price table of a server without billing: everything is free.
pub struct Unpriced;

impl PriceTable for Unpriced {
    fn microcredits_per_unit(&self, _action: &str) -> i64 {
        0
    }
}

/// The prices in force.
pub fn current() -> &'static dyn PriceTable {
    &Unpriced
}

/// The cost of `quantity` units of `action`; saturates rather than wrapping.
pub fn cost(prices: &dyn PriceTable, action: &str, quantity: i64) -> i64 {
    quantity.saturating_mul(prices.microcredits_per_unit(action))
}

/// The cost of a set of usage totals.
pub fn total_cost(prices: &dyn PriceTable, usage: &[UsageTotal]) -> i64 {
    usage.iter().fold(0i64, |sum, u| {
        sum.saturating_add(cost(prices, &u.kind, u.quantity))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl PriceTable for Fixed {
        fn microcredits_per_unit(&self, action: &str) -> i64 {
            match action {
                "llm.tokens_in" => 2,
                "mcp.call" => 1_000,
                _ => 0,
            }
        }
    }

    fn usage(kind: &str, quantity: i64) -> UsageTotal {
        UsageTotal {
            kind: kind.into(),
            quantity,
        }
    }

    #[test]
    fn unpriced_usage_costs_nothing() {
        let u = [usage("llm.tokens_in", 500), usage("mcp.call", 3)];
        assert_eq!(total_cost(current(), &u), 0);
    }

    #[test]
    fn a_price_table_multiplies_and_sums() {
        let u = [
            usage("llm.tokens_in", 500),
            usage("mcp.call", 3),
            usage("other", 9),
        ];
        assert_eq!(total_cost(&Fixed, &u), 4_000);
    }

    #[test]
    fn huge_quantities_saturate() {
        let u = [usage("mcp.call", i64::MAX), usage("mcp.call", 1)];
        assert_eq!(total_cost(&Fixed, &u), i64::MAX);
    }
}
