//! The response around the issues: check results, readiness, blockers, the wire shape.

mod common;

use ar_model::graph::StepType;
use ar_model::import::{GraphLimits, parse_graph_bytes};
use ar_model::validate::{
    CheckName, CheckStatus, Readiness, ValidateRequest, ValidationContext, validate,
    validate_unreadable,
};
use common::{FakeLua, parse};
use serde_json::json;

#[test]
fn response_serializes_with_the_contract_field_names() {
    let parsed = parse(
        &json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}", "depends_on": ["a"]}]}),
    );
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default().with_lua(&FakeLua),
    );
    let wire = serde_json::to_value(&response).expect("serializes");
    for key in [
        "valid",
        "readiness",
        "blockers",
        "checks_performed",
        "check_results",
        "issues",
        "graph_hash",
    ] {
        assert!(wire.get(key).is_some(), "missing `{key}` in {wire}");
    }
    assert_eq!(wire["readiness"], "blocked");
    assert_eq!(wire["check_results"]["dependencies"], "failed");
    assert_eq!(wire["check_results"]["input_schema"], "not_applicable");
    let issue = &wire["issues"][0];
    assert_eq!(issue["code"], "cycle");
    assert_eq!(issue["severity"], "error");
    assert_eq!(issue["step_id"], "a");
    assert_eq!(issue["json_path"], "$.steps[0].depends_on");
    assert!(issue["suggestion"].is_string());
}

#[test]
fn request_reads_the_contract_field_names_and_refuses_misspelt_ones() {
    let request: ValidateRequest = serde_json::from_value(json!({
        "params": {"trigger_payload": {"a": 1}}, "checks": ["graph", "lua_syntax"], "skip_checks": ["graph"],
        "mock_step_outputs": {"a": {"x": 1}}, "step_ids": ["a"]
    }))
    .expect("contract request parses");
    assert_eq!(
        request.checks,
        Some(vec![CheckName::Graph, CheckName::LuaSyntax])
    );
    assert!(serde_json::from_value::<ValidateRequest>(json!({"skip_check": ["graph"]})).is_err());
    assert!(serde_json::from_value::<ValidateRequest>(json!({"checks": ["lua_sytax"]})).is_err());
}

#[test]
fn lua_checks_are_blocked_without_a_lua_runtime_and_not_applicable_without_scripts() {
    let with_script =
        parse(&json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}));
    let response = validate(
        &with_script,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    assert_eq!(
        response.check_results[&CheckName::LuaSyntax],
        CheckStatus::Blocked
    );
    assert_eq!(
        response.check_results[&CheckName::LuaFixture],
        CheckStatus::Blocked
    );
    assert!(
        response.valid,
        "a blocked check is not an error in the graph"
    );
    assert_eq!(response.readiness, Readiness::Blocked);
    assert!(
        response.blockers.iter().any(|b| b.contains("lua_syntax")),
        "{:?}",
        response.blockers
    );

    let without_script =
        parse(&json!({"steps": [{"id": "l", "type": "llm_call", "model": "m", "prompt": "hi"}]}));
    let response = validate(
        &without_script,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    assert_eq!(
        response.check_results[&CheckName::LuaSyntax],
        CheckStatus::NotApplicable
    );
    assert_eq!(response.readiness, Readiness::Ready);
    assert!(response.blockers.is_empty());
}

#[test]
fn a_missing_executor_blocks_readiness_but_not_validity() {
    let parsed =
        parse(&json!({"steps": [{"id": "l", "type": "llm_call", "model": "m", "prompt": "hi"}]}));
    let executors = [StepType::McpCall];
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default().with_executors(&executors),
    );
    assert!(response.valid);
    assert_eq!(response.readiness, Readiness::Blocked);
    assert_eq!(
        response.blockers,
        vec!["no executor configured for llm_call".to_string()]
    );
    assert_eq!(
        response.check_results[&CheckName::StepConfig],
        CheckStatus::Passed
    );
}

#[test]
fn only_selected_checks_are_performed_in_canonical_order() {
    let parsed =
        parse(&json!({"steps": [{"id": "a", "type": "lua_script", "script": "return {}"}]}));
    let request: ValidateRequest = serde_json::from_value(
        json!({"checks": ["templates", "graph", "lua_syntax"], "skip_checks": ["lua_syntax"]}),
    )
    .expect("request");
    let response = validate(&parsed, &request, &ValidationContext::default());
    assert_eq!(
        response.checks_performed,
        vec![CheckName::Graph, CheckName::Templates]
    );
    assert_eq!(response.check_results.len(), 2);
}

#[test]
fn warning_only_checks_fail_on_warnings_and_others_do_not() {
    let parsed = parse(
        &json!({"steps": [{"id": "a", "type": "lua_script", "script": "fail:x", "enabled": false}]}),
    );
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default().with_lua(&FakeLua),
    );
    assert!(response.valid);
    assert_eq!(
        response.check_results[&CheckName::DisabledSteps],
        CheckStatus::Failed
    );
    assert_eq!(
        response.check_results[&CheckName::LuaFixture],
        CheckStatus::Failed
    );
    assert_eq!(
        response.readiness,
        Readiness::Ready,
        "warnings do not block: {:?}",
        response.blockers
    );
}

#[test]
fn suggestions_name_the_likely_fix() {
    let parsed = parse(&json!({"steps": [
        {"id": "fetch", "type": "lua_script", "script": "return {}"},
        {"id": "use", "type": "llm_call", "model": "m", "prompt": "{{steps.fetch.result}}", "depends_on": ["fecth"]}
    ]}));
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default().with_lua(&FakeLua),
    );
    let dep = response
        .issues
        .iter()
        .find(|i| i.code == "unknown_dependency")
        .expect("unknown dependency reported");
    assert_eq!(dep.suggestion.as_deref(), Some("did you mean `fetch`?"));
    let tpl = response
        .issues
        .iter()
        .find(|i| i.code == "template_missing_dependency")
        .expect("template dependency reported");
    assert_eq!(
        tpl.suggestion.as_deref(),
        Some("add `fetch` to the `depends_on` of `use`")
    );
}

#[test]
fn a_cycle_message_names_its_steps_in_order() {
    let parsed = parse(&json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return {}", "depends_on": ["b"]},
        {"id": "b", "type": "lua_script", "script": "return {}", "depends_on": ["c"]},
        {"id": "c", "type": "lua_script", "script": "return {}", "depends_on": ["a"]}
    ]}));
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    let cycle = response
        .issues
        .iter()
        .find(|i| i.code == "cycle")
        .expect("cycle reported");
    assert!(cycle.message.contains("a → b → c → a"), "{}", cycle.message);
}

#[test]
fn an_unreadable_graph_gives_one_issue_at_the_root() {
    let error = parse_graph_bytes(b"{\"steps\": [", &GraphLimits::default())
        .expect_err("truncated JSON is unreadable");
    let response = validate_unreadable(&error);
    assert!(!response.valid);
    assert_eq!(response.readiness, Readiness::Blocked);
    assert_eq!(response.issues.len(), 1);
    assert_eq!(response.issues[0].json_path, "$");
    assert_eq!(response.issues[0].code, "graph_unreadable");
    assert!(
        response.issues[0].message.contains("not valid JSON"),
        "{}",
        response.issues[0].message
    );
    assert_eq!(response.graph_hash, None);
}

#[test]
fn a_finding_shared_by_two_checks_is_reported_once_and_fails_both() {
    let parsed = parse(&json!({"steps": [{"id": "m", "type": "mcp_call", "tool_name": "t"}]}));
    let response = validate(
        &parsed,
        &ValidateRequest::default(),
        &ValidationContext::default(),
    );
    assert_eq!(response.issues.len(), 1, "{:?}", response.issues);
    assert_eq!(
        response.check_results[&CheckName::StepConfig],
        CheckStatus::Failed
    );
    assert_eq!(
        response.check_results[&CheckName::McpBindings],
        CheckStatus::Failed
    );
}
