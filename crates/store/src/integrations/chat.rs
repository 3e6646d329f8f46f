//! Chat threads, their messages and the turns that answer them (docs/contract.md §13).
//!
//! A message is immutable once stored and gets the thread's next `seq` (1, 2, 3, …) when
//! appended; a thread's live stream resumes after a seq. A reply is made by a *turn* (an
//! agent's, carried by a run, or the Autopilot's): the turn's id is the id its reply
//! message will have, and finishing the turn stores that reply in the same transaction,
//! so a reply is stored exactly once however many nodes try.
//!
//! Appends serialize per thread: the transaction first bumps the thread's `updated_at`
//! (a row lock on Postgres, the write lock on SQLite), then takes `MAX(seq) + 1`.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// One thread (a `dm` or `channel` room, or an `autopilot` conversation).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatThreadRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    /// `dm`, `channel` or `autopilot`.
    pub kind: String,
    pub title: String,
    /// The agents that answer the thread's messages (a JSON array of ids).
    pub agent_ids: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    /// The latest activity: creation, a message, a rename.
    pub updated_at: i64,
    pub last_message_at: Option<i64>,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessageRecord {
    pub id: String,
    pub thread_id: String,
    pub seq: i64,
    /// `user`, `agent` or `autopilot`.
    pub author_kind: String,
    pub author_id: String,
    pub text: String,
    /// What a reply did besides its text: `{actions?, error?}`.
    pub data: Value,
    /// The run that carried an agent's reply.
    pub run_id: Option<String>,
    pub created_at: i64,
}

/// A message to append; the store gives it its seq.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChatMessage {
    pub id: String,
    pub thread_id: String,
    pub author_kind: String,
    pub author_id: String,
    pub text: String,
    pub data: Value,
    pub run_id: Option<String>,
    pub created_at: i64,
}

/// A turn's state.
pub const TURN_RUNNING: &str = "running";
pub const TURN_COMPLETED: &str = "completed";
pub const TURN_FAILED: &str = "failed";

/// A reply being made (or made).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTurnRecord {
    /// The id the reply message gets.
    pub id: String,
    pub thread_id: String,
    /// The answering agent; `None` for the Autopilot.
    pub agent_id: Option<String>,
    /// The message answered.
    pub reply_to: String,
    /// The run that carries an agent's turn, once started.
    pub run_id: Option<String>,
    /// [`TURN_RUNNING`], [`TURN_COMPLETED`] or [`TURN_FAILED`].
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which threads to list: the project's channels and the user's own other threads,
/// latest activity first, after the cursor `(updated_at, id)` of the previous page.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadQuery {
    pub project_id: String,
    pub user_id: String,
    pub kind: Option<String>,
    pub limit: i64,
    pub before: Option<(i64, String)>,
}

#[async_trait]
pub trait ChatStore: Send + Sync + 'static {
    async fn create_thread(&self, thread: &ChatThreadRecord) -> StoreResult<()>;
    /// The thread if it belongs to `workspace_id` (the caller then checks project and
    /// visibility).
    async fn thread(&self, workspace_id: &str, id: &str) -> StoreResult<Option<ChatThreadRecord>>;
    async fn list_threads(&self, query: &ThreadQuery) -> StoreResult<Vec<ChatThreadRecord>>;
    /// Renames the thread; false if there is no such thread in the workspace.
    async fn rename_thread(
        &self,
        workspace_id: &str,
        id: &str,
        title: &str,
        now: i64,
    ) -> StoreResult<bool>;
    /// Deletes the thread with its messages and turns; false if there is no such thread.
    async fn delete_thread(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
    /// Appends a message with the thread's next seq. A message whose id is stored already
    /// is answered as stored (a retried append stores nothing twice); `None` when the
    /// thread does not exist (deleted meanwhile).
    async fn append_message(
        &self,
        message: &NewChatMessage,
    ) -> StoreResult<Option<ChatMessageRecord>>;
    /// The thread's messages with seq > `after_seq`, oldest first, at most `limit`.
    async fn messages(
        &self,
        thread_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<ChatMessageRecord>>;
    async fn create_turn(&self, turn: &ChatTurnRecord) -> StoreResult<()>;
    /// Records the run that carries the turn.
    async fn set_turn_run(&self, turn_id: &str, run_id: &str, now: i64) -> StoreResult<()>;
    async fn turn(&self, turn_id: &str) -> StoreResult<Option<ChatTurnRecord>>;
    /// Refreshes a running turn's `updated_at` (the Autopilot's liveness beat, so a sweep
    /// can tell a turn interrupted by a restart from a live one); false if it is not
    /// running.
    async fn touch_turn(&self, turn_id: &str, now: i64) -> StoreResult<bool>;
    /// Running turns, of one thread or (None) of all threads, oldest first.
    async fn running_turns(&self, thread_id: Option<&str>) -> StoreResult<Vec<ChatTurnRecord>>;
    /// Ends a running turn with `status` and stores its reply (whose id must be the
    /// turn's) in the same transaction. `None` when the turn was not running (another
    /// node finished it) or its thread is gone.
    async fn finish_turn(
        &self,
        turn_id: &str,
        status: &str,
        reply: &NewChatMessage,
    ) -> StoreResult<Option<ChatMessageRecord>>;
}

/// Implements [`ChatStore`] for `$store` (a struct with a `pool` field); `$begin` opens a
/// write transaction (`BEGIN IMMEDIATE` on SQLite, `BEGIN` on Postgres).
macro_rules! impl_chat_store {
    ($store:ty, $row:ty, $db:ty, $begin:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::error::StoreResult;
            use $crate::integrations::chat::{
                ChatMessageRecord, ChatStore, ChatThreadRecord, ChatTurnRecord, NewChatMessage,
                TURN_RUNNING, ThreadQuery,
            };

            const THREAD_COLUMNS: &str = "id, workspace_id, project_id, kind, title, agent_ids, created_by, created_at, updated_at, last_message_at";
            const MESSAGE_COLUMNS: &str =
                "id, thread_id, seq, author_kind, author_id, text, data, run_id, created_at";
            const TURN_COLUMNS: &str =
                "id, thread_id, agent_id, reply_to, run_id, status, created_at, updated_at";

            fn thread_from(row: &$row) -> StoreResult<ChatThreadRecord> {
                Ok(ChatThreadRecord {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    project_id: row.try_get("project_id")?,
                    kind: row.try_get("kind")?,
                    title: row.try_get("title")?,
                    agent_ids: row.try_get::<Json<Vec<String>>, _>("agent_ids")?.0,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                    last_message_at: row.try_get("last_message_at")?,
                })
            }

            fn message_from(row: &$row) -> StoreResult<ChatMessageRecord> {
                Ok(ChatMessageRecord {
                    id: row.try_get("id")?,
                    thread_id: row.try_get("thread_id")?,
                    seq: row.try_get("seq")?,
                    author_kind: row.try_get("author_kind")?,
                    author_id: row.try_get("author_id")?,
                    text: row.try_get("text")?,
                    data: row.try_get::<Json<Value>, _>("data")?.0,
                    run_id: row.try_get("run_id")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn turn_from(row: &$row) -> StoreResult<ChatTurnRecord> {
                Ok(ChatTurnRecord {
                    id: row.try_get("id")?,
                    thread_id: row.try_get("thread_id")?,
                    agent_id: row.try_get("agent_id")?,
                    reply_to: row.try_get("reply_to")?,
                    run_id: row.try_get("run_id")?,
                    status: row.try_get("status")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            /// Appends inside an open write transaction (see the module docs).
            async fn append_in(
                tx: &mut sqlx::Transaction<'static, $db>,
                m: &NewChatMessage,
            ) -> StoreResult<Option<ChatMessageRecord>> {
                let sql = format!("SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE id = $1");
                if let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(&m.id)
                    .fetch_optional(&mut **tx)
                    .await?
                {
                    return message_from(&row).map(Some);
                }
                let bumped = sqlx::query("UPDATE chat_threads SET updated_at = $1, last_message_at = $1 WHERE id = $2")
                    .bind(m.created_at)
                    .bind(&m.thread_id)
                    .execute(&mut **tx)
                    .await?;
                if bumped.rows_affected() == 0 {
                    return Ok(None);
                }
                sqlx::query("INSERT INTO chat_messages (id, thread_id, seq, author_kind, author_id, text, data, run_id, created_at) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM chat_messages WHERE thread_id = $2")
                    .bind(&m.id)
                    .bind(&m.thread_id)
                    .bind(&m.author_kind)
                    .bind(&m.author_id)
                    .bind(&m.text)
                    .bind(Json(&m.data))
                    .bind(&m.run_id)
                    .bind(m.created_at)
                    .execute(&mut **tx)
                    .await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&m.id)
                    .fetch_one(&mut **tx)
                    .await?;
                message_from(&row).map(Some)
            }

            #[async_trait]
            impl ChatStore for $store {
                async fn create_thread(&self, t: &ChatThreadRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO chat_threads (id, workspace_id, project_id, kind, title, agent_ids, created_by, created_at, updated_at, last_message_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                        .bind(&t.id)
                        .bind(&t.workspace_id)
                        .bind(&t.project_id)
                        .bind(&t.kind)
                        .bind(&t.title)
                        .bind(Json(&t.agent_ids))
                        .bind(&t.created_by)
                        .bind(t.created_at)
                        .bind(t.updated_at)
                        .bind(t.last_message_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn thread(&self, workspace_id: &str, id: &str) -> StoreResult<Option<ChatThreadRecord>> {
                    let sql = format!("SELECT {THREAD_COLUMNS} FROM chat_threads WHERE workspace_id = $1 AND id = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(workspace_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(thread_from).transpose()
                }

                async fn list_threads(&self, q: &ThreadQuery) -> StoreResult<Vec<ChatThreadRecord>> {
                    let (before_at, before_id) = q.before.clone().unwrap_or((i64::MAX, String::new()));
                    let sql = format!(
                        "SELECT {THREAD_COLUMNS} FROM chat_threads \
                         WHERE project_id = $1 AND (kind = 'channel' OR created_by = $2) \
                         AND ($3 IS NULL OR kind = $3) \
                         AND (updated_at < $4 OR (updated_at = $4 AND ($5 = '' OR id < $5))) \
                         ORDER BY updated_at DESC, id DESC LIMIT $6"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&q.project_id)
                        .bind(&q.user_id)
                        .bind(&q.kind)
                        .bind(before_at)
                        .bind(before_id)
                        .bind(q.limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(thread_from).collect()
                }

                async fn rename_thread(&self, workspace_id: &str, id: &str, title: &str, now: i64) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE chat_threads SET title = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4")
                        .bind(title)
                        .bind(now)
                        .bind(workspace_id)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_thread(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let owned = sqlx::query("SELECT id FROM chat_threads WHERE workspace_id = $1 AND id = $2")
                        .bind(workspace_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some();
                    if !owned {
                        return Ok(false);
                    }
                    for table in ["chat_messages", "chat_turns"] {
                        let sql = format!("DELETE FROM {table} WHERE thread_id = $1");
                        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await?;
                    }
                    sqlx::query("DELETE FROM chat_threads WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn append_message(&self, m: &NewChatMessage) -> StoreResult<Option<ChatMessageRecord>> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let stored = append_in(&mut tx, m).await?;
                    tx.commit().await?;
                    Ok(stored)
                }

                async fn messages(&self, thread_id: &str, after_seq: i64, limit: i64) -> StoreResult<Vec<ChatMessageRecord>> {
                    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE thread_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(thread_id)
                        .bind(after_seq)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(message_from).collect()
                }

                async fn create_turn(&self, t: &ChatTurnRecord) -> StoreResult<()> {
                    sqlx::query("INSERT INTO chat_turns (id, thread_id, agent_id, reply_to, run_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(&t.id)
                        .bind(&t.thread_id)
                        .bind(&t.agent_id)
                        .bind(&t.reply_to)
                        .bind(&t.run_id)
                        .bind(&t.status)
                        .bind(t.created_at)
                        .bind(t.updated_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn set_turn_run(&self, turn_id: &str, run_id: &str, now: i64) -> StoreResult<()> {
                    sqlx::query("UPDATE chat_turns SET run_id = $1, updated_at = $2 WHERE id = $3")
                        .bind(run_id)
                        .bind(now)
                        .bind(turn_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn touch_turn(&self, turn_id: &str, now: i64) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE chat_turns SET updated_at = $1 WHERE id = $2 AND status = $3")
                        .bind(now)
                        .bind(turn_id)
                        .bind(TURN_RUNNING)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn turn(&self, turn_id: &str) -> StoreResult<Option<ChatTurnRecord>> {
                    let sql = format!("SELECT {TURN_COLUMNS} FROM chat_turns WHERE id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(turn_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(turn_from).transpose()
                }

                async fn running_turns(&self, thread_id: Option<&str>) -> StoreResult<Vec<ChatTurnRecord>> {
                    let sql = format!("SELECT {TURN_COLUMNS} FROM chat_turns WHERE status = $1 AND ($2 IS NULL OR thread_id = $2) ORDER BY created_at, id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(TURN_RUNNING)
                        .bind(thread_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(turn_from).collect()
                }

                async fn finish_turn(&self, turn_id: &str, status: &str, reply: &NewChatMessage) -> StoreResult<Option<ChatMessageRecord>> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let ended = sqlx::query("UPDATE chat_turns SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                        .bind(status)
                        .bind(reply.created_at)
                        .bind(turn_id)
                        .bind(TURN_RUNNING)
                        .execute(&mut *tx)
                        .await?;
                    if ended.rows_affected() == 0 {
                        return Ok(None);
                    }
                    let stored = append_in(&mut tx, reply).await?;
                    tx.commit().await?;
                    Ok(stored)
                }
            }
        };
    };
}
pub(crate) use impl_chat_store;
