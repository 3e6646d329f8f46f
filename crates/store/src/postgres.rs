//! The PostgreSQL store: the scale-out backend shared by many engine processes.
//!
//! Claims lock rows with `FOR UPDATE SKIP LOCKED`, so nodes never wait on each other's
//! claims; every commit locks its run's row first, so commits of one run serialize and
//! sequence numbers stay gapless. `LISTEN/NOTIFY` carries wake-ups only: a lost
//! notification costs latency (the engine also polls), never correctness.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::sync::{Mutex, broadcast};

use crate::error::{StoreError, StoreResult};
use crate::store::{Store, Wakeup};
use crate::types::*;

mod sql {
    crate::ops::define_ops!(
        sqlx::PgConnection,
        sqlx::postgres::PgRow,
        "FOR UPDATE OF w SKIP LOCKED"
    );
}

/// NOTIFY channel: claimable work appeared.
const WORK_CHANNEL: &str = "ar_work";
/// NOTIFY channel: cancel a run's in-flight steps (payload: run id).
const CANCEL_CHANNEL: &str = "ar_cancel";

/// How to reach the database.
#[derive(Debug, Clone, PartialEq)]
pub struct PgConfig {
    pub url: String,
    /// Schema to use (created if missing) instead of the server default; lets tests and
    /// several deployments share one database.
    pub schema: Option<String>,
    pub max_connections: u32,
}

impl PgConfig {
    pub fn new(url: &str) -> PgConfig {
        PgConfig {
            url: url.to_string(),
            schema: None,
            max_connections: 10,
        }
    }
    pub fn with_schema(mut self, schema: &str) -> PgConfig {
        self.schema = Some(schema.to_string());
        self
    }
}

/// The PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pool: PgPool,
    wake_tx: broadcast::Sender<Wakeup>,
    listener_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn valid_schema_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

impl PgStore {
    /// Connects, creates the schema if asked, applies the migrations and starts listening.
    pub async fn open(config: PgConfig) -> StoreResult<PgStore> {
        let mut options = PgConnectOptions::from_str(&config.url)?;
        if let Some(schema) = &config.schema {
            if !valid_schema_name(schema) {
                return Err(StoreError::Invalid(format!(
                    "schema name {schema:?} must be lowercase letters, digits and '_' (at most 63, not starting with a digit)"
                )));
            }
            let mut admin = sqlx::PgConnection::connect_with(&options).await?;
            // The name was checked above to be a plain identifier.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut admin)
            .await?;
            admin.close().await?;
            options = options.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let (wake_tx, _) = broadcast::channel(1024);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen_all([WORK_CHANNEL, CANCEL_CHANNEL]).await?;
        let tx = wake_tx.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        let wake = if n.channel() == CANCEL_CHANNEL {
                            Wakeup::Cancel {
                                run_id: n.payload().to_string(),
                            }
                        } else {
                            Wakeup::Work
                        };
                        let _ = tx.send(wake);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "postgres listener failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(PgStore {
            pool,
            wake_tx,
            listener_task: Mutex::new(Some(task)),
        })
    }

    /// The connection pool (for tests and admin tooling).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn notify(
        conn: &mut sqlx::PgConnection,
        channel: &str,
        payload: &str,
    ) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn create_run(&self, run: NewRun) -> StoreResult<CreatedRun> {
        let client = run
            .client_run_id
            .clone()
            .map(|c| (run.workflow_id.clone(), c));
        let mut tx = self.pool.begin().await?;
        let created = match sql::create_run(&mut tx, run).await {
            Ok(c) => c,
            // Two starts with the same client run id raced: the loser returns the winner's run.
            Err(StoreError::Database(sqlx::Error::Database(e)))
                if e.is_unique_violation() && client.is_some() =>
            {
                drop(tx);
                let (workflow_id, client_id) = client.unwrap_or_default();
                let mut conn = self.pool.acquire().await?;
                let run = sql::get_run_by_client_id(&mut conn, &workflow_id, &client_id)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Conflict(format!("run with client id {client_id} vanished"))
                    })?;
                return Ok(CreatedRun {
                    run,
                    created: false,
                    events: Vec::new(),
                    taken: Vec::new(),
                });
            }
            Err(e) => return Err(e),
        };
        if created.created {
            Self::notify(&mut tx, WORK_CHANNEL, &created.run.id).await?;
        }
        tx.commit().await?;
        Ok(created)
    }

    async fn commit(&self, commit: Commit) -> StoreResult<CommitOutcome> {
        let run_id = commit.run_id.clone();
        let mut tx = self.pool.begin().await?;
        let outcome = sql::commit(&mut tx, commit).await?;
        if outcome.created_work {
            Self::notify(&mut tx, WORK_CHANNEL, &run_id).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn claim(
        &self,
        owner: &str,
        limit: usize,
        lease: Duration,
    ) -> StoreResult<Vec<ClaimedWork>> {
        let mut tx = self.pool.begin().await?;
        let claimed = sql::claim(
            &mut tx,
            owner,
            limit as i64,
            lease.as_millis() as i64,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    async fn extend_leases(
        &self,
        fences: &[WorkFence],
        lease: Duration,
    ) -> StoreResult<Vec<WorkFence>> {
        let mut tx = self.pool.begin().await?;
        let lost = sql::extend_leases(&mut tx, fences, now_ms() + lease.as_millis() as i64).await?;
        tx.commit().await?;
        Ok(lost)
    }

    async fn hand_back(&self, owner: &str, work: &[HandBack]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let handed = sql::hand_back(&mut tx, owner, work).await?;
        if handed > 0 {
            // Other nodes take the work over now rather than at their next poll.
            Self::notify(&mut tx, WORK_CHANNEL, "").await?;
        }
        tx.commit().await?;
        Ok(handed)
    }

    async fn release_all_leases(&self) -> StoreResult<u64> {
        Err(StoreError::Invalid(
            "a shared Postgres store cannot release other nodes' leases; expired leases are reclaimed by claim".into(),
        ))
    }

    async fn next_wakeup(&self) -> StoreResult<Option<i64>> {
        sql::next_wakeup(&mut *self.pool.acquire().await?).await
    }

    async fn queue_stats(&self, now: i64) -> StoreResult<QueueStats> {
        sql::queue_stats(&mut *self.pool.acquire().await?, now).await
    }

    async fn get_run(&self, run_id: &str) -> StoreResult<Option<RunRecord>> {
        sql::get_run(&mut *self.pool.acquire().await?, run_id).await
    }

    async fn run_by_client_id(
        &self,
        workflow_id: &str,
        client_run_id: &str,
    ) -> StoreResult<Option<RunRecord>> {
        sql::get_run_by_client_id(&mut *self.pool.acquire().await?, workflow_id, client_run_id)
            .await
    }

    async fn runs_with_status(&self, statuses: &[RunStatus]) -> StoreResult<Vec<String>> {
        sql::runs_with_status(&mut *self.pool.acquire().await?, statuses).await
    }

    async fn runs_of_workflow_since(
        &self,
        workflow_id: &str,
        created_since: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        sql::runs_of_workflow_since(
            &mut *self.pool.acquire().await?,
            workflow_id,
            created_since,
            limit,
        )
        .await
    }

    async fn get_graph(&self, hash: &str) -> StoreResult<Option<Value>> {
        sql::get_graph(&mut *self.pool.acquire().await?, hash).await
    }

    async fn step_states(
        &self,
        run_id: &str,
        parent: Option<&str>,
    ) -> StoreResult<Vec<StepRecord>> {
        sql::step_states(&mut *self.pool.acquire().await?, run_id, parent).await
    }

    async fn step_state(&self, run_id: &str, step_key: &str) -> StoreResult<Option<StepRecord>> {
        sql::step_state(&mut *self.pool.acquire().await?, run_id, step_key).await
    }

    async fn events(
        &self,
        run_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>> {
        sql::events(&mut *self.pool.acquire().await?, run_id, after_seq, limit).await
    }

    async fn human_task(
        &self,
        run_id: &str,
        step_id: &str,
    ) -> StoreResult<Option<HumanTaskRecord>> {
        sql::human_task(&mut *self.pool.acquire().await?, run_id, step_id).await
    }

    async fn pending_human_tasks(&self, limit: i64) -> StoreResult<Vec<HumanTaskRecord>> {
        sql::pending_tasks(&mut *self.pool.acquire().await?, limit).await
    }

    fn wakeups(&self) -> Option<broadcast::Receiver<Wakeup>> {
        Some(self.wake_tx.subscribe())
    }

    async fn broadcast_cancel(&self, run_id: &str) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        Self::notify(&mut conn, CANCEL_CHANNEL, run_id).await
    }

    async fn close(&self) {
        if let Some(task) = self.listener_task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
        self.pool.close().await;
    }
}
