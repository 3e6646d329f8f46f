//! What starts runs without a person at the keyboard (docs/contract.md §10): inbound webhook
//! signatures and sealed signing secrets, cron schedules, and the scheduler that fires
//! them, and what the API shows of them (`view`). The HTTP surface is in `routes::webhooks` and `routes::triggers`; storage in
//! `ar_store::automation`.

pub mod extras;
pub mod schedule;
pub mod scheduler;
pub mod sealed_secret;
pub mod signature;
pub mod view;
