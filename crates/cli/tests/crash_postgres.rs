//! Two `agentruntime run` processes sharing one PostgreSQL database (the hidden
//! `--database-url`/`--database-schema`/`--lease-ms` flags): one starts a long run, the
//! other joins it with `--resume`; the first is SIGKILLed mid-run and the survivor takes
//! over its expired leases and finishes the run. Needs Postgres at 127.0.0.1:5432
//! (database `test`, user `postgres`), like the engine's multi-node tests.

mod crash_support;

use std::path::Path;

use ar_store::{PgConfig, PgStore, RunStatus, Store};
use crash_support::*;
use serde_json::{Value, json};

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const ITEMS: i64 = 10;

fn graph() -> Value {
    json!({"steps": [
        {"id": "s1", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "s2", "type": "lua_script", "depends_on": ["s1"], "script": "return {n = steps.s1.result.n + 1}"},
        {"id": "s3", "type": "lua_script", "depends_on": ["s2"], "script": "return {n = steps.s2.result.n + 1}"},
        {"id": "fan", "type": "for_each", "depends_on": ["s3"], "for_each_items": "{{input.items}}", "for_each_max_parallel": 4,
         "for_each_body_steps": [{"id": "work", "type": "lua_script", "script": "return {sq = item * item}"}]},
        {"id": "t1", "type": "lua_script", "depends_on": ["fan"],
         "script": "local t = 0\nfor _, r in ipairs(steps.fan.result.results or {}) do t = t + r.result.sq end\nreturn {total = t + steps.s3.result.n}"},
    ]})
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write");
}

async fn pg_snapshot(schema: &str, run_id: &str) -> Snapshot {
    let store = PgStore::open(PgConfig::new(PG_URL).with_schema(schema))
        .await
        .expect("Postgres must be reachable at 127.0.0.1:5432 (database test)");
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
    let snap = snapshot(&store, run_id, &["fan"]).await;
    store.close().await;
    snap
}

async fn drop_schema(schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(PG_URL)
        .await
        .expect("connect for cleanup");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("drop schema");
}

#[test]
fn postgres_survivor_process_finishes_the_run_of_a_sigkilled_one() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "graph.json", &graph());
    write(
        dir,
        "input.json",
        &json!({"items": (1..=ITEMS).collect::<Vec<_>>()}),
    );
    let schema = format!("t_cli_{}", uuid::Uuid::now_v7().simple());
    let db = [
        "--database-url",
        PG_URL,
        "--database-schema",
        schema.as_str(),
        "--lease-ms",
        "600",
    ];
    let delay = [("AR_TEST_STEP_DELAY_MS", "40")];

    let mut first = spawn(
        dir,
        "a",
        &[
            &["run", "graph.json", "--input-json", "@input.json"][..],
            &db,
        ]
        .concat(),
        &delay,
    );
    first.wait_until("the run started", |p| p.started_run_id().is_some());
    let run_id = first.started_run_id().expect("run id");
    let mut survivor = spawn(
        dir,
        "b",
        &[&["run", "--resume", run_id.as_str(), "--json"][..], &db].concat(),
        &delay,
    );
    // The first process dies in the loop, with items in flight.
    first.wait_until("the loop is under way", |p| {
        p.executions()
            .iter()
            .filter(|e| e.step_id == "work")
            .count()
            >= 2
    });
    assert!(survivor.alive(), "the second process is running");
    let first_log = first.log.clone();
    let killed = first.kill();
    assert!(killed.code().is_none(), "killed by a signal");

    let at_crash = runtime.block_on(pg_snapshot(&schema, &run_id));
    assert!(
        !at_crash.run.status.is_terminal(),
        "the run was not over at the kill"
    );
    // Executions the survivor logs from now on come after the snapshot.
    let survivor_before = survivor.executions().len();
    let survivor_log = survivor.log.clone();
    let ended = survivor.wait();
    assert_eq!(
        ended.code(),
        Some(0),
        "the survivor finishes the run; stderr:\n{}",
        ended.stderr
    );
    let context: Value = serde_json::from_str(&ended.stdout).expect("--json context");
    let expected: i64 = (1..=ITEMS).map(|i| i * i).sum::<i64>() + 3;
    assert_eq!(context["steps"]["t1"]["result"]["total"], json!(expected));

    let last = runtime.block_on(pg_snapshot(&schema, &run_id));
    assert_eq!(last.run.status, RunStatus::Completed);
    let committed = at_crash.completed();
    for e in &executions(&survivor_log)[survivor_before..] {
        assert!(
            !committed.contains(&e.unit),
            "{} was committed before the kill but ran again",
            e.unit
        );
    }
    let completions = last.completions();
    for step in ["s1", "s2", "s3", "fan", "t1"] {
        assert_eq!(
            completions.get(step),
            Some(&1),
            "step_completed events of {step}"
        );
    }
    // Items the dead process had in flight were taken over as a later attempt.
    for e in executions(&first_log)
        .iter()
        .filter(|e| !committed.contains(&e.unit))
    {
        assert!(
            last.units[&e.unit].attempt >= 2,
            "{} was in flight at the kill",
            e.unit
        );
    }
    runtime.block_on(drop_schema(&schema));
}
