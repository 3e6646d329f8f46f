//! The project analytics behind `/v1/analytics/*` (docs/contract.md §14, docs/analytics.md):
//! what each answer reads and how it is shaped (`metrics`), the period a request asks
//! about (`period`) and what metered usage costs (`pricing`). The numbers themselves —
//! percentiles included — come from the store's `AnalyticsReads`.

pub mod metrics;
pub mod period;
pub mod pricing;
