//! The project analytics behind `/v1/analytics/*` (docs/contract.md §14, docs/analytics.md):
//! what each answer reads and how it is shaped (`metrics`), the answers' types (`answers`),
//! the period a request asks about (`period`), and the refresh of the hourly rollups the
//! counts are read from (`rollups`). The numbers themselves — percentiles included, and the
//! credits spent, which are what the billing ledger debited — come from the store's
//! `AnalyticsReads`.

pub mod answers;
pub mod metrics;
pub mod period;
pub mod rollups;
