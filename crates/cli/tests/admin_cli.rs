//! `agentruntime admin rotate-master-key` against a running `serve` on the embedded
//! default: the command rewrites the key file (new key first, old kept), re-wraps the data
//! keys and prints what it did without any key; the running server keeps verifying a
//! webhook's signature (it re-reads the file when it meets the new key), also after
//! `--retire` dropped the old key; a bad `--new-key-file` is a clear exit 2.

mod serve_support;

use std::process::{Command, Stdio};

use ar_connect::vault::{MasterKey, load_ring_file};
use serde_json::json;
use serve_support::*;

/// Runs `agentruntime admin rotate-master-key ARGS` without any inherited `AR_*` variable.
fn rotate(args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
    command.args(["admin", "rotate-master-key"]).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("AR_") {
            command.env_remove(name);
        }
    }
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

async fn deliver(base: &str, hook: &str, secret: &str, pat: &str) -> u16 {
    let body = r#"{"n": 1}"#;
    reqwest::Client::new()
        .post(format!("{base}/v1/inbound-webhooks/{hook}"))
        .header("Content-Type", "application/json")
        .header(
            "X-Agentruntime-Signature",
            ar_server::automation::signature::sign(secret, body.as_bytes()),
        )
        .bearer_auth(pat)
        .body(body)
        .send()
        .await
        .expect("delivery")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_a_running_server_working() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    let server = spawn(
        &["--listen", "127.0.0.1:0", "--data-dir", &data_arg],
        &base_env(),
    )
    .expect("server starts");
    let (pat, project) = owner_pat(&server.base).await;
    let api = Client::with_pat(&server.base, &pat);
    let r = api
        .send(
            reqwest::Method::PUT,
            "/v1/vault/secrets/TOKEN",
            None,
            Some(json!({"value": "v-1"})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = api
        .send(
            reqwest::Method::POST,
            "/v1/workflows",
            Some(&project),
            Some(json!({"name": "W", "graph": {"steps": [{"id": "a", "type": "human_task"}]}})),
        )
        .await;
    let workflow = r.body["id"].as_str().expect("workflow").to_owned();
    let r = api
        .send(
            reqwest::Method::POST,
            &format!("/v1/workflows/{workflow}/versions"),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // The webhook's automation PAT: a token without `admin` (ingress refuses one with it).
    let r = api
        .send(
            reqwest::Method::POST,
            "/v1/pats",
            None,
            Some(json!({"name": "hook", "scopes": ["workflow:run", "workflow:write"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let pat = r.body["token"].as_str().expect("token").to_owned();
    let r = Client::with_pat(&server.base, &pat)
        .send(
            reqwest::Method::POST,
            "/v1/inbound-webhooks",
            None,
            Some(json!({"workflow_id": workflow})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let hook = r.body["id"].as_str().expect("hook").to_owned();
    let secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(deliver(&server.base, &hook, &secret, &pat).await, 202);

    let key_file = data.join("master.key");
    let old = load_ring_file(&key_file).expect("key file");
    let (code, stdout, stderr) = rotate(&["--data-dir", &data_arg]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("re-wrapped: 1 workspace data key(s), 1 webhook secret key(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("retired key ids: {}", old.current().key_id())),
        "{stdout}"
    );
    let ring = load_ring_file(&key_file).expect("rotated file");
    assert_ne!(ring.current().key_id(), old.current().key_id());
    for key in ring.keys() {
        assert!(
            !stdout.contains(key.to_base64().expose_secret()),
            "a key was printed"
        );
        assert!(
            !stderr.contains(key.to_base64().expose_secret()),
            "a key was logged"
        );
    }
    assert_eq!(
        deliver(&server.base, &hook, &secret, &pat).await,
        202,
        "after the rotation"
    );

    let (code, stdout, stderr) = rotate(&["--data-dir", &data_arg, "--retire"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("dropped key ids: {}", old.current().key_id())),
        "{stdout}"
    );
    let retired = load_ring_file(&key_file).expect("file");
    assert!(retired.retired().is_empty());
    assert_eq!(retired.current().key_id(), ring.current().key_id());
    assert_eq!(
        deliver(&server.base, &hook, &secret, &pat).await,
        202,
        "after the retirement"
    );

    // A given key: used as is; an unreadable one: exit 2 naming the file.
    let given = dir.path().join("new.key");
    let key = MasterKey::load_or_create_file(&given).expect("new key file");
    let (code, stdout, stderr) = rotate(&[
        "--data-dir",
        &data_arg,
        "--new-key-file",
        &given.display().to_string(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("current key id: {}", key.key_id())),
        "{stdout}"
    );
    let bad = dir.path().join("bad.key");
    std::fs::write(&bad, "not a key").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let (code, _, stderr) = rotate(&[
        "--data-dir",
        &data_arg,
        "--new-key-file",
        &bad.display().to_string(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.key") && stderr.contains("not valid base64"),
        "{stderr}"
    );
    assert_eq!(
        deliver(&server.base, &hook, &secret, &pat).await,
        202,
        "after all of it"
    );
    let exited = server.terminate();
    assert!(exited.status.success(), "{}", exited.stderr);
}
