//! The analytics answers read through the hourly rollups (docs/analytics.md "How it stays
//! fast") equal what the raw rows answer, on SQLite and on Postgres (a fresh schema per
//! test): after a backfill, after writes to hours already rolled up (a retried run, late
//! usage and debits, an imported run), after a refresh that died half-way, with two
//! refreshes at once, and as hours close.
//!
//! The truth each time is the same answers computed with no rollup state at all, which
//! makes the store read every row raw.

mod common;

use std::sync::Arc;

use ar_store::tenant::rollups::{HOUR_MS, SETTLE_MS, hour_floor};
use ar_store::tenant::*;
use ar_store::{PgConfig, PgStore};

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;

enum Db {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

struct Fixture {
    store: Arc<dyn TenantStore>,
    db: Db,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgStore>,
}

impl Fixture {
    async fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteTenantStore::open(dir.path().join("ar.db"))
            .await
            .expect("open sqlite tenant store");
        let db = Db::Sqlite(store.pool().clone());
        Fixture {
            store: Arc::new(store),
            db,
            _dir: Some(dir),
            _pg: None,
        }
    }

    async fn postgres() -> Fixture {
        let schema = format!("rollups_{}", uuid::Uuid::now_v7().simple());
        let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
            .await
            .expect("open postgres (is it running?)");
        Fixture {
            store: Arc::new(PgTenantStore::from_pool(pg.pool().clone())),
            db: Db::Pg(pg.pool().clone()),
            _dir: None,
            _pg: Some(pg),
        }
    }

    /// Runs SQL made of literals only (the same text on both backends).
    async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Db::Pg(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The single number an SQL query of literals answers.
    async fn number(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
            Db::Pg(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        }
        .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn refresh(&self, now: i64) -> RollupReport {
        self.store
            .refresh_analytics_rollups(now)
            .await
            .expect("refresh")
    }

    /// Every answer the store gives project `project` at `now`, over periods that start and
    /// end on and off the hour, in buckets of an hour, a day and a week.
    async fn answers(&self, project: &str, now: i64) -> Vec<String> {
        let s = &self.store;
        let spans = [
            Span {
                from: None,
                to: now,
            },
            Span {
                from: Some(T0 + 90 * MINUTE + 7),
                to: now - 3 * HOUR_MS + 1,
            },
            Span {
                from: Some(T0 + 5 * HOUR_MS),
                to: T0 + 29 * HOUR_MS,
            },
            Span {
                from: Some(now - 7 * 24 * HOUR_MS),
                to: now,
            },
        ];
        let buckets = [
            Buckets {
                origin: 0,
                width: HOUR_MS,
            },
            Buckets {
                origin: 0,
                width: 24 * HOUR_MS,
            },
            Buckets {
                origin: 345_600_000,
                width: 7 * 24 * HOUR_MS,
            },
        ];
        let mut out = vec![format!("live {:?}", s.live_runs(project).await.unwrap())];
        for span in spans {
            out.push(format!("{span:?}"));
            out.push(format!(
                "{:?}",
                s.runs_created(project, span).await.unwrap()
            ));
            out.push(format!(
                "{:?}",
                s.run_outcomes(project, span).await.unwrap()
            ));
            out.push(format!(
                "{:?}",
                s.run_durations(project, span).await.unwrap()
            ));
            out.push(format!(
                "{:?}",
                s.steps_executed(project, span).await.unwrap()
            ));
            let types = s.completed_steps_by_type(project, span).await.unwrap();
            out.push(format!("{types:?}"));
            for t in &types {
                let p = s
                    .step_duration_percentiles(project, span, &t.step_type, 1000, &[50, 95])
                    .await
                    .unwrap();
                out.push(format!("{} {p:?}", t.step_type));
            }
            out.push(format!(
                "{:?}",
                s.ledger_spent(project, span).await.unwrap()
            ));
            out.push(format!(
                "{:?}",
                s.usage_by_kind(project, span).await.unwrap()
            ));
            for b in buckets {
                out.push(format!(
                    "{:?}",
                    s.run_buckets(project, span, b).await.unwrap()
                ));
                out.push(format!(
                    "{:?}",
                    s.usage_buckets(project, span, b).await.unwrap()
                ));
            }
        }
        out
    }

    /// The answers from the raw rows alone: computed with the rollup state removed, then
    /// put back.
    async fn truth(&self, project: &str, now: i64) -> Vec<String> {
        let state = self.state().await;
        self.exec("DELETE FROM analytics_rollup_state").await;
        let answers = self.answers(project, now).await;
        if let Some((until, pending)) = state {
            let pending = pending.map_or("NULL".to_string(), |p| p.to_string());
            self.exec(&format!(
                "INSERT INTO analytics_rollup_state (id, rolled_until, pending_from) VALUES (1, {until}, {pending})"
            ))
            .await;
        }
        answers
    }

    async fn state(&self) -> Option<(i64, Option<i64>)> {
        if self
            .number("SELECT COUNT(*) FROM analytics_rollup_state")
            .await
            == 0
        {
            return None;
        }
        let until = self
            .number("SELECT rolled_until FROM analytics_rollup_state")
            .await;
        let pending = self
            .number("SELECT COALESCE(pending_from, -1) FROM analytics_rollup_state")
            .await;
        Some((until, (pending >= 0).then_some(pending)))
    }

    async fn assert_exact(&self, now: i64, when: &str) {
        for project in ["p1", "p2"] {
            let got = self.answers(project, now).await;
            let want = self.truth(project, now).await;
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{when}: project {project}");
            }
            assert_eq!(got.len(), want.len(), "{when}");
        }
    }
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as i64
    }
}

/// Three days and a bit of runs in two projects: every status, steps of several types
/// (some untyped, skipped, failed, cancelled, unfinished, a loop item), usage of three
/// kinds and ledger debits (and a grant, which no answer counts), crossing hour and day
/// boundaries.
async fn seed(f: &Fixture, now: i64) {
    common::seed_workspaces(f.store.as_ref()).await;
    f.exec("INSERT INTO graphs (hash, graph, created_at) VALUES ('g', '{}', 0)")
        .await;
    let mut rng = Rng(0x5eed_1234_abcd);
    for r in 0..160 {
        let (project, workspace) = if r % 5 == 0 {
            ("p2", "w2")
        } else {
            ("p1", "w1")
        };
        let created = T0 + rng.below(now - T0 - MINUTE);
        insert_run(
            f,
            &mut rng,
            &format!("r{r}"),
            project,
            workspace,
            created,
            now,
        )
        .await;
    }
    f.exec(&format!(
        "INSERT INTO billing_ledger (id, workspace_id, project_id, at, action, quantity, microcredits, bucket) \
         VALUES ('grant', 'w1', 'p1', {}, 'grant', 1, 5000000, 'payg')",
        T0 + 3 * HOUR_MS
    ))
    .await;
}

async fn insert_run(
    f: &Fixture,
    rng: &mut Rng,
    id: &str,
    project: &str,
    workspace: &str,
    created: i64,
    now: i64,
) {
    let status = ["completed", "completed", "failed", "stopped", "running"][rng.below(5) as usize];
    let started = (status != "stopped" || rng.below(2) == 0).then(|| created + rng.below(5_000));
    let finished = (status != "running")
        .then(|| started.unwrap_or(created) + rng.below(2 * HOUR_MS))
        .map(|t| t.min(now - 1));
    let opt = |v: Option<i64>| v.map_or("NULL".to_string(), |v| v.to_string());
    f.exec(&format!(
        "INSERT INTO runs (id, workflow_id, version, project_id, graph_hash, status, input, params, \
         open_steps, created_at, started_at, finished_at, updated_at) \
         VALUES ('{id}', 'wf', 1, '{project}', 'g', '{status}', '{{}}', '{{}}', 0, {created}, {}, {}, {created})",
        opt(started),
        opt(finished)
    ))
    .await;
    let Some(started) = started else { return };
    let end = finished.unwrap_or(now - 1);
    for s in 0..1 + rng.below(4) {
        let step_type = ["'lua_script'", "'llm_call'", "'mcp_call'", "NULL"][rng.below(4) as usize];
        let step_status = if finished.is_none() {
            ["completed", "pending", "running"][rng.below(3) as usize]
        } else {
            ["completed", "completed", "failed", "cancelled"][rng.below(4) as usize]
        };
        let skipped = step_status == "completed" && rng.below(6) == 0;
        let begin = started + rng.below((end - started).max(1));
        let done = matches!(step_status, "completed" | "failed" | "cancelled")
            .then(|| begin + rng.below((end - begin).max(1)));
        f.exec(&format!(
            "INSERT INTO step_states (run_id, step_key, status, attempt, skipped, started_at, finished_at, \
             step_type, project_id) VALUES ('{id}', 's{s}', '{step_status}', 1, {}, {begin}, {}, {step_type}, '{project}')",
            if skipped { "TRUE" } else { "FALSE" },
            opt(done)
        ))
        .await;
        if let Some(done) = done {
            if s == 0 {
                // A loop item: never counted as a step.
                f.exec(&format!(
                    "INSERT INTO step_states (run_id, step_key, parent_key, item_index, status, attempt, \
                     started_at, finished_at, step_type, project_id) \
                     VALUES ('{id}', 's0#0', 's0', 0, 'completed', 1, {begin}, {done}, 'lua_script', '{project}')"
                ))
                .await;
            }
            let kind = ["llm.tokens_in", "llm.tokens_out", "mcp.call"][rng.below(3) as usize];
            f.exec(&format!(
                "INSERT INTO usage_records (idempotency_key, workspace_id, project_id, run_id, step_key, kind, quantity, at) \
                 VALUES ('{id}:s{s}', '{workspace}', '{project}', '{id}', 's{s}', '{kind}', {}, {done})",
                1 + rng.below(900)
            ))
            .await;
            f.exec(&format!(
                "INSERT INTO billing_ledger (id, workspace_id, project_id, at, action, quantity, microcredits, bucket, \
                 run_id, step_id, attempt) VALUES ('{id}:s{s}', '{workspace}', '{project}', {done}, \
                 'workflow.step.execute', 1, -{}, 'payg', '{id}', 's{s}', 1)",
                1 + rng.below(100_000)
            ))
            .await;
        }
    }
}

fn now() -> i64 {
    T0 + 3 * 24 * HOUR_MS + 25 * MINUTE
}

async fn a_backfill_answers_what_the_rows_answer_and_is_what_is_read(f: Fixture) {
    let now = now();
    seed(&f, now).await;
    let before = f.answers("p1", now).await;
    let report = f.refresh(now).await;
    assert_eq!(report.rolled_until, Some(hour_floor(now - SETTLE_MS)));
    assert!(report.chunks >= 6, "two projects, four days: {report:?}");
    assert_eq!(f.state().await, Some((hour_floor(now - SETTLE_MS), None)));
    assert!(
        f.number("SELECT COUNT(*) FROM analytics_hourly").await > 100,
        "the backfill wrote rollups"
    );
    assert_eq!(f.answers("p1", now).await, before);
    f.assert_exact(now, "after the backfill").await;

    // The rollups are what is read: a changed rollup row changes the answer.
    let hour = f
        .number("SELECT MIN(hour) FROM analytics_hourly WHERE project_id = 'p1' AND series = 'runs_started'")
        .await;
    f.exec(&format!(
        "UPDATE analytics_hourly SET n = n + 1000 WHERE project_id = 'p1' AND series = 'runs_started' AND hour = {hour}"
    ))
    .await;
    let all = Span {
        from: None,
        to: now,
    };
    let with_tamper = f.store.runs_created("p1", all).await.unwrap();
    let truth = f.truth("p1", now).await;
    let runs_line = &truth[2];
    assert_eq!(with_tamper, runs_line.parse::<i64>().unwrap() + 1000);

    // Nothing left to do at the same time.
    f.exec(&format!(
        "UPDATE analytics_hourly SET n = n - 1000 WHERE project_id = 'p1' AND series = 'runs_started' AND hour = {hour}"
    ))
    .await;
    let again = f.refresh(now).await;
    assert_eq!((again.chunks, again.dirty), (0, 0));
}

async fn writes_to_rolled_up_hours_are_exact_at_once_and_rolled_up_next(f: Fixture) {
    let now = now();
    seed(&f, now).await;
    f.refresh(now).await;
    assert_eq!(f.number("SELECT COUNT(*) FROM analytics_dirty").await, 0);

    // A failed run of the first day retried now: its failure and its failed steps leave
    // their old hours.
    let old = T0 + 20 * HOUR_MS;
    f.exec(&format!(
        "INSERT INTO runs (id, workflow_id, version, project_id, graph_hash, status, input, params, \
         open_steps, created_at, started_at, finished_at, updated_at) \
         VALUES ('retried', 'wf', 1, 'p1', 'g', 'failed', '{{}}', '{{}}', 0, {old}, {}, {}, {old})",
        old + 10,
        old + 50 * MINUTE
    ))
    .await;
    f.exec(&format!(
        "INSERT INTO step_states (run_id, step_key, status, attempt, skipped, started_at, finished_at, step_type, project_id) \
         VALUES ('retried', 'a', 'failed', 1, FALSE, {}, {}, 'mcp_call', 'p1')",
        old + 20,
        old + 70 * MINUTE
    ))
    .await;
    assert!(
        f.number("SELECT COUNT(*) FROM analytics_dirty").await >= 2,
        "an imported run marks its hours"
    );
    f.assert_exact(now, "after importing an old run").await;
    f.refresh(now).await;
    assert_eq!(f.number("SELECT COUNT(*) FROM analytics_dirty").await, 0);

    let recent = now - 3 * MINUTE;
    f.exec(&format!(
        "UPDATE runs SET status = 'completed', finished_at = {recent} WHERE id = 'retried'"
    ))
    .await;
    f.exec(&format!(
        "UPDATE step_states SET status = 'completed', started_at = {}, finished_at = {recent} \
         WHERE run_id = 'retried' AND step_key = 'a'",
        recent - 1000
    ))
    .await;
    // Usage and a debit recorded late, into a closed hour.
    f.exec(&format!(
        "INSERT INTO usage_records (idempotency_key, workspace_id, project_id, run_id, step_key, kind, quantity, at) \
         VALUES ('late', 'w1', 'p1', 'retried', 'a', 'mcp.call', 3, {})",
        T0 + 40 * HOUR_MS + 1
    ))
    .await;
    f.exec(&format!(
        "INSERT INTO billing_ledger (id, workspace_id, project_id, at, action, quantity, microcredits, bucket, run_id, step_id, attempt) \
         VALUES ('late', 'w1', 'p1', {}, 'mcp.call', 1, -777, 'payg', 'retried', 'a', 2)",
        T0 + 41 * HOUR_MS + 5
    ))
    .await;
    assert!(f.number("SELECT COUNT(*) FROM analytics_dirty").await >= 3);
    f.assert_exact(now, "right after the writes").await;

    let report = f.refresh(now).await;
    assert!(report.dirty >= 3, "{report:?}");
    assert_eq!(f.number("SELECT COUNT(*) FROM analytics_dirty").await, 0);
    f.assert_exact(now, "after recomputing the dirty hours")
        .await;

    // The engine's ordinary writes mark nothing: a run created two hours ago (a rolled-up
    // hour, whose count its finishing does not change) that starts, runs a step and
    // finishes now, in the open hour, with its usage.
    let created = now - 2 * HOUR_MS;
    let t = now - 5 * MINUTE;
    f.exec(&format!(
        "INSERT INTO runs (id, workflow_id, version, project_id, graph_hash, status, input, params, \
         open_steps, created_at, updated_at) VALUES ('fresh', 'wf', 1, 'p1', 'g', 'queued', '{{}}', '{{}}', 0, {created}, {created})"
    ))
    .await;
    // Its creation landed in a rolled-up hour (as an import would): recompute that first.
    assert_eq!(f.number("SELECT COUNT(*) FROM analytics_dirty").await, 1);
    f.refresh(now).await;
    f.exec(&format!(
        "UPDATE runs SET status = 'running', started_at = {t}, last_seq = 2 WHERE id = 'fresh'"
    ))
    .await;
    f.exec(&format!(
        "INSERT INTO step_states (run_id, step_key, status, attempt, started_at, step_type, project_id) \
         VALUES ('fresh', 'a', 'running', 1, {t}, 'lua_script', 'p1')"
    ))
    .await;
    f.exec(&format!(
        "UPDATE step_states SET status = 'completed', finished_at = {} WHERE run_id = 'fresh'",
        t + 10
    ))
    .await;
    f.exec("UPDATE runs SET status = 'completed', last_seq = 5 WHERE id = 'fresh'")
        .await;
    f.exec(&format!(
        "UPDATE runs SET finished_at = {} WHERE id = 'fresh'",
        t + 20
    ))
    .await;
    f.exec(&format!(
        "INSERT INTO usage_records (idempotency_key, workspace_id, project_id, run_id, step_key, kind, quantity, at) \
         VALUES ('fresh', 'w1', 'p1', 'fresh', 'a', 'mcp.call', 1, {})",
        t + 10
    ))
    .await;
    assert_eq!(f.number("SELECT COUNT(*) FROM analytics_dirty").await, 0);
    f.assert_exact(now, "after a run in the open hour").await;
}

async fn a_refresh_that_died_half_way_is_finished_by_the_next(f: Fixture) {
    let now = now();
    seed(&f, now).await;
    f.refresh(now).await;
    // As if a refresh claimed the hours from the second day on and died after
    // recomputing none of them: their rollups are missing or stale.
    let pending = T0 + 24 * HOUR_MS;
    let until = hour_floor(now - SETTLE_MS);
    f.exec(&format!(
        "UPDATE analytics_rollup_state SET pending_from = {pending}"
    ))
    .await;
    f.exec(&format!(
        "DELETE FROM analytics_hourly WHERE hour >= {pending} AND project_id = 'p1'"
    ))
    .await;
    f.exec(&format!(
        "UPDATE analytics_hourly SET n = n + 5 WHERE hour >= {pending} AND project_id = 'p2'"
    ))
    .await;
    f.assert_exact(now, "while hours are pending").await;
    let report = f.refresh(now).await;
    assert!(report.chunks > 0, "{report:?}");
    assert_eq!(f.state().await, Some((until, None)));
    // Exact with the pending range now read from the rollups.
    f.assert_exact(now, "after the next refresh").await;
}

async fn concurrent_refreshes_and_closing_hours_stay_exact(f: Fixture) {
    let now = now();
    seed(&f, now).await;
    let (a, b) = tokio::join!(f.refresh(now), f.refresh(now));
    assert_eq!(a.rolled_until, b.rolled_until);
    f.assert_exact(now, "after two refreshes at once").await;
    // Hours close as time goes by; a run created in between lands in them.
    let later = now + 2 * HOUR_MS + 7 * MINUTE;
    let mut rng = Rng(99);
    insert_run(
        &f,
        &mut rng,
        "between",
        "p1",
        "w1",
        now + 20 * MINUTE,
        later,
    )
    .await;
    let report = f.refresh(later).await;
    assert_eq!(report.rolled_until, Some(hour_floor(later - SETTLE_MS)));
    assert!(report.chunks > 0);
    f.assert_exact(later, "two hours later").await;
}

macro_rules! suite {
    ($backend:ident, $($name:ident),* $(,)?) => {
        mod $backend {
            $( #[tokio::test] async fn $name() { super::$name(super::Fixture::$backend().await).await } )*
        }
    };
}

suite!(
    sqlite,
    a_backfill_answers_what_the_rows_answer_and_is_what_is_read,
    writes_to_rolled_up_hours_are_exact_at_once_and_rolled_up_next,
    a_refresh_that_died_half_way_is_finished_by_the_next,
    concurrent_refreshes_and_closing_hours_stay_exact,
);
suite!(
    postgres,
    a_backfill_answers_what_the_rows_answer_and_is_what_is_read,
    writes_to_rolled_up_hours_are_exact_at_once_and_rolled_up_next,
    a_refresh_that_died_half_way_is_finished_by_the_next,
    concurrent_refreshes_and_closing_hours_stay_exact,
);
