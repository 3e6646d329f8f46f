//! Operator tasks on a database beside the running servers (docs/operations.md): online
//! snapshots of the embedded SQLite file for `agentruntime admin backup`, the checks
//! `admin restore` makes, and the embedded migrations (for the upgrade tests, which
//! apply them one at a time).

use std::path::Path;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use crate::error::{StoreError, StoreResult};

/// The SQLite migrations, in order (the ones [`crate::SqliteStore::open`] applies).
pub fn sqlite_migrator() -> Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

/// The PostgreSQL migrations, in order (the ones [`crate::PgStore::open`] applies).
pub fn postgres_migrator() -> Migrator {
    sqlx::migrate!("./migrations/postgres")
}

/// What a database file holds, as far as a restore needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteFileInfo {
    /// The newest migration applied (0 for a database no server has opened).
    pub schema_version: i64,
    /// Runs in the file.
    pub runs: i64,
}

/// How long the snapshot waits for a lock (a checkpoint in progress).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn require_file(db: &Path) -> StoreResult<()> {
    if db.is_file() {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "no database at {}",
            db.display()
        )))
    }
}

/// Writes a consistent copy of the SQLite database `db` to `out` (which must not exist)
/// while servers keep using it: `VACUUM INTO` reads one snapshot in a read transaction,
/// so it sees every commit made before it started and none after, and never blocks the
/// writer (WAL). The copy is compact and self-contained (no `-wal` file to carry).
pub async fn sqlite_snapshot(db: &Path, out: &Path) -> StoreResult<()> {
    require_file(db)?;
    if out.exists() {
        return Err(StoreError::Invalid(format!(
            "{} already exists; a snapshot never overwrites a file",
            out.display()
        )));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(false)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await?;
    let target = out
        .to_str()
        .ok_or_else(|| StoreError::Invalid(format!("{} is not a UTF-8 path", out.display())))?;
    let done = sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut conn)
        .await;
    conn.close().await?;
    done?;
    Ok(())
}

/// Checks a database file read-only: SQLite's `integrity_check` must pass, and it
/// reports the schema version and the number of runs.
pub async fn sqlite_check(db: &Path) -> StoreResult<SqliteFileInfo> {
    require_file(db)?;
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(false)
        .read_only(true)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await?;
    let checked = check(&mut conn).await;
    conn.close().await?;
    checked
}

/// The vault tables of a database file, read-only (to check a backup's master key
/// against it before it is put in place).
pub async fn sqlite_integrations_read_only(
    db: &Path,
) -> StoreResult<crate::integrations::SqliteIntegrationStore> {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(db)
                .create_if_missing(false)
                .read_only(true)
                .busy_timeout(BUSY_TIMEOUT),
        )
        .await?;
    Ok(crate::integrations::SqliteIntegrationStore::from_pool(pool))
}

async fn check(conn: &mut sqlx::SqliteConnection) -> StoreResult<SqliteFileInfo> {
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if integrity != "ok" {
        return Err(StoreError::Invalid(format!(
            "the database fails SQLite's integrity check: {integrity}"
        )));
    }
    let has_migrations: i64 = sqlx::query(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    if has_migrations == 0 {
        return Err(StoreError::Invalid(
            "this is not an agentruntime database (no migration table)".into(),
        ));
    }
    let schema_version: Option<i64> =
        sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let runs: i64 = sqlx::query("SELECT COUNT(*) FROM runs")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok(SqliteFileInfo {
        schema_version: schema_version.unwrap_or(0),
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_snapshot_of_a_live_store_is_complete_and_checks_out() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("live.db");
        let store = crate::SqliteStore::open(crate::SqliteConfig::file(&db))
            .await
            .expect("open");
        let out = dir.path().join("copy.db");
        sqlite_snapshot(&db, &out).await.expect("snapshot");
        let info = sqlite_check(&out).await.expect("check");
        let newest = sqlite_migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .expect("some");
        assert_eq!(
            info,
            SqliteFileInfo {
                schema_version: newest,
                runs: 0
            }
        );
        // Never over an existing file.
        let again = sqlite_snapshot(&db, &out).await.expect_err("exists");
        assert!(again.to_string().contains("already exists"), "{again}");
        crate::Store::close(&store).await;
    }

    #[tokio::test]
    async fn a_damaged_or_foreign_file_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("dir");
        let foreign = dir.path().join("foreign.db");
        let mut conn = SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true)
            .connect()
            .await
            .expect("create");
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut conn)
            .await
            .expect("table");
        conn.close().await.expect("close");
        let err = sqlite_check(&foreign).await.expect_err("foreign");
        assert!(
            err.to_string().contains("not an agentruntime database"),
            "{err}"
        );

        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, b"this is not a database at all").expect("write");
        assert!(sqlite_check(&garbage).await.is_err());
        let missing = sqlite_check(&dir.path().join("none.db"))
            .await
            .expect_err("missing");
        assert!(missing.to_string().contains("no database"), "{missing}");
    }
}
