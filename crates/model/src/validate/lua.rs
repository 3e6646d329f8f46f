//! The `lua_syntax` check (scripts compile) and the `lua_fixture` check (scripts run against
//! mock outputs, failures being warnings). Both go through the caller's [`LuaChecker`].
//!
//! [`LuaChecker`]: super::LuaChecker

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::Run;
use super::context::{LuaCheckError, LuaFailure};
use super::index::Entry;
use super::request::CheckName;
use crate::graph::StepConfig;
use crate::issue::{Issue, codes};
use crate::template::{MapScope, TemplatedValue};

/// A script of the graph: the entry holding it, its field and its source.
struct Script<'g> {
    entry: usize,
    field: &'static str,
    source: &'g str,
}

fn scripts<'g>(entries: &[Entry<'g>]) -> Vec<Script<'g>> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(entry, e)| match &e.step.config {
            StepConfig::LuaScript(c) => Some(Script {
                entry,
                field: "script",
                source: c.script.as_deref()?,
            }),
            StepConfig::While(c) => Some(Script {
                entry,
                field: "while_eval_script",
                source: c.eval_script.as_deref()?,
            }),
            _ => None,
        })
        .collect()
}

fn line_text(error: &LuaCheckError) -> String {
    error
        .line
        .map(|l| format!(" (line {l})"))
        .unwrap_or_default()
}

/// `lua_syntax`. Returns the scripts (by entry and field) that failed, so `lua_fixture`
/// does not run them.
pub(crate) fn check_lua_syntax(run: &mut Run<'_>) -> HashSet<(usize, &'static str)> {
    const CHECK: CheckName = CheckName::LuaSyntax;
    let mut failed = HashSet::new();
    let scripts = scripts(&run.index.entries);
    if scripts.is_empty() {
        run.not_applicable(CHECK);
        return failed;
    }
    let Some(lua) = run.context.lua else {
        run.blocked(CHECK, "no Lua runtime is configured to compile the scripts");
        return failed;
    };
    let mut issues = Vec::new();
    for s in &scripts {
        if let Err(error) = lua.check_syntax(s.source) {
            let e = &run.index.entries[s.entry];
            failed.insert((s.entry, s.field));
            issues.push(
                Issue::error(
                    codes::LUA_SYNTAX,
                    Some(&e.step.id),
                    format!("{}.{}", e.path, s.field),
                    format!(
                        "the Lua script does not compile{}: {}",
                        line_text(&error),
                        error.message
                    ),
                )
                .with_suggestion(
                    "fix the script; it is Luau (Lua 5.1 syntax with Luau extensions)",
                ),
            );
        }
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
    failed
}

/// `lua_fixture`: each script whose upstream steps all have a mock output is run with
/// those outputs; scripts that would read unmocked outputs are not run.
pub(crate) fn check_lua_fixture(run: &mut Run<'_>, skip: &HashSet<(usize, &'static str)>) {
    const CHECK: CheckName = CheckName::LuaFixture;
    let scripts = scripts(&run.index.entries);
    if scripts.is_empty() {
        run.not_applicable(CHECK);
        return;
    }
    let Some(lua) = run.context.lua else {
        run.blocked(CHECK, "no Lua runtime is configured to run the scripts");
        return;
    };
    let mocks = &run.request.mock_step_outputs;
    let steps: Map<String, Value> = mocks
        .iter()
        .map(|(id, output)| (id.clone(), json!({ "result": output })))
        .collect();
    let steps = Value::Object(steps);
    let input = run.input.value.clone();
    let run_meta = json!({ "id": "dry-run", "workflow_id": null, "version": null });
    let connection = json!({});
    let mut issues = Vec::new();
    let mut ran = 0;
    for s in scripts
        .iter()
        .filter(|s| !skip.contains(&(s.entry, s.field)))
    {
        let index = run.index;
        let e = &index.entries[s.entry];
        let mocked = |ids: &[String]| ids.iter().all(|d| mocks.contains_key(d));
        // The loop step whose scope the script runs in, and the body steps it can read.
        let (loop_entry, body_ids): (Option<usize>, Vec<&str>) = match (s.field, e.parent) {
            ("while_eval_script", _) => (
                Some(s.entry),
                index
                    .children
                    .get(&s.entry)
                    .into_iter()
                    .flatten()
                    .map(|&c| index.entries[c].step.id.as_str())
                    .collect(),
            ),
            (_, Some(p)) => (
                Some(p),
                e.step.depends_on.iter().map(String::as_str).collect(),
            ),
            (_, None) => (None, Vec::new()),
        };
        let upstream_ok = match loop_entry {
            Some(l) => {
                mocked(&index.entries[l].step.depends_on)
                    && body_ids.iter().all(|id| mocks.contains_key(*id))
            }
            None => mocked(&e.step.depends_on),
        };
        if !upstream_ok {
            continue;
        }
        ran += 1;
        let mut loop_globals: Vec<(&str, Value)> = Vec::new();
        if let Some(l) = loop_entry {
            let body: Map<String, Value> = body_ids
                .iter()
                .filter_map(|id| Some((id.to_string(), mocks.get(*id)?.clone())))
                .collect();
            loop_globals.push(("body", Value::Object(body.clone())));
            match &index.entries[l].step.config {
                StepConfig::ForEach(c) => {
                    let item = first_item(c.items.as_ref(), &input, &steps);
                    loop_globals.push(("foreach", json!({ "item": item, "index": 0 })));
                    loop_globals.push(("item", item));
                    loop_globals.push(("index", json!(0)));
                    loop_globals.push(("loop", json!({ "iteration": 1, "prev": {} })));
                }
                _ => loop_globals.push(("loop", json!({ "iteration": 1, "prev": {} }))),
            }
        }
        let mut globals: Vec<(&str, &Value)> = vec![
            ("input", &input),
            ("steps", &steps),
            ("run", &run_meta),
            ("connection", &connection),
        ];
        globals.extend(loop_globals.iter().map(|(k, v)| (*k, v)));
        let at = format!("{}.{}", e.path, s.field);
        let id = Some(e.step.id.as_str());
        match lua.run_fixture(s.source, &globals) {
            Ok(result)
                if s.field == "while_eval_script"
                    && !result.get("pass").is_some_and(Value::is_boolean) =>
            {
                issues.push(
                    Issue::warning(codes::LUA_FIXTURE_RETURN_TYPE, id, at, "with the mock outputs, `while_eval_script` did not return `{pass = true|false}`")
                        .with_suggestion("end the script with e.g. return { pass = body.check.done == true }"),
                );
            }
            Ok(_) => {}
            Err(error) if error.failure == LuaFailure::NotRun => {
                issues.push(
                    Issue::warning(codes::LUA_FIXTURE_NOT_RUN, id, at, error.message)
                        .with_suggestion("nothing is known about this script: validate fewer scripts at once, or make the slow ones finish sooner"),
                );
            }
            Err(error) => {
                let (code, suggestion) = match error.failure {
                    LuaFailure::ReturnType => (
                        codes::LUA_FIXTURE_RETURN_TYPE,
                        "return a table of fields, e.g. return { total = 3 }",
                    ),
                    LuaFailure::Runtime | LuaFailure::Syntax | LuaFailure::NotRun => (
                        codes::LUA_FIXTURE_RUNTIME,
                        "check the script against the mock outputs; guard fields that may be missing (if steps.x.result then …)",
                    ),
                };
                issues.push(
                    Issue::warning(
                        code,
                        id,
                        at,
                        format!(
                            "with the mock outputs, the script failed{}: {}",
                            line_text(&error),
                            error.message
                        ),
                    )
                    .with_suggestion(suggestion),
                );
            }
        }
    }
    if ran == 0 {
        run.not_applicable(CHECK);
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// The first element `for_each_items` gives with the mock outputs, or null.
fn first_item(items: Option<&Value>, input: &Value, steps: &Value) -> Value {
    let Some(items) = items else {
        return Value::Null;
    };
    let Ok(template) = TemplatedValue::parse(items) else {
        return Value::Null;
    };
    let scope = MapScope(Map::from_iter([
        ("input".to_string(), input.clone()),
        ("steps".to_string(), steps.clone()),
    ]));
    match template.render(&scope) {
        Ok(Value::Array(list)) => list.into_iter().next().unwrap_or(Value::Null),
        Ok(Value::Null) | Err(_) => Value::Null,
        Ok(single) => single,
    }
}
