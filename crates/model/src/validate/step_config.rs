//! The `step_config` check (each type's required fields, what loop bodies may hold,
//! executors) and the `disabled_steps` check.

use super::Run;
use super::request::CheckName;
use crate::graph::{StepConfig, StepType};
use crate::issue::{Issue, codes};
use serde_json::Value;

/// `step_config`: the fields each step type needs (docs/contract.md §2).
pub(crate) fn check_step_config(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::StepConfig;
    let index = run.index;
    let mut issues = Vec::new();
    for (i, entry) in index.entries.iter().enumerate() {
        let step = entry.step;
        let id = Some(step.id.as_str()).filter(|s| !s.is_empty());
        let at = |field: &str| format!("{}.{field}", entry.path);
        let missing = |field: &str, message: String, suggestion: &str| {
            Issue::error(codes::MISSING_FIELD, id, at(field), message).with_suggestion(suggestion)
        };
        let what = step.step_type().map(StepType::as_str).unwrap_or("step");
        match &step.config {
            StepConfig::McpCall(c) => {
                if c.tool_name.as_deref().is_none_or(str::is_empty) {
                    issues.push(missing(
                        "tool_name",
                        format!("this {what} step has no `tool_name`"),
                        "set `tool_name` to the name of the MCP tool to call",
                    ));
                }
                if c.instance_id.is_none() && c.server_url.is_none() {
                    issues.push(super::bindings::missing_binding(id, &entry.path));
                }
                if let Some(issue) = connection_resolution_issue(
                    c.connection_resolution.as_deref(),
                    id,
                    at("connection_resolution"),
                ) {
                    issues.push(issue);
                }
            }
            StepConfig::LlmCall(c) => {
                if c.prompt.as_deref().is_none_or(str::is_empty) {
                    issues.push(missing(
                        "prompt",
                        "this llm_call step has no `prompt`".into(),
                        "write the prompt; it may use templates such as {{input.topic}}",
                    ));
                }
                if c.model.is_none() && c.model_ref.is_none() {
                    issues.push(missing("model", "this llm_call step names no model".into(), "set `model` (e.g. \"gpt-4o-mini\") or `model_ref` (e.g. \"direct.openai.gpt-4o-mini\")"));
                }
                if let Some(r) = &c.model_ref
                    && (r.split('.').count() < 3 || r.split('.').any(str::is_empty))
                {
                    issues.push(
                        Issue::error(
                            codes::GRAPH_SCHEMA_VALIDATION,
                            id,
                            at("model_ref"),
                            format!(
                                "`model_ref` `{r}` is not of the form <source>.<provider>.<model>"
                            ),
                        )
                        .with_suggestion("e.g. \"direct.openai.gpt-4o-mini\""),
                    );
                }
            }
            StepConfig::LuaScript(c) => {
                if c.script.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    issues.push(missing(
                        "script",
                        "this lua_script step has no `script`".into(),
                        "write a Luau script that returns a table, e.g. return { total = 1 }",
                    ));
                }
            }
            StepConfig::AgentCall(c) => {
                if c.agent_id.as_deref().is_none_or(str::is_empty) {
                    issues.push(missing(
                        "agent_id",
                        "this agent_call step has no `agent_id`".into(),
                        "set `agent_id` to the id of a project agent",
                    ));
                }
                if c.prompt.is_none() && c.input.is_none() && c.messages.is_none() {
                    issues.push(missing(
                        "prompt",
                        "this agent_call step has neither `prompt`, `input` nor `messages`".into(),
                        "give the agent a `prompt` (or an `input` object, or `messages`)",
                    ));
                }
            }
            StepConfig::ForEach(c) => {
                // An empty text would loop once over "" (a scalar is a one-item list): it is
                // what an editor leaves when nobody filled the field in, never an intent.
                let blank = matches!(&c.items, Some(Value::String(t)) if t.trim().is_empty());
                if c.items.is_none() || blank {
                    issues.push(missing(
                        "for_each_items",
                        "this for_each step has no `for_each_items`".into(),
                        "set it to a template resolving to an array, e.g. \"{{input.items}}\"",
                    ));
                }
                if c.body.is_empty() && !step.unknown.contains_key("for_each_body_steps") {
                    issues.push(missing(
                        "for_each_body_steps",
                        "this for_each step has an empty body".into(),
                        "add the steps to run for each item to `for_each_body_steps`",
                    ));
                }
            }
            StepConfig::While(c) => {
                if c.max_iterations.is_none() {
                    issues.push(missing(
                        "while_max_iterations",
                        "this while step has no `while_max_iterations`".into(),
                        "set a cap on the iterations, e.g. 10",
                    ));
                }
                if c.condition.is_none() && c.eval_script.is_none() {
                    issues.push(missing(
                        "while_condition",
                        "this while step has neither `while_condition` nor `while_eval_script`"
                            .into(),
                        "add a `while_condition` template, e.g. \"{{body.check.done}}\"",
                    ));
                }
                if c.body.is_empty() && !step.unknown.contains_key("while_body_steps") {
                    issues.push(missing(
                        "while_body_steps",
                        "this while step has an empty body".into(),
                        "add the steps to repeat to `while_body_steps`",
                    ));
                }
            }
            StepConfig::HumanTask(_) | StepConfig::Invalid { .. } => {}
        }
        if let (Some(parent), Some(t)) = (index.parent_step(i), step.step_type())
            && !t.allowed_in_body()
        {
            let parent_type = parent.step_type().map(StepType::as_str).unwrap_or("loop");
            issues.push(
                Issue::error(codes::BODY_STEP_NOT_ALLOWED, id, at("type"), format!("a {t} step cannot sit inside the body of {parent_type} `{}`", parent.id))
                    .with_suggestion("loop bodies hold lua_script, llm_call, mcp_call and agent_call steps only; move this step out of the loop"),
            );
        }
        if step.terminal
            && let Some(parent) = index.parent_step(i)
        {
            issues.push(
                Issue::error(codes::GRAPH_SCHEMA_VALIDATION, id, at("terminal"), format!("`terminal` ends the whole run, so it cannot be set on a step inside the body of `{}`", parent.id))
                    .with_suggestion("set `terminal` on the loop step itself, or on a step after it"),
            );
        }
        if let Some(t) = step.step_type()
            && !run.context.executor_available(t)
        {
            issues.push(
                Issue::warning(
                    codes::EXECUTOR_UNAVAILABLE,
                    id,
                    at("type"),
                    format!("no executor configured for {t}"),
                )
                .with_suggestion(format!(
                    "configure an executor for {t} steps on this server before running the workflow"
                )),
            );
        }
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// `disabled_steps`: each disabled step is pointed out, since it will not run.
pub(crate) fn check_disabled_steps(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::DisabledSteps;
    let index = run.index;
    let issues: Vec<Issue> = index
        .entries
        .iter()
        .filter(|e| !e.step.enabled)
        .map(|e| {
            Issue::warning(
                codes::STEP_DISABLED,
                Some(&e.step.id),
                format!("{}.enabled", e.path),
                format!("step `{}` is disabled: it will be skipped and its result will be null for the steps after it", e.step.id),
            )
            .with_suggestion("remove `\"enabled\": false` to run it")
        })
        .collect();
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// `connection_resolution` (docs/contract.md §2): `inherit` and `workspace` both use the
/// connections bound in the instance's active profile, which is what this server has;
/// `principal` needs per-end-user connections (the hosted Embedded Connect), which it has
/// not, so a step asking for it is refused here rather than run with the wrong identity.
fn connection_resolution_issue(
    value: Option<&str>,
    id: Option<&str>,
    path: String,
) -> Option<Issue> {
    match value? {
        "inherit" | "workspace" => None,
        "principal" => Some(
            Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                id,
                path,
                "`connection_resolution: principal` needs end-user connections, which this server does not have",
            )
            .with_suggestion("use `inherit` or `workspace`: the call then uses the connections bound in the MCP instance's active profile"),
        ),
        other => Some(
            Issue::error(
                codes::GRAPH_SCHEMA_VALIDATION,
                id,
                path,
                format!("`connection_resolution` is `{other}`; it must be `inherit`, `workspace` or `principal`"),
            )
            .with_suggestion("omit it (the default is `inherit`) or set `workspace`"),
        ),
    }
}
