//! The `mcp_bindings` check: every `mcp_call` names a server; with a resolver, the server
//! exists in this project, offers the tool, and literal `tool_args` fit the tool's schema.

use serde_json::Value;

use super::Run;
use super::context::McpBinding;
use super::request::CheckName;
use crate::graph::StepConfig;
use crate::issue::{Issue, codes};
use crate::template::TemplatedValue;

/// The issue for an `mcp_call` with neither `instance_id` nor `server_url`.
pub(crate) fn missing_binding(step_id: Option<&str>, step_path: &str) -> Issue {
    Issue::error(codes::MISSING_FIELD, step_id, format!("{step_path}.instance_id"), "this mcp_call step names no MCP server: it has neither `instance_id` nor `server_url`")
        .with_suggestion("set `instance_id` to a server instance of this project, or `server_url` to the server's canonical URL")
}

pub(crate) fn check_mcp_bindings(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::McpBindings;
    let index = run.index;
    let mut issues = Vec::new();
    let mut any = false;
    for entry in &index.entries {
        let StepConfig::McpCall(call) = &entry.step.config else {
            continue;
        };
        any = true;
        let id = Some(entry.step.id.as_str()).filter(|s| !s.is_empty());
        if call.instance_id.is_none() && call.server_url.is_none() {
            issues.push(missing_binding(id, &entry.path));
            continue;
        }
        let Some(resolver) = run.context.bindings else {
            continue;
        };
        let binding = McpBinding {
            instance_id: call.instance_id.as_deref(),
            server_url: call.server_url.as_deref(),
        };
        let (field, named) = match (binding.instance_id, binding.server_url) {
            (Some(i), _) => ("instance_id", format!("instance `{i}`")),
            (None, Some(u)) => ("server_url", format!("server `{u}`")),
            (None, None) => continue,
        };
        let Some(server) = resolver.resolve(binding) else {
            issues.push(
                Issue::error(
                    codes::MCP_INSTANCE_UNRESOLVED,
                    id,
                    format!("{}.{field}", entry.path),
                    format!("{named} is not available in this project"),
                )
                .with_suggestion(
                    "add the server to the project, or point the step at one that exists",
                ),
            );
            continue;
        };
        let (Some(tool_name), Some(tools)) = (call.tool_name.as_deref(), &server.tools) else {
            continue;
        };
        let Some(tool) = tools.iter().find(|t| t.name == tool_name) else {
            let names = tools.iter().map(|t| t.name.as_str());
            let suggestion = match super::closest(tool_name, names) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "the server offers: {}",
                    tools
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            issues.push(
                Issue::error(
                    codes::MCP_TOOL_UNKNOWN,
                    id,
                    format!("{}.tool_name", entry.path),
                    format!("{named} has no tool `{tool_name}`"),
                )
                .with_suggestion(suggestion),
            );
            continue;
        };
        if let Some(schema) = &tool.input_schema {
            issues.extend(check_tool_args(
                id,
                &entry.path,
                call.tool_args.as_ref(),
                schema,
            ));
        }
    }
    if !any {
        run.not_applicable(CHECK);
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// Literal arguments are validated whole; templated ones only for the required keys, since
/// their values are known at run time only.
fn check_tool_args(
    id: Option<&str>,
    step_path: &str,
    args: Option<&Value>,
    schema: &Value,
) -> Vec<Issue> {
    let base = format!("{step_path}.tool_args");
    let empty = Value::Object(Default::default());
    let args = args.unwrap_or(&empty);
    let literal = TemplatedValue::parse(args).is_ok_and(|t| t.is_literal());
    let invalid = |at: String, message: String| {
        Issue::error(codes::MCP_TOOL_ARGS_INVALID, id, at, message)
            .with_suggestion("match the tool's input schema")
    };
    if literal {
        let Ok(validator) = jsonschema::validator_for(schema) else {
            return Vec::new();
        };
        return validator
            .iter_errors(args)
            .map(|e| {
                invalid(
                    super::input::pointer_to_path(&base, e.instance_path().as_str()),
                    format!("`tool_args` does not fit the tool's input schema: {e}"),
                )
            })
            .collect();
    }
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    required
        .filter(|key| args.get(key).is_none())
        .map(|key| {
            invalid(
                base.clone(),
                format!("`tool_args` lacks `{key}`, which the tool requires"),
            )
        })
        .collect()
}
