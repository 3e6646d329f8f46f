//! `create_workflow {description, name?}` (docs/agents.md "Autopilot"): a second model
//! call, not streamed to the user, writes a graph for the description; the graph is saved
//! as a draft through `POST /v1/workflows` (as the caller) and dry-run validated through
//! `POST /v1/workflows/{id}/validate`; the issues go back to the model ("fix these
//! issues: …") and the draft is updated (`PATCH`), up to `[autopilot] max_repairs` times.
//!
//! The draft is saved at the first readable graph and kept even when it is still invalid
//! after the bound (`valid: false` with its issues): the user sees how far it got and can
//! finish it in the Studio. A graph never readable is not saved (an error action). Nothing
//! is ever published.

use ar_connect::llm::{ChatMessage, LlmRequest, Role};
use axum::http::Method;
use serde_json::{Map, Value, json};

use super::actions::{ActionOutcome, create_draft, succeeded};
use super::prompt;
use super::turn::TurnContext;
use crate::platform_tools::dispatch::Answer;

/// The longest workflow name derived from a description.
const NAME_CHARS: usize = 60;
/// The longest name `POST /v1/workflows` takes (a longer one given by the model is cut,
/// rather than refused on every repair).
const MAX_NAME_CHARS: usize = 200;

/// Runs the write–validate–repair loop.
pub async fn create_workflow(ctx: &TurnContext, arguments: &Map<String, Value>) -> ActionOutcome {
    let description = match arguments.get("description").and_then(Value::as_str) {
        Some(d) if !d.trim().is_empty() => d.trim().to_string(),
        _ => {
            return ActionOutcome::refused(400, "`description` is required (a non-empty string)");
        }
    };
    let name = arguments
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(MAX_NAME_CHARS).collect::<String>())
        .unwrap_or_else(|| description.chars().take(NAME_CHARS).collect());
    let mut conversation = vec![ChatMessage::user(prompt::graph_request(&description))];
    let mut workflow_id: Option<String> = None;
    let mut issues = Value::Null;
    let attempts_allowed = ctx.settings.max_repairs + 1;
    for attempt in 1..=attempts_allowed {
        let mut request = LlmRequest::new(String::new(), String::new());
        request.system = Some(prompt::graph_writer());
        request.messages = conversation.clone();
        let answer = match ctx.model.complete(request).await {
            Ok(a) => a,
            Err(e) => {
                return ActionOutcome::refused(502, format!("the graph writer failed: {e}"));
            }
        };
        if !ctx.meter(&format!("graph{attempt}"), &answer).await {
            return ActionOutcome::refused(422, "the workspace has no credits left");
        }
        conversation.push(ChatMessage {
            role: Role::Assistant,
            content: answer.text.clone(),
            tool_calls: Vec::new(),
            tool_results: Vec::new(),
        });
        issues = match graph_of(&answer.text) {
            Err(why) => json!([{ "message": why }]),
            Ok(graph) => {
                let saved = match &workflow_id {
                    None => create_draft(ctx, &name, &description, graph).await,
                    Some(id) => update_draft(ctx, id, graph).await,
                };
                if !succeeded(&saved) {
                    if !matches!(saved.status, 400 | 422) {
                        // Refused for who the caller is (403), or gone (404): no repair helps.
                        return ActionOutcome::rest_error(saved);
                    }
                    saved.body
                } else {
                    let id = workflow_id
                        .get_or_insert_with(|| {
                            saved.body["id"].as_str().unwrap_or_default().to_string()
                        })
                        .clone();
                    let report = validate(ctx, &id).await;
                    if !succeeded(&report) {
                        return ActionOutcome::rest_error(report);
                    }
                    if report.body["valid"] == true {
                        return ActionOutcome::ok(json!({
                            "workflow_id": id, "name": name, "valid": true, "attempts": attempt,
                        }));
                    }
                    errors_of(&report.body)
                }
            }
        };
        conversation.push(ChatMessage::user(prompt::repair_request(
            &issues.to_string(),
        )));
    }
    match workflow_id {
        Some(id) => ActionOutcome::ok(json!({
            "workflow_id": id, "name": name, "valid": false,
            "attempts": attempts_allowed, "issues": issues,
        })),
        None => {
            let mut out = ActionOutcome::refused(
                422,
                format!("no readable graph after {attempts_allowed} attempts; nothing was saved"),
            );
            out.result["issues"] = issues;
            out
        }
    }
}

/// The graph in the writer's answer: the JSON object it holds (code fences and prose
/// around it tolerated).
fn graph_of(text: &str) -> Result<Value, String> {
    let start = text.find('{');
    let end = text.rfind('}');
    let (Some(start), Some(end)) = (start, end) else {
        return Err("the answer holds no JSON object; answer with the graph JSON only".into());
    };
    if end < start {
        return Err("the answer holds no JSON object".into());
    }
    match serde_json::from_str::<Value>(&text[start..=end]) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("the graph must be a JSON object".into()),
        Err(e) => Err(format!("the graph is not valid JSON: {e}")),
    }
}

/// The issues to fix: the errors of a validation report (all issues when none is an
/// error), each as `{code, step_id, json_path, message, suggestion}`.
fn errors_of(report: &Value) -> Value {
    let all = report["issues"].as_array().cloned().unwrap_or_default();
    let errors: Vec<Value> = all
        .iter()
        .filter(|i| i["severity"] == "error")
        .cloned()
        .collect();
    let chosen = if errors.is_empty() { all } else { errors };
    let mut out = Value::Array(chosen);
    if out.as_array().is_some_and(Vec::is_empty) {
        out = json!([{ "message": "the graph is not valid", "blockers": report["blockers"] }]);
    }
    out
}

async fn update_draft(ctx: &TurnContext, id: &str, graph: Value) -> Answer {
    ctx.dispatcher
        .send(
            &ctx.caller,
            Method::PATCH,
            &format!("/v1/workflows/{id}"),
            None,
            Some(json!({ "graph": graph })),
        )
        .await
}

async fn validate(ctx: &TurnContext, id: &str) -> Answer {
    ctx.dispatcher
        .send(
            &ctx.caller,
            Method::POST,
            &format!("/v1/workflows/{id}/validate"),
            None,
            Some(json!({})),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_is_found_in_fenced_or_chatty_answers() {
        let g = graph_of("```json\n{\"steps\": []}\n```").expect("fenced");
        assert_eq!(g, json!({"steps": []}));
        assert!(graph_of("Here it is: {\"steps\": [1]} hope it helps").is_ok());
        assert!(graph_of("no graph").is_err());
        assert!(graph_of("{not json}").is_err());
        assert!(graph_of("} {").is_err());
    }

    #[test]
    fn errors_are_preferred_over_warnings() {
        let report = json!({"issues": [
            {"severity": "warning", "message": "w"},
            {"severity": "error", "message": "e"}]});
        assert_eq!(
            errors_of(&report),
            json!([{"severity": "error", "message": "e"}])
        );
        let empty = errors_of(&json!({"issues": [], "blockers": ["b"]}));
        assert_eq!(empty[0]["blockers"], json!(["b"]));
    }
}
