//! Item 1: host code execution through a stdio MCP server's environment.
//!
//! The attack (worked on main): a stranger signs up, takes an instance of the operator's
//! stdio catalog server (a Node program), writes a config profile whose `env` sets
//! `NODE_OPTIONS=--require=<payload>`, and calls `POST /v1/mcp/servers/{id}/validate`:
//! the server spawns the program with that variable and the payload runs on the host.
//! Now: the profile is refused (422, naming the variables), and a profile row that holds
//! such a variable anyway (written before the rule, or by hand) never passes it to the
//! child.

use std::path::Path;
use std::process::Command;

use reqwest::Method;
use serde_json::json;

use crate::boundary_support::*;

/// The catalog: server-everything over stdio, declaring one credential variable.
fn settings() -> String {
    format!(
        "[[mcp_catalog]]\nname = \"everything\"\ncommand = \"node\"\nargs = [{}, \"stdio\"]\n\
         credentials = [\"EVERYTHING_TOKEN\"]\n",
        toml_string(&everything_js())
    )
}

/// A CommonJS file that, when Node preloads it, leaves `marker` behind.
fn payload(dir: &Path, marker: &Path) -> std::path::PathBuf {
    let path = dir.join("payload.cjs");
    std::fs::write(
        &path,
        format!(
            "require('fs').writeFileSync({}, 'pwned');\n",
            toml_quote(&marker.display().to_string())
        ),
    )
    .expect("write payload");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_cannot_give_a_stdio_server_a_code_loading_environment() {
    let served = serve(Some(&settings()), &[]);
    let marker = served.dir.path().join("pwned");
    let node_options = format!(
        "--require={}",
        payload(served.dir.path(), &marker).display()
    );
    // The payload is live: Node given this variable runs it.
    let control = Command::new("node")
        .args(["-e", "0"])
        .env("NODE_OPTIONS", &node_options)
        .status()
        .expect("run node");
    assert!(
        control.success() && marker.exists(),
        "the payload must work"
    );
    std::fs::remove_file(&marker).expect("reset the marker");

    let eve = stranger(served.base(), "eve").await;
    let r = eve
        .post(
            "/v1/mcp/instances",
            json!({"server_url": "stdio:everything"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let instance = r.body["id"].as_str().expect("instance").to_owned();
    let server = r.body["server_id"].as_str().expect("server").to_owned();
    let profiles = format!("/v1/mcp/instances/{instance}/config-profiles");

    // The attack: refused at write time, naming the variable.
    let r = eve
        .post(
            &profiles,
            json!({"name": "evil", "env": {"NODE_OPTIONS": node_options}}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let error = r.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("NODE_OPTIONS"), "{error}");
    // Every other way of making the program load code is refused alike, all named.
    let r = eve
        .post(
            &profiles,
            json!({"name": "evil-2", "env": {
                "EVERYTHING_TOKEN": "fine", "LD_PRELOAD": "/tmp/x.so", "PATH": "/tmp",
                "PYTHONSTARTUP": "/tmp/x.py", "npm_config_script_shell": "/tmp/sh"
            }}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    for name in [
        "LD_PRELOAD",
        "PATH",
        "PYTHONSTARTUP",
        "npm_config_script_shell",
    ] {
        assert!(
            r.body["refused_variables"]
                .as_array()
                .is_some_and(|v| v.contains(&json!(name))),
            "{name}: {:?}",
            r.body
        );
    }
    // The connection token may only go into the declared variable either.
    let r = eve
        .post(
            &profiles,
            json!({"name": "evil-3", "connection_env": "NODE_OPTIONS"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    // The declared variable is accepted.
    let r = eve
        .post(
            &profiles,
            json!({"name": "good", "env": {"EVERYTHING_TOKEN": "t-1"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // A row the store holds anyway (written before the rule, or by hand) is filtered at
    // spawn: validate spawns the program, without the variable.
    let workspace = eve.without_project().get("/v1/workspaces/eve").await;
    let workspace_id = workspace.body["id"].as_str().expect("workspace id");
    let old_row = insert_profile(
        &served.database(),
        workspace_id,
        &instance,
        json!({"EVERYTHING_TOKEN": "t-2", "NODE_OPTIONS": node_options}),
    )
    .await;
    let r = eve
        .send(
            Method::POST,
            &format!("{profiles}/{old_row}/set-active"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = eve
        .post(
            &format!("/v1/mcp/servers/{server}/validate"),
            json!({"instance_id": instance}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["reachable"], true, "the program ran: {:?}", r.body);
    assert!(
        !marker.exists(),
        "the stored NODE_OPTIONS reached the child: the payload ran on the host"
    );
}

/// Writes an active-able profile straight into the server's database, as an old row.
async fn insert_profile(
    database: &Path,
    workspace_id: &str,
    instance: &str,
    env: serde_json::Value,
) -> String {
    use sqlx::ConnectOptions;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await
        .expect("open the server's database");
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO mcp_config_profiles (id, workspace_id, instance_id, name, env, headers, active, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, 'old-row', ?, '{}', FALSE, 'before-the-rule', 0, 0)",
    )
    .bind(&id)
    .bind(workspace_id)
    .bind(instance)
    .bind(env.to_string())
    .execute(&mut db)
    .await
    .expect("insert the old profile row");
    id
}
