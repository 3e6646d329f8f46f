//! The stores a benchmark runs on: a fresh SQLite file, or a fresh Postgres schema.

use std::fmt;
use std::sync::Arc;

use anyhow::Context;
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteDurability, SqliteStore, Store};

/// Where the Postgres backend connects (a fresh schema per benchmark process).
pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// SQLite file, WAL, `synchronous=NORMAL` (the store's default: survives `kill -9`).
    Sqlite,
    /// SQLite file, WAL, `synchronous=FULL` (every commit fsynced: survives power loss).
    SqliteFull,
    /// PostgreSQL at 127.0.0.1:5432, database `test`, a fresh schema.
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::SqliteFull => "sqlite-full",
            Backend::Postgres => "postgres",
        }
    }

    /// How durable a commit is on this backend, for the table's notes.
    pub fn durability(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite file, WAL, synchronous=NORMAL",
            Backend::SqliteFull => "SQLite file, WAL, synchronous=FULL",
            Backend::Postgres => {
                "Postgres 127.0.0.1:5432/test, fresh schema (durability as the server's fsync / synchronous_commit settings)"
            }
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An opened store plus what must be removed when the benchmark ends.
pub struct OpenedStore {
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The temporary directory holding the SQLite file (removed on drop).
    Dir(#[allow(dead_code)] tempfile::TempDir),
    /// The Postgres schema to drop, and the store whose pool drops it.
    Schema(String, Arc<PgStore>),
}

/// Opens a fresh, empty store on `backend`.
pub async fn open(backend: Backend) -> anyhow::Result<OpenedStore> {
    match backend {
        Backend::Sqlite | Backend::SqliteFull => {
            let dir = tempfile::tempdir().context("temporary directory for SQLite")?;
            let durability = if backend == Backend::SqliteFull {
                SqliteDurability::Full
            } else {
                SqliteDurability::Normal
            };
            let config =
                SqliteConfig::file(dir.path().join("bench.db")).with_durability(durability);
            let store = SqliteStore::open(config).await.context("opening SQLite")?;
            Ok(OpenedStore {
                store: Arc::new(store),
                cleanup: Cleanup::Dir(dir),
            })
        }
        Backend::Postgres => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default();
            let schema = format!("ar_bench_{}_{nanos}", std::process::id());
            let store = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                .await
                .with_context(|| format!("opening Postgres at {PG_URL} (database test)"))?;
            let store = Arc::new(store);
            Ok(OpenedStore {
                store: store.clone(),
                cleanup: Cleanup::Schema(schema, store),
            })
        }
    }
}

impl OpenedStore {
    /// Removes what the benchmark created (the Postgres schema; the SQLite directory goes
    /// when dropped).
    pub async fn cleanup(self) -> anyhow::Result<()> {
        if let Cleanup::Schema(schema, store) = self.cleanup {
            // The name is ours (digits and underscores), not input.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(store.pool())
            .await
            .with_context(|| format!("dropping schema {schema}"))?;
        }
        Ok(())
    }
}
