//! `agentruntime validate` through the real binary: exit codes, output formats, `--params`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ar_model::validate::ValidateResponse;
use serde_json::{Value, json};
use support::{Run, agentruntime, run_with_env};
use tempfile::TempDir;

/// A graph of Lua steps only: valid, and runnable by this binary (no warnings).
const VALID_GRAPH: &str = r#"{ "steps": [
  { "id": "load", "type": "lua_script", "script": "return { items = json.array({1, 2, 3}) }" },
  { "id": "count", "type": "lua_script", "depends_on": ["load"], "script": "return { n = #steps.load.result.items }" }
] }"#;

/// Two steps depending on each other.
const CYCLIC_GRAPH: &str = r#"{ "steps": [
  { "id": "a", "type": "lua_script", "depends_on": ["b"], "script": "return {}" },
  { "id": "b", "type": "lua_script", "depends_on": ["a"], "script": "return {}" }
] }"#;

/// A graph whose input schema requires a string `query`.
const SCHEMA_GRAPH: &str = r#"{
  "input_schema": { "type": "object", "required": ["query"], "properties": { "query": { "type": "string" } } },
  "steps": [ { "id": "echo", "type": "lua_script", "script": "return { q = input.query }" } ]
}"#;

fn write(dir: &TempDir, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

fn validate(file: &Path, extra: &[&str]) -> Run {
    let file = file.display().to_string();
    let mut args = vec!["validate", file.as_str()];
    args.extend_from_slice(extra);
    agentruntime(&args)
}

#[test]
fn a_valid_graph_exits_0_with_the_hash_in_the_summary() {
    let dir = TempDir::new().expect("tempdir");
    let run = validate(&write(&dir, "ok.json", VALID_GRAPH), &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("graph is valid (hash "),
        "no issues, so the summary is all: {}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn an_invalid_graph_exits_1_and_reports_each_issue_on_one_line() {
    let dir = TempDir::new().expect("tempdir");
    let run = validate(&write(&dir, "cycle.json", CYCLIC_GRAPH), &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("error[cycle] "), "{}", run.stdout);
    assert!(
        first.contains(" at $.steps["),
        "the JSON path is on the line: {first}"
    );
    assert!(
        run.stdout.lines().any(|l| l.starts_with("  help: ")),
        "a suggestion line: {}",
        run.stdout
    );
    assert!(
        run.stdout.trim_end().ends_with("graph is not valid"),
        "{}",
        run.stdout
    );
}

#[test]
fn unreadable_input_exits_2_with_a_message_on_stderr_only() {
    let dir = TempDir::new().expect("tempdir");
    let graph = write(&dir, "ok.json", VALID_GRAPH);
    let graph = graph.display().to_string();
    let missing = dir.path().join("missing.json").display().to_string();
    let not_utf8 = write(&dir, "latin1.json", b"{\"steps\": [\"caf\xe9\"]}")
        .display()
        .to_string();
    let not_json = write(&dir, "broken.json", "{ \"steps\": [ }")
        .display()
        .to_string();
    let deep = write(
        &dir,
        "deep.json",
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .display()
    .to_string();
    let directory = dir.path().display().to_string();
    let cases: [(&str, Vec<&str>, &str); 8] = [
        ("missing file", vec!["validate", &missing], "No such file"),
        ("not UTF-8", vec!["validate", &not_utf8], "not valid UTF-8"),
        ("not JSON", vec!["validate", &not_json], "not valid JSON"),
        (
            "10,000 levels of nesting",
            vec!["validate", &deep],
            "deeper",
        ),
        ("a directory", vec!["validate", &directory], "directory"),
        (
            "inline --params not JSON",
            vec!["validate", &graph, "--params", "{oops"],
            "--params is not valid JSON",
        ),
        (
            "--params file missing",
            vec!["validate", &graph, "--params", "@/no/such/params.json"],
            "/no/such/params.json",
        ),
        (
            "--mock-outputs not an object",
            vec!["validate", &graph, "--mock-outputs", "[1]"],
            "must be a JSON object",
        ),
    ];
    for (what, args, message) in cases {
        let run = agentruntime(&args);
        assert_eq!(run.code, Some(2), "{what}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.starts_with("error: "), "{what}: {}", run.stderr);
        assert!(
            run.stderr.contains(message),
            "{what}: stderr should mention {message:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{what}: nothing on stdout");
    }
}

#[test]
fn json_that_is_not_a_graph_is_an_invalid_graph_not_unreadable_input() {
    let dir = TempDir::new().expect("tempdir");
    for (name, contents) in [
        ("array.json", "[1, 2]"),
        ("empty.json", "{}"),
        ("string.json", "\"steps\""),
    ] {
        let run = validate(&write(&dir, name, contents), &["--json"]);
        assert_eq!(run.code, Some(1), "{name}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.json()["valid"], false, "{name}");
        assert_eq!(
            run.json()["issues"].as_array().map(Vec::len),
            Some(1),
            "{name}"
        );
    }
}

#[test]
fn a_50_megabyte_graph_is_refused_as_too_large() {
    let dir = TempDir::new().expect("tempdir");
    let mut big = String::from("{\"steps\": [], \"pad\": \"");
    big.push_str(&"x".repeat(50 * 1024 * 1024));
    big.push_str("\"}");
    let run = validate(&write(&dir, "big.json", big), &["--json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let message = run.json()["issues"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("limit"), "{message}");
}

#[test]
fn json_output_is_exactly_the_api_response_object() {
    let dir = TempDir::new().expect("tempdir");
    let run = validate(&write(&dir, "cycle.json", CYCLIC_GRAPH), &["--json"]);
    assert_eq!(run.code, Some(1));
    let value = run.json();
    let keys: BTreeSet<&str> = value
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let expected = BTreeSet::from([
        "valid",
        "readiness",
        "blockers",
        "checks_performed",
        "check_results",
        "issues",
        "graph_hash",
    ]);
    assert_eq!(keys, expected);
    let issue_keys: BTreeSet<&str> = value["issues"][0]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        issue_keys,
        BTreeSet::from([
            "code",
            "severity",
            "step_id",
            "json_path",
            "message",
            "suggestion"
        ])
    );
    assert_eq!(value["issues"][0]["severity"], "error");
    assert_eq!(value["readiness"], "blocked");
    // And it is the model's own response type, field for field.
    let typed: ValidateResponse =
        serde_json::from_value(value.clone()).expect("a ValidateResponse");
    assert_eq!(serde_json::to_value(&typed).expect("serialises"), value);
}

#[test]
fn json_output_of_a_valid_lua_graph_is_ready() {
    let dir = TempDir::new().expect("tempdir");
    let value = validate(&write(&dir, "ok.json", VALID_GRAPH), &["--json"]).json();
    assert_eq!(value["valid"], true);
    assert_eq!(value["readiness"], "ready");
    assert_eq!(value["issues"], json!([]));
    assert_eq!(
        value["check_results"]["lua_syntax"], "passed",
        "the Lua checks ran"
    );
}

#[test]
fn params_are_read_inline_or_from_a_file_and_checked_against_the_schema() {
    let dir = TempDir::new().expect("tempdir");
    let graph = write(&dir, "schema.json", SCHEMA_GRAPH);
    let good = write(
        &dir,
        "good.json",
        r#"{"trigger_payload": {"query": "rust"}}"#,
    );
    let bad = write(&dir, "bad.json", r#"{"trigger_payload": {"query": 42}}"#);
    let at = |p: &Path| format!("@{}", p.display());
    let cases: [(&str, String, i32); 5] = [
        ("good @file", at(&good), 0),
        ("bad @file", at(&bad), 1),
        (
            "good inline",
            r#"{"trigger_payload": {"query": "rust"}}"#.to_string(),
            0,
        ),
        ("bare payload inline", r#"{"query": "rust"}"#.to_string(), 0),
        (
            "missing required field",
            r#"{"trigger_payload": {}}"#.to_string(),
            1,
        ),
    ];
    for (what, params, code) in cases {
        let run = validate(&graph, &["--params", &params, "--json"]);
        assert_eq!(run.code, Some(code), "{what}: {}{}", run.stdout, run.stderr);
        let response = run.json();
        let codes: Vec<&Value> = response["issues"]
            .as_array()
            .map(|a| a.iter().map(|i| &i["code"]).collect())
            .unwrap_or_default();
        if code == 1 {
            assert!(
                codes.iter().any(|c| *c == "input_invalid"),
                "{what}: {codes:?}"
            );
        } else {
            assert!(codes.is_empty(), "{what}: {codes:?}");
        }
    }
}

#[test]
fn mock_outputs_let_lua_fixtures_run() {
    let dir = TempDir::new().expect("tempdir");
    let graph = write(&dir, "ok.json", VALID_GRAPH);
    let without = validate(&graph, &["--json"]).json();
    let with = validate(
        &graph,
        &["--json", "--mock-outputs", r#"{"load": {"items": [1]}}"#],
    )
    .json();
    // `load` has no upstream step, so it runs either way; `count` only with a mock of `load`.
    assert_eq!(without["check_results"]["lua_fixture"], "passed");
    assert_eq!(with["check_results"]["lua_fixture"], "passed");
    let failing = validate(
        &graph,
        &["--json", "--mock-outputs", r#"{"load": {"items": 7}}"#],
    )
    .json();
    assert_eq!(failing["valid"], true, "fixture failures are warnings");
    assert_eq!(
        failing["issues"][0]["code"], "lua_fixture_runtime",
        "{failing}"
    );
}

#[test]
fn colour_is_off_when_piped_and_on_when_forced() {
    let dir = TempDir::new().expect("tempdir");
    let graph = write(&dir, "cycle.json", CYCLIC_GRAPH)
        .display()
        .to_string();
    let piped = agentruntime(&["validate", &graph]);
    assert!(
        !piped.stdout.contains('\u{1b}'),
        "no escape codes in a pipe: {:?}",
        piped.stdout
    );
    let forced = run_with_env(&["validate", &graph], &[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced.stdout.contains("\u{1b}["),
        "escape codes when forced: {:?}",
        forced.stdout
    );
    assert_eq!(
        anstream::adapter::strip_str(&forced.stdout).to_string(),
        piped.stdout
    );
}
