//! Persistence of what starts runs without a person: inbound webhook subscriptions (with
//! their `Idempotency-Key` deliveries) and cron triggers (docs/contract.md §10).
//!
//! Like [`crate::tenant`], the SQL is written once in [`queries`] and stamped out for each
//! backend ([`SqliteAutomationStore`], [`PgAutomationStore`]), sharing the tenancy pool.
//!
//! Firing a trigger is coordinated through the database so any number of server nodes can
//! run the scheduler: a node first *claims* a due fire with a compare-and-set on
//! `next_fire_at` (only one node's update matches), then starts the run, then *finishes*
//! the fire, which moves `next_fire_at` on and releases the claim. A claim expires, so a
//! node that dies mid-fire is replaced by another.

mod postgres;
mod queries;
pub mod sealed_keys;
mod sqlite;
mod types;

use async_trait::async_trait;

use crate::error::StoreResult;

pub use postgres::PgAutomationStore;
pub use sealed_keys::{SealedWebhookSecret, WebhookSecretKeys};
pub use sqlite::SqliteAutomationStore;
pub use types::*;

/// Durable storage of webhook subscriptions, deliveries and cron triggers.
///
/// Lookups the API reaches by id take the workspace (or workflow) the object must belong
/// to, so another tenant's object is simply not found. The one exception,
/// [`AutomationStore::webhook_for_ingress`], serves the public ingress route, which has no
/// tenant and authenticates the request against the subscription itself.
#[async_trait]
pub trait AutomationStore: WebhookSecretKeys + Send + Sync + 'static {
    // --- webhooks
    async fn create_webhook(&self, webhook: &WebhookRecord) -> StoreResult<()>;
    /// The webhook if it belongs to `workspace_id`.
    async fn webhook(&self, workspace_id: &str, id: &str) -> StoreResult<Option<WebhookRecord>>;
    /// The webhook with this id, whatever its workspace (public ingress only).
    async fn webhook_for_ingress(&self, id: &str) -> StoreResult<Option<WebhookRecord>>;
    /// The project's webhooks, newest first.
    async fn list_webhooks(&self, project_id: &str) -> StoreResult<Vec<WebhookRecord>>;
    /// Applies the patch; false if there is no such webhook.
    async fn update_webhook(&self, id: &str, patch: &WebhookPatch, at: i64) -> StoreResult<bool>;
    /// Deletes the webhook and its deliveries; false if there is no such webhook.
    async fn delete_webhook(&self, id: &str) -> StoreResult<bool>;

    // --- webhook deliveries (Idempotency-Key)
    /// The run the delivery with this key (hashed) started, if any.
    async fn delivery_run(&self, webhook_id: &str, key_hash: &str) -> StoreResult<Option<String>>;
    /// Records that the key started `run_id`. Returns the run recorded for the key, which
    /// is an earlier one if a concurrent delivery with the same key recorded first.
    async fn record_delivery(
        &self,
        webhook_id: &str,
        key_hash: &str,
        run_id: &str,
        at: i64,
    ) -> StoreResult<String>;

    // --- replay protection of timestamped signatures
    /// Records that the timestamped signature `signature_hash` was accepted for the
    /// webhook, to be remembered until `expires_at`. True the first time; false when it
    /// was already recorded and has not expired (a replay). Atomic across nodes: of two
    /// concurrent deliveries of one signature, exactly one gets true. The webhook's entries
    /// expired at `now` are purged on the way.
    async fn first_use_of_signature(
        &self,
        webhook_id: &str,
        signature_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool>;

    // --- refused deliveries
    /// Records that a delivery to the webhook was refused for its credential's lost rights
    /// (only the latest refusal is kept).
    async fn record_webhook_refusal(
        &self,
        webhook_id: &str,
        at: i64,
        reason: &str,
    ) -> StoreResult<()>;
    /// The latest refusal recorded for the webhook: `(refused_at, reason)`.
    async fn last_webhook_refusal(&self, webhook_id: &str) -> StoreResult<Option<(i64, String)>>;

    // --- cron triggers
    async fn create_trigger(&self, trigger: &TriggerRecord) -> StoreResult<()>;
    /// The trigger if it belongs to `workflow_id`.
    async fn trigger(&self, workflow_id: &str, id: &str) -> StoreResult<Option<TriggerRecord>>;
    /// The workflow's triggers, oldest first.
    async fn list_triggers(&self, workflow_id: &str) -> StoreResult<Vec<TriggerRecord>>;
    /// Applies the patch; false if there is no such trigger.
    async fn update_trigger(&self, id: &str, patch: &TriggerPatch, at: i64) -> StoreResult<bool>;
    /// False if there is no such trigger.
    async fn delete_trigger(&self, id: &str) -> StoreResult<bool>;

    // --- firing
    /// Enabled triggers due at `now` and not claimed by a live claim, most overdue first.
    async fn due_triggers(&self, now: i64, limit: i64) -> StoreResult<Vec<TriggerRecord>>;
    /// Claims the fire due at `due_at` for `node` until `claim_until`. True for exactly
    /// one caller: the trigger must still be enabled, due at `due_at` (not moved on by
    /// another node) and unclaimed or its claim expired at `now`.
    async fn claim_fire(
        &self,
        id: &str,
        due_at: i64,
        node: &str,
        now: i64,
        claim_until: i64,
    ) -> StoreResult<bool>;
    /// Records the outcome of the fire `node` claimed at `due_at`, moves `next_fire_at`
    /// on and releases the claim. False if the claim was lost (expired and taken over, or
    /// the trigger was edited or deleted meanwhile).
    async fn finish_fire(
        &self,
        id: &str,
        due_at: i64,
        node: &str,
        outcome: &FireOutcome,
    ) -> StoreResult<bool>;
}
