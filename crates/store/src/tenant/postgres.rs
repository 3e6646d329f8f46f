//! [`TenantStore`](super::TenantStore) on PostgreSQL, sharing the engine store's pool.

use sqlx::postgres::PgPool;

/// The PostgreSQL implementation of [`TenantStore`](super::TenantStore).
pub struct PgTenantStore {
    pool: PgPool,
}

impl PgTenantStore {
    /// Uses an existing pool, typically [`crate::PgStore::pool`], whose migrations (applied
    /// when the `PgStore` opened) include the tenancy tables.
    pub fn from_pool(pool: PgPool) -> PgTenantStore {
        PgTenantStore { pool }
    }
}

super::queries::impl_tenant_store!(PgTenantStore, sqlx::postgres::PgRow, "BEGIN");

super::run_reads::impl_run_reads!(PgTenantStore, sqlx::postgres::PgRow);
super::analytics::impl_analytics_reads!(PgTenantStore, sqlx::postgres::PgRow);
super::rollups::impl_analytics_rollups!(PgTenantStore, sqlx::postgres::PgRow, "BEGIN");
