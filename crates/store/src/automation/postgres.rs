//! [`AutomationStore`](super::AutomationStore) on PostgreSQL, sharing the engine store's pool.

use sqlx::postgres::PgPool;

/// The PostgreSQL implementation of [`AutomationStore`](super::AutomationStore).
pub struct PgAutomationStore {
    pub(super) pool: PgPool,
}

impl PgAutomationStore {
    /// Uses an existing pool, typically [`crate::PgStore::pool`], whose migrations
    /// include the automation tables.
    pub fn from_pool(pool: PgPool) -> PgAutomationStore {
        PgAutomationStore { pool }
    }
}

super::queries::impl_automation_store!(PgAutomationStore, sqlx::postgres::PgRow, "BEGIN");
