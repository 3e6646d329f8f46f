//! `ar-store`: durable storage for agentruntime.
//!
//! One [`Store`] trait, two implementations on sqlx:
//! - [`SqliteStore`]: the embedded default. WAL, `synchronous=NORMAL` unless configured
//!   FULL; one writer thread (rusqlite, same libsqlite3 as sqlx) owns the write connection and batches queued write commands into
//!   one transaction; reads use a separate pool.
//! - [`PgStore`]: the scale-out backend. Work is claimed with `FOR UPDATE SKIP LOCKED`,
//!   leases carry fencing tokens, `LISTEN/NOTIFY` is only a wake-up.
//!
//! Each backend applies its own embedded migrations when opened. Timestamps are `i64` unix
//! milliseconds everywhere ([`now_ms`]).

/// Webhook subscriptions, deliveries and cron triggers for the API server.
pub mod automation;
mod error;
/// The vault, connections, the MCP registry and LLM keys for the API server.
pub mod integrations;
/// Online SQLite snapshots, restore checks and the embedded migrations.
pub mod maintenance;
mod ops;
mod postgres;
mod sqlite;
mod store;
/// Tenancy persistence for the API server (users, workspaces, projects, tokens, workflows).
pub mod tenant;
mod types;

pub use error::{StoreError, StoreResult};
pub use postgres::{PgConfig, PgStore};
pub use sqlite::{SqliteConfig, SqliteDurability, SqliteStore};
pub use store::{Store, Wakeup};
pub use types::*;

use std::sync::Arc;

/// Opens a store from a URL: `sqlite::memory:`, `sqlite://PATH` (or a bare path ending in
/// `.db`/`.sqlite`), or `postgres://…`.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(PgConfig::new(url)).await?))
    } else if url == "sqlite::memory:" {
        Ok(Arc::new(
            SqliteStore::open(SqliteConfig::in_memory()).await?,
        ))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Arc::new(SqliteStore::open(SqliteConfig::file(path)).await?))
    }
}
