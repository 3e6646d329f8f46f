//! Vault test support: a database the test can also read raw (SQLite file or Postgres
//! schema), and the server's log lines captured in memory.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use ar_server::Stores;
use ar_server::master_key::VaultKeys;
use ar_store::tenant::{PgTenantStore, SqliteTenantStore};
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteStore};
use sqlx::Row;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::common::*;

/// Raw access to the database under the stores.
#[derive(Clone)]
pub enum Raw {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A fresh database, its stores, and raw access to it.
pub struct Db {
    pub stores: Stores,
    pub raw: Raw,
    sqlite_path: Option<PathBuf>,
    pub dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn open(backend: Backend) -> Db {
        Db::open_with(backend, test_vault_keys().into()).await
    }

    pub async fn open_with(backend: Backend, keys: VaultKeys) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("ar.db");
                let runs = SqliteStore::open(SqliteConfig::file(&path))
                    .await
                    .expect("sqlite");
                let tenants = SqliteTenantStore::open(&path).await.expect("sqlite");
                let pool = tenants.pool().clone();
                Db {
                    stores: Stores {
                        automation: Arc::new(
                            ar_store::automation::SqliteAutomationStore::from_pool(pool.clone()),
                        ),
                        integrations: Arc::new(
                            ar_store::integrations::SqliteIntegrationStore::from_pool(pool.clone()),
                        ),
                        tenants: Arc::new(tenants),
                        runs: Arc::new(runs),
                        vault_keys: keys,
                        mcp_state: Default::default(),
                    },
                    raw: Raw::Sqlite(pool),
                    sqlite_path: Some(path),
                    dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let schema = format!("vault_{}", uuid::Uuid::now_v7().simple());
                let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                    .await
                    .expect("postgres (is it running?)");
                let pool = pg.pool().clone();
                Db {
                    stores: Stores {
                        automation: Arc::new(ar_store::automation::PgAutomationStore::from_pool(
                            pool.clone(),
                        )),
                        integrations: Arc::new(
                            ar_store::integrations::PgIntegrationStore::from_pool(pool.clone()),
                        ),
                        tenants: Arc::new(PgTenantStore::from_pool(pool.clone())),
                        runs: Arc::new(pg),
                        vault_keys: keys,
                        mcp_state: Default::default(),
                    },
                    raw: Raw::Pg(pool),
                    sqlite_path: None,
                    dir: None,
                }
            }
        }
    }

    /// A server on these stores.
    pub async fn start(&self) -> TestServer {
        start_on(self.stores.clone(), test_settings()).await
    }

    /// Rows of `sql` (every column cast to text by the query), each row's columns joined.
    pub async fn rows(&self, sql: &str) -> Vec<String> {
        let join = |cols: Vec<Option<String>>| {
            cols.into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match &self.raw {
            Raw::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_all(pool)
                .await
                .expect("raw query")
                .iter()
                .map(|r| {
                    join(
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect(),
                    )
                })
                .collect(),
            Raw::Pg(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_all(pool)
                .await
                .expect("raw query")
                .iter()
                .map(|r| {
                    join(
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    pub async fn execute(&self, sql: &str, binds: &[&str]) {
        match &self.raw {
            Raw::Sqlite(pool) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.execute(pool).await.expect("raw write");
            }
            Raw::Pg(pool) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.execute(pool).await.expect("raw write");
            }
        }
    }

    pub async fn secret_ids(&self) -> Vec<String> {
        self.rows("SELECT id FROM vault_secrets ORDER BY name")
            .await
    }

    /// Everything the vault tables hold, as text.
    pub async fn raw_dump(&self) -> String {
        let mut out = self
            .rows("SELECT id, workspace_id, name, CAST(value_sealed AS TEXT) FROM vault_secrets")
            .await;
        out.extend(
            self.rows("SELECT workspace_id, master_key_id, CAST(wrapped AS TEXT) FROM workspace_data_keys")
                .await,
        );
        out.join("\n")
    }

    /// Copies `from`'s sealed value into `to`'s row (an attacker moving ciphertexts).
    pub async fn move_sealed(&self, from_ws: &str, from: &str, to_ws: &str, to: &str) {
        let sql = match self.raw {
            Raw::Sqlite(_) => {
                "UPDATE vault_secrets SET value_sealed = (SELECT value_sealed FROM vault_secrets WHERE workspace_id = $1 AND name = $2) WHERE workspace_id = $3 AND name = $4"
            }
            Raw::Pg(_) => {
                "UPDATE vault_secrets SET value_sealed = (SELECT value_sealed FROM vault_secrets WHERE workspace_id = $1 AND name = $2) WHERE workspace_id = $3 AND name = $4"
            }
        };
        self.execute(sql, &[from_ws, from, to_ws, to]).await;
    }

    /// For SQLite: a consistent copy of the database file (`VACUUM INTO`), opened.
    pub async fn sqlite_copy(&self) -> Option<SqlitePool> {
        let (Raw::Sqlite(pool), Some(path)) = (&self.raw, &self.sqlite_path) else {
            return None;
        };
        let copy = path.with_file_name("stolen-copy.db");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "VACUUM INTO '{}'",
            copy.display()
        )))
        .execute(pool)
        .await
        .expect("copy the database");
        Some(
            SqlitePool::connect(&format!("sqlite://{}", copy.display()))
                .await
                .expect("open the copy"),
        )
    }
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of this test process (the servers' included, down to `debug`)
/// to memory, for [`captured_logs`].
pub fn init_capture() {
    let buffer = LOGS
        .get_or_init(|| Arc::new(Mutex::new(Vec::new())))
        .clone();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "debug,hyper=info,hyper_util=info,reqwest=info,h2=info",
        ))
        .with_ansi(false)
        .with_writer(move || Capture(buffer.clone()))
        .try_init();
}

/// Everything logged so far.
pub fn captured_logs() -> String {
    let buffer = LOGS.get().expect("init_capture first");
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}
