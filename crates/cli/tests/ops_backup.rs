//! `agentruntime admin backup` / `admin restore` against a real server: a backup taken
//! during a burst of 500 runs restores into a new data directory whose server finishes
//! every run that was in flight when the copy was made; damaged backups, a key that does
//! not belong to the database and an occupied data directory are refused.

mod ops_support;
mod serve_support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ops_support::*;
use reqwest::Method;
use serde_json::{Value, json};
use serve_support::*;
use sqlx::Connection;

const RUNS: usize = 500;

/// The harness's settings plus a quota of unfinished runs above the burst: the test is
/// about a backup taken while hundreds of runs are in flight, which the default quota
/// (100 per workspace) would refuse once starts outpace the engine.
fn burst_env() -> Vec<(String, String)> {
    let mut env = base_env();
    env.push((
        "AR_MAX_ACTIVE_RUNS_PER_WORKSPACE".to_owned(),
        (RUNS * 2).to_string(),
    ));
    env
}
/// Parallel HTTP clients starting runs.
const STARTERS: usize = 8;
/// The backup is taken once this many runs were started.
const BACKUP_AFTER: usize = 200;

/// Three Lua steps in a row, the middle one busy for some 30 ms (debug build), so runs
/// started faster than they finish pile up in flight.
fn graph() -> Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {n = 1}"},
        {"id": "b", "type": "lua_script", "depends_on": ["a"],
         "script": "local s = 0 for i = 1, 1000000 do s = s + i end return {s = s}"},
        {"id": "c", "type": "lua_script", "depends_on": ["b"], "script": "return {n = 3}"}
    ]})
}

/// `agentruntime admin ARGS` with no `AR_*` variable from the caller's environment.
fn admin(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
    command.arg("admin").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("AR_") {
            command.env_remove(name);
        }
    }
    command.output().expect("run agentruntime admin")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Run statuses in a database file, read directly.
async fn statuses(db: &Path) -> Vec<(String, String)> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("open db");
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, status FROM runs ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("runs");
    conn.close().await.expect("close");
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_burst_restores_and_finishes_every_run_in_flight() {
    let root = tempfile::tempdir().expect("dir");
    let live = root.path().join("live");
    let backup = root.path().join("backup");
    let restored = root.path().join("restored");
    let server = spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &live.display().to_string(),
        ],
        &burst_env(),
    )
    .expect("serve starts");
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    // A secret makes the workspace's data key: the backup's key must open it.
    let secret = client
        .send(
            Method::PUT,
            "/v1/vault/secrets/API_TOKEN",
            None,
            Some(json!({"value": "kept-with-its-key"})),
        )
        .await;
    assert!(
        secret.status == 200 || secret.status == 201,
        "{}",
        secret.body
    );
    let workflow = publish(&client, &project, "burst", graph()).await;

    // The burst: STARTERS clients start RUNS runs; the backup runs once BACKUP_AFTER
    // were started, while the others keep coming and the engine keeps working.
    // `claimed` hands out the RUNS starts; `created` counts the answered ones.
    let claimed = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let mut starters = Vec::new();
    for _ in 0..STARTERS {
        let client = Client::with_pat(&server.base, &pat);
        let workflow = workflow.clone();
        let (claimed, created) = (claimed.clone(), created.clone());
        starters.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            while claimed.fetch_add(1, Ordering::SeqCst) < RUNS {
                ids.push(start_run(&client, &workflow, json!({})).await);
                created.fetch_add(1, Ordering::SeqCst);
            }
            ids
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while created.load(Ordering::SeqCst) < BACKUP_AFTER {
        assert!(Instant::now() < deadline, "the burst is too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backup_arg = backup.display().to_string();
    let live_arg = live.display().to_string();
    let made = tokio::task::spawn_blocking(move || {
        admin(&["backup", "--data-dir", &live_arg, &backup_arg])
    })
    .await
    .expect("backup");
    assert!(made.status.success(), "backup failed: {}", text(&made));
    assert!(text(&made).contains("backup written"), "{}", text(&made));
    let mut all_runs = Vec::new();
    for starter in starters {
        all_runs.extend(starter.await.expect("starter"));
    }
    assert_eq!(all_runs.len(), RUNS);

    // What the backup holds: some runs done, some in flight, the rest not started yet.
    let in_backup = statuses(&backup.join("agentruntime.db")).await;
    let in_flight: Vec<&String> = in_backup
        .iter()
        .filter(|(_, status)| status != "completed")
        .map(|(id, _)| id)
        .collect();
    assert!(
        in_backup.len() >= BACKUP_AFTER && in_backup.len() <= RUNS,
        "{} runs in the backup",
        in_backup.len()
    );
    assert!(
        !in_flight.is_empty(),
        "no run was in flight at backup time: the test proves nothing"
    );
    println!(
        "backup after {BACKUP_AFTER} starts: {} runs in it, {} of them in flight",
        in_backup.len(),
        in_flight.len()
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("backup.json")).expect("manifest"))
            .expect("manifest json");
    assert_eq!(manifest["runs"], in_backup.len());
    assert_eq!(manifest["master_key_source"], "file");
    assert_eq!(manifest["workspace_data_keys"], 1, "{manifest}");
    assert_eq!(mode(&backup.join("master.key")), 0o600);
    assert_eq!(mode(&backup), 0o700);

    // The live server goes away mid-burst (as a crashed host would).
    drop(server);

    let restored_arg = restored.display().to_string();
    let backup_arg = backup.display().to_string();
    let out = admin(&["restore", &backup_arg, "--data-dir", &restored_arg]);
    assert!(out.status.success(), "restore failed: {}", text(&out));
    assert_eq!(mode(&restored.join("master.key")), 0o600);
    assert_eq!(
        std::fs::read(restored.join("master.key")).expect("key"),
        std::fs::read(live.join("master.key")).expect("key"),
        "the master key travels with the database"
    );

    let server = spawn(
        &["--listen", "127.0.0.1:0", "--data-dir", &restored_arg],
        &burst_env(),
    )
    .expect("the restored server starts");
    let client = Client::with_pat(&server.base, &owner_pat(&server.base).await.0);
    // Every run the backup held completes (the ones in flight continue), nothing else
    // appears, and the secret is still listed.
    let db = restored.join("agentruntime.db");
    let deadline = Instant::now() + Duration::from_secs(240);
    let finished = loop {
        let now = statuses(&db).await;
        if now.iter().all(|(_, status)| status == "completed") {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "runs left unfinished after restore: {:?}",
            now.iter()
                .filter(|(_, s)| s != "completed")
                .take(5)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let ids = |rows: &[(String, String)]| rows.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&finished), ids(&in_backup));
    for run in in_flight.iter().take(3) {
        let context = client
            .get(&format!("/v1/workflows/{workflow}/runs/{run}/context"))
            .await;
        assert_eq!(context.status, 200, "{}", context.body);
        assert_eq!(
            context.body["steps"]["c"]["result"]["n"], 3,
            "{}",
            context.body
        );
    }
    let secrets = client.get("/v1/vault/secrets").await;
    assert!(
        secrets.body.to_string().contains("API_TOKEN"),
        "{}",
        secrets.body
    );
    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_or_mismatched_backups_and_occupied_data_dirs_are_refused() {
    let root = tempfile::tempdir().expect("dir");
    let live = root.path().join("live");
    let live_arg = live.display().to_string();
    let server = spawn(
        &["--listen", "127.0.0.1:0", "--data-dir", &live_arg],
        &burst_env(),
    )
    .expect("serve starts");
    let (pat, _) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let put = client
        .send(
            Method::PUT,
            "/v1/vault/secrets/K",
            None,
            Some(json!({"value": "v"})),
        )
        .await;
    assert!(put.status < 300, "{}", put.body);
    let backup = root.path().join("b1");
    let backup_arg = backup.display().to_string();
    let made = admin(&["backup", "--data-dir", &live_arg, &backup_arg]);
    assert!(made.status.success(), "{}", text(&made));
    server.terminate();

    // A backup never overwrites: the same OUT again is refused.
    let again = admin(&["backup", "--data-dir", &live_arg, &backup_arg]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // The live directory holds a database: no restore over it without --force.
    let occupied = admin(&["restore", &backup_arg, "--data-dir", &live_arg]);
    assert_eq!(occupied.status.code(), Some(2), "{}", text(&occupied));
    assert!(text(&occupied).contains("--force"), "{}", text(&occupied));
    // With --force the current files are moved aside, not deleted.
    let forced = admin(&["restore", &backup_arg, "--data-dir", &live_arg, "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    let aside: Vec<_> = std::fs::read_dir(&live)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("before-restore-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].path().join("agentruntime.db").is_file());

    // A flipped byte in the database: the checksum catches it.
    let damaged = root.path().join("damaged");
    copy_dir(&backup, &damaged);
    let db = damaged.join("agentruntime.db");
    let mut bytes = std::fs::read(&db).expect("db");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&db, bytes).expect("write");
    let target = root.path().join("t1").display().to_string();
    let out = admin(&[
        "restore",
        &damaged.display().to_string(),
        "--data-dir",
        &target,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("checksum"), "{}", text(&out));
    assert!(!Path::new(&target).join("agentruntime.db").exists());

    // Another master key (checksum made to match): the workspace key does not open.
    let mismatched = root.path().join("mismatched");
    copy_dir(&backup, &mismatched);
    let other_key = "b3RoZXIta2V5LXRoYXQtZG9lcy1ub3QtYmVsb25nISE=";
    std::fs::write(mismatched.join("master.key"), format!("{other_key}\n")).expect("key");
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(mismatched.join("backup.json")).expect("m"))
            .expect("json");
    manifest["files"]["master.key"] = json!(sha256_hex(&mismatched.join("master.key")));
    std::fs::write(mismatched.join("backup.json"), manifest.to_string()).expect("write");
    let target = root.path().join("t2").display().to_string();
    let out = admin(&[
        "restore",
        &mismatched.display().to_string(),
        "--data-dir",
        &target,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("does not open with this master key"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains(other_key),
        "the key never reaches the output"
    );
    assert!(!Path::new(&target).join("agentruntime.db").exists());

    // Not a backup at all.
    let out = admin(&[
        "restore",
        &root.path().display().to_string(),
        "--data-dir",
        &target,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not a backup"), "{}", text(&out));

    // PostgreSQL deployments are pointed at pg_dump.
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
    command
        .args(["admin", "backup", "--data-dir", &live_arg])
        .arg(root.path().join("pg2"))
        .env("AR_DATABASE_URL", PG_URL);
    let out = command.output().expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_owned()
}
