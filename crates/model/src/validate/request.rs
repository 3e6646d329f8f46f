//! The request and response of `POST /v1/workflows/{id}/validate` (docs/contract.md §8), as serde
//! types with the field names of the contract.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::issue::Issue;

/// What a caller asks dry-run validation to do. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The graph to check; `None` means the workflow's draft (the server fills it in).
    /// [`super::validate`] reads the already-parsed graph and ignores this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<Value>,
    /// Run-start parameters the templates and the input schema are checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ValidateParams>,
    /// Only these checks (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<CheckName>>,
    /// Checks to leave out (applied after `checks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_checks: Vec<CheckName>,
    /// Pretend outputs (`result`s) of steps, by step id, for `lua_fixture`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub mock_step_outputs: Map<String, Value>,
    /// Report only issues of these steps (inner steps of a listed loop step included).
    /// Issues that belong to no step (input schema, empty graph) are always reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_ids: Option<Vec<String>>,
}

/// `params` of a [`ValidateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateParams {
    /// The run-start input (`{{input.*}}`), checked against `input_schema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_payload: Option<Value>,
}

/// The checks of docs/contract.md §8, in the order they run and are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// The graph has steps and unique ids.
    Graph,
    /// Every step field is known and well typed (the problems import found).
    GraphSchema,
    /// `depends_on` targets exist, no cycles, `steps.<id>` templates name ancestors.
    Dependencies,
    /// Each step has the fields its type requires.
    StepConfig,
    /// Template syntax, scopes, and `input.*` paths.
    Templates,
    /// Lua scripts compile.
    LuaSyntax,
    /// `mcp_call` steps name a server (and, with a resolver, the server and tool exist).
    McpBindings,
    /// Disabled steps are pointed out (warnings).
    DisabledSteps,
    /// `input_schema` is a JSON Schema and the given payload satisfies it.
    InputSchema,
    /// Lua scripts run against mock outputs (failures are warnings).
    LuaFixture,
}

impl CheckName {
    pub const ALL: [CheckName; 10] = [
        CheckName::Graph,
        CheckName::GraphSchema,
        CheckName::Dependencies,
        CheckName::StepConfig,
        CheckName::Templates,
        CheckName::LuaSyntax,
        CheckName::McpBindings,
        CheckName::DisabledSteps,
        CheckName::InputSchema,
        CheckName::LuaFixture,
    ];

    /// The wire name, e.g. `lua_syntax`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::Graph => "graph",
            CheckName::GraphSchema => "graph_schema",
            CheckName::Dependencies => "dependencies",
            CheckName::StepConfig => "step_config",
            CheckName::Templates => "templates",
            CheckName::LuaSyntax => "lua_syntax",
            CheckName::McpBindings => "mcp_bindings",
            CheckName::DisabledSteps => "disabled_steps",
            CheckName::InputSchema => "input_schema",
            CheckName::LuaFixture => "lua_fixture",
        }
    }

    /// Checks whose findings are warnings by design: for them a warning means "failed".
    pub fn reports_warnings_only(self) -> bool {
        matches!(self, CheckName::DisabledSteps | CheckName::LuaFixture)
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check name that is not one of [`CheckName::ALL`] (for command-line parsing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown check `{0}`; the checks are: graph, graph_schema, dependencies, step_config, templates, lua_syntax, mcp_bindings, disabled_steps, input_schema, lua_fixture"
)]
pub struct UnknownCheck(pub String);

impl FromStr for CheckName {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckName::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCheck(s.to_string()))
    }
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check ran and found nothing at its level (warnings of other checks aside).
    Passed,
    /// The check found errors (or, for warning-only checks, warnings).
    Failed,
    /// The check could not run: a capability is missing here (e.g. no Lua runtime).
    Blocked,
    /// Nothing in this graph for the check to look at (e.g. no Lua scripts).
    NotApplicable,
}

/// Whether the graph could run here and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    Ready,
    Blocked,
}

/// The answer of dry-run validation (docs/contract.md §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateResponse {
    /// No reported issue is an error: publish would accept the graph.
    pub valid: bool,
    /// `ready` when `blockers` is empty.
    pub readiness: Readiness,
    /// Why the graph cannot run here, one sentence each: checks that failed with errors,
    /// checks that could not run, step types with no executor.
    pub blockers: Vec<String>,
    /// The checks that were selected, in the order of [`CheckName::ALL`].
    pub checks_performed: Vec<CheckName>,
    pub check_results: BTreeMap<CheckName, CheckStatus>,
    pub issues: Vec<Issue>,
    /// `None` only when the graph could not be read at all.
    pub graph_hash: Option<String>,
}
