//! [`TenantStore`](super::TenantStore) on SQLite.
//!
//! Why its own pool rather than the engine store's writer thread: the writer thread batches
//! the engine's hot-path commands and exposes no way to run other statements, and tenancy
//! writes (sign-up, a workflow edit) are rare and small. So this store opens a small pool
//! on the same database file with the same pragmas (WAL, `synchronous`, foreign keys) and
//! a busy timeout; its write transactions start with `BEGIN IMMEDIATE`, so they queue on
//! SQLite's write lock behind the writer thread's batches instead of failing.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The SQLite implementation of [`TenantStore`](super::TenantStore).
pub struct SqliteTenantStore {
    pool: SqlitePool,
}

impl SqliteTenantStore {
    /// Opens the database file (creating it if missing) and applies the migrations, which
    /// are the same ones [`crate::SqliteStore`] applies (whichever opens first runs them).
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<SqliteTenantStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteTenantStore { pool })
    }

    /// The pool, for other server-side stores on the same file (automation).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

super::queries::impl_tenant_store!(
    SqliteTenantStore,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE"
);

super::run_reads::impl_run_reads!(SqliteTenantStore, sqlx::sqlite::SqliteRow);
super::analytics::impl_analytics_reads!(SqliteTenantStore, sqlx::sqlite::SqliteRow);
super::rollups::impl_analytics_rollups!(
    SqliteTenantStore,
    sqlx::sqlite::SqliteRow,
    "BEGIN IMMEDIATE"
);
