//! `agentruntime mcp`, the stdio bridge (docs/platform-mcp-clients.md), driven line by
//! line against real third-party MCP servers: server-everything (npm, the reference
//! server: session era, answers as event streams) and the Python SDK fixture server in
//! stateless mode (2026-07-28). The bridge against agentruntime's own `/mcp`, driven by
//! the Python SDK's stdio client, is in platform_mcp_sdk.rs.

mod platform_mcp_support;

use std::process::Command;

use platform_mcp_support::{
    Bridge, everything_js, free_port, python, python_fixture_server, start_http_server,
};
use serde_json::{Value, json};

const TOKEN: &str = "pat_bridge-test-token-0123456789";

fn init_params(version: &str) -> Value {
    json!({"protocolVersion": version, "capabilities": {},
           "clientInfo": {"name": "bridge-test", "version": "1.0.0"}})
}

/// The `_meta` a 2026-07-28 request carries instead of an initialize handshake.
fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "bridge-test", "version": "1.0.0"},
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

#[test]
fn relays_a_session_server_answering_with_event_streams() {
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg(everything_js())
        .arg("streamableHttp")
        .env("PORT", port.to_string());
    let _server = start_http_server(command, port);
    let mut bridge = Bridge::spawn(
        &["--url", &format!("http://127.0.0.1:{port}/mcp")],
        &[("AGENTRUNTIME_TOKEN", TOKEN)],
    );

    let init = bridge.request(1, "initialize", init_params("2025-06-18"));
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    bridge.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    let listed = bridge.request(2, "tools/list", json!({}));
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"echo"), "{names:?}");

    // Two calls sent back to back: the bridge relays without waiting for the first
    // answer, and each gets its own.
    bridge.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                        "params": {"name": "echo", "arguments": {"message": "through the bridge"}}}));
    bridge.send(
        &json!({"jsonrpc": "2.0", "id": "four", "method": "tools/call",
                        "params": {"name": "get-sum", "arguments": {"a": 19, "b": 23}}}),
    );
    let mut answers = vec![bridge.recv(), bridge.recv()];
    answers.retain(|m| m.get("id").is_some());
    while answers.len() < 2 {
        let next = bridge.recv();
        if next.get("id").is_some() {
            answers.push(next);
        }
    }
    answers.sort_by_key(|m| m["id"].is_string());
    assert_eq!(answers[0]["id"], 3);
    assert_eq!(
        answers[0]["result"]["content"][0]["text"], "Echo: through the bridge",
        "{}",
        answers[0]
    );
    assert_eq!(answers[1]["id"], "four");
    assert!(
        answers[1]["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("42")),
        "{}",
        answers[1]
    );

    let exit = bridge.finish();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    assert!(!exit.stderr.contains(TOKEN), "{}", exit.stderr);
}

#[test]
fn relays_the_stateless_revision_with_the_token_as_bearer() {
    let port = free_port();
    let mut command = Command::new(python());
    command
        .arg(python_fixture_server())
        .arg("http")
        .arg(port.to_string())
        .arg("--stateless");
    let _server = start_http_server(command, port);
    // The base URL: the bridge adds /mcp. The token from the flag this time.
    let mut bridge = Bridge::spawn(
        &[
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--token",
            TOKEN,
        ],
        &[],
    );

    let answer = bridge.request(
        1,
        "tools/call",
        json!({"name": "whoami", "arguments": {"header_name": "authorization"}, "_meta": stateless_meta()}),
    );
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    let seen: Value = serde_json::from_str(text).expect("whoami answers JSON");
    assert_eq!(seen["header"], format!("Bearer {TOKEN}"));
    assert_eq!(seen["protocol_version"], "2026-07-28");

    let exit = bridge.finish();
    assert_eq!(exit.code, Some(0), "{exit:?}");
}

#[test]
fn an_unreachable_server_gets_a_json_rpc_error_and_an_actionable_line() {
    // Nothing listens on a port just freed.
    let port = free_port();
    let mut bridge = Bridge::spawn(
        &["--url", &format!("http://127.0.0.1:{port}")],
        &[("AGENTRUNTIME_TOKEN", TOKEN)],
    );
    let answer = bridge.request(1, "initialize", init_params("2025-06-18"));
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot reach"), "{message}");

    // The client may try again: the bridge is still there, and answers again.
    let again = bridge.request(2, "initialize", init_params("2025-06-18"));
    assert_eq!(again["error"]["code"], -32603, "{again}");

    let exit = bridge.finish();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    assert!(exit.stderr.contains("cannot reach"), "{}", exit.stderr);
    assert!(exit.stderr.contains("AGENTRUNTIME_URL"), "{}", exit.stderr);
    assert!(!exit.stderr.contains(TOKEN) && !message.contains(TOKEN));
}

#[test]
fn lines_that_are_not_json_rpc_get_a_parse_error() {
    let port = free_port();
    let mut bridge = Bridge::spawn(
        &["--url", &format!("http://127.0.0.1:{port}")],
        &[("AGENTRUNTIME_TOKEN", TOKEN)],
    );
    bridge.send_raw("this is not json");
    let answer = bridge.recv();
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    assert_eq!(answer["id"], Value::Null);
    // JSON, but not a message: the error names its id so the client can match it.
    bridge.send_raw(r#"{"jsonrpc": "2.0", "id": 7, "method": 5}"#);
    let answer = bridge.recv();
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    assert_eq!(answer["id"], 7);
    // Blank lines are skipped, not answered.
    bridge.send_raw("");
    let exit = bridge.finish();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    assert!(exit.stdout_rest.is_empty(), "{exit:?}");
}

#[test]
fn unusable_arguments_exit_2_without_showing_the_token() {
    let secret = "pat_do-not-show-me-0123456789";
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
        command
            .arg("mcp")
            .args(args)
            .env_remove("AGENTRUNTIME_URL")
            .env_remove("AGENTRUNTIME_TOKEN")
            .envs(env.iter().copied());
        command.output().expect("run agentruntime mcp")
    };
    for (args, env, says) in [
        (
            &["--url", "ftp://example.com"][..],
            &[("AGENTRUNTIME_TOKEN", secret)][..],
            "http or https",
        ),
        (
            &["--url", "https://user:pw@example.com"][..],
            &[("AGENTRUNTIME_TOKEN", secret)][..],
            "credentials",
        ),
        (&["--url", "http://127.0.0.1:1"][..], &[][..], "--token"),
        (&["--token", secret][..], &[][..], "--url"),
        (
            &["--url", "http://127.0.0.1:1", "--token", "has space"][..],
            &[][..],
            "token",
        ),
    ] {
        let output = run(args, env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains(secret), "{args:?}: {stderr}");
    }
    // --help names the variables but never shows their values.
    let help = run(
        &["--help"],
        &[
            ("AGENTRUNTIME_TOKEN", secret),
            ("AGENTRUNTIME_URL", "http://x"),
        ],
    );
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("AGENTRUNTIME_TOKEN"), "{text}");
    assert!(!text.contains(secret), "{text}");
}
