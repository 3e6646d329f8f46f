//! Every migration, on both backends, applies on top of the schema before it *with data
//! in it*, and loses none of it. New migrations are picked up by themselves: the test
//! walks the embedded migrator.
//!
//! The data is the upgrade fixture (tests/fixtures/upgrade/*/agentruntime.db at the
//! repository root: a real data directory written by a released binary, with finished,
//! waiting and interrupted runs, users, a vault key and secret). For migration N the test
//! makes a database at schema N-1, copies into it every fixture row of every table that
//! exists there (the columns both have), applies N, and checks that every table's row
//! count is unchanged and, on SQLite, that `integrity_check` and `foreign_key_check` pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ar_store::maintenance::{postgres_migrator, sqlite_migrator};
use serde_json::{Map, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The fixture databases (one per released version kept), oldest first.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/upgrade");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path().join("agentruntime.db"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no fixture under {}", root.display());
    found
}

/// Each table of the fixture as JSON rows (`json_object` of every column).
async fn fixture_rows(db: &Path) -> BTreeMap<String, Vec<Map<String, Value>>> {
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .expect("open the fixture");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&mut conn)
        .await
        .expect("columns");
        let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
        let sql = format!("SELECT json_object({}) FROM \"{table}\"", pairs.join(", "));
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        let rows = rows
            .into_iter()
            .map(
                |text| match serde_json::from_str(&text).expect("row json") {
                    Value::Object(map) => map,
                    other => panic!("{other}"),
                },
            )
            .collect();
        out.insert(table, rows);
    }
    conn.close().await.expect("close");
    out
}

fn versions(migrator: &sqlx::migrate::Migrator) -> Vec<i64> {
    let mut v: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    v.sort_unstable();
    v
}

// ------------------------------------------------------------------------- SQLite

async fn sqlite_counts(conn: &mut sqlx::SqliteConnection) -> BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("tables");
    let mut counts = BTreeMap::new();
    for t in tables {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{t}\"")))
                .fetch_one(&mut *conn)
                .await
                .expect("count");
        counts.insert(t, n);
    }
    counts
}

/// Copies the fixture's rows into the tables of `conn` (at some older schema), for the
/// columns both have. Foreign keys are checked afterwards, not row by row.
async fn sqlite_seed(conn: &mut sqlx::SqliteConnection, fixture: &Path) {
    sqlx::query("ATTACH DATABASE $1 AS fixture")
        .bind(fixture.to_str().expect("utf-8 path"))
        .execute(&mut *conn)
        .await
        .expect("attach");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("tables");
    for t in tables {
        let here: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}', 'main')"
        )))
        .fetch_all(&mut *conn)
        .await
        .expect("columns");
        let there: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}', 'fixture')"
        )))
        .fetch_all(&mut *conn)
        .await
        .expect("columns");
        let common: Vec<String> = here
            .iter()
            .filter(|c| there.contains(c))
            .map(|c| format!("\"{c}\""))
            .collect();
        if common.is_empty() {
            continue;
        }
        let cols = common.join(", ");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO main.\"{t}\" ({cols}) SELECT {cols} FROM fixture.\"{t}\""
        )))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("seeding {t}: {e}"));
    }
    sqlx::query("DETACH DATABASE fixture")
        .execute(&mut *conn)
        .await
        .expect("detach");
}

#[tokio::test]
async fn every_sqlite_migration_applies_on_the_previous_schema_with_data_in_it() {
    let migrator = sqlite_migrator();
    let all = versions(&migrator);
    for fixture in fixtures() {
        for (i, &version) in all.iter().enumerate() {
            let dir = tempfile::tempdir().expect("dir");
            let db = dir.path().join("m.db");
            let mut conn = SqliteConnectOptions::new()
                .filename(&db)
                .create_if_missing(true)
                .foreign_keys(false)
                .connect()
                .await
                .expect("create");
            if i > 0 {
                migrator
                    .run_to(all[i - 1], &mut conn)
                    .await
                    .expect("previous schema");
                sqlite_seed(&mut conn, &fixture).await;
            }
            let before = sqlite_counts(&mut conn).await;
            if i > 0 {
                assert!(
                    before.values().sum::<i64>() > 0,
                    "no fixture data fits schema {}",
                    all[i - 1]
                );
            }
            migrator
                .run_to(version, &mut conn)
                .await
                .unwrap_or_else(|e| panic!("migration {version} on data: {e}"));
            let after = sqlite_counts(&mut conn).await;
            for (table, n) in &before {
                assert_eq!(
                    after.get(table),
                    Some(n),
                    "migration {version} changed the rows of {table}"
                );
            }
            let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await
                .expect("integrity");
            assert_eq!(integrity, "ok", "after migration {version}");
            let broken: Vec<sqlx::sqlite::SqliteRow> = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .expect("fk check");
            assert!(
                broken.is_empty(),
                "migration {version} left {} rows breaking foreign keys",
                broken.len()
            );
            conn.close().await.expect("close");
        }
    }
}

/// The fixture itself (a database written by a released binary) takes every migration
/// after its own version.
#[tokio::test]
async fn the_fixture_takes_every_later_sqlite_migration() {
    let migrator = sqlite_migrator();
    for fixture in fixtures() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("copy.db");
        std::fs::copy(&fixture, &db).expect("copy");
        let mut conn = SqliteConnectOptions::new()
            .filename(&db)
            .connect()
            .await
            .expect("open");
        let before = sqlite_counts(&mut conn).await;
        migrator.run(&mut conn).await.expect("migrate the fixture");
        let after = sqlite_counts(&mut conn).await;
        for (table, n) in &before {
            assert_eq!(after.get(table), Some(n), "rows of {table}");
        }
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut conn)
                .await
                .expect("applied");
        assert_eq!(applied as usize, versions(&migrator).len());
        conn.close().await.expect("close");
    }
}

// ------------------------------------------------------------------------- PostgreSQL

async fn pg_connect(schema: &str) -> sqlx::PgConnection {
    let options: PgConnectOptions = PG_URL.parse().expect("url");
    let mut admin = options.connect().await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("schema");
    admin.close().await.expect("close");
    options
        .options([("search_path", schema)])
        .connect()
        .await
        .expect("connect")
}

async fn pg_drop(schema: &str) {
    let options: PgConnectOptions = PG_URL.parse().expect("url");
    let mut admin = options.connect().await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .expect("drop");
    admin.close().await.expect("close");
}

/// Column name -> data type of each table of the current schema.
async fn pg_columns(
    conn: &mut sqlx::PgConnection,
    schema: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let rows = sqlx::query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .expect("columns");
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for row in rows {
        out.entry(row.get("table_name"))
            .or_default()
            .insert(row.get("column_name"), row.get("data_type"));
    }
    out
}

async fn pg_counts(conn: &mut sqlx::PgConnection, schema: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for table in pg_columns(conn, schema).await.into_keys() {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM \"{table}\""
        )))
        .fetch_one(&mut *conn)
        .await
        .expect("count");
        counts.insert(table, n);
    }
    counts
}

/// A fixture value (as SQLite stored it) as the JSON `jsonb_populate_record` reads for a
/// column of `data_type`.
fn pg_value(value: &Value, data_type: &str) -> Value {
    match (data_type, value) {
        ("boolean", Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        ("jsonb", Value::String(text)) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        ("text", Value::Number(n)) => Value::String(n.to_string()),
        _ => value.clone(),
    }
}

/// Copies the fixture's rows into the tables of `conn` for the columns both have.
/// Foreign-key triggers are off while seeding (the rows are consistent as a whole).
async fn pg_seed(
    conn: &mut sqlx::PgConnection,
    schema: &str,
    fixture: &BTreeMap<String, Vec<Map<String, Value>>>,
) {
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .expect("replica role");
    for (table, columns) in pg_columns(conn, schema).await {
        let Some(rows) = fixture.get(&table) else {
            continue;
        };
        for row in rows {
            let record: Map<String, Value> = row
                .iter()
                .filter_map(|(c, v)| columns.get(c).map(|ty| (c.clone(), pg_value(v, ty))))
                .collect();
            if record.is_empty() {
                continue;
            }
            let cols = record
                .keys()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO \"{table}\" ({cols}) OVERRIDING SYSTEM VALUE \
                 SELECT {cols} FROM jsonb_populate_record(NULL::\"{table}\", $1)"
            )))
            .bind(Value::Object(record))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("seeding {table}: {e}"));
        }
    }
    // Identity columns continue after the copied ids.
    let identities = sqlx::query(
        "SELECT table_name, column_name FROM information_schema.columns \
         WHERE table_schema = $1 AND is_identity = 'YES'",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .expect("identities");
    for row in identities {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), \
             COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
        )))
        .execute(&mut *conn)
        .await
        .expect("sequence");
    }
    sqlx::query("SET session_replication_role = DEFAULT")
        .execute(&mut *conn)
        .await
        .expect("origin role");
}

#[tokio::test]
async fn every_postgres_migration_applies_on_the_previous_schema_with_data_in_it() {
    let migrator = postgres_migrator();
    let all = versions(&migrator);
    for fixture in fixtures() {
        let rows = fixture_rows(&fixture).await;
        for (i, &version) in all.iter().enumerate() {
            let schema = format!("mig_{}", uuid::Uuid::now_v7().simple());
            let mut conn = pg_connect(&schema).await;
            if i > 0 {
                migrator
                    .run_to(all[i - 1], &mut conn)
                    .await
                    .expect("previous schema");
                pg_seed(&mut conn, &schema, &rows).await;
            }
            let before = pg_counts(&mut conn, &schema).await;
            if i > 0 {
                assert!(
                    before.values().sum::<i64>() > 0,
                    "no fixture data fits schema {}",
                    all[i - 1]
                );
            }
            let applied = migrator.run_to(version, &mut conn).await;
            let after = pg_counts(&mut conn, &schema).await;
            conn.close().await.expect("close");
            pg_drop(&schema).await;
            applied.unwrap_or_else(|e| panic!("migration {version} on data: {e}"));
            for (table, n) in &before {
                assert_eq!(
                    after.get(table),
                    Some(n),
                    "migration {version} changed the rows of {table}"
                );
            }
        }
    }
}

/// Forward-only: no migration has a down script, and versions are unique and ordered.
#[test]
fn migrations_are_forward_only() {
    for migrator in [sqlite_migrator(), postgres_migrator()] {
        for m in migrator.iter() {
            assert!(
                matches!(m.migration_type, sqlx::migrate::MigrationType::Simple),
                "migration {} ({}) is reversible: migrations only go forward",
                m.version,
                m.description
            );
        }
        let listed: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(listed, sorted, "versions are unique and in order");
    }
}
