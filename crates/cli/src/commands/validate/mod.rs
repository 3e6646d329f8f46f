//! `agentruntime validate FILE [--params JSON|@file] [--mock-outputs JSON|@file] [--json]`:
//! dry-run validation of a graph file (docs/contract.md §8), the same checks as
//! `POST /v1/workflows/{id}/validate`.

mod human;

use std::path::PathBuf;

use ar_model::import::{GraphError, GraphLimits, parse_graph_bytes};
use ar_model::validate::{ValidateParams, ValidateRequest, ValidateResponse, validate_unreadable};
use serde_json::Value;

use crate::commands::dry_run::dry_run;
use crate::exit::{Unreadable, Verdict};
use crate::output;
use crate::source::{json_argument, read_bounded};

/// Arguments of `agentruntime validate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 the graph is valid, 1 it is not, 2 the input could not be read."
)]
pub struct Args {
    /// The workflow graph: steps-only, canvas ({nodes, edges}) or backend shape.
    pub file: PathBuf,
    /// Run-start parameters the templates and input schema are checked against: inline
    /// JSON or @path. Either {"trigger_payload": {...}} or the payload object itself.
    #[arg(long, value_name = "JSON|@FILE")]
    pub params: Option<String>,
    /// Pretend step outputs {step_id: result} for running Lua scripts as fixtures:
    /// inline JSON or @path.
    #[arg(long, value_name = "JSON|@FILE")]
    pub mock_outputs: Option<String>,
    /// Print the API's response object as JSON instead of a report.
    #[arg(long)]
    pub json: bool,
}

/// Validates the file and prints the outcome; the verdict is the graph's validity.
pub fn run(args: &Args) -> Result<Verdict, Unreadable> {
    let request = build_request(args)?;
    let response = validate_file(args, &request)?;
    if args.json {
        let text = serde_json::to_string_pretty(&response)
            .map_err(|e| Unreadable(format!("cannot encode the response as JSON: {e}")))?;
        output::print_plain(&format!("{text}\n"));
    } else {
        output::print_styled(&human::render(&response));
    }
    Ok(if response.valid {
        Verdict::Yes
    } else {
        Verdict::No
    })
}

fn build_request(args: &Args) -> Result<ValidateRequest, Unreadable> {
    let mut request = ValidateRequest::default();
    if let Some(text) = &args.params {
        request.params = Some(ValidateParams {
            trigger_payload: Some(trigger_payload(json_argument("--params", text)?)),
        });
    }
    if let Some(text) = &args.mock_outputs {
        match json_argument("--mock-outputs", text)? {
            Value::Object(outputs) => request.mock_step_outputs = outputs,
            other => {
                return Err(Unreadable(format!(
                    "--mock-outputs must be a JSON object of step id to output; found {}",
                    ar_model::import::json_type(&other)
                )));
            }
        }
    }
    Ok(request)
}

/// The start payload in `params`: docs/contract.md §7 accepts `{"trigger_payload": {...}, ...}`
/// or, for compatibility, the payload itself when none of the start keys is present.
fn trigger_payload(params: Value) -> Value {
    const START_KEYS: [&str; 6] = [
        "trigger_payload",
        "trigger_steps",
        "excluded_step_ids",
        "use_run_setup_defaults",
        "run_id",
        "version",
    ];
    match params {
        Value::Object(mut map) if START_KEYS.iter().any(|k| map.contains_key(*k)) => map
            .remove("trigger_payload")
            .unwrap_or_else(|| Value::Object(Default::default())),
        payload => payload,
    }
}

/// Reads and validates the graph. Input that is not a graph document at all (missing,
/// not UTF-8, not JSON) is `Err`; a document that is not a usable graph (too large, not
/// an object, no steps) is an invalid response, as the API gives it.
fn validate_file(args: &Args, request: &ValidateRequest) -> Result<ValidateResponse, Unreadable> {
    let limits = GraphLimits::default();
    let unreadable = |e: &dyn std::fmt::Display| {
        Unreadable(format!("cannot read `{}`: {e}", args.file.display()))
    };
    let bytes = match read_bounded(&args.file, limits.max_bytes)? {
        Ok(bytes) => bytes,
        Err(size) => {
            let bytes = usize::try_from(size).unwrap_or(usize::MAX);
            return Ok(validate_unreadable(&GraphError::TooLarge {
                bytes,
                limit: limits.max_bytes,
            }));
        }
    };
    let parsed = match parse_graph_bytes(&bytes, &limits) {
        Ok(parsed) => parsed,
        Err(error) if error.is_unreadable() => return Err(unreadable(&error)),
        Err(error) => return Ok(validate_unreadable(&error)),
    };
    Ok(dry_run(&parsed, request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_take_trigger_payload_or_are_the_payload() {
        let cases = [
            (
                json!({"trigger_payload": {"q": "rust"}}),
                json!({"q": "rust"}),
            ),
            (
                json!({"trigger_payload": {"q": "rust"}, "trigger_steps": {}}),
                json!({"q": "rust"}),
            ),
            (json!({"q": "rust"}), json!({"q": "rust"})),
            (json!({"excluded_step_ids": ["a"]}), json!({})),
            (json!([1, 2]), json!([1, 2])),
        ];
        for (params, payload) in cases {
            assert_eq!(trigger_payload(params.clone()), payload, "params {params}");
        }
    }
}
