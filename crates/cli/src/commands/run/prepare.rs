//! Before a run starts: read the graph file and validate it (with the run's input) the way
//! `agentruntime validate` does; refuse what cannot run here.

use std::path::Path;

use ar_model::graph::{Graph, Step, StepType};
use ar_model::import::{GraphLimits, parse_graph_bytes};
use ar_model::input::apply_schema_defaults;
use ar_model::issue::Severity;
use ar_model::validate::{Readiness, ValidateParams, ValidateRequest, ValidateResponse};
use serde_json::Value;

use crate::commands::dry_run::dry_run;
use crate::exit::Unreadable;
use crate::output;
use crate::source::read_bounded;

/// Reads `file`, fills the input schema's defaults into `payload`, and validates the graph
/// against that input. Any error-level issue, or a graph that cannot run here (a step type
/// with no local executor), is reported on stderr and refused with `Err` (exit status 2).
/// Returns the graph and the completed input.
pub fn load_valid_graph(file: &Path, payload: &Value) -> Result<(Graph, Value), Unreadable> {
    let limits = GraphLimits::default();
    let bytes = read_bounded(file, limits.max_bytes)?.map_err(|size| {
        Unreadable(format!(
            "`{}` is {size} bytes; the limit is {} bytes",
            file.display(),
            limits.max_bytes
        ))
    })?;
    let parsed = parse_graph_bytes(&bytes, &limits)
        .map_err(|e| Unreadable(format!("cannot read `{}`: {e}", file.display())))?;
    let mut payload = payload.clone();
    if let Some(schema) = &parsed.graph.input_schema {
        apply_schema_defaults(schema, &mut payload);
    }
    let request = ValidateRequest {
        params: Some(ValidateParams {
            trigger_payload: Some(payload.clone()),
        }),
        ..Default::default()
    };
    let response = dry_run(&parsed, &request);
    output::eprint_styled(&render_issues(&response));
    if !response.valid {
        let errors = response
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        return Err(Unreadable(format!(
            "`{}` is not a valid graph for this input ({errors} error(s)); nothing was run",
            file.display()
        )));
    }
    if response.readiness == Readiness::Blocked {
        return Err(Unreadable(format!(
            "`{}` cannot run here: {}",
            file.display(),
            response.blockers.join("; ")
        )));
    }
    Ok((parsed.graph, payload))
}

/// One line per issue, errors first: `error[code] step: message (at path)`.
fn render_issues(response: &ValidateResponse) -> String {
    let mut out = String::new();
    for severity in [Severity::Error, Severity::Warning] {
        let (label, style) = match severity {
            Severity::Error => ("error", anstyle::AnsiColor::Red.on_default().bold()),
            Severity::Warning => ("warning", anstyle::AnsiColor::Yellow.on_default().bold()),
        };
        for issue in response.issues.iter().filter(|i| i.severity == severity) {
            let step = issue
                .step_id
                .as_deref()
                .map(|s| format!(" {s}:"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{style}{label}[{}]{style:#}{step} {} (at {})\n",
                issue.code, issue.message, issue.json_path
            ));
            if let Some(hint) = &issue.suggestion {
                out.push_str(&format!("  hint: {hint}\n"));
            }
        }
    }
    out
}

/// Whether any step, loop bodies included, is a `human_task`.
pub fn has_human_task(steps: &[Step]) -> bool {
    // An explicit stack: body nesting depth comes from the input.
    let mut pending: Vec<&Step> = steps.iter().collect();
    while let Some(step) = pending.pop() {
        if step.step_type() == Some(StepType::HumanTask) {
            return true;
        }
        pending.extend(step.body());
    }
    false
}
