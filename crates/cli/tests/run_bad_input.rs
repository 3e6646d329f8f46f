//! `agentruntime run` on bad input: a Lua result over the size limit, a `for_each` over a
//! million items, a data dir that cannot be written, graph files that cannot be read, a
//! node id that cannot be used.
//! Each ends with a clear message and the documented exit status, never a panic.

mod crash_support;

use std::path::Path;

use crash_support::*;
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), value.to_string()).expect("write");
}

fn run_in(dir: &Path, args: &[&str]) -> Ended {
    spawn(dir, "cli", args, &[]).wait()
}

fn assert_clear_failure(ended: &Ended, code: i32, needle: &str, what: &str) {
    assert_eq!(
        ended.code(),
        Some(code),
        "{what}; stderr:\n{}",
        ended.stderr
    );
    assert!(
        ended.stderr.contains(needle),
        "{what}: {needle:?} not in stderr:\n{}",
        ended.stderr
    );
    assert!(
        !ended.stderr.contains("panicked"),
        "{what} panicked:\n{}",
        ended.stderr
    );
}

#[test]
fn lua_result_over_the_size_limit_fails_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "g.json",
        &json!({"steps": [
            {"id": "big", "type": "lua_script", "script": "return {s = string.rep('x', 2 * 1024 * 1024)}"},
        ]}),
    );
    let ended = run_in(tmp.path(), &["run", "g.json"]);
    assert_clear_failure(
        &ended,
        1,
        "larger than the 1048576-byte limit",
        "a 2 MiB result",
    );
    assert!(ended.stderr.contains("✗ big failed"), "{}", ended.stderr);
}

#[test]
fn for_each_over_a_million_items_fails_on_the_item_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "g.json",
        &json!({"steps": [
            {"id": "fan", "type": "for_each", "for_each_items": "{{input.items}}",
             "for_each_body_steps": [{"id": "work", "type": "lua_script", "script": "return {v = item}"}]},
        ]}),
    );
    write(
        tmp.path(),
        "input.json",
        &json!({"items": (0..1_000_000).collect::<Vec<i64>>()}),
    );
    let ended = run_in(
        tmp.path(),
        &["run", "g.json", "--input-json", "@input.json"],
    );
    assert_clear_failure(&ended, 1, "FOR_EACH_TOO_MANY_ITEMS", "a million items");
    assert!(
        ended.stderr.contains("1000000 items; the limit is 10000"),
        "{}",
        ended.stderr
    );
}

#[test]
fn data_dirs_that_cannot_be_written_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "g.json",
        &json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}),
    );
    // Root ignores permission bits, so read-only is a read-only file system (/proc) and a
    // path through a regular file.
    let cases = [
        ("/proc", "cannot open the run store in `/proc`"),
        ("g.json/data", "cannot create the data directory"),
    ];
    for (data_dir, needle) in cases {
        let ended = run_in(tmp.path(), &["run", "g.json", "--data-dir", data_dir]);
        assert_clear_failure(&ended, 2, needle, data_dir);
    }
}

#[test]
fn graph_files_that_cannot_be_read_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("binary.json"), [0xff, 0xfe, 0x00, 0x01]).expect("write");
    std::fs::write(tmp.path().join("truncated.json"), b"{\"steps\": [").expect("write");
    std::fs::create_dir(tmp.path().join("a-dir")).expect("mkdir");
    let cases = [
        ("missing.json", "cannot read `missing.json`"),
        ("a-dir", "it is a directory"),
        // Reading it fails with EIO: a file that exists and cannot be read, even by root.
        ("/proc/self/mem", "cannot read `/proc/self/mem`"),
        ("binary.json", "cannot read `binary.json`"),
        ("truncated.json", "cannot read `truncated.json`"),
    ];
    for (file, needle) in cases {
        let ended = run_in(tmp.path(), &["run", file]);
        assert_clear_failure(&ended, 2, needle, file);
        assert!(
            !tmp.path().join(".ar-data").exists(),
            "{file}: nothing was stored"
        );
    }
    let bad_input = run_in(
        tmp.path(),
        &["run", "missing.json", "--input-json", "@nope.json"],
    );
    assert_clear_failure(&bad_input, 2, "nope.json", "--input-json @missing file");
}

#[test]
fn node_ids_that_would_garble_events_are_refused_before_anything_is_stored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "g.json",
        &json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}),
    );
    let long = "n".repeat(200);
    let cases = [
        ("two words", "whitespace"),
        ("", "1 to 128 characters"),
        (long.as_str(), "1 to 128 characters"),
    ];
    for (id, needle) in cases {
        let flag = run_in(tmp.path(), &["run", "g.json", "--node-id", id]);
        assert_clear_failure(&flag, 2, needle, id);
        let env = spawn(tmp.path(), "env", &["run", "g.json"], &[("AR_NODE_ID", id)]).wait();
        assert_clear_failure(&env, 2, "AR_NODE_ID", id);
        assert!(
            !tmp.path().join(".ar-data").exists(),
            "{id:?}: nothing was stored"
        );
    }
    let named = run_in(
        tmp.path(),
        &["run", "g.json", "--node-id", "laptop-1", "--json"],
    );
    assert_eq!(named.code(), Some(0), "{}", named.stderr);
}
