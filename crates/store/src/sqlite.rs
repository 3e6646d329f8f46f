//! The SQLite store: the embedded default.
//!
//! One writer thread owns writing (see `writer`): it folds the write commands queued at
//! the same moment into one transaction, each in its own savepoint, and answers once the
//! transaction committed. Reads use a separate sqlx pool (WAL lets them run beside the
//! writer).

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};

use crate::error::{StoreError, StoreResult};
use crate::store::{Store, Wakeup};
use crate::types::*;

mod db_error;
mod write_ops;
mod writer;

use writer::WriteCmd;

/// The shared sqlx operations, used here for reads only: writes run on the writer thread
/// (`write_ops`), so the write half of the stamped-out functions goes unused.
#[allow(dead_code)]
mod sql {
    crate::ops::define_ops!(sqlx::SqliteConnection, sqlx::sqlite::SqliteRow, "");
}

/// How hard SQLite syncs commits to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// `synchronous=NORMAL` in WAL mode: a committed transaction survives the process being
    /// killed (`kill -9`); the last commits may be lost only if the OS or machine crashes.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is fsynced; survives power loss too (≈10× slower).
    Full,
}

/// Where and how to open a SQLite store.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteConfig {
    /// `None` = in memory (gone when the store closes).
    pub path: Option<PathBuf>,
    pub durability: SqliteDurability,
    /// Connections in the read pool (file databases only).
    pub read_connections: u32,
    /// Largest size the database may grow to (`PRAGMA max_page_count`); a write that would
    /// grow it further fails as a full disk would (`database or disk is full`). `None`:
    /// bounded by the disk only.
    pub max_size_bytes: Option<u64>,
}

impl SqliteConfig {
    /// A database file (created if missing).
    pub fn file(path: impl AsRef<Path>) -> SqliteConfig {
        SqliteConfig {
            path: Some(path.as_ref().to_path_buf()),
            durability: SqliteDurability::Normal,
            read_connections: 4,
            max_size_bytes: None,
        }
    }
    /// A private in-memory database.
    pub fn in_memory() -> SqliteConfig {
        SqliteConfig {
            path: None,
            durability: SqliteDurability::Normal,
            read_connections: 1,
            max_size_bytes: None,
        }
    }
    pub fn with_durability(mut self, durability: SqliteDurability) -> SqliteConfig {
        self.durability = durability;
        self
    }
    /// Caps the database size (see [`SqliteConfig::max_size_bytes`]).
    pub fn with_max_size(mut self, bytes: u64) -> SqliteConfig {
        self.max_size_bytes = Some(bytes);
        self
    }
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: mpsc::UnboundedSender<WriteCmd>,
    read_pool: SqlitePool,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The private directory of an in-memory store's file, removed when the store drops.
    _temp_dir: Option<tempfile::TempDir>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and applies the migrations.
    pub async fn open(config: SqliteConfig) -> StoreResult<SqliteStore> {
        // An "in-memory" store is a file in a private temporary directory: the writer
        // thread and the read pool are separate connections, which a private in-memory
        // database cannot be. Nothing is promised to survive, so it is not synced.
        let (path, temp_dir, synchronous) = match &config.path {
            Some(path) => {
                let synchronous = match config.durability {
                    SqliteDurability::Normal => SqliteSynchronous::Normal,
                    SqliteDurability::Full => SqliteSynchronous::Full,
                };
                (path.clone(), None, synchronous)
            }
            None => {
                let dir = tempfile::tempdir().map_err(|e| {
                    StoreError::Invalid(format!("cannot create a temporary directory: {e}"))
                })?;
                (
                    dir.path().join("memory.db"),
                    Some(dir),
                    SqliteSynchronous::Off,
                )
            }
        };
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // Migrations run through sqlx (its migrator), on a connection of their own.
        let migrate_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let migrated = sqlx::migrate!("./migrations/sqlite")
            .run(&migrate_pool)
            .await;
        migrate_pool.close().await;
        migrated?;
        let conn = open_writer(&path, synchronous, config.max_size_bytes)?;
        let read_pool = SqlitePoolOptions::new()
            .max_connections(config.read_connections.max(1))
            .connect_with(options.read_only(true))
            .await?;
        let (writer, thread) = writer::spawn(conn).map_err(|e| {
            StoreError::Invalid(format!("cannot start the SQLite writer thread: {e}"))
        })?;
        Ok(SqliteStore {
            writer,
            read_pool,
            writer_thread: Mutex::new(Some(thread)),
            _temp_dir: temp_dir,
        })
    }

    async fn send<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<StoreResult<T>>) -> WriteCmd,
    ) -> StoreResult<T> {
        let (tx, rx) = oneshot::channel();
        self.writer.send(make(tx)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// How long a connection waits for SQLite's lock (held by another process's writer, or a
/// tenancy write on the same file) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the writer thread's connection with the store's pragmas.
fn open_writer(
    path: &Path,
    synchronous: SqliteSynchronous,
    max_size_bytes: Option<u64>,
) -> StoreResult<rusqlite::Connection> {
    let fail = |e: rusqlite::Error| {
        StoreError::Invalid(format!("cannot open {} for writing: {e}", path.display()))
    };
    let conn = rusqlite::Connection::open(path).map_err(fail)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    let synchronous = match synchronous {
        SqliteSynchronous::Off => "OFF",
        SqliteSynchronous::Normal => "NORMAL",
        SqliteSynchronous::Full => "FULL",
        SqliteSynchronous::Extra => "EXTRA",
    };
    let pragmas = format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
    );
    conn.execute_batch(&pragmas).map_err(fail)?;
    if let Some(bytes) = max_size_bytes {
        // Only the writer grows the file, so the cap is set on its connection alone.
        let page_size: i64 = conn
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .map_err(fail)?;
        let pages = (bytes / page_size.max(1) as u64).max(1);
        conn.execute_batch(&format!("PRAGMA max_page_count = {pages};"))
            .map_err(fail)?;
    }
    Ok(conn)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn create_run(&self, run: NewRun) -> StoreResult<CreatedRun> {
        self.send(|tx| WriteCmd::CreateRun(run, tx)).await
    }

    async fn commit(&self, commit: Commit) -> StoreResult<CommitOutcome> {
        self.send(|tx| WriteCmd::Commit(commit, tx)).await
    }

    async fn claim(
        &self,
        owner: &str,
        limit: usize,
        lease: Duration,
    ) -> StoreResult<Vec<ClaimedWork>> {
        let owner = owner.to_string();
        let lease_ms = lease.as_millis() as i64;
        self.send(|reply| WriteCmd::Claim {
            owner,
            limit: limit as i64,
            lease_ms,
            reply,
        })
        .await
    }

    async fn extend_leases(
        &self,
        fences: &[WorkFence],
        lease: Duration,
    ) -> StoreResult<Vec<WorkFence>> {
        let fences = fences.to_vec();
        let expires_at = now_ms() + lease.as_millis() as i64;
        self.send(|reply| WriteCmd::Extend {
            fences,
            expires_at,
            reply,
        })
        .await
    }

    async fn hand_back(&self, owner: &str, work: &[HandBack]) -> StoreResult<u64> {
        let owner = owner.to_string();
        let work = work.to_vec();
        self.send(|reply| WriteCmd::HandBack { owner, work, reply })
            .await
    }

    async fn release_all_leases(&self) -> StoreResult<u64> {
        self.send(WriteCmd::ReleaseAll).await
    }

    async fn next_wakeup(&self) -> StoreResult<Option<i64>> {
        sql::next_wakeup(&mut *self.read_pool.acquire().await?).await
    }

    async fn queue_stats(&self, now: i64) -> StoreResult<QueueStats> {
        sql::queue_stats(&mut *self.read_pool.acquire().await?, now).await
    }

    async fn get_run(&self, run_id: &str) -> StoreResult<Option<RunRecord>> {
        sql::get_run(&mut *self.read_pool.acquire().await?, run_id).await
    }

    async fn run_by_client_id(
        &self,
        workflow_id: &str,
        client_run_id: &str,
    ) -> StoreResult<Option<RunRecord>> {
        sql::get_run_by_client_id(
            &mut *self.read_pool.acquire().await?,
            workflow_id,
            client_run_id,
        )
        .await
    }

    async fn runs_with_status(&self, statuses: &[RunStatus]) -> StoreResult<Vec<String>> {
        sql::runs_with_status(&mut *self.read_pool.acquire().await?, statuses).await
    }

    async fn runs_of_workflow_since(
        &self,
        workflow_id: &str,
        created_since: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        sql::runs_of_workflow_since(
            &mut *self.read_pool.acquire().await?,
            workflow_id,
            created_since,
            limit,
        )
        .await
    }

    async fn get_graph(&self, hash: &str) -> StoreResult<Option<Value>> {
        sql::get_graph(&mut *self.read_pool.acquire().await?, hash).await
    }

    async fn step_states(
        &self,
        run_id: &str,
        parent: Option<&str>,
    ) -> StoreResult<Vec<StepRecord>> {
        sql::step_states(&mut *self.read_pool.acquire().await?, run_id, parent).await
    }

    async fn step_state(&self, run_id: &str, step_key: &str) -> StoreResult<Option<StepRecord>> {
        sql::step_state(&mut *self.read_pool.acquire().await?, run_id, step_key).await
    }

    async fn events(
        &self,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>> {
        sql::events(
            &mut *self.read_pool.acquire().await?,
            run_id,
            after_seq,
            limit,
        )
        .await
    }

    async fn human_task(
        &self,
        run_id: &str,
        step_id: &str,
    ) -> StoreResult<Option<HumanTaskRecord>> {
        sql::human_task(&mut *self.read_pool.acquire().await?, run_id, step_id).await
    }

    async fn pending_human_tasks(&self, limit: i64) -> StoreResult<Vec<HumanTaskRecord>> {
        sql::pending_tasks(&mut *self.read_pool.acquire().await?, limit).await
    }

    fn wakeups(&self) -> Option<broadcast::Receiver<Wakeup>> {
        None
    }

    async fn broadcast_cancel(&self, _run_id: &str) -> StoreResult<()> {
        Ok(())
    }

    async fn close(&self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self.writer.send(WriteCmd::Shutdown(done_tx)).is_ok() {
            // The thread finishes the commands queued before, closes its connection, answers.
            let _ = done_rx.await;
        }
        if let Some(thread) = self.writer_thread.lock().await.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        self.read_pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_run(id: &str) -> NewRun {
        NewRun {
            id: id.into(),
            workflow_id: String::new(),
            version: None,
            project_id: None,
            client_run_id: None,
            graph_hash: "h".into(),
            graph: json!({"steps": []}),
            input: json!({}),
            params: json!({}),
            resumed_from_run_id: None,
            steps: vec![StepRecord {
                step_key: "a".into(),
                status: Some(StepStatus::Pending),
                ..Default::default()
            }],
            work: vec![NewWork {
                step_key: "a".into(),
                kind: WorkKind::Step,
                attempt: 1,
                available_at: 0,
            }],
            events: vec![NewEvent::new("run_started", None, json!({}))],
            take: None,
        }
    }

    /// What a commit acknowledged is in the database file when the reply arrives: a second
    /// store opened on the file while the first was never closed (as after `kill -9`,
    /// minus the process exit) sees it.
    #[tokio::test]
    async fn an_acknowledged_commit_is_visible_to_a_store_opened_without_closing_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.db");
        let first = SqliteStore::open(SqliteConfig::file(&path))
            .await
            .expect("open");
        first.create_run(new_run("r1")).await.expect("create");
        let claimed = first
            .claim("node", 1, Duration::from_secs(30))
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);
        let done = StepRecord {
            step_key: "a".into(),
            status: Some(StepStatus::Completed),
            result: Some(json!({"n": 1})),
            ..Default::default()
        };
        first
            .commit(Commit {
                run_id: "r1".into(),
                finish: vec![claimed[0].fence()],
                steps: vec![done],
                ..Default::default()
            })
            .await
            .expect("commit");
        let second = SqliteStore::open(SqliteConfig::file(&path))
            .await
            .expect("reopen");
        let step = second
            .step_state("r1", "a")
            .await
            .expect("read")
            .expect("step");
        assert_eq!(step.status(), StepStatus::Completed);
        assert_eq!(step.result, Some(json!({"n": 1})));
        let run = second.get_run("r1").await.expect("read").expect("run");
        assert_eq!(run.status, RunStatus::Completed);
        second.close().await;
        std::mem::forget(first);
    }

    #[tokio::test]
    async fn writes_after_close_report_a_closed_store() {
        let store = SqliteStore::open(SqliteConfig::in_memory())
            .await
            .expect("open");
        store.close().await;
        let err = store.create_run(new_run("r1")).await.expect_err("closed");
        assert!(matches!(err, StoreError::Closed), "{err}");
    }

    #[tokio::test]
    async fn in_memory_stores_are_private_to_each_open() {
        let a = SqliteStore::open(SqliteConfig::in_memory())
            .await
            .expect("open a");
        let b = SqliteStore::open(SqliteConfig::in_memory())
            .await
            .expect("open b");
        a.create_run(new_run("r1")).await.expect("create");
        assert!(a.get_run("r1").await.expect("read a").is_some());
        assert!(b.get_run("r1").await.expect("read b").is_none());
        a.close().await;
        b.close().await;
    }
}
