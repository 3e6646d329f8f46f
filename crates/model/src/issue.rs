//! Problems found in a graph, as reported by import and dry-run validation (docs/contract.md §8).

use serde::{Deserialize, Serialize};

/// How bad an [`Issue`] is: errors make a graph invalid (publish refuses it), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a graph, located by step id and JSON path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Stable machine-readable code, e.g. `cycle`, `missing_field` (see [`codes`]).
    pub code: String,
    pub severity: Severity,
    /// The step the issue belongs to (the inner step for loop bodies), if any.
    pub step_id: Option<String>,
    /// JSONPath-like location in the submitted graph, e.g. `$.steps[3].tool_args.q`.
    pub json_path: String,
    /// What is wrong, in words a workflow author can act on.
    pub message: String,
    /// How to fix it, when we can tell.
    pub suggestion: Option<String>,
}

impl Issue {
    pub fn error(
        code: &str,
        step_id: Option<&str>,
        json_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Issue {
            code: code.to_string(),
            severity: Severity::Error,
            step_id: step_id.map(str::to_string),
            json_path: json_path.into(),
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn warning(
        code: &str,
        step_id: Option<&str>,
        json_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Issue {
            severity: Severity::Warning,
            ..Issue::error(code, step_id, json_path, message)
        }
    }

    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The issue codes this crate emits. docs/contract.md §8 names most of them; the rest are ours.
pub mod codes {
    pub const CYCLE: &str = "cycle";
    pub const UNKNOWN_DEPENDENCY: &str = "unknown_dependency";
    pub const DUPLICATE_STEP_ID: &str = "duplicate_step_id";
    pub const TEMPLATE_MISSING_DEPENDENCY: &str = "template_missing_dependency";
    pub const TEMPLATE_UNRESOLVED: &str = "template_unresolved";
    pub const TEMPLATE_SYNTAX: &str = "template_syntax";
    pub const FOR_EACH_ITEMS_UNRESOLVED: &str = "for_each_items_unresolved";
    pub const GRAPH_SCHEMA_VALIDATION: &str = "graph_schema_validation";
    pub const MISSING_FIELD: &str = "missing_field";
    pub const LUA_SYNTAX: &str = "lua_syntax";
    pub const LUA_FIXTURE_RETURN_TYPE: &str = "lua_fixture_return_type";
    pub const LUA_FIXTURE_RUNTIME: &str = "lua_fixture_runtime";
    /// A fixture the runtime did not run to the end (its request's Lua budget ran out).
    pub const LUA_FIXTURE_NOT_RUN: &str = "lua_fixture_not_run";
    pub const MCP_INSTANCE_UNRESOLVED: &str = "mcp_instance_unresolved";
    pub const MCP_TOOL_UNKNOWN: &str = "mcp_tool_unknown";
    pub const MCP_TOOL_ARGS_INVALID: &str = "mcp_tool_args_invalid";
    pub const STEP_DISABLED: &str = "step_disabled";
    pub const INPUT_SCHEMA_INVALID: &str = "input_schema_invalid";
    pub const INPUT_INVALID: &str = "input_invalid";
    pub const EXECUTOR_UNAVAILABLE: &str = "executor_unavailable";
    pub const EMPTY_GRAPH: &str = "empty_graph";
    /// A step type that may not sit in a loop body (a nested loop, a human task).
    pub const BODY_STEP_NOT_ALLOWED: &str = "body_step_not_allowed";
    /// The graph document could not be read at all (not JSON, too large, …).
    pub const GRAPH_UNREADABLE: &str = "graph_unreadable";
}
