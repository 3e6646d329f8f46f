//! Test doubles and helpers shared by the integration tests.
#![allow(dead_code)]

use ar_model::import::{GraphLimits, ParsedGraph, parse_graph_value};
use ar_model::validate::{
    BindingResolver, LuaCheckError, LuaChecker, LuaFailure, McpBinding, ResolvedServer, ToolSpec,
};
use serde_json::{Map, Value, json};

/// Parses a graph that must be readable.
pub fn parse(graph: &Value) -> ParsedGraph {
    match parse_graph_value(graph, &GraphLimits::default()) {
        Ok(parsed) => parsed,
        Err(e) => panic!("test graph should be readable: {e}"),
    }
}

/// A stand-in for the `ar-lua` runtime with a tiny, predictable language:
/// - a script containing `@@` does not compile (the error is on the line of `@@`);
/// - `fail:<message>` raises `<message>`;
/// - `need:<step>` fails unless `steps.<step>` is given;
/// - `scalar` returns a number (not a table);
/// - `slow` is not run (as when the request's Lua budget is used up);
/// - `pass` returns `{pass = true}`; anything else returns `{ok = true}`.
pub struct FakeLua;

impl LuaChecker for FakeLua {
    fn check_syntax(&self, script: &str) -> Result<(), LuaCheckError> {
        match script.lines().position(|l| l.contains("@@")) {
            Some(i) => Err(LuaCheckError {
                failure: LuaFailure::Syntax,
                line: Some(i as u32 + 1),
                message: "unexpected symbol near '@@'".into(),
            }),
            None => Ok(()),
        }
    }

    fn run_fixture(
        &self,
        script: &str,
        globals: &[(&str, &Value)],
    ) -> Result<Map<String, Value>, LuaCheckError> {
        let runtime = |message: String| LuaCheckError {
            failure: LuaFailure::Runtime,
            line: Some(1),
            message,
        };
        if let Some(message) = script.strip_prefix("fail:") {
            return Err(runtime(message.to_string()));
        }
        if let Some(step) = script.strip_prefix("need:") {
            let steps = globals.iter().find(|(k, _)| *k == "steps").map(|(_, v)| *v);
            if steps.and_then(|s| s.get(step)).is_none() {
                return Err(runtime(format!(
                    "attempt to index nil with 'result' (steps.{step})"
                )));
            }
        }
        if script == "slow" {
            return Err(LuaCheckError {
                failure: LuaFailure::NotRun,
                line: None,
                message: "not run: the request's Lua budget was used up".into(),
            });
        }
        if script == "scalar" {
            return Err(LuaCheckError {
                failure: LuaFailure::ReturnType,
                line: None,
                message: "script must return a table of fields, but returned number".into(),
            });
        }
        let result = if script == "pass" {
            json!({ "pass": true })
        } else {
            json!({ "ok": true })
        };
        Ok(result.as_object().cloned().unwrap_or_default())
    }
}

/// A project with one MCP instance, `search-1`, offering `web_search(query: string)`.
pub struct FakeProject;

impl BindingResolver for FakeProject {
    fn resolve(&self, binding: McpBinding<'_>) -> Option<ResolvedServer> {
        (binding.instance_id == Some("search-1")).then(|| ResolvedServer {
            tools: Some(vec![ToolSpec {
                name: "web_search".into(),
                input_schema: Some(json!({
                    "type": "object",
                    "properties": { "query": { "type": "string" }, "limit": { "type": "integer" } },
                    "required": ["query"]
                })),
            }]),
        })
    }
}
