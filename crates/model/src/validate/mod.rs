//! Dry-run validation (docs/contract.md §8): every check a graph can pass without calling a tool or
//! a model, reported as [`Issue`]s with a step id and a JSON path into the normalized steps
//! shape (`$.steps[2].for_each_body_steps[0].script`).
//!
//! ```
//! use ar_model::import::{parse_graph_value, GraphLimits};
//! use ar_model::validate::{validate, ValidateRequest, ValidationContext};
//! use serde_json::json;
//!
//! let graph = json!({ "steps": [
//!     { "id": "a", "type": "lua_script", "script": "return {}" },
//!     { "id": "b", "type": "lua_script", "script": "return {}", "depends_on": ["a", "b"] },
//! ]});
//! let parsed = parse_graph_value(&graph, &GraphLimits::default()).unwrap();
//! let response = validate(&parsed, &ValidateRequest::default(), &ValidationContext::default());
//! assert!(!response.valid);
//! assert_eq!(response.issues[0].code, "cycle");
//! ```
//!
//! The caller brings what `ar-model` cannot do itself through [`ValidationContext`]: a
//! [`LuaChecker`] (compiling and running Lua), a [`BindingResolver`] (MCP servers of the
//! project) and the step types it has executors for. The user guide is
//! `docs/validation.md`.

mod ancestry;
mod bindings;
mod context;
mod index;
mod input;
mod lua;
mod request;
mod step_config;
mod structure;
mod templates;

use std::collections::{BTreeMap, HashMap, HashSet};

pub use context::{
    BindingResolver, LuaCheckError, LuaChecker, LuaFailure, McpBinding, ResolvedServer, ToolSpec,
    ValidationContext,
};
pub use request::{
    CheckName, CheckStatus, Readiness, UnknownCheck, ValidateParams, ValidateRequest,
    ValidateResponse,
};

use crate::graph::Graph;
use crate::hash::graph_hash;
use crate::import::{GraphError, ParsedGraph};
use crate::issue::{Issue, codes};
use index::{StepIndex, TemplateField};
use input::InputModel;

/// Runs the selected checks on a parsed graph. Never panics on any graph import produces.
pub fn validate(
    parsed: &ParsedGraph,
    request: &ValidateRequest,
    context: &ValidationContext<'_>,
) -> ValidateResponse {
    let selected = selected_checks(request);
    let graph = &parsed.graph;
    let index = StepIndex::new(graph);
    let wants = |c: CheckName| selected.contains(&c);
    let fields = if wants(CheckName::Templates) || wants(CheckName::Dependencies) {
        index::parse_template_fields(&index)
    } else {
        Vec::new()
    };
    let payload = request
        .params
        .as_ref()
        .and_then(|p| p.trigger_payload.as_ref());
    let mut run = Run {
        graph,
        index: &index,
        fields: &fields,
        request,
        context,
        input: InputModel::new(payload, graph.input_schema.as_ref()),
        found: Vec::new(),
        status: HashMap::new(),
        blocked: Vec::new(),
    };
    for &check in &selected {
        match check {
            CheckName::Graph => structure::check_graph(&mut run),
            CheckName::GraphSchema => {
                for issue in &parsed.issues {
                    run.report(CheckName::GraphSchema, issue.clone());
                }
            }
            CheckName::Dependencies => structure::check_dependencies(&mut run),
            CheckName::StepConfig => step_config::check_step_config(&mut run),
            CheckName::Templates => templates::check_templates(&mut run),
            CheckName::LuaSyntax | CheckName::LuaFixture => {}
            CheckName::McpBindings => bindings::check_mcp_bindings(&mut run),
            CheckName::DisabledSteps => step_config::check_disabled_steps(&mut run),
            CheckName::InputSchema => input::check_input_schema(&mut run),
        }
    }
    // Lua last: the fixture skips what does not compile.
    let failed_syntax = if wants(CheckName::LuaSyntax) {
        lua::check_lua_syntax(&mut run)
    } else {
        HashSet::new()
    };
    if wants(CheckName::LuaFixture) {
        lua::check_lua_fixture(&mut run, &failed_syntax);
    }
    run.finish(
        &selected,
        request.step_ids.as_deref(),
        Some(graph_hash(graph)),
    )
}

/// The response for a graph that could not be read at all: invalid, with one issue at `$`.
pub fn validate_unreadable(error: &GraphError) -> ValidateResponse {
    let code = match error {
        GraphError::NoSteps => codes::EMPTY_GRAPH,
        _ => codes::GRAPH_UNREADABLE,
    };
    let issue = Issue::error(code, None, "$", error.to_string())
        .with_suggestion("send a JSON object with a `steps` array (or canvas `nodes` and `edges`)");
    ValidateResponse {
        valid: false,
        readiness: Readiness::Blocked,
        blockers: vec![format!("the graph cannot be read: {error}")],
        checks_performed: vec![CheckName::Graph],
        check_results: BTreeMap::from([(CheckName::Graph, CheckStatus::Failed)]),
        issues: vec![issue],
        graph_hash: None,
    }
}

/// The checks a request selects, in [`CheckName::ALL`] order.
fn selected_checks(request: &ValidateRequest) -> Vec<CheckName> {
    CheckName::ALL
        .into_iter()
        .filter(|c| request.checks.as_ref().is_none_or(|only| only.contains(c)))
        .filter(|c| !request.skip_checks.contains(c))
        .collect()
}

/// The state of one validation: what the checks read, and what they found.
pub(crate) struct Run<'a> {
    pub graph: &'a Graph,
    pub index: &'a StepIndex<'a>,
    pub fields: &'a [TemplateField<'a>],
    pub request: &'a ValidateRequest,
    pub context: &'a ValidationContext<'a>,
    pub input: InputModel,
    found: Vec<(CheckName, Issue)>,
    /// Checks that ended `blocked` or `not_applicable` instead of running normally.
    status: HashMap<CheckName, CheckStatus>,
    blocked: Vec<String>,
}

impl<'a> Run<'a> {
    pub fn report(&mut self, check: CheckName, issue: Issue) {
        self.found.push((check, issue));
    }

    pub fn not_applicable(&mut self, check: CheckName) {
        self.status.insert(check, CheckStatus::NotApplicable);
    }

    pub fn blocked(&mut self, check: CheckName, reason: &str) {
        self.status.insert(check, CheckStatus::Blocked);
        self.blocked
            .push(format!("check `{check}` could not run: {reason}"));
    }

    /// Filters, deduplicates and summarises what the checks found.
    fn finish(
        self,
        selected: &[CheckName],
        step_ids: Option<&[String]>,
        hash: Option<String>,
    ) -> ValidateResponse {
        let wanted: Option<HashSet<String>> = step_ids.map(|ids| self.with_inner_steps(ids));
        let mut seen = HashSet::new();
        let mut check_results = BTreeMap::new();
        let mut issues = Vec::new();
        let mut failing: Vec<(CheckName, usize)> = Vec::new();
        for &check in selected {
            check_results.insert(
                check,
                self.status
                    .get(&check)
                    .copied()
                    .unwrap_or(CheckStatus::Passed),
            );
        }
        for (check, issue) in self.found {
            if let (Some(wanted), Some(id)) = (&wanted, issue.step_id.as_deref())
                && !wanted.contains(id)
            {
                continue;
            }
            let fails = issue.is_error() || check.reports_warnings_only();
            if fails {
                check_results.insert(check, CheckStatus::Failed);
            }
            // Two checks may find the same thing (a missing MCP binding): both fail, the
            // issue is said once.
            if !seen.insert((
                issue.code.clone(),
                issue.json_path.clone(),
                issue.message.clone(),
            )) {
                continue;
            }
            if issue.is_error() {
                match failing.iter_mut().find(|(c, _)| *c == check) {
                    Some((_, n)) => *n += 1,
                    None => failing.push((check, 1)),
                }
            }
            issues.push(issue);
        }
        let mut blockers: Vec<String> = failing
            .iter()
            .map(|(check, n)| {
                format!(
                    "check `{check}` found {n} error{}",
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect();
        blockers.extend(
            self.blocked
                .iter()
                .filter(|b| !b.contains("`lua_fixture`"))
                .cloned(),
        );
        let mut unavailable: Vec<&str> = Vec::new();
        for issue in issues
            .iter()
            .filter(|i| i.code == codes::EXECUTOR_UNAVAILABLE)
        {
            if !unavailable.contains(&issue.message.as_str()) {
                unavailable.push(&issue.message);
            }
        }
        blockers.extend(unavailable.into_iter().map(str::to_string));
        let valid = !issues.iter().any(Issue::is_error);
        ValidateResponse {
            valid,
            readiness: if blockers.is_empty() {
                Readiness::Ready
            } else {
                Readiness::Blocked
            },
            blockers,
            checks_performed: selected.to_vec(),
            check_results,
            issues,
            graph_hash: hash,
        }
    }

    /// The requested ids plus the inner steps of requested loop steps.
    fn with_inner_steps(&self, ids: &[String]) -> HashSet<String> {
        let mut wanted: HashSet<String> = ids.iter().cloned().collect();
        for (parent, body) in &self.index.children {
            if ids.contains(&self.index.entries[*parent].step.id) {
                wanted.extend(body.iter().map(|&c| self.index.entries[c].step.id.clone()));
            }
        }
        wanted
    }
}

/// The closest name to a misspelt one, when close enough to be a plausible typo.
pub(crate) fn closest<'n>(
    word: &str,
    candidates: impl Iterator<Item = &'n str>,
) -> Option<&'n str> {
    crate::import::closest(word, candidates)
}
