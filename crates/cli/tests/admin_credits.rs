//! `agentruntime admin credits grant` against a running `serve` on the embedded default
//! (docs/billing.md "The operator's grant"): the grant lands in the workspace's PAYG
//! bucket, which the API then shows, and a starved start then passes; an unknown
//! workspace or a bad amount is a clear exit 2.

mod serve_support;

use std::process::{Command, Stdio};

use serde_json::json;
use serve_support::*;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const SHARED_MASTER_KEY: &str = "dHdvLW5vZGVzLXNoYXJlLW9uZS1tYXN0ZXIta2V5ISE=";

/// Runs `agentruntime admin credits grant ARGS` without any inherited `AR_*` variable.
fn grant(args: &[&str]) -> (i32, String, String) {
    grant_with(args, &[])
}

/// The same, with these `AR_*` variables.
fn grant_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    admin(&["credits", "grant"], args, env)
}

/// Runs `agentruntime admin COMMAND… ARGS` with these `AR_*` variables only.
fn admin(command_words: &[&str], args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
    command.arg("admin").args(command_words).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("AR_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let out = command
        .stdin(Stdio::null())
        .output()
        .expect("run the command");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_reaches_a_running_server() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    let mut env = base_env();
    env.push(("AR_BILLING_ENABLED".into(), "true".into()));
    let server =
        spawn(&["--listen", "127.0.0.1:0", "--data-dir", &data_arg], &env).expect("server starts");
    let (pat, project) = owner_pat(&server.base).await;
    let api = Client::with_pat(&server.base, &pat);
    let r = api
        .send(
            reqwest::Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "W", "graph": {"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let wf = r.body["id"].as_str().expect("id").to_owned();
    let r = api
        .send(
            reqwest::Method::POST,
            &format!("/v1/workflows/{wf}/versions"),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let start = json!({"command": "start", "params": {}});
    let path = format!("/v1/workflows/{wf}/command");
    let r = api
        .send(reqwest::Method::POST, &path, None, Some(start.clone()))
        .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (422, &json!("INSUFFICIENT_CREDITS")),
        "{:?}",
        r.body
    );

    let (code, out, err) = grant(&[
        "--data-dir",
        &data_arg,
        "--workspace",
        "default",
        "--microcredits",
        "5000000",
        "--note",
        "invoice 12",
    ]);
    assert_eq!(code, 0, "stdout {out}\nstderr {err}");
    assert!(
        out.contains("granted 5000000 microcredits to default"),
        "{out}"
    );
    assert!(out.contains("payg 5000000"), "{out}");

    let r = api
        .send(
            reqwest::Method::GET,
            "/v1/billing/usage",
            Some(&project),
            None,
        )
        .await;
    assert_eq!(r.body["payg_remaining"], 5_000_000, "{:?}", r.body);
    let r = api
        .send(
            reqwest::Method::GET,
            "/v1/billing/payment-history",
            Some(&project),
            None,
        )
        .await;
    assert_eq!(r.body["payments"][0]["note"], "invoice 12", "{:?}", r.body);
    let r = api
        .send(reqwest::Method::POST, &path, None, Some(start))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    for (args, says) in [
        (
            vec!["--workspace", "nope", "--microcredits", "1"],
            "no workspace with the slug \"nope\"",
        ),
        (
            vec!["--workspace", "default", "--microcredits", "0"],
            "between 1 and",
        ),
        (
            vec!["--workspace", "default", "--microcredits=-3"],
            "between 1 and",
        ),
    ] {
        let mut all = vec!["--data-dir", data_arg.as_str()];
        all.extend(args);
        let (code, out, err) = grant(&all);
        assert_eq!(code, 2, "{all:?}: stdout {out}\nstderr {err}");
        assert!(err.contains(says), "{all:?}: {err}");
    }

    // The workspace's own price: set, shown by the running server, removed.
    let prices = |words: &[&str], args: &[&str]| {
        let mut all = vec!["--data-dir", data_arg.as_str(), "--workspace", "default"];
        all.extend(args);
        admin(&[&["prices"][..], words].concat(), &all, &[])
    };
    let (code, out, err) = prices(&["set"], &["--action", "mcp.call", "--microcredits", "5"]);
    assert_eq!(code, 0, "stdout {out}\nstderr {err}");
    assert!(out.contains("mcp.call = 5 (workspace)"), "{out}");
    assert!(out.contains("llm.tokens_in = 0 (default)"), "{out}");
    let r = api
        .send(
            reqwest::Method::GET,
            "/v1/billing/action-pricing",
            Some(&project),
            None,
        )
        .await;
    let mcp = r.body["prices"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["action"] == "mcp.call"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&mcp["microcredits"], &mcp["workspace_price"]),
        (&json!(5), &json!(true)),
        "{:?}",
        r.body
    );
    let (code, out, _) = prices(&["unset"], &["--action", "mcp.call"]);
    assert_eq!(code, 0);
    assert!(out.contains("mcp.call = 0 (default)"), "{out}");
    for (words, args, says) in [
        (
            vec!["set"],
            vec!["--action", "mcp.calls", "--microcredits", "5"],
            "unknown action \"mcp.calls\"",
        ),
        (
            vec!["set"],
            vec!["--action", "mcp.call", "--microcredits=-1"],
            "between 0",
        ),
        (
            vec!["set"],
            vec!["--action", "mcp.call"],
            "--microcredits is required",
        ),
        (vec!["unset"], vec![], "--action is required"),
    ] {
        let (code, out, err) = prices(&words, &args);
        assert_eq!(code, 2, "{words:?} {args:?}: stdout {out}\nstderr {err}");
        assert!(err.contains(says), "{words:?} {args:?}: {err}");
    }
}

/// `--database-url`: the grant goes into the shared Postgres database a running node
/// serves from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_through_the_database_url() {
    let dir = tempfile::tempdir().expect("dir");
    let schema = format!("admin_credits_{}", uuid::Uuid::now_v7().simple());
    let mut env = base_env();
    env.extend(
        [
            ("AR_DATABASE_URL", PG_URL),
            ("AR_DATABASE_SCHEMA", schema.as_str()),
            ("AR_MASTER_KEY", SHARED_MASTER_KEY),
            ("AR_DATA_DIR", &dir.path().display().to_string()),
            ("AR_BILLING_ENABLED", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let server = spawn(&["--listen", "127.0.0.1:0"], &env).expect("server starts");
    let (pat, project) = owner_pat(&server.base).await;
    let (code, out, err) = grant_with(
        &[
            "--database-url",
            PG_URL,
            "--workspace",
            "default",
            "--microcredits",
            "7",
        ],
        &[
            ("AR_DATABASE_SCHEMA", &schema),
            ("AR_MASTER_KEY", SHARED_MASTER_KEY),
        ],
    );
    assert_eq!(code, 0, "stdout {out}\nstderr {err}");
    assert!(out.contains("payg 7, total 7"), "{out}");
    let api = Client::with_pat(&server.base, &pat);
    let r = api
        .send(
            reqwest::Method::GET,
            "/v1/billing/usage",
            Some(&project),
            None,
        )
        .await;
    assert_eq!(r.body["total_remaining_microcredits"], 7, "{:?}", r.body);
}
