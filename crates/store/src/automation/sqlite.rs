//! [`AutomationStore`](super::AutomationStore) on SQLite, sharing the tenancy store's pool
//! (see [`crate::tenant::SqliteTenantStore`] for why that pool exists beside the engine's
//! writer thread).

use sqlx::sqlite::SqlitePool;

/// The SQLite implementation of [`AutomationStore`](super::AutomationStore).
pub struct SqliteAutomationStore {
    pub(super) pool: SqlitePool,
}

impl SqliteAutomationStore {
    /// Uses an existing pool, typically [`crate::tenant::SqliteTenantStore::pool`], whose
    /// migrations include the automation tables.
    pub fn from_pool(pool: SqlitePool) -> SqliteAutomationStore {
        SqliteAutomationStore { pool }
    }
}

super::queries::impl_automation_store!(
    SqliteAutomationStore,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE"
);
