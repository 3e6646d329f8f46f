//! Persistence of what workflows use to act in the world: the vault (workspace data keys
//! and secrets), and — each in its own module with its own trait — connections, the MCP
//! server registry, LLM provider keys, project agents and chat.
//!
//! Every area is a trait of its own ([`VaultStore`], …) implemented by the same two structs
//! ([`SqliteIntegrationStore`], [`PgIntegrationStore`]) on the tenancy pool; the server
//! holds one `Arc<dyn IntegrationStore>`, the union of them. Like [`crate::tenant`], each
//! area's SQL is written once (a macro per area) and stamped out for both backends.
//!
//! The store never sees a secret in clear: sealed values are opaque JSON it keeps and
//! returns. Lookups the API reaches by id take the workspace the object must belong to,
//! so another tenant's object is simply not found.

mod agents;
pub mod billing;
pub mod billing_payments;
mod chat;
mod connections;
mod llm_keys;
mod mcp;
mod usage;
mod vault;

pub use agents::*;
pub use billing::{
    ActionUsage, Balances, BillingStore, Bucket, Debit, DebitOutcome, Grant, LedgerEntry,
    LedgerFilter, RunRejection, SubscriptionRecord,
};
pub use billing_payments::{
    BillingPaymentStore, CodeRedemption, NewPayment, PaymentOutcome, PaymentRecord, RedeemOutcome,
    Redemption, SettleOutcome, Settlement,
};
pub use chat::*;
pub use connections::*;
pub use llm_keys::*;
pub use mcp::*;
pub use usage::*;
pub use vault::*;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// Everything the integrations need from the database.
pub trait IntegrationStore:
    VaultStore
    + ConnectionStore
    + McpRegistryStore
    + LlmKeyStore
    + UsageStore
    + AgentStore
    + ChatStore
    + BillingStore
    + BillingPaymentStore
    + Send
    + Sync
    + 'static
{
}

impl<T> IntegrationStore for T where
    T: VaultStore
        + ConnectionStore
        + McpRegistryStore
        + LlmKeyStore
        + UsageStore
        + AgentStore
        + ChatStore
        + BillingStore
        + BillingPaymentStore
        + Send
        + Sync
        + 'static
{
}

/// The SQLite implementation, sharing the tenancy store's pool
/// ([`crate::tenant::SqliteTenantStore::pool`]), whose migrations include these tables.
pub struct SqliteIntegrationStore {
    pool: SqlitePool,
}

impl SqliteIntegrationStore {
    pub fn from_pool(pool: SqlitePool) -> SqliteIntegrationStore {
        SqliteIntegrationStore { pool }
    }
}

/// The PostgreSQL implementation, sharing the engine store's pool ([`crate::PgStore::pool`]).
pub struct PgIntegrationStore {
    pool: PgPool,
}

impl PgIntegrationStore {
    pub fn from_pool(pool: PgPool) -> PgIntegrationStore {
        PgIntegrationStore { pool }
    }
}

vault::impl_vault_store!(SqliteIntegrationStore, sqlx::sqlite::SqliteRow);
vault::impl_vault_store!(PgIntegrationStore, sqlx::postgres::PgRow);
connections::impl_connection_store!(SqliteIntegrationStore, sqlx::sqlite::SqliteRow);
connections::impl_connection_store!(PgIntegrationStore, sqlx::postgres::PgRow);
mcp::impl_mcp_registry_store!(
    SqliteIntegrationStore,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE"
);
mcp::impl_mcp_registry_store!(PgIntegrationStore, sqlx::postgres::PgRow, "BEGIN");
llm_keys::impl_llm_key_store!(SqliteIntegrationStore, sqlx::sqlite::SqliteRow);
llm_keys::impl_llm_key_store!(PgIntegrationStore, sqlx::postgres::PgRow);
usage::impl_usage_store!(SqliteIntegrationStore, sqlx::sqlite::SqliteRow);
usage::impl_usage_store!(PgIntegrationStore, sqlx::postgres::PgRow);
agents::impl_agent_store!(SqliteIntegrationStore, sqlx::sqlite::SqliteRow);
agents::impl_agent_store!(PgIntegrationStore, sqlx::postgres::PgRow);
chat::impl_chat_store!(
    SqliteIntegrationStore,
    sqlx::sqlite::SqliteRow,
    sqlx::Sqlite,
    "BEGIN IMMEDIATE"
);
chat::impl_chat_store!(
    PgIntegrationStore,
    sqlx::postgres::PgRow,
    sqlx::Postgres,
    "BEGIN"
);
billing::impl_billing_store!(
    SqliteIntegrationStore,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE"
);
billing::impl_billing_store!(PgIntegrationStore, sqlx::postgres::PgRow, "BEGIN");
