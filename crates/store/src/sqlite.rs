//! The SQLite store: the embedded default.
//!
//! One writer task owns writing. Write commands queue on a channel; the writer takes
//! whatever is queued (up to [`MAX_BATCH`]) and applies it in ONE transaction, each command
//! inside its own savepoint so a refused command (stale lease, conflict) does not undo the
//! others. Replies go out only after the transaction committed, so a caller never acts on
//! state that could still be lost. Reads use a separate pool (WAL lets them run beside
//! the writer).

use std::path::{Path, PathBuf};
use std::str::FromStr;
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

mod sql {
    crate::ops::define_ops!(sqlx::SqliteConnection, sqlx::sqlite::SqliteRow, "");
}

/// Most write commands folded into one transaction.
const MAX_BATCH: usize = 256;

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
}

impl SqliteConfig {
    /// A database file (created if missing).
    pub fn file(path: impl AsRef<Path>) -> SqliteConfig {
        SqliteConfig {
            path: Some(path.as_ref().to_path_buf()),
            durability: SqliteDurability::Normal,
            read_connections: 4,
        }
    }
    /// A private in-memory database.
    pub fn in_memory() -> SqliteConfig {
        SqliteConfig {
            path: None,
            durability: SqliteDurability::Normal,
            read_connections: 1,
        }
    }
    pub fn with_durability(mut self, durability: SqliteDurability) -> SqliteConfig {
        self.durability = durability;
        self
    }
}

enum WriteCmd {
    CreateRun(NewRun, oneshot::Sender<StoreResult<CreatedRun>>),
    Commit(Commit, oneshot::Sender<StoreResult<CommitOutcome>>),
    Claim {
        owner: String,
        limit: i64,
        lease_ms: i64,
        reply: oneshot::Sender<StoreResult<Vec<ClaimedWork>>>,
    },
    Extend {
        fences: Vec<WorkFence>,
        expires_at: i64,
        reply: oneshot::Sender<StoreResult<Vec<WorkFence>>>,
    },
    ReleaseAll(oneshot::Sender<StoreResult<u64>>),
}

/// A reply computed inside the batch transaction, sent once the transaction committed.
enum Reply {
    // Boxed: a created run is much larger than the other replies.
    CreateRun(
        oneshot::Sender<StoreResult<CreatedRun>>,
        Box<StoreResult<CreatedRun>>,
    ),
    Commit(
        oneshot::Sender<StoreResult<CommitOutcome>>,
        StoreResult<CommitOutcome>,
    ),
    Claim(
        oneshot::Sender<StoreResult<Vec<ClaimedWork>>>,
        StoreResult<Vec<ClaimedWork>>,
    ),
    Extend(
        oneshot::Sender<StoreResult<Vec<WorkFence>>>,
        StoreResult<Vec<WorkFence>>,
    ),
    ReleaseAll(oneshot::Sender<StoreResult<u64>>, StoreResult<u64>),
}

impl Reply {
    fn is_err(&self) -> bool {
        match self {
            Reply::CreateRun(_, r) => r.is_err(),
            Reply::Commit(_, r) => r.is_err(),
            Reply::Claim(_, r) => r.is_err(),
            Reply::Extend(_, r) => r.is_err(),
            Reply::ReleaseAll(_, r) => r.is_err(),
        }
    }
    /// Replaces a success by `error` (the batch transaction did not commit).
    fn fail(self, error: &str) -> Reply {
        let e = || StoreError::Invalid(format!("transaction failed to commit: {error}"));
        match self {
            Reply::CreateRun(tx, r) => Reply::CreateRun(tx, Box::new(r.and_then(|_| Err(e())))),
            Reply::Commit(tx, r) => Reply::Commit(tx, r.and_then(|_| Err(e()))),
            Reply::Claim(tx, r) => Reply::Claim(tx, r.and_then(|_| Err(e()))),
            Reply::Extend(tx, r) => Reply::Extend(tx, r.and_then(|_| Err(e()))),
            Reply::ReleaseAll(tx, r) => Reply::ReleaseAll(tx, r.and_then(|_| Err(e()))),
        }
    }
    fn send(self) {
        // A caller that went away no longer wants the answer; the write stands regardless.
        let _ = match self {
            Reply::CreateRun(tx, r) => tx.send(*r).map_err(|_| ()),
            Reply::Commit(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::Claim(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::Extend(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::ReleaseAll(tx, r) => tx.send(r).map_err(|_| ()),
        };
    }
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: mpsc::UnboundedSender<WriteCmd>,
    read_pool: SqlitePool,
    write_pool: SqlitePool,
    writer_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and applies the migrations.
    pub async fn open(config: SqliteConfig) -> StoreResult<SqliteStore> {
        let synchronous = match config.durability {
            SqliteDurability::Normal => SqliteSynchronous::Normal,
            SqliteDurability::Full => SqliteSynchronous::Full,
        };
        let (write_pool, read_pool) = match &config.path {
            None => {
                // One connection is the database: reads and the writer share it.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await?;
                (pool.clone(), pool)
            }
            Some(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let write_pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options.clone())
                    .await?;
                sqlx::migrate!("./migrations/sqlite")
                    .run(&write_pool)
                    .await?;
                let read_pool = SqlitePoolOptions::new()
                    .max_connections(config.read_connections.max(1))
                    .connect_with(options.read_only(true))
                    .await?;
                (write_pool, read_pool)
            }
        };
        if config.path.is_none() {
            sqlx::migrate!("./migrations/sqlite")
                .run(&write_pool)
                .await?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(writer_loop(write_pool.clone(), rx));
        Ok(SqliteStore {
            writer: tx,
            read_pool,
            write_pool,
            writer_task: Mutex::new(Some(task)),
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

async fn writer_loop(pool: SqlitePool, mut rx: mpsc::UnboundedReceiver<WriteCmd>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let replies = run_batch(&pool, batch.drain(..)).await;
        for reply in replies {
            reply.send();
        }
    }
}

async fn run_batch(pool: &SqlitePool, batch: impl Iterator<Item = WriteCmd>) -> Vec<Reply> {
    let batch: Vec<WriteCmd> = batch.collect();
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            return batch
                .into_iter()
                .map(|cmd| error_reply(cmd, &e.to_string()))
                .collect();
        }
    };
    if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
        return batch
            .into_iter()
            .map(|cmd| error_reply(cmd, &e.to_string()))
            .collect();
    }
    let mut replies = Vec::with_capacity(batch.len());
    if batch.len() == 1 {
        // A lone command needs no savepoint: if it fails, the whole transaction rolls back.
        for cmd in batch {
            let reply = apply(&mut conn, cmd).await;
            if reply.is_err() {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return vec![reply];
            }
            replies.push(reply);
        }
    } else {
        for cmd in batch {
            if let Err(e) = sqlx::query("SAVEPOINT cmd").execute(&mut *conn).await {
                replies.push(error_reply(cmd, &e.to_string()));
                continue;
            }
            let reply = apply(&mut conn, cmd).await;
            if reply.is_err() {
                // Undo just this command; the rest of the batch stands.
                let _ = sqlx::query("ROLLBACK TO SAVEPOINT cmd")
                    .execute(&mut *conn)
                    .await;
            }
            let _ = sqlx::query("RELEASE SAVEPOINT cmd")
                .execute(&mut *conn)
                .await;
            replies.push(reply);
        }
    }
    match sqlx::query("COMMIT").execute(&mut *conn).await {
        Ok(_) => replies,
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            let msg = e.to_string();
            replies.into_iter().map(|r| r.fail(&msg)).collect()
        }
    }
}

fn error_reply(cmd: WriteCmd, msg: &str) -> Reply {
    let e = || StoreError::Invalid(format!("could not start a write transaction: {msg}"));
    match cmd {
        WriteCmd::CreateRun(_, tx) => Reply::CreateRun(tx, Box::new(Err(e()))),
        WriteCmd::Commit(_, tx) => Reply::Commit(tx, Err(e())),
        WriteCmd::Claim { reply, .. } => Reply::Claim(reply, Err(e())),
        WriteCmd::Extend { reply, .. } => Reply::Extend(reply, Err(e())),
        WriteCmd::ReleaseAll(tx) => Reply::ReleaseAll(tx, Err(e())),
    }
}

async fn apply(conn: &mut sqlx::SqliteConnection, cmd: WriteCmd) -> Reply {
    match cmd {
        WriteCmd::CreateRun(run, tx) => {
            Reply::CreateRun(tx, Box::new(sql::create_run(conn, run).await))
        }
        WriteCmd::Commit(c, tx) => Reply::Commit(tx, sql::commit(conn, c).await),
        WriteCmd::Claim {
            owner,
            limit,
            lease_ms,
            reply,
        } => Reply::Claim(
            reply,
            sql::claim(conn, &owner, limit, lease_ms, now_ms()).await,
        ),
        WriteCmd::Extend {
            fences,
            expires_at,
            reply,
        } => Reply::Extend(reply, sql::extend_leases(conn, &fences, expires_at).await),
        WriteCmd::ReleaseAll(tx) => Reply::ReleaseAll(tx, sql::release_all_leases(conn).await),
    }
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

    async fn release_all_leases(&self) -> StoreResult<u64> {
        self.send(WriteCmd::ReleaseAll).await
    }

    async fn next_wakeup(&self) -> StoreResult<Option<i64>> {
        sql::next_wakeup(&mut *self.read_pool.acquire().await?).await
    }

    async fn get_run(&self, run_id: &str) -> StoreResult<Option<RunRecord>> {
        sql::get_run(&mut *self.read_pool.acquire().await?, run_id).await
    }

    async fn runs_with_status(&self, statuses: &[RunStatus]) -> StoreResult<Vec<String>> {
        sql::runs_with_status(&mut *self.read_pool.acquire().await?, statuses).await
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
        if let Some(task) = self.writer_task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
        self.read_pool.close().await;
        self.write_pool.close().await;
    }
}
