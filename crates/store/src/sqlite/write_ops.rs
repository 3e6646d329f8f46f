//! The write commands of the SQLite store, on the writer thread's own `rusqlite`
//! connection.
//!
//! Same statements and the same semantics as the shared sqlx operations (`crate::ops`),
//! which the Postgres store and the SQLite read pool use; here every statement runs
//! in-process from the prepared-statement cache instead of a round trip to sqlx's worker
//! thread, which is what a commit's latency was made of. Every function runs inside the
//! transaction (and savepoint) the writer opened.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use crate::error::{StoreError, StoreResult};
use crate::types::*;

use super::db_error::SqliteError;

/// Converts a `rusqlite` error into the store's database error.
fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Database(Box::new(SqliteError(e))))
}

trait OrDb<T> {
    fn or_db(self) -> StoreResult<T>;
}

impl<T> OrDb<T> for rusqlite::Result<T> {
    fn or_db(self) -> StoreResult<T> {
        self.map_err(db)
    }
}

/// JSON as stored: compact text (what sqlx's `Json` writes, so both read paths agree).
fn json_text(v: &Value) -> String {
    v.to_string()
}

fn json_col(row: &Row<'_>, col: &str) -> StoreResult<Option<Value>> {
    match row.get::<_, Option<String>>(col).or_db()? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Invalid(format!("column {col} holds invalid JSON: {e}"))),
    }
}

fn parse_run_status(status: &str) -> StoreResult<RunStatus> {
    RunStatus::parse(status).ok_or_else(|| {
        StoreError::Invalid(format!("unknown run status {status:?} in the database"))
    })
}

const RUN_COLUMNS: &str = "id, workflow_id, version, project_id, client_run_id, graph_hash, status, failure_code, error, input, params, resumed_from_run_id, open_steps, last_seq, drain_deadline, created_at, started_at, finished_at";

fn run_from_row(row: &Row<'_>) -> StoreResult<RunRecord> {
    let status: String = row.get("status").or_db()?;
    Ok(RunRecord {
        id: row.get("id").or_db()?,
        workflow_id: row.get("workflow_id").or_db()?,
        version: row.get("version").or_db()?,
        project_id: row.get("project_id").or_db()?,
        client_run_id: row.get("client_run_id").or_db()?,
        graph_hash: row.get("graph_hash").or_db()?,
        status: parse_run_status(&status)?,
        failure_code: row.get("failure_code").or_db()?,
        error: row.get("error").or_db()?,
        input: json_col(row, "input")?.unwrap_or(Value::Null),
        params: json_col(row, "params")?.unwrap_or(Value::Null),
        resumed_from_run_id: row.get("resumed_from_run_id").or_db()?,
        open_steps: row.get("open_steps").or_db()?,
        last_seq: row.get("last_seq").or_db()?,
        drain_deadline: row.get("drain_deadline").or_db()?,
        created_at: row.get("created_at").or_db()?,
        started_at: row.get("started_at").or_db()?,
        finished_at: row.get("finished_at").or_db()?,
    })
}

const WORK_COLUMNS: &str = "id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at";

fn work_from_row(row: &Row<'_>) -> StoreResult<ClaimedWork> {
    let kind: String = row.get("kind").or_db()?;
    Ok(ClaimedWork {
        id: row.get("id").or_db()?,
        run_id: row.get("run_id").or_db()?,
        step_key: row.get("step_key").or_db()?,
        kind: WorkKind::parse(&kind).ok_or_else(|| {
            StoreError::Invalid(format!("unknown work kind {kind:?} in the database"))
        })?,
        attempt: row.get("attempt").or_db()?,
        fencing_token: row.get("fencing_token").or_db()?,
        lease_expires_at: row
            .get::<_, Option<i64>>("lease_expires_at")
            .or_db()?
            .unwrap_or(0),
    })
}

// ---------------------------------------------------------------- queue

/// Leases up to `limit` claimable rows (see `Store::claim`): recovered work first (expired
/// leases, handed-back rows), then the rest, oldest first.
pub(super) fn claim(
    conn: &Connection,
    owner: &str,
    limit: i64,
    lease_ms: i64,
    now: i64,
) -> StoreResult<Vec<ClaimedWork>> {
    // An expired lease means its holder died mid-step: the retake is the next attempt.
    let mut stmt = conn
        .prepare_cached(
            "UPDATE work_queue SET lease_owner = ?1, lease_expires_at = ?2, fencing_token = fencing_token + 1, \
               attempt = CASE WHEN lease_owner IS NULL THEN attempt ELSE attempt + 1 END, handed_back = FALSE \
             WHERE id IN (SELECT w.id FROM work_queue w JOIN runs r ON r.id = w.run_id \
               WHERE w.available_at <= ?3 AND (w.lease_owner IS NULL OR w.lease_expires_at < ?3) \
               AND ((r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain')) \
               ORDER BY CASE WHEN w.handed_back OR w.lease_owner IS NOT NULL THEN 0 ELSE 1 END, w.available_at, w.id \
               LIMIT ?4) \
             RETURNING id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at",
        )
        .or_db()?;
    let rows = stmt
        .query(params![owner, now + lease_ms, now, limit])
        .or_db()?;
    let mut claimed = collect_work(rows)?;
    claimed.sort_by_key(|w| w.id);
    Ok(claimed)
}

/// Like [`claim`], for recovered work only: what a committing worker takes before chaining
/// into its own run's next step (see `take_work`). It runs on every such commit, so the
/// candidates come from the two partial indexes of migration 0011, so its cost follows the
/// few recovered and leased rows, not the queue's length. (Written as a union: with an
/// `OR`, SQLite's planner walked the queue rows of every running run instead.)
fn claim_recovered(conn: &Connection, take: &TakeLease, now: i64) -> StoreResult<Vec<ClaimedWork>> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE work_queue SET lease_owner = ?1, lease_expires_at = ?2, fencing_token = fencing_token + 1, \
               attempt = CASE WHEN lease_owner IS NULL THEN attempt ELSE attempt + 1 END, handed_back = FALSE \
             WHERE id IN (SELECT w.id FROM ( \
                 SELECT id, run_id, kind, available_at FROM work_queue \
                   WHERE handed_back AND lease_owner IS NULL AND available_at <= ?3 \
                 UNION ALL \
                 SELECT id, run_id, kind, available_at FROM work_queue \
                   WHERE lease_owner IS NOT NULL AND lease_expires_at < ?3 \
               ) w JOIN runs r ON r.id = w.run_id \
               WHERE (r.status = 'running' AND w.kind <> 'drain') OR (r.status = 'draining' AND w.kind = 'drain') \
               ORDER BY w.available_at, w.id LIMIT ?4) \
             RETURNING id, run_id, step_key, kind, attempt, fencing_token, lease_expires_at",
        )
        .or_db()?;
    let rows = stmt
        .query(params![
            take.owner,
            now + take.lease_ms,
            now,
            take.max as i64
        ])
        .or_db()?;
    collect_work(rows)
}

fn collect_work(mut rows: rusqlite::Rows<'_>) -> StoreResult<Vec<ClaimedWork>> {
    let mut work = Vec::new();
    while let Some(row) = rows.next().or_db()? {
        work.push(work_from_row(row)?);
    }
    Ok(work)
}

/// Gives leased rows back to the queue at once (see `Store::hand_back`).
pub(super) fn hand_back(conn: &Connection, owner: &str, work: &[HandBack]) -> StoreResult<u64> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, fencing_token = fencing_token + 1, \
               attempt = ?4, handed_back = TRUE \
             WHERE id = ?1 AND fencing_token = ?2 AND lease_owner = ?3",
        )
        .or_db()?;
    let mut handed = 0;
    for h in work {
        handed += stmt
            .execute(params![h.fence.work_id, h.fence.token, owner, h.attempt])
            .or_db()? as u64;
    }
    Ok(handed)
}

/// Pushes lease expiries; returns the fences that were lost.
pub(super) fn extend_leases(
    conn: &Connection,
    fences: &[WorkFence],
    expires_at: i64,
) -> StoreResult<Vec<WorkFence>> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE work_queue SET lease_expires_at = ?1 WHERE id = ?2 AND fencing_token = ?3",
        )
        .or_db()?;
    let mut lost = Vec::new();
    for fence in fences {
        if stmt
            .execute(params![expires_at, fence.work_id, fence.token])
            .or_db()?
            == 0
        {
            lost.push(*fence);
        }
    }
    Ok(lost)
}

/// Makes every leased row claimable again as its next attempt (start-up of the one process
/// that owns the file: whatever was leased belonged to a dead process).
pub(super) fn release_all_leases(conn: &Connection) -> StoreResult<u64> {
    let n = conn
        .prepare_cached(
            "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, attempt = attempt + 1, \
               handed_back = TRUE \
             WHERE lease_owner IS NOT NULL",
        )
        .or_db()?
        .execute([])
        .or_db()?;
    Ok(n as u64)
}

// ---------------------------------------------------------------- writes

fn insert_work(
    conn: &Connection,
    run_id: &str,
    work: &NewWork,
    now: i64,
) -> StoreResult<Option<i64>> {
    conn.prepare_cached(
        "INSERT INTO work_queue (run_id, step_key, kind, attempt, available_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id, step_key, kind) DO NOTHING RETURNING id",
    )
    .or_db()?
    .query_row(
        params![run_id, work.step_key, work.kind.as_str(), work.attempt, work.available_at, now],
        |row| row.get(0),
    )
    .optional()
    .or_db()
}

fn upsert_step(conn: &Connection, run_id: &str, s: &StepRecord) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO step_states (run_id, step_key, parent_key, item_index, status, attempt, deps_remaining, \
           input, result, error, failure_code, skipped, reason, caused_by_step_id, loop_total, loop_next, \
           loop_done, started_at, finished_at, step_type, project_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
                   (SELECT project_id FROM runs WHERE id = ?1)) \
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
    .or_db()?
    .execute(params![
        run_id,
        s.step_key,
        s.parent_key,
        s.item_index,
        s.status().as_str(),
        s.attempt,
        s.deps_remaining,
        s.input.as_ref().map(json_text),
        s.result.as_ref().map(json_text),
        s.error,
        s.failure_code,
        s.skipped,
        s.reason,
        s.caused_by_step_id,
        s.loop_total,
        s.loop_next,
        s.loop_done,
        s.started_at,
        s.finished_at,
        s.step_type,
    ])
    .or_db()?;
    Ok(())
}

fn insert_task(conn: &Connection, t: &HumanTaskRecord) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO human_tasks (run_id, step_id, task_type, payload, status, approved, result, completed_by, \
           created_at, expires_at, completed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (run_id, step_id) DO UPDATE SET task_type = excluded.task_type, payload = excluded.payload, \
           status = excluded.status, approved = excluded.approved, result = excluded.result, \
           completed_by = excluded.completed_by, created_at = excluded.created_at, \
           expires_at = excluded.expires_at, completed_at = excluded.completed_at",
    )
    .or_db()?
    .execute(params![
        t.run_id,
        t.step_id,
        t.task_type,
        json_text(&t.payload),
        t.status,
        t.approved,
        t.result.as_ref().map(json_text),
        t.completed_by,
        t.created_at,
        t.expires_at,
        t.completed_at,
    ])
    .or_db()?;
    Ok(())
}

/// Run-row fields a write command tracks and writes back once at its end.
struct RunRow {
    status: RunStatus,
    last_seq: i64,
    open_steps: i64,
}

fn read_run_row(conn: &Connection, run_id: &str) -> StoreResult<RunRow> {
    // The single writer thread serializes every write: reading the row is enough, no lock.
    let row = conn
        .prepare_cached("SELECT status, last_seq, open_steps FROM runs WHERE id = ?1")
        .or_db()?
        .query_row(params![run_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .optional()
        .or_db()?
        .ok_or_else(|| StoreError::NotFound(format!("run {run_id}")))?;
    Ok(RunRow {
        status: parse_run_status(&row.0)?,
        last_seq: row.1,
        open_steps: row.2,
    })
}

fn append_events(
    conn: &Connection,
    run_id: &str,
    run: &mut RunRow,
    events: Vec<NewEvent>,
    now: i64,
) -> StoreResult<Vec<EventRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO events (run_id, seq, kind, step_id, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .or_db()?;
    let mut written = Vec::with_capacity(events.len());
    for e in events {
        run.last_seq += 1;
        stmt.execute(params![
            run_id,
            run.last_seq,
            e.kind,
            e.step_id,
            json_text(&e.data),
            now
        ])
        .or_db()?;
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

/// Leases work a commit made ready to the committer, unless recovered work is waiting: then
/// the committer takes that instead, and its own new work stays queued for the scheduler.
/// A worker that always chained into its own run's next step would leave recovered work
/// waiting until a run ended.
fn take_work(
    conn: &Connection,
    ids: &[i64],
    take: &TakeLease,
    now: i64,
) -> StoreResult<Vec<ClaimedWork>> {
    if take.max == 0 {
        return Ok(Vec::new());
    }
    let recovered = claim_recovered(conn, take, now)?;
    if !recovered.is_empty() {
        return Ok(recovered);
    }
    let sql = format!(
        "UPDATE work_queue SET lease_owner = ?1, lease_expires_at = ?2, fencing_token = fencing_token + 1 \
         WHERE id = ?3 AND lease_owner IS NULL AND available_at <= ?4 RETURNING {WORK_COLUMNS}"
    );
    let mut stmt = conn.prepare_cached(&sql).or_db()?;
    let mut taken = Vec::new();
    for id in ids.iter().take(take.max) {
        let mut rows = stmt
            .query(params![take.owner, now + take.lease_ms, id, now])
            .or_db()?;
        if let Some(row) = rows.next().or_db()? {
            taken.push(work_from_row(row)?);
        }
    }
    Ok(taken)
}

fn write_run(conn: &Connection, run_id: &str, run: &RunRow, now: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = ?2, last_seq = ?3, open_steps = ?4, updated_at = ?5 WHERE id = ?1",
    )
    .or_db()?
    .execute(params![run_id, run.status.as_str(), run.last_seq, run.open_steps, now])
    .or_db()?;
    Ok(())
}

fn get_run(conn: &Connection, run_id: &str) -> StoreResult<Option<RunRecord>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
    let mut stmt = conn.prepare_cached(&sql).or_db()?;
    let mut rows = stmt.query(params![run_id]).or_db()?;
    match rows.next().or_db()? {
        Some(row) => Ok(Some(run_from_row(row)?)),
        None => Ok(None),
    }
}

fn get_run_by_client_id(
    conn: &Connection,
    workflow_id: &str,
    client_run_id: &str,
) -> StoreResult<Option<RunRecord>> {
    let sql =
        format!("SELECT {RUN_COLUMNS} FROM runs WHERE workflow_id = ?1 AND client_run_id = ?2");
    let mut stmt = conn.prepare_cached(&sql).or_db()?;
    let mut rows = stmt.query(params![workflow_id, client_run_id]).or_db()?;
    match rows.next().or_db()? {
        Some(row) => Ok(Some(run_from_row(row)?)),
        None => Ok(None),
    }
}

/// Creates a run with its first state, events and ready work (see `Store::create_run`).
pub(super) fn create_run(conn: &Connection, new: NewRun) -> StoreResult<CreatedRun> {
    if let Some(client_id) = &new.client_run_id
        && let Some(run) = get_run_by_client_id(conn, &new.workflow_id, client_id)?
    {
        return Ok(CreatedRun {
            run,
            created: false,
            events: Vec::new(),
            taken: Vec::new(),
        });
    }
    let now = now_ms();
    conn.prepare_cached("INSERT INTO graphs (hash, graph, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (hash) DO NOTHING")
        .or_db()?
        .execute(params![new.graph_hash, json_text(&new.graph), now])
        .or_db()?;
    let open_steps = new
        .steps
        .iter()
        .filter(|s| s.parent_key.is_none() && !s.status().is_terminal())
        .count() as i64;
    conn.prepare_cached(
        "INSERT INTO runs (id, workflow_id, version, project_id, client_run_id, graph_hash, status, input, params, \
           resumed_from_run_id, open_steps, last_seq, created_at, started_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9, ?10, 0, ?11, ?11, ?11)",
    )
    .or_db()?
    .execute(params![
        new.id,
        new.workflow_id,
        new.version,
        new.project_id,
        new.client_run_id,
        new.graph_hash,
        json_text(&new.input),
        json_text(&new.params),
        new.resumed_from_run_id,
        open_steps,
        now,
    ])
    .or_db()?;
    for step in &new.steps {
        upsert_step(conn, &new.id, step)?;
    }
    let mut work_ids = Vec::new();
    for work in &new.work {
        work_ids.extend(insert_work(conn, &new.id, work, now)?);
    }
    let mut run = RunRow {
        status: RunStatus::Running,
        last_seq: 0,
        open_steps,
    };
    let mut events = append_events(conn, &new.id, &mut run, new.events, now)?;
    if open_steps == 0 {
        // Nothing to do (every step reused or none at all): the run is complete now.
        run.status = RunStatus::Completed;
        conn.prepare_cached("UPDATE runs SET finished_at = ?2 WHERE id = ?1")
            .or_db()?
            .execute(params![new.id, now])
            .or_db()?;
        let done = vec![
            NewEvent::new(
                "state_changed",
                None,
                json!({"from": "running", "to": "completed"}),
            ),
            NewEvent::new("run_completed", None, json!({})),
        ];
        events.extend(append_events(conn, &new.id, &mut run, done, now)?);
    }
    let taken = match &new.take {
        Some(take) if run.status == RunStatus::Running => take_work(conn, &work_ids, take, now)?,
        _ => Vec::new(),
    };
    write_run(conn, &new.id, &run, now)?;
    let record = get_run(conn, &new.id)?.ok_or_else(|| StoreError::NotFound(new.id.clone()))?;
    Ok(CreatedRun {
        run: record,
        created: true,
        events,
        taken,
    })
}

/// Ends a run (see [`Termination`]); returns the events it generates.
fn terminate(
    conn: &Connection,
    run_id: &str,
    run: &mut RunRow,
    t: &Termination,
    now: i64,
) -> StoreResult<Vec<NewEvent>> {
    let open: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT step_key, status FROM step_states WHERE run_id = ?1 AND parent_key IS NULL \
                 AND status IN ('pending', 'running', 'waiting') ORDER BY step_key",
            )
            .or_db()?;
        stmt.query_map(params![run_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .or_db()?
            .collect::<rusqlite::Result<_>>()
            .or_db()?
    };
    let mut events = Vec::new();
    for (key, status) in open {
        if status == "pending" {
            conn.prepare_cached(
                "UPDATE step_states SET status = 'completed', skipped = TRUE, reason = ?5, \
                 caused_by_step_id = ?3, finished_at = ?4 WHERE run_id = ?1 AND step_key = ?2",
            )
            .or_db()?
            .execute(params![
                run_id,
                key,
                t.caused_by_step_id,
                now,
                t.skip_reason
            ])
            .or_db()?;
            events.push(NewEvent::new(
                "step_completed",
                Some(&key),
                json!({"skipped": true, "reason": t.skip_reason, "caused_by_step_id": t.caused_by_step_id}),
            ));
        } else {
            conn.prepare_cached(
                "UPDATE step_states SET status = 'cancelled', reason = ?3, caused_by_step_id = ?4, finished_at = ?5 \
                 WHERE run_id = ?1 AND step_key = ?2",
            )
            .or_db()?
            .execute(params![run_id, key, t.cancel_reason, t.caused_by_step_id, now])
            .or_db()?;
            events.push(NewEvent::new(
                "step_cancelled",
                Some(&key),
                json!({"cancelled": true, "reason": t.cancel_reason, "caused_by_step_id": t.caused_by_step_id}),
            ));
        }
    }
    conn.prepare_cached(
        "UPDATE step_states SET status = 'cancelled', reason = ?2, finished_at = ?3 \
         WHERE run_id = ?1 AND parent_key IS NOT NULL AND status IN ('pending', 'running', 'waiting')",
    )
    .or_db()?
    .execute(params![run_id, t.cancel_reason, now])
    .or_db()?;
    conn.prepare_cached("UPDATE human_tasks SET status = 'cancelled', completed_at = ?2 WHERE run_id = ?1 AND status = 'pending'")
        .or_db()?
        .execute(params![run_id, now])
        .or_db()?;
    conn.prepare_cached("DELETE FROM work_queue WHERE run_id = ?1")
        .or_db()?
        .execute(params![run_id])
        .or_db()?;
    conn.prepare_cached(
        "UPDATE runs SET failure_code = ?2, error = ?3, finished_at = ?4, drain_deadline = NULL WHERE id = ?1",
    )
    .or_db()?
    .execute(params![run_id, t.failure_code, t.error, now])
    .or_db()?;
    let from = run.status;
    run.status = t.status;
    run.open_steps = 0;
    events.push(NewEvent::new(
        "state_changed",
        None,
        json!({"from": from.as_str(), "to": t.status.as_str()}),
    ));
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

fn stale(work_id: i64) -> StoreError {
    StoreError::StaleLease { work_id }
}

/// Applies one atomic state change of a run (see [`Commit`] for the order).
pub(super) fn commit(conn: &Connection, c: Commit) -> StoreResult<CommitOutcome> {
    let now = now_ms();
    let run_id = c.run_id.as_str();
    let mut run = read_run_row(conn, run_id)?;
    if let Some(expected) = &c.expect_status
        && !expected.contains(&run.status)
    {
        return Err(StoreError::Conflict(format!(
            "run {run_id} is {}",
            run.status.as_str()
        )));
    }
    for fence in &c.check {
        let held = conn
            .prepare_cached(
                "SELECT 1 FROM work_queue WHERE id = ?1 AND fencing_token = ?2 AND run_id = ?3",
            )
            .or_db()?
            .exists(params![fence.work_id, fence.token, run_id])
            .or_db()?;
        if !held {
            return Err(stale(fence.work_id));
        }
    }
    for fence in &c.finish {
        let n = conn
            .prepare_cached(
                "DELETE FROM work_queue WHERE id = ?1 AND fencing_token = ?2 AND run_id = ?3",
            )
            .or_db()?
            .execute(params![fence.work_id, fence.token, run_id])
            .or_db()?;
        if n == 0 {
            return Err(stale(fence.work_id));
        }
    }
    let mut created_work = false;
    for r in &c.requeue {
        let n = conn
            .prepare_cached(
                "UPDATE work_queue SET lease_owner = NULL, lease_expires_at = NULL, attempt = ?3, available_at = ?4 \
                 WHERE id = ?1 AND fencing_token = ?2 AND run_id = ?5",
            )
            .or_db()?
            .execute(params![
                r.fence.work_id,
                r.fence.token,
                r.attempt,
                r.available_at,
                run_id
            ])
            .or_db()?;
        if n == 0 {
            return Err(stale(r.fence.work_id));
        }
        created_work = true;
    }
    for tw in &c.tasks {
        if tw.expect_pending {
            let n = conn
                .prepare_cached(
                    "UPDATE human_tasks SET status = ?3, approved = ?4, result = ?5, completed_by = ?6, completed_at = ?7 \
                     WHERE run_id = ?1 AND step_id = ?2 AND status = 'pending'",
                )
                .or_db()?
                .execute(params![
                    tw.task.run_id,
                    tw.task.step_id,
                    tw.task.status,
                    tw.task.approved,
                    tw.task.result.as_ref().map(json_text),
                    tw.task.completed_by,
                    tw.task.completed_at,
                ])
                .or_db()?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "human task {} of run {} is not pending (already completed, expired or cancelled)",
                    tw.task.step_id, tw.task.run_id
                )));
            }
        } else {
            insert_task(conn, &tw.task)?;
        }
    }
    for parent in &c.clear_items {
        conn.prepare_cached("DELETE FROM step_states WHERE run_id = ?1 AND parent_key = ?2")
            .or_db()?
            .execute(params![run_id, parent])
            .or_db()?;
    }
    for step in &c.steps {
        if step.parent_key.is_none() {
            let old: Option<String> = conn
                .prepare_cached(
                    "SELECT status FROM step_states WHERE run_id = ?1 AND step_key = ?2",
                )
                .or_db()?
                .query_row(params![run_id, step.step_key], |row| row.get(0))
                .optional()
                .or_db()?;
            let was_terminal = old
                .as_deref()
                .and_then(StepStatus::parse)
                .is_some_and(StepStatus::is_terminal);
            let is_terminal = step.status().is_terminal();
            if is_terminal && !was_terminal {
                run.open_steps -= 1;
            } else if was_terminal && !is_terminal {
                run.open_steps += 1;
            }
        }
        upsert_step(conn, run_id, step)?;
    }
    for (key, kind) in &c.delete_work {
        conn.prepare_cached(
            "DELETE FROM work_queue WHERE run_id = ?1 AND step_key = ?2 AND kind = ?3",
        )
        .or_db()?
        .execute(params![run_id, key, kind.as_str()])
        .or_db()?;
    }
    let mut new_ids = Vec::new();
    for done in &c.done {
        for dependant in &done.dependants {
            let row: Option<(i64, i64)> = conn
                .prepare_cached(
                    "UPDATE step_states SET deps_remaining = deps_remaining - 1 \
                     WHERE run_id = ?1 AND step_key = ?2 AND status = 'pending' AND deps_remaining > 0 \
                     RETURNING deps_remaining, attempt",
                )
                .or_db()?
                .query_row(params![run_id, dependant], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .or_db()?;
            if let Some((0, attempt)) = row {
                let work = NewWork {
                    step_key: dependant.clone(),
                    kind: WorkKind::Step,
                    attempt: attempt + 1,
                    available_at: now,
                };
                new_ids.extend(insert_work(conn, run_id, &work, now)?);
            }
        }
    }
    for item in &c.items_done {
        let counters: Option<(Option<i64>, Option<i64>, Option<i64>)> = conn
            .prepare_cached(
                "SELECT loop_done, loop_next, loop_total FROM step_states \
                 WHERE run_id = ?1 AND step_key = ?2 AND status = 'running'",
            )
            .or_db()?
            .query_row(params![run_id, item.parent_key], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
            .or_db()?;
        // A parent that is no longer running (failed, cancelled) takes no more items.
        let Some((done, next, total)) = counters else {
            continue;
        };
        let done = done.unwrap_or(0) + 1;
        let mut next = next.unwrap_or(0);
        let total = total.unwrap_or(0);
        if next < total {
            let work = NewWork {
                step_key: format!("{}#{}", item.parent_key, next),
                kind: WorkKind::Item,
                attempt: 1,
                available_at: now,
            };
            new_ids.extend(insert_work(conn, run_id, &work, now)?);
            next += 1;
        }
        conn.prepare_cached("UPDATE step_states SET loop_done = ?3, loop_next = ?4 WHERE run_id = ?1 AND step_key = ?2")
            .or_db()?
            .execute(params![run_id, item.parent_key, done, next])
            .or_db()?;
        if done >= total {
            let work = NewWork {
                step_key: item.parent_key.clone(),
                kind: WorkKind::Finalize,
                attempt: 1,
                available_at: now,
            };
            new_ids.extend(insert_work(conn, run_id, &work, now)?);
        }
    }
    for work in &c.new_work {
        new_ids.extend(insert_work(conn, run_id, work, now)?);
    }
    let mut events = c.events;
    if let Some(update) = &c.run {
        if let Some(status) = update.status
            && status != run.status
        {
            events.push(NewEvent::new(
                "state_changed",
                None,
                json!({"from": run.status.as_str(), "to": status.as_str()}),
            ));
            run.status = status;
            created_work = true;
        }
        if let Some(code) = &update.failure_code {
            conn.prepare_cached("UPDATE runs SET failure_code = ?2 WHERE id = ?1")
                .or_db()?
                .execute(params![run_id, code])
                .or_db()?;
        }
        if let Some(error) = &update.error {
            conn.prepare_cached("UPDATE runs SET error = ?2 WHERE id = ?1")
                .or_db()?
                .execute(params![run_id, error])
                .or_db()?;
        }
        if let Some(deadline) = &update.drain_deadline {
            conn.prepare_cached("UPDATE runs SET drain_deadline = ?2 WHERE id = ?1")
                .or_db()?
                .execute(params![run_id, deadline])
                .or_db()?;
        }
        if let Some(finished) = &update.finished_at {
            conn.prepare_cached("UPDATE runs SET finished_at = ?2 WHERE id = ?1")
                .or_db()?
                .execute(params![run_id, finished])
                .or_db()?;
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
            let in_flight = conn
                .prepare_cached(
                    "SELECT 1 FROM work_queue WHERE run_id = ?1 AND lease_owner IS NOT NULL AND kind <> 'drain' LIMIT 1",
                )
                .or_db()?
                .exists(params![run_id])
                .or_db()?;
            if !in_flight {
                termination = Some(Termination::stopped());
            }
        }
    }
    if let Some(t) = &termination
        && !run.status.is_terminal()
    {
        events.extend(terminate(conn, run_id, &mut run, t, now)?);
    }
    let events = append_events(conn, run_id, &mut run, events, now)?;
    let taken = match &c.take {
        Some(take) if run.status == RunStatus::Running => take_work(conn, &new_ids, take, now)?,
        _ => Vec::new(),
    };
    write_run(conn, run_id, &run, now)?;
    // Others need waking when claimable work appeared that this committer did not take.
    let taken_new = taken.iter().filter(|w| new_ids.contains(&w.id)).count();
    let created_work = created_work || new_ids.len() > taken_new;
    Ok(CommitOutcome {
        events,
        created_work,
        taken,
        run_status: Some(run.status),
    })
}
