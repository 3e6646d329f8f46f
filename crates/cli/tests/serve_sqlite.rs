//! `agentruntime serve` on the embedded default: probes, graceful exit on SIGTERM, the
//! master key file (created 0600, reused, refused when others can read it, overridden by
//! `AR_MASTER_KEY`), structured logs, the order settings are layered in, and recovery after
//! a `kill -9` (interrupted steps run first).

mod crash_support;
mod serve_support;

use serde_json::{Value, json};
use serve_support::*;

fn env_with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = base_env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn data_dir_arg(dir: &std::path::Path) -> String {
    dir.display().to_string()
}

/// The `vault master key loaded` log record of a JSON-logging server.
fn key_log(stderr: &str) -> Value {
    json_log_lines(stderr)
        .into_iter()
        .find(|line| line["fields"]["message"] == "vault master key loaded")
        .unwrap_or_else(|| panic!("no key log line in:\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_the_probes_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let server = spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &data_dir_arg(&data),
        ],
        &base_env(),
    )
    .expect("serve starts");
    let client = Client::new(&server.base);
    let health = client.get("/healthz").await;
    assert_eq!((health.status, &health.body["status"]), (200, &"ok".into()));
    let ready = client.get("/readyz").await;
    assert_eq!(
        (ready.status, &ready.body["status"]),
        (200, &"ready".into())
    );
    // The embedded store and the key file live in the data directory.
    assert!(data.join("agentruntime.db").exists());
    assert_eq!(mode(&data.join("master.key")), 0o600);
    // The owner account from AR_ADMIN_* signs in.
    let (pat, _) = owner_pat(&server.base).await;
    assert!(pat.starts_with("pat_"), "{pat}");

    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    assert!(
        exited.stdout.contains("sign in at http://127.0.0.1:"),
        "tells how to sign in: {}",
        exited.stdout
    );
    assert!(!exited.stderr.contains(ADMIN_PASSWORD), "password in logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_password_is_printed_once_and_signs_in() {
    let dir = tempfile::tempdir().expect("dir");
    let env: Vec<_> = base_env()
        .into_iter()
        .filter(|(k, _)| k != "AR_ADMIN_PASSWORD")
        .collect();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data_dir_arg(dir.path()),
    ];
    let first = spawn(&args, &env).expect("serve starts").terminate();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let password = first
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("agentruntime: generated password (shown once): "))
        .unwrap_or_else(|| panic!("no password in:\n{}", first.stdout))
        .to_owned();
    let second = spawn(&args, &env).expect("serve restarts");
    let login = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", second.base))
        .json(&json!({"email": ADMIN_EMAIL, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let second = second.terminate();
    assert!(!second.stdout.contains("generated password"), "{second:?}");
}

#[test]
fn the_master_key_file_is_created_once_and_reused_on_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data_dir_arg(dir.path()),
        "--log-format",
        "json",
    ];
    let first = spawn(&args, &base_env()).expect("serve starts").terminate();
    let key_file = dir.path().join("master.key");
    let key_text = std::fs::read_to_string(&key_file).expect("key file");
    let created = key_log(&first.stderr);
    assert!(
        created["fields"]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("CreatedFile")),
        "{created}"
    );
    let second = spawn(&args, &base_env())
        .expect("serve restarts")
        .terminate();
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let reused = key_log(&second.stderr);
    assert!(
        reused["fields"]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("File")),
        "{reused}"
    );
    assert_eq!(reused["fields"]["key_id"], created["fields"]["key_id"]);
    assert_eq!(std::fs::read_to_string(&key_file).expect("key"), key_text);
    // The key itself never reaches the output.
    let key = key_text.trim();
    for output in [&first.stdout, &first.stderr, &second.stdout, &second.stderr] {
        assert!(!output.contains(key), "the master key was printed");
    }
}

#[test]
fn a_key_file_others_can_read_stops_the_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("master.key");
    std::fs::write(&key_file, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").expect("write");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let exited = spawn_refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &data_dir_arg(dir.path()),
        ],
        &base_env(),
    );
    assert_eq!(exited.status.code(), Some(2), "{exited:?}");
    assert!(
        exited.stderr.contains("mode 644") && exited.stderr.contains("chmod 600"),
        "{}",
        exited.stderr
    );
    assert!(!exited.stderr.contains("AAAAAAAA"), "{}", exited.stderr);
}

#[test]
fn ar_master_key_overrides_the_file_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data_dir_arg(dir.path()),
        "--log-format",
        "json",
    ];
    // 32 bytes of base64.
    let key = "c2VydmUtdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzISE=";
    let exited = spawn(&args, &env_with(&[("AR_MASTER_KEY", key)]))
        .expect("serve starts")
        .terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    assert_eq!(key_log(&exited.stderr)["fields"]["source"], "Environment");
    assert!(!dir.path().join("master.key").exists(), "no file written");
    assert!(!exited.stderr.contains(key) && !exited.stdout.contains(key));

    let bad = "bm90IDMyIGJ5dGVz";
    let refused = spawn_refused(&args, &env_with(&[("AR_MASTER_KEY", bad)]));
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains("AR_MASTER_KEY") && !refused.stderr.contains(bad),
        "{}",
        refused.stderr
    );
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let [from_file, from_env, from_flag] = ["file", "env", "flag"].map(|n| dir.path().join(n));
    let config = dir.path().join("agentruntime.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n",
            from_file.display()
        ),
    )
    .expect("config");
    let config_arg = data_dir_arg(&config);
    let key_in = |dir: &std::path::Path| dir.join("master.key").exists();

    // File only (named by AR_CONFIG).
    let env = env_with(&[("AR_CONFIG", &config_arg)]);
    spawn(&[], &env).expect("starts").terminate();
    assert!(key_in(&from_file));

    // The environment beats the file.
    let env_dir = data_dir_arg(&from_env);
    let env = env_with(&[("AR_CONFIG", &config_arg), ("AR_DATA_DIR", &env_dir)]);
    spawn(&[], &env).expect("starts").terminate();
    assert!(key_in(&from_env));

    // The flag beats both.
    spawn(&["--data-dir", &data_dir_arg(&from_flag)], &env)
        .expect("starts")
        .terminate();
    assert!(key_in(&from_flag));
}

#[test]
fn bad_settings_are_refused_with_the_name_of_the_culprit() {
    let dir = tempfile::tempdir().expect("dir");
    let data = data_dir_arg(dir.path());
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("AR_SIGNUP", "sometimes")], "AR_SIGNUP"),
        (&[("AR_LOG", "ar_server=loud")], "AR_LOG"),
        (&[("AR_DATABASE_SCHEMA", "s1")], "AR_DATABASE_SCHEMA"),
        (&[("AR_NODE_ID", "two words")], "AR_NODE_ID"),
        (&[("AR_LEASE_MS", "10")], "AR_LEASE_MS"),
        (
            &[("AR_CONFIG", "/nonexistent/agentruntime.toml")],
            "/nonexistent/agentruntime.toml",
        ),
    ];
    for (extra, culprit) in cases {
        let refused = spawn_refused(
            &["--listen", "127.0.0.1:0", "--data-dir", &data],
            &env_with(extra),
        );
        assert_eq!(refused.status.code(), Some(2), "{extra:?}: {refused:?}");
        assert!(
            refused.stderr.contains(culprit),
            "{extra:?}: {}",
            refused.stderr
        );
    }
}

/// The runs of a data directory's store, as the (dead or stopped) server left them.
async fn snapshots(data: &std::path::Path, runs: &[String]) -> Vec<crash_support::Snapshot> {
    let path = data.join("agentruntime.db");
    let store = ar_store::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("open the store");
    crash_support::snapshots_then_close(store, runs).await
}

/// Regression (issue 12, finding 2, SQLite): after a `kill -9` during many runs, the steps
/// that were in flight became claimable at the restart but re-ran up to 47 s later, behind
/// runs that had never started. They must re-run first, within a second of the restart
/// releasing them, and no step may complete twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_in_flight_at_a_kill_9_rerun_first_and_at_once_after_the_restart() {
    const RUNS: usize = 30;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let log = dir.path().join("executions");
    let env = env_with(&[
        // Every Lua step lasts 300 ms, so the kill lands with steps in flight.
        ("AR_TEST_STEP_DELAY_MS", "300"),
        ("AR_TEST_EXECUTION_LOG", &log.display().to_string()),
        ("AR_LOG_FORMAT", "json"),
    ]);
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data_dir_arg(&data),
    ];
    let server = spawn(&args, &env).expect("serve starts");
    let (pat, project) = owner_pat(&server.base).await;
    let client = Client::with_pat(&server.base, &pat);
    let workflow = published_workflow(&client, &project, lua_chain(6)).await;
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(start_run(&client, &workflow, json!({})).await);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while crash_support::executions(&log).len() < 20 {
        assert!(std::time::Instant::now() < deadline, "steps never ran");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let killed = server.kill();
    assert!(killed.status.code().is_none(), "killed by the signal");

    let at_kill = snapshots(&data, &runs).await;
    let mut interrupted = Vec::new();
    let mut never_started = Vec::new();
    for (id, snap) in runs.iter().zip(&at_kill) {
        for (step, state) in &snap.units {
            if state.status() == ar_store::StepStatus::Running {
                interrupted.push((id.clone(), step.clone()));
            }
        }
        if snap.events.iter().all(|e| e.kind != "step_started") {
            never_started.push(id.clone());
        }
    }
    assert!(!interrupted.is_empty(), "the kill interrupted steps");
    assert!(!never_started.is_empty(), "some runs had not started");

    let server = spawn(&args, &env).expect("serve restarts");
    let client = Client::with_pat(&server.base, &pat);
    for id in &runs {
        let path = format!("/v1/workflows/{workflow}/runs/{id}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            let run = client.get(&path).await;
            if run.body["status"] == "completed" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "run {id}: {}",
                run.body
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    let released_at = json_log_time(
        &exited.stderr,
        "released the leases a previous process left; that work runs first",
    )
    .unwrap_or_else(|| panic!("no release log line in:\n{}", exited.stderr));

    let after = snapshots(&data, &runs).await;
    let by_run: std::collections::BTreeMap<&String, &crash_support::Snapshot> =
        runs.iter().zip(&after).collect();
    let first_new_start = never_started
        .iter()
        .map(|id| by_run[id].starts("s1")[0].2)
        .min()
        .expect("never-started runs");
    let mut delays = Vec::new();
    for (id, step) in &interrupted {
        let started = by_run[id].starts(step);
        let (first_attempt, first_node, _) = started[0].clone();
        let (attempt, node, at) = started.last().cloned().expect("a re-run");
        assert_eq!(attempt, first_attempt + 1, "{id} {step}: {started:?}");
        assert_ne!(
            node, first_node,
            "the restarted process has another node id"
        );
        assert!(
            at <= first_new_start,
            "{step} of {id} re-ran at {at}, after a run that had never started began at {first_new_start}"
        );
        delays.push(at - released_at);
    }
    crash_support::assert_recovered(
        &format!("kill -9 during {RUNS} runs, restart"),
        &mut delays,
        1000,
        &after,
    );
}
