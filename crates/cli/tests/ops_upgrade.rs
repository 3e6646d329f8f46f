//! Upgrades: the binary under test opens a data directory written by a released binary
//! (tests/fixtures/upgrade/*/, made by make_fixture.py there), applies the newer
//! migrations, and finishes the runs the old server left: the slow steps it was running
//! when it was killed run again, the runs waiting for an approval continue when approved,
//! and the vault key sealed by the old binary still opens.

mod ops_support;
mod serve_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ops_support::*;
use reqwest::Method;
use serde_json::{Value, json};
use serve_support::*;
use sqlx::Connection;

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/upgrade");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("fixture.json").is_file())
        .collect();
    found.sort();
    assert!(!found.is_empty());
    found
}

/// A private copy of a fixture (git does not keep the key file's 0600).
fn copy_fixture(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).expect("mkdir");
    for name in ["agentruntime.db", "master.key"] {
        std::fs::copy(from.join(name), to.join(name)).expect("copy");
        std::fs::set_permissions(to.join(name), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
}

async fn applied_migrations(db: &Path) -> i64 {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    conn.close().await.expect("close");
    n
}

fn ids(fixture: &Value, key: &str) -> Vec<String> {
    fixture[key]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_of_the_previous_release_is_migrated_and_its_runs_finish() {
    for source in fixtures() {
        let fixture: Value =
            serde_json::from_slice(&std::fs::read(source.join("fixture.json")).expect("json"))
                .expect("fixture json");
        let dir = tempfile::tempdir().expect("dir");
        copy_fixture(&source, dir.path());
        let db = dir.path().join("agentruntime.db");
        let before = applied_migrations(&db).await;
        let newest = ar_store::maintenance::sqlite_migrator().iter().count() as i64;
        assert!(before <= newest, "the fixture is newer than this binary");

        let data = dir.path().display().to_string();
        let server = spawn(
            &["--listen", "127.0.0.1:0", "--data-dir", &data],
            &base_env(),
        )
        .expect("the new binary opens the old data directory");
        assert_eq!(
            applied_migrations(&db).await,
            newest,
            "every newer migration applied"
        );
        // The killed server's leases were released at start, and counted.
        let running = ids(&fixture, "running").len() as f64;
        assert_eq!(
            scrape(&server.base)
                .await
                .sum("agentruntime_work_recovered_total", &[]),
            running
        );
        // The fixture's owner (same credentials as the harness's).
        assert_eq!(fixture["email"], ADMIN_EMAIL);
        let (pat, _) = owner_pat(&server.base).await;
        let client = Client::with_pat(&server.base, &pat);
        let workflow = |name: &str| fixture["workflows"][name].as_str().expect("wf").to_owned();
        let wait = Duration::from_secs(120);

        // Interrupted mid-step: run again, as the next attempt, and complete.
        for run in ids(&fixture, "running") {
            let done = wait_run(&client, &workflow("slow"), &run, wait, is_terminal).await;
            assert_eq!(done["status"], "completed", "{done}");
            let context = client
                .get(&format!(
                    "/v1/workflows/{}/runs/{run}/context",
                    workflow("slow")
                ))
                .await;
            assert_eq!(
                context.body["steps"]["slow"]["attempt"], 2,
                "{}",
                context.body
            );
            assert_eq!(context.body["steps"]["c"]["result"]["n"], 3);
        }
        // Waiting for a person: still waiting, then approved and finished.
        for run in ids(&fixture, "waiting_for_approval") {
            let path = format!("/v1/workflows/{}/runs/{run}", workflow("approval"));
            let pending = client.get(&format!("{path}/tasks/pending")).await;
            assert_eq!(
                pending.body["tasks"][0]["task_id"], "approve",
                "{}",
                pending.body
            );
            let approved = client
                .send(
                    Method::POST,
                    &format!("{path}/tasks/approve/complete"),
                    None,
                    Some(json!({"approved": true})),
                )
                .await;
            assert_eq!(approved.status, 200, "{}", approved.body);
            let done = wait_run(&client, &workflow("approval"), &run, wait, is_terminal).await;
            assert_eq!(done["status"], "completed", "{done}");
        }
        // Finished before: untouched.
        for run in ids(&fixture, "completed") {
            let done = wait_run(&client, &workflow("quick"), &run, wait, is_terminal).await;
            assert_eq!(done["status"], "completed");
        }
        // The old binary's workspace data key opens: sealing a new secret needs it.
        let sealed = client
            .send(
                Method::PUT,
                "/v1/vault/secrets/AFTER_UPGRADE",
                None,
                Some(json!({"value": "sealed-after"})),
            )
            .await;
        assert!(sealed.status < 300, "{}", sealed.body);
        let listed = client.get("/v1/vault/secrets").await.body.to_string();
        assert!(
            listed.contains("FIXTURE_SECRET") && listed.contains("AFTER_UPGRADE"),
            "{listed}"
        );
        let exited = server.terminate();
        assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    }
}
