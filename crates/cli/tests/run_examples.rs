//! The offline examples run to completion with `agentruntime run`, so the README's
//! command keeps working.

mod crash_support;

use crash_support::*;
use serde_json::{Value, json};

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn expense_report_review_runs_offline_with_schema_defaults() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = example("expense-report-review.json");
    let ended = spawn(
        tmp.path(),
        "cli",
        &["run", &file, "--auto-approve", "--json"],
        &[],
    )
    .wait();
    assert_eq!(ended.code(), Some(0), "stderr: {}", ended.stderr);
    let ctx: Value = serde_json::from_str(&ended.stdout).expect("--json prints the run context");
    assert_eq!(ctx["status"], json!("completed"));
    // The input schema's defaults were filled in (no --input was given).
    assert_eq!(ctx["input"]["employee"], json!("Ada Lovelace"));
    let steps = &ctx["steps"];
    assert_eq!(steps["summarize"]["result"]["total"], json!(1171.49));
    assert_eq!(steps["score-lines"]["result"]["count"], json!(4));
    assert_eq!(steps["flagged"]["result"]["ids"], json!(["e-3"]));
    assert_eq!(steps["finance-approval"]["result"]["approved"], json!(true));
    // 1171.49 paid in batches of at most 500: three iterations, the last one done.
    assert_eq!(steps["pay-out"]["result"]["iteration_count"], json!(3));
    assert_eq!(
        steps["pay-out"]["result"]["stopped_reason"],
        json!("condition_met")
    );
    assert_eq!(steps["receipt"]["result"]["batches"], json!(3));
}

#[test]
fn given_input_wins_over_schema_defaults() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = example("expense-report-review.json");
    let ended = spawn(
        tmp.path(),
        "cli",
        &[
            "run",
            &file,
            "--auto-approve",
            "--json",
            "--input",
            "employee=Grace",
            "--input",
            "batch_limit=2000",
        ],
        &[],
    )
    .wait();
    assert_eq!(ended.code(), Some(0), "stderr: {}", ended.stderr);
    let ctx: Value = serde_json::from_str(&ended.stdout).expect("json");
    assert_eq!(
        ctx["steps"]["receipt"]["result"]["employee"],
        json!("Grace")
    );
    assert_eq!(
        ctx["steps"]["pay-out"]["result"]["iteration_count"],
        json!(1)
    );
}
