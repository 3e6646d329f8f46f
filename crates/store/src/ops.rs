//! The store's SQL, written once for both backends.
//!
//! SQLite and PostgreSQL accept the same statements here (`$N` placeholders, `ON CONFLICT`,
//! `RETURNING`), except for row locking, which the backend passes in. sqlx's API is the same
//! for both connection types but not generic without a wall of trait bounds, so the
//! functions are stamped out per backend by [`define_ops!`]: one source, two instantiations.
//! Every function runs on a connection the caller has already put inside a transaction.

/// Stamps out the store operations for one backend.
///
/// - `$conn`: the connection type (`SqliteConnection`, `PgConnection`);
/// - `$row`: its row type;
/// - `$skip_locked`: the claim subquery's locking clause (`""` on SQLite, whose single
///   writer needs none; `FOR UPDATE OF w SKIP LOCKED` on Postgres).
macro_rules! define_ops {
    ($conn:ty, $row:ty, $skip_locked:literal) => {
        use serde_json::{json, Value};
        use sqlx::types::Json;
        use sqlx::Row;

        use $crate::error::{StoreError, StoreResult};
        use $crate::types::*;

        type Conn = $conn;
        type DbRow = $row;

        const RUN_COLUMNS: &str = "id, workflow_id, version, project_id, client_run_id, graph_hash, status, failure_code, error, input, params, resumed_from_run_id, open_steps, last_seq, drain_deadline, created_at, started_at, finished_at";

        fn json_opt(row: &DbRow, col: &str) -> StoreResult<Option<Value>> {
            Ok(row.try_get::<Option<Json<Value>>, _>(col)?.map(|j| j.0))
        }

        fn run_from_row(row: &DbRow) -> StoreResult<RunRecord> {
            let status: String = row.try_get("status")?;
            Ok(RunRecord {
                id: row.try_get("id")?,
                workflow_id: row.try_get("workflow_id")?,
                version: row.try_get("version")?,
                project_id: row.try_get("project_id")?,
                client_run_id: row.try_get("client_run_id")?,
                graph_hash: row.try_get("graph_hash")?,
                status: RunStatus::parse(&status)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown run status {status:?} in the database")))?,
                failure_code: row.try_get("failure_code")?,
                error: row.try_get("error")?,
                input: json_opt(row, "input")?.unwrap_or(Value::Null),
                params: json_opt(row, "params")?.unwrap_or(Value::Null),
                resumed_from_run_id: row.try_get("resumed_from_run_id")?,
                open_steps: row.try_get("open_steps")?,
                last_seq: row.try_get("last_seq")?,
                drain_deadline: row.try_get("drain_deadline")?,
                created_at: row.try_get("created_at")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
            })
        }

        fn step_from_row(row: &DbRow) -> StoreResult<StepRecord> {
            let status: String = row.try_get("status")?;
            Ok(StepRecord {
                step_key: row.try_get("step_key")?,
                parent_key: row.try_get("parent_key")?,
                item_index: row.try_get("item_index")?,
                status: StepStatus::parse(&status),
                attempt: row.try_get("attempt")?,
                deps_remaining: row.try_get("deps_remaining")?,
                input: json_opt(row, "input")?,
                result: json_opt(row, "result")?,
                error: row.try_get("error")?,
                failure_code: row.try_get("failure_code")?,
                skipped: row.try_get("skipped")?,
                reason: row.try_get("reason")?,
                caused_by_step_id: row.try_get("caused_by_step_id")?,
                loop_total: row.try_get("loop_total")?,
                loop_next: row.try_get("loop_next")?,
                loop_done: row.try_get("loop_done")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
                step_type: row.try_get("step_type")?,
            })
        }

        fn event_from_row(row: &DbRow) -> StoreResult<EventRecord> {
            Ok(EventRecord {
                run_id: row.try_get("run_id")?,
                seq: row.try_get("seq")?,
                kind: row.try_get("kind")?,
                step_id: row.try_get("step_id")?,
                data: json_opt(row, "data")?.unwrap_or(Value::Null),
                created_at: row.try_get("created_at")?,
            })
        }

        fn task_from_row(row: &DbRow) -> StoreResult<HumanTaskRecord> {
            Ok(HumanTaskRecord {
                run_id: row.try_get("run_id")?,
                step_id: row.try_get("step_id")?,
                task_type: row.try_get("task_type")?,
                payload: json_opt(row, "payload")?.unwrap_or(Value::Null),
                status: row.try_get("status")?,
                approved: row.try_get("approved")?,
                result: json_opt(row, "result")?,
                completed_by: row.try_get("completed_by")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                completed_at: row.try_get("completed_at")?,
            })
        }

        fn work_from_row(row: &DbRow) -> StoreResult<ClaimedWork> {
            let kind: String = row.try_get("kind")?;
            Ok(ClaimedWork {
                id: row.try_get("id")?,
                run_id: row.try_get("run_id")?,
                step_key: row.try_get("step_key")?,
                kind: WorkKind::parse(&kind)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown work kind {kind:?} in the database")))?,
                attempt: row.try_get("attempt")?,
                fencing_token: row.try_get("fencing_token")?,
                lease_expires_at: row.try_get::<Option<i64>, _>("lease_expires_at")?.unwrap_or(0),
            })
        }

        // ---------------------------------------------------------------- reads

        pub(crate) async fn get_run(conn: &mut Conn, run_id: &str) -> StoreResult<Option<RunRecord>> {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"));
            let row = sqlx::query(sql).bind(run_id).fetch_optional(&mut *conn).await?;
            row.as_ref().map(run_from_row).transpose()
        }

        pub(crate) async fn get_run_by_client_id(
            conn: &mut Conn,
            workflow_id: &str,
            client_run_id: &str,
        ) -> StoreResult<Option<RunRecord>> {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE workflow_id = $1 AND client_run_id = $2"
            ));
            let row = sqlx::query(sql).bind(workflow_id).bind(client_run_id).fetch_optional(&mut *conn).await?;
            row.as_ref().map(run_from_row).transpose()
        }

        pub(crate) async fn runs_with_status(conn: &mut Conn, statuses: &[RunStatus]) -> StoreResult<Vec<String>> {
            let mut ids = Vec::new();
            for status in statuses {
                let rows = sqlx::query("SELECT id FROM runs WHERE status = $1 ORDER BY created_at")
                    .bind(status.as_str())
                    .fetch_all(&mut *conn)
                    .await?;
                for row in rows {
                    ids.push(row.try_get("id")?);
                }
            }
            Ok(ids)
        }

        pub(crate) async fn runs_of_workflow_since(
            conn: &mut Conn,
            workflow_id: &str,
            created_since: i64,
            limit: i64,
        ) -> StoreResult<Vec<(String, i64)>> {
            let rows = sqlx::query(
                "SELECT id, created_at FROM runs WHERE workflow_id = $1 AND created_at >= $2 \
                 ORDER BY created_at, id LIMIT $3",
            )
            .bind(workflow_id)
            .bind(created_since)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("id")?, row.try_get("created_at")?)))
                .collect()
        }

        pub(crate) async fn get_graph(conn: &mut Conn, hash: &str) -> StoreResult<Option<Value>> {
            let row = sqlx::query("SELECT graph FROM graphs WHERE hash = $1").bind(hash).fetch_optional(&mut *conn).await?;
            match row {
                Some(row) => json_opt(&row, "graph"),
                None => Ok(None),
            }
        }

        pub(crate) async fn step_states(
            conn: &mut Conn,
            run_id: &str,
            parent_key: Option<&str>,
        ) -> StoreResult<Vec<StepRecord>> {
            let rows = match parent_key {
                None => {
                    sqlx::query("SELECT * FROM step_states WHERE run_id = $1 AND parent_key IS NULL")
                        .bind(run_id)
                        .fetch_all(&mut *conn)
                        .await?
                }
                Some(parent) => {
                    sqlx::query("SELECT * FROM step_states WHERE run_id = $1 AND parent_key = $2 ORDER BY item_index")
                        .bind(run_id)
                        .bind(parent)
                        .fetch_all(&mut *conn)
                        .await?
                }
            };
            rows.iter().map(step_from_row).collect()
        }

        pub(crate) async fn step_state(conn: &mut Conn, run_id: &str, step_key: &str) -> StoreResult<Option<StepRecord>> {
            let row = sqlx::query("SELECT * FROM step_states WHERE run_id = $1 AND step_key = $2")
                .bind(run_id)
                .bind(step_key)
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(step_from_row).transpose()
        }

        pub(crate) async fn events(conn: &mut Conn, run_id: &str, after_seq: i64, limit: i64) -> StoreResult<Vec<EventRecord>> {
            let rows = sqlx::query("SELECT * FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .bind(run_id)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(event_from_row).collect()
        }

        pub(crate) async fn human_task(conn: &mut Conn, run_id: &str, step_id: &str) -> StoreResult<Option<HumanTaskRecord>> {
            let row = sqlx::query("SELECT * FROM human_tasks WHERE run_id = $1 AND step_id = $2")
                .bind(run_id)
                .bind(step_id)
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(task_from_row).transpose()
        }

        pub(crate) async fn pending_tasks(conn: &mut Conn, limit: i64) -> StoreResult<Vec<HumanTaskRecord>> {
            let rows = sqlx::query("SELECT * FROM human_tasks WHERE status = 'pending' ORDER BY created_at LIMIT $1")
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(task_from_row).collect()
        }

        pub(crate) async fn next_wakeup(conn: &mut Conn) -> StoreResult<Option<i64>> {
            let row = sqlx::query(
                "SELECT MIN(CASE WHEN w.lease_owner IS NULL THEN w.available_at ELSE w.lease_expires_at END) AS next_at \
                 FROM work_queue w JOIN runs r ON r.id = w.run_id \
                 WHERE (r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain')",
            )
            .fetch_one(&mut *conn)
            .await?;
            Ok(row.try_get::<Option<i64>, _>("next_at")?)
        }

        pub(crate) async fn queue_stats(conn: &mut Conn, now: i64) -> StoreResult<QueueStats> {
            // One pass over the queue (it holds only unfinished work). `ready` mirrors the
            // claim's condition.
            let row = sqlx::query(
                "SELECT \
                   COALESCE(SUM(CASE WHEN w.available_at <= $1 AND (w.lease_owner IS NULL OR w.lease_expires_at < $1) THEN 1 ELSE 0 END), 0) AS ready, \
                   MIN(CASE WHEN w.available_at > $1 THEN NULL \
                            WHEN w.lease_owner IS NULL THEN w.available_at \
                            WHEN w.lease_expires_at < $1 THEN w.lease_expires_at END) AS oldest_ready_since, \
                   COALESCE(SUM(CASE WHEN w.lease_owner IS NOT NULL AND w.lease_expires_at >= $1 THEN 1 ELSE 0 END), 0) AS leased, \
                   COALESCE(SUM(CASE WHEN w.lease_owner IS NOT NULL AND w.lease_expires_at < $1 THEN 1 ELSE 0 END), 0) AS expired_leases, \
                   COALESCE(SUM(CASE WHEN w.available_at > $1 AND w.lease_owner IS NULL THEN 1 ELSE 0 END), 0) AS scheduled \
                 FROM work_queue w JOIN runs r ON r.id = w.run_id \
                 WHERE (r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain')",
            )
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            Ok(QueueStats {
                ready: row.try_get("ready")?,
                oldest_ready_since: row.try_get("oldest_ready_since")?,
                leased: row.try_get("leased")?,
                expired_leases: row.try_get("expired_leases")?,
                scheduled: row.try_get("scheduled")?,
            })
        }

        // ---------------------------------------------------------------- queue

        /// Leases up to `limit` claimable rows to `owner`. Recovered work goes first: rows
        /// whose lease expired (their holder died or stalled) or that were handed back
        /// (graceful stop, start-up release), then the rest, oldest first.
        pub(crate) async fn claim(
            conn: &mut Conn,
            owner: &str,
            limit: i64,
            lease_ms: i64,
            now: i64,
        ) -> StoreResult<Vec<ClaimedWork>> {
            // An expired lease means its holder died mid-step: the retake is the next attempt.
            let rows = sqlx::query(concat!(
                "UPDATE work_queue SET lease_owner = $1, lease_expires_at = $2, fencing_token = fencing_token + 1, \
                   attempt = CASE WHEN lease_owner IS NULL THEN attempt ELSE attempt + 1 END, handed_back = FALSE \
                 WHERE id IN (SELECT w.id FROM work_queue w JOIN runs r ON r.id = w.run_id \
                   WHERE w.available_at <= $3 AND (w.lease_owner IS NULL OR w.lease_expires_at < $3) \
                   AND ((r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain')) \
                   ORDER BY CASE WHEN w.handed_back OR w.lease_owner IS NOT NULL THEN 0 ELSE 1 END, w.available_at, w.id \
                   LIMIT $4 ",
                $skip_locked,
                ") RETURNING id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at"
            ))
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            let mut claimed = rows.iter().map(work_from_row).collect::<StoreResult<Vec<_>>>()?;
            claimed.sort_by_key(|w| w.id);
            Ok(claimed)
        }

        /// Like [`claim`], for recovered work only (expired leases, handed-back rows): what
        /// a committing worker takes before chaining into its own run's next step. It runs
        /// on every such commit; Postgres answers it from the two partial indexes of
        /// migration 0011 (a BitmapOr), so its cost follows the few recovered and leased
        /// rows, not the queue's length.
        async fn claim_recovered(conn: &mut Conn, take: &TakeLease, now: i64) -> StoreResult<Vec<ClaimedWork>> {
            let rows = sqlx::query(concat!(
                "UPDATE work_queue SET lease_owner = $1, lease_expires_at = $2, fencing_token = fencing_token + 1, \
                   attempt = CASE WHEN lease_owner IS NULL THEN attempt ELSE attempt + 1 END, handed_back = FALSE \
                 WHERE id IN (SELECT w.id FROM work_queue w JOIN runs r ON r.id = w.run_id \
                   WHERE ((w.handed_back AND w.lease_owner IS NULL) OR (w.lease_owner IS NOT NULL AND w.lease_expires_at < $3)) \
                   AND w.available_at <= $3 \
                   AND ((r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain')) \
                   ORDER BY w.available_at, w.id LIMIT $4 ",
                $skip_locked,
                ") RETURNING id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at"
            ))
            .bind(&take.owner)
            .bind(now + take.lease_ms)
            .bind(now)
            .bind(take.max as i64)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(work_from_row).collect()
        }

        /// Gives leased rows back to the queue at once (see `Store::hand_back`).
        pub(crate) async fn hand_back(conn: &mut Conn, owner: &str, work: &[HandBack]) -> StoreResult<u64> {
            let mut handed = 0;
            for h in work {
                let done = sqlx::query(
                    "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, fencing_token = fencing_token + 1, \
                       attempt = $4, handed_back = TRUE \
                     WHERE id = $1 AND fencing_token = $2 AND lease_owner = $3",
                )
                .bind(h.fence.work_id)
                .bind(h.fence.token)
                .bind(owner)
                .bind(h.attempt)
                .execute(&mut *conn)
                .await?;
                handed += done.rows_affected();
            }
            Ok(handed)
        }

        pub(crate) async fn extend_leases(
            conn: &mut Conn,
            fences: &[WorkFence],
            expires_at: i64,
        ) -> StoreResult<Vec<WorkFence>> {
            let mut lost = Vec::new();
            for fence in fences {
                let done = sqlx::query("UPDATE work_queue SET lease_expires_at = $1 WHERE id = $2 AND fencing_token = $3")
                    .bind(expires_at)
                    .bind(fence.work_id)
                    .bind(fence.token)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    lost.push(*fence);
                }
            }
            Ok(lost)
        }

        #[allow(dead_code)] // the Postgres store refuses this operation
        pub(crate) async fn release_all_leases(conn: &mut Conn) -> StoreResult<u64> {
            // Used by a single-node store at start: whatever was leased belonged to a dead
            // process, so it becomes claimable at once, as its next attempt.
            let done = sqlx::query(
                "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, attempt = attempt + 1, handed_back = TRUE \
                 WHERE lease_owner IS NOT NULL",
            )
            .execute(&mut *conn)
            .await?;
            Ok(done.rows_affected())
        }

        // ---------------------------------------------------------------- writes

        async fn insert_work(conn: &mut Conn, run_id: &str, work: &NewWork, now: i64) -> StoreResult<Option<i64>> {
            let row = sqlx::query(
                "INSERT INTO work_queue (run_id, step_key, kind, attempt, available_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id, step_key, kind) DO NOTHING RETURNING id",
            )
            .bind(run_id)
            .bind(&work.step_key)
            .bind(work.kind.as_str())
            .bind(work.attempt)
            .bind(work.available_at)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(match row {
                Some(row) => Some(row.try_get("id")?),
                None => None,
            })
        }

        async fn upsert_step(conn: &mut Conn, run_id: &str, s: &StepRecord) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO step_states (run_id, step_key, parent_key, item_index, status, attempt, deps_remaining, \
                   input, result, error, failure_code, skipped, reason, caused_by_step_id, loop_total, loop_next, \
                   loop_done, started_at, finished_at, step_type, project_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                   (SELECT project_id FROM runs WHERE id = $1)) \
                 ON CONFLICT (run_id, step_key) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, \
                   deps_remaining = excluded.deps_remaining, input = excluded.input, result = excluded.result, \
                   error = excluded.error, failure_code = excluded.failure_code, skipped = excluded.skipped, \
                   reason = excluded.reason, caused_by_step_id = excluded.caused_by_step_id, \
                   loop_total = COALESCE(excluded.loop_total, step_states.loop_total), \
                   loop_next = COALESCE(excluded.loop_next, step_states.loop_next), \
                   loop_done = COALESCE(excluded.loop_done, step_states.loop_done), \
                   started_at = excluded.started_at, finished_at = excluded.finished_at, \
                   step_type = COALESCE(excluded.step_type, step_states.step_type)",
            )
            .bind(run_id)
            .bind(&s.step_key)
            .bind(&s.parent_key)
            .bind(s.item_index)
            .bind(s.status().as_str())
            .bind(s.attempt)
            .bind(s.deps_remaining)
            .bind(s.input.as_ref().map(Json))
            .bind(s.result.as_ref().map(Json))
            .bind(&s.error)
            .bind(&s.failure_code)
            .bind(s.skipped)
            .bind(&s.reason)
            .bind(&s.caused_by_step_id)
            .bind(s.loop_total)
            .bind(s.loop_next)
            .bind(s.loop_done)
            .bind(s.started_at)
            .bind(s.finished_at)
            .bind(&s.step_type)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        async fn insert_task(conn: &mut Conn, t: &HumanTaskRecord) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO human_tasks (run_id, step_id, task_type, payload, status, approved, result, completed_by, \
                   created_at, expires_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (run_id, step_id) DO UPDATE SET task_type = excluded.task_type, payload = excluded.payload, \
                   status = excluded.status, approved = excluded.approved, result = excluded.result, \
                   completed_by = excluded.completed_by, created_at = excluded.created_at, \
                   expires_at = excluded.expires_at, completed_at = excluded.completed_at",
            )
            .bind(&t.run_id)
            .bind(&t.step_id)
            .bind(&t.task_type)
            .bind(Json(&t.payload))
            .bind(&t.status)
            .bind(t.approved)
            .bind(t.result.as_ref().map(Json))
            .bind(&t.completed_by)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.completed_at)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Run-row fields a write transaction tracks and writes back once at its end.
        struct RunRow {
            status: RunStatus,
            last_seq: i64,
            open_steps: i64,
        }

        async fn lock_run(conn: &mut Conn, run_id: &str, now: i64) -> StoreResult<RunRow> {
            // The UPDATE takes the run's row lock (Postgres): commits of one run serialize,
            // which keeps sequence numbers gapless and dependency counters exact.
            let row = sqlx::query("UPDATE runs SET updated_at = $2 WHERE id = $1 RETURNING status, last_seq, open_steps")
                .bind(run_id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("run {run_id}")))?;
            run_row(&row)
        }

        fn run_row(row: &DbRow) -> StoreResult<RunRow> {
            let status: String = row.try_get("status")?;
            Ok(RunRow {
                status: RunStatus::parse(&status)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown run status {status:?}")))?,
                last_seq: row.try_get("last_seq")?,
                open_steps: row.try_get("open_steps")?,
            })
        }

        async fn append_events(
            conn: &mut Conn,
            run_id: &str,
            run: &mut RunRow,
            events: Vec<NewEvent>,
            now: i64,
        ) -> StoreResult<Vec<EventRecord>> {
            let mut written = Vec::with_capacity(events.len());
            for e in events {
                run.last_seq += 1;
                sqlx::query("INSERT INTO events (run_id, seq, kind, step_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(run_id)
                    .bind(run.last_seq)
                    .bind(&e.kind)
                    .bind(&e.step_id)
                    .bind(Json(&e.data))
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                written.push(EventRecord {
                    run_id: run_id.to_string(),
                    seq: run.last_seq,
                    kind: e.kind,
                    step_id: e.step_id,
                    data: e.data,
                    created_at: now,
                });
            }
            Ok(written)
        }

        /// Leases work a commit made ready to the committer, unless recovered work is waiting:
        /// then the committer takes that instead, and its own new work goes to the queue
        /// (where the scheduler, or another node, claims it). A worker that always chained
        /// into its own run's next step would leave recovered work waiting until a run ended.
        async fn take_work(
            conn: &mut Conn,
            ids: &[i64],
            take: &TakeLease,
            now: i64,
        ) -> StoreResult<Vec<ClaimedWork>> {
            if take.max == 0 {
                return Ok(Vec::new());
            }
            let recovered = claim_recovered(conn, take, now).await?;
            if !recovered.is_empty() {
                return Ok(recovered);
            }
            let mut taken = Vec::new();
            for id in ids.iter().take(take.max) {
                let row = sqlx::query(
                    "UPDATE work_queue SET lease_owner = $1, lease_expires_at = $2, fencing_token = fencing_token + 1 \
                     WHERE id = $3 AND lease_owner IS NULL AND available_at <= $4 \
                     RETURNING id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at",
                )
                .bind(&take.owner)
                .bind(now + take.lease_ms)
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = row {
                    taken.push(work_from_row(&row)?);
                }
            }
            Ok(taken)
        }

        async fn write_run(conn: &mut Conn, run_id: &str, run: &RunRow) -> StoreResult<()> {
            sqlx::query("UPDATE runs SET status = $2, last_seq = $3, open_steps = $4 WHERE id = $1")
                .bind(run_id)
                .bind(run.status.as_str())
                .bind(run.last_seq)
                .bind(run.open_steps)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        pub(crate) async fn insert_graph(conn: &mut Conn, hash: &str, graph: &Value, now: i64) -> StoreResult<()> {
            sqlx::query("INSERT INTO graphs (hash, graph, created_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING")
                .bind(hash)
                .bind(Json(graph))
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        pub(crate) async fn create_run(conn: &mut Conn, new: NewRun) -> StoreResult<CreatedRun> {
            if let Some(client_id) = &new.client_run_id {
                if let Some(run) = get_run_by_client_id(conn, &new.workflow_id, client_id).await? {
                    return Ok(CreatedRun { run, created: false, events: Vec::new(), taken: Vec::new() });
                }
            }
            let now = now_ms();
            insert_graph(conn, &new.graph_hash, &new.graph, now).await?;
            let open_steps = new.steps.iter().filter(|s| s.parent_key.is_none() && !s.status().is_terminal()).count() as i64;
            sqlx::query(
                "INSERT INTO runs (id, workflow_id, version, project_id, client_run_id, graph_hash, status, input, params, \
                   resumed_from_run_id, open_steps, last_seq, created_at, started_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10, 0, $11, $11, $11)",
            )
            .bind(&new.id)
            .bind(&new.workflow_id)
            .bind(new.version)
            .bind(&new.project_id)
            .bind(&new.client_run_id)
            .bind(&new.graph_hash)
            .bind(Json(&new.input))
            .bind(Json(&new.params))
            .bind(&new.resumed_from_run_id)
            .bind(open_steps)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            for step in &new.steps {
                upsert_step(conn, &new.id, step).await?;
            }
            let mut work_ids = Vec::new();
            for work in &new.work {
                if let Some(id) = insert_work(conn, &new.id, work, now).await? {
                    work_ids.push(id);
                }
            }
            let mut run = RunRow { status: RunStatus::Running, last_seq: 0, open_steps };
            let mut events = append_events(conn, &new.id, &mut run, new.events, now).await?;
            if open_steps == 0 {
                // Nothing to do (every step reused or none at all): the run is complete now.
                run.status = RunStatus::Completed;
                sqlx::query("UPDATE runs SET finished_at = $2 WHERE id = $1").bind(&new.id).bind(now).execute(&mut *conn).await?;
                let done = vec![
                    NewEvent::new("state_changed", None, json!({"from": "running", "to": "completed"})),
                    NewEvent::new("run_completed", None, json!({})),
                ];
                events.extend(append_events(conn, &new.id, &mut run, done, now).await?);
            }
            let taken = match &new.take {
                Some(take) if run.status == RunStatus::Running => take_work(conn, &work_ids, take, now).await?,
                _ => Vec::new(),
            };
            write_run(conn, &new.id, &run).await?;
            let record = get_run(conn, &new.id).await?.ok_or_else(|| StoreError::NotFound(new.id.clone()))?;
            Ok(CreatedRun { run: record, created: true, events, taken })
        }

        async fn terminate(
            conn: &mut Conn,
            run_id: &str,
            run: &mut RunRow,
            t: &Termination,
            now: i64,
        ) -> StoreResult<Vec<NewEvent>> {
            let mut events = Vec::new();
            let rows = sqlx::query(
                "SELECT step_key, status FROM step_states WHERE run_id = $1 AND parent_key IS NULL \
                 AND status IN ('pending', 'running', 'waiting') ORDER BY step_key",
            )
            .bind(run_id)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                let key: String = row.try_get("step_key")?;
                let status: String = row.try_get("status")?;
                if status == "pending" {
                    sqlx::query(
                        "UPDATE step_states SET status = 'completed', skipped = TRUE, reason = $5, \
                         caused_by_step_id = $3, finished_at = $4 WHERE run_id = $1 AND step_key = $2",
                    )
                    .bind(run_id)
                    .bind(&key)
                    .bind(&t.caused_by_step_id)
                    .bind(now)
                    .bind(&t.skip_reason)
                    .execute(&mut *conn)
                    .await?;
                    events.push(NewEvent::new(
                        "step_completed",
                        Some(&key),
                        json!({"skipped": true, "reason": t.skip_reason, "caused_by_step_id": t.caused_by_step_id}),
                    ));
                } else {
                    sqlx::query(
                        "UPDATE step_states SET status = 'cancelled', reason = $3, caused_by_step_id = $4, finished_at = $5 \
                         WHERE run_id = $1 AND step_key = $2",
                    )
                    .bind(run_id)
                    .bind(&key)
                    .bind(&t.cancel_reason)
                    .bind(&t.caused_by_step_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                    events.push(NewEvent::new(
                        "step_cancelled",
                        Some(&key),
                        json!({"cancelled": true, "reason": t.cancel_reason, "caused_by_step_id": t.caused_by_step_id}),
                    ));
                }
            }
            sqlx::query(
                "UPDATE step_states SET status = 'cancelled', reason = $2, finished_at = $3 \
                 WHERE run_id = $1 AND parent_key IS NOT NULL AND status IN ('pending', 'running', 'waiting')",
            )
            .bind(run_id)
            .bind(&t.cancel_reason)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE human_tasks SET status = 'cancelled', completed_at = $2 WHERE run_id = $1 AND status = 'pending'")
                .bind(run_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM work_queue WHERE run_id = $1").bind(run_id).execute(&mut *conn).await?;
            sqlx::query("UPDATE runs SET failure_code = $2, error = $3, finished_at = $4, drain_deadline = NULL WHERE id = $1")
                .bind(run_id)
                .bind(&t.failure_code)
                .bind(&t.error)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            let from = run.status;
            run.status = t.status;
            run.open_steps = 0;
            events.push(NewEvent::new("state_changed", None, json!({"from": from.as_str(), "to": t.status.as_str()})));
            let kind = match t.status {
                RunStatus::Completed => "run_completed",
                RunStatus::Stopped => "run_stopped",
                _ => "run_failed",
            };
            events.push(NewEvent::new(
                kind,
                t.caused_by_step_id.as_deref(),
                json!({"failure_code": t.failure_code, "error": t.error}),
            ));
            Ok(events)
        }

        /// Applies one commit, holding its run's row exclusively (see [`Commit`]).
        pub(crate) async fn commit(conn: &mut Conn, c: Commit) -> StoreResult<CommitOutcome> {
            let now = now_ms();
            let run = lock_run(conn, &c.run_id, now).await?;
            let run_id = c.run_id.clone();
            let (outcome, run) = apply_commit(conn, c, run, now).await?;
            write_run(conn, &run_id, &run).await?;
            Ok(outcome)
        }

        /// The body of a commit once the run's row is locked; the caller writes `run` back.
        async fn apply_commit(conn: &mut Conn, c: Commit, mut run: RunRow, now: i64) -> StoreResult<(CommitOutcome, RunRow)> {
            let run_id = c.run_id.as_str();
            if let Some(expected) = &c.expect_status {
                if !expected.contains(&run.status) {
                    return Err(StoreError::Conflict(format!("run {run_id} is {}", run.status.as_str())));
                }
            }
            for fence in &c.check {
                // A fence names a row of this commit's run (belt and braces: ids are never reused).
                let held = sqlx::query("SELECT id FROM work_queue WHERE id = $1 AND fencing_token = $2 AND run_id = $3")
                    .bind(fence.work_id)
                    .bind(fence.token)
                    .bind(run_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if held.is_none() {
                    return Err(StoreError::StaleLease { work_id: fence.work_id });
                }
            }
            for fence in &c.finish {
                let done = sqlx::query("DELETE FROM work_queue WHERE id = $1 AND fencing_token = $2 AND run_id = $3")
                    .bind(fence.work_id)
                    .bind(fence.token)
                    .bind(run_id)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::StaleLease { work_id: fence.work_id });
                }
            }
            let mut created_work = false;
            for r in &c.requeue {
                let done = sqlx::query(
                    "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, attempt = $3, available_at = $4 \
                     WHERE id = $1 AND fencing_token = $2 AND run_id = $5",
                )
                .bind(r.fence.work_id)
                .bind(r.fence.token)
                .bind(r.attempt)
                .bind(r.available_at)
                .bind(run_id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::StaleLease { work_id: r.fence.work_id });
                }
                created_work = true;
            }
            for tw in &c.tasks {
                if tw.expect_pending {
                    let done = sqlx::query(
                        "UPDATE human_tasks SET status = $3, approved = $4, result = $5, completed_by = $6, completed_at = $7 \
                         WHERE run_id = $1 AND step_id = $2 AND status = 'pending'",
                    )
                    .bind(&tw.task.run_id)
                    .bind(&tw.task.step_id)
                    .bind(&tw.task.status)
                    .bind(tw.task.approved)
                    .bind(tw.task.result.as_ref().map(Json))
                    .bind(&tw.task.completed_by)
                    .bind(tw.task.completed_at)
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict(format!(
                            "human task {} of run {} is not pending (already completed, expired or cancelled)",
                            tw.task.step_id, tw.task.run_id
                        )));
                    }
                } else {
                    insert_task(conn, &tw.task).await?;
                }
            }
            for parent in &c.clear_items {
                sqlx::query("DELETE FROM step_states WHERE run_id = $1 AND parent_key = $2")
                    .bind(run_id)
                    .bind(parent)
                    .execute(&mut *conn)
                    .await?;
            }
            for step in &c.steps {
                if step.parent_key.is_none() {
                    let old = sqlx::query("SELECT status FROM step_states WHERE run_id = $1 AND step_key = $2")
                        .bind(run_id)
                        .bind(&step.step_key)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let was_terminal = match old {
                        Some(row) => StepStatus::parse(&row.try_get::<String, _>("status")?).is_some_and(StepStatus::is_terminal),
                        None => false,
                    };
                    let is_terminal = step.status().is_terminal();
                    if is_terminal && !was_terminal {
                        run.open_steps -= 1;
                    } else if was_terminal && !is_terminal {
                        run.open_steps += 1;
                    }
                }
                upsert_step(conn, run_id, step).await?;
            }
            for (key, kind) in &c.delete_work {
                sqlx::query("DELETE FROM work_queue WHERE run_id = $1 AND step_key = $2 AND kind = $3")
                    .bind(run_id)
                    .bind(key)
                    .bind(kind.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
            let mut new_ids = Vec::new();
            for done in &c.done {
                for dependant in &done.dependants {
                    let row = sqlx::query(
                        "UPDATE step_states SET deps_remaining = deps_remaining - 1 \
                         WHERE run_id = $1 AND step_key = $2 AND status = 'pending' AND deps_remaining > 0 \
                         RETURNING deps_remaining, attempt",
                    )
                    .bind(run_id)
                    .bind(dependant)
                    .fetch_optional(&mut *conn)
                    .await?;
                    if let Some(row) = row {
                        let remaining: i64 = row.try_get("deps_remaining")?;
                        let attempt: i64 = row.try_get("attempt")?;
                        if remaining == 0 {
                            let work = NewWork { step_key: dependant.clone(), kind: WorkKind::Step, attempt: attempt + 1, available_at: now };
                            new_ids.extend(insert_work(conn, run_id, &work, now).await?);
                        }
                    }
                }
            }
            for item in &c.items_done {
                let row = sqlx::query(
                    "SELECT loop_done, loop_next, loop_total FROM step_states \
                     WHERE run_id = $1 AND step_key = $2 AND status = 'running'",
                )
                .bind(run_id)
                .bind(&item.parent_key)
                .fetch_optional(&mut *conn)
                .await?;
                // A parent that is no longer running (failed, cancelled) takes no more items.
                let Some(row) = row else { continue };
                let done = row.try_get::<Option<i64>, _>("loop_done")?.unwrap_or(0) + 1;
                let mut next = row.try_get::<Option<i64>, _>("loop_next")?.unwrap_or(0);
                let total = row.try_get::<Option<i64>, _>("loop_total")?.unwrap_or(0);
                if next < total {
                    let work = NewWork {
                        step_key: format!("{}#{}", item.parent_key, next),
                        kind: WorkKind::Item,
                        attempt: 1,
                        available_at: now,
                    };
                    new_ids.extend(insert_work(conn, run_id, &work, now).await?);
                    next += 1;
                }
                sqlx::query("UPDATE step_states SET loop_done = $3, loop_next = $4 WHERE run_id = $1 AND step_key = $2")
                    .bind(run_id)
                    .bind(&item.parent_key)
                    .bind(done)
                    .bind(next)
                    .execute(&mut *conn)
                    .await?;
                if done >= total {
                    let work = NewWork { step_key: item.parent_key.clone(), kind: WorkKind::Finalize, attempt: 1, available_at: now };
                    new_ids.extend(insert_work(conn, run_id, &work, now).await?);
                }
            }
            for work in &c.new_work {
                new_ids.extend(insert_work(conn, run_id, work, now).await?);
            }
            let mut events = c.events;
            if let Some(update) = &c.run {
                if let Some(status) = update.status {
                    if status != run.status {
                        events.push(NewEvent::new("state_changed", None, json!({"from": run.status.as_str(), "to": status.as_str()})));
                        run.status = status;
                        created_work = true;
                    }
                }
                if let Some(code) = &update.failure_code {
                    sqlx::query("UPDATE runs SET failure_code = $2 WHERE id = $1").bind(run_id).bind(code).execute(&mut *conn).await?;
                }
                if let Some(error) = &update.error {
                    sqlx::query("UPDATE runs SET error = $2 WHERE id = $1").bind(run_id).bind(error).execute(&mut *conn).await?;
                }
                if let Some(deadline) = &update.drain_deadline {
                    sqlx::query("UPDATE runs SET drain_deadline = $2 WHERE id = $1").bind(run_id).bind(deadline).execute(&mut *conn).await?;
                }
                if let Some(finished) = &update.finished_at {
                    sqlx::query("UPDATE runs SET finished_at = $2 WHERE id = $1").bind(run_id).bind(finished).execute(&mut *conn).await?;
                }
            }
            let mut termination = c.terminate.clone();
            if termination.is_none() && !run.status.is_terminal() {
                if run.open_steps <= 0 && matches!(run.status, RunStatus::Running | RunStatus::Paused) {
                    termination = Some(Termination {
                        skip_reason: "blocked".into(),
                        status: RunStatus::Completed,
                        failure_code: None,
                        error: None,
                        cancel_reason: "run_completed".into(),
                        caused_by_step_id: None,
                    });
                } else if run.status == RunStatus::Draining {
                    let in_flight = sqlx::query(
                        "SELECT 1 AS x FROM work_queue WHERE run_id = $1 AND lease_owner IS NOT NULL AND kind <> 'drain' LIMIT 1",
                    )
                    .bind(run_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                    if in_flight.is_none() {
                        termination = Some(Termination::stopped());
                    }
                }
            }
            if let Some(t) = &termination {
                if !run.status.is_terminal() {
                    events.extend(terminate(conn, run_id, &mut run, t, now).await?);
                }
            }
            let events = append_events(conn, run_id, &mut run, events, now).await?;
            let taken = match &c.take {
                Some(take) if run.status == RunStatus::Running => take_work(conn, &new_ids, take, now).await?,
                _ => Vec::new(),
            };
            // Others need waking when claimable work appeared that this committer did not take.
            let taken_new = taken.iter().filter(|w| new_ids.contains(&w.id)).count();
            let created_work = created_work || new_ids.len() > taken_new;
            let status = run.status;
            Ok((CommitOutcome { events, created_work, taken, run_status: Some(status) }, run))
        }
    };
}

pub(crate) use define_ops;
