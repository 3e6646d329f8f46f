//! Carrying out one tool use of the Autopilot: every write goes through the `/v1` router
//! as the caller (`crate::platform_tools::dispatch`), so the caller's role decides exactly
//! as it would over REST, and a refusal comes back as the REST error body.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::create;
use super::tools::{self, CREATE_WORKFLOW, NAVIGATE, Named, RUN_WORKFLOW, SCAFFOLD_STARTER};
use super::turn::TurnContext;
use crate::platform_tools::dispatch::{Answer, path_segment};
use crate::platform_tools::{self, ToolOutcome};
use crate::starters;

/// What a tool use gave: the `action` frame's `status` and `result`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    pub ok: bool,
    pub result: Value,
}

impl ActionOutcome {
    pub fn ok(result: Value) -> ActionOutcome {
        ActionOutcome { ok: true, result }
    }

    /// A refusal made here, shaped like a REST error body with its status.
    pub fn refused(status: u16, message: impl Into<String>) -> ActionOutcome {
        ActionOutcome {
            ok: false,
            result: json!({ "error": message.into(), "status": status }),
        }
    }

    /// A REST answer's error: its body, plus the HTTP `status`.
    pub fn rest_error(answer: Answer) -> ActionOutcome {
        let mut body = match answer.body {
            Value::Object(o) => o,
            other => {
                let mut o = Map::new();
                o.insert("error".into(), other);
                o
            }
        };
        body.insert("status".into(), json!(answer.status));
        ActionOutcome {
            ok: false,
            result: Value::Object(body),
        }
    }

    fn from_tool(outcome: ToolOutcome) -> ActionOutcome {
        if outcome.is_error {
            ActionOutcome::rest_error(Answer {
                status: outcome.status,
                body: Value::Object(outcome.body),
            })
        } else {
            ActionOutcome::ok(Value::Object(outcome.body))
        }
    }
}

/// Whether a REST answer succeeded.
pub fn succeeded(answer: &Answer) -> bool {
    (200..300).contains(&answer.status)
}

/// Uses the tool `name` with `arguments` (what the model asked for).
pub async fn use_tool(ctx: &TurnContext, name: &str, arguments: Value) -> ActionOutcome {
    let Value::Object(arguments) = arguments else {
        return ActionOutcome::refused(400, "the tool's arguments must be a JSON object");
    };
    match tools::named(name, ctx.mode, &ctx.groups) {
        Named::WriteInAskMode => ActionOutcome::refused(
            403,
            format!(
                "`{name}` changes things and Autopilot is in ask mode: nothing was done (switch \
                 to autopilot mode to let it act)"
            ),
        ),
        Named::Unknown => ActionOutcome::refused(404, format!("there is no tool named `{name}`")),
        Named::NotOffered => ActionOutcome::refused(
            403,
            format!("the tool `{name}` is not offered to Autopilot on this server"),
        ),
        Named::Platform(spec) => {
            let groups = tools::groups(&ctx.groups);
            ActionOutcome::from_tool(
                platform_tools::call(&ctx.dispatcher, &groups, &ctx.caller, spec.name, arguments)
                    .await,
            )
        }
        Named::Own(CREATE_WORKFLOW) => create::create_workflow(ctx, &arguments).await,
        Named::Own(SCAFFOLD_STARTER) => scaffold_starter(ctx, &arguments).await,
        Named::Own(RUN_WORKFLOW) => run_workflow(ctx, &arguments).await,
        Named::Own(NAVIGATE) => navigate(&arguments),
        Named::Own(other) => ActionOutcome::refused(404, format!("no tool named `{other}`")),
    }
}

fn text_arg<'a>(arguments: &'a Map<String, Value>, name: &str) -> Result<&'a str, ActionOutcome> {
    match arguments.get(name).and_then(Value::as_str) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ActionOutcome::refused(
            400,
            format!("`{name}` is required (a non-empty string)"),
        )),
    }
}

/// `POST /v1/workflows` in the turn's project, as the caller.
pub async fn create_draft(
    ctx: &TurnContext,
    name: &str,
    description: &str,
    graph: Value,
) -> Answer {
    let body = json!({ "name": name, "description": description, "graph": graph });
    ctx.dispatcher
        .send(
            &ctx.caller,
            Method::POST,
            "/v1/workflows",
            Some(&ctx.project_id),
            Some(body),
        )
        .await
}

/// `scaffold_starter {template}` → `{workflow_id, name, template}`.
async fn scaffold_starter(ctx: &TurnContext, arguments: &Map<String, Value>) -> ActionOutcome {
    let template = match text_arg(arguments, "template") {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let Some(starter) = starters::find(template.trim()) else {
        let ids: Vec<&str> = starters::all().iter().map(|s| s.id).collect();
        let mut out = ActionOutcome::refused(
            404,
            format!(
                "unknown template `{template}`; the starters are: {}",
                ids.join(", ")
            ),
        );
        out.result["templates"] = json!(ids);
        return out;
    };
    let answer = create_draft(
        ctx,
        starter.name,
        starter.description,
        starter.graph.clone(),
    )
    .await;
    if !succeeded(&answer) {
        return ActionOutcome::rest_error(answer);
    }
    ActionOutcome::ok(json!({
        "workflow_id": answer.body["id"],
        "name": answer.body["name"],
        "template": starter.id,
    }))
}

/// `run_workflow {workflow_id, params}` → `{run_id, workflow_id, status}`.
async fn run_workflow(ctx: &TurnContext, arguments: &Map<String, Value>) -> ActionOutcome {
    let workflow_id = match text_arg(arguments, "workflow_id") {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let Some(segment) = path_segment(workflow_id) else {
        return ActionOutcome::refused(400, "`workflow_id` is not a valid id");
    };
    let params = match arguments.get("params") {
        None | Some(Value::Null) => json!({}),
        Some(p @ Value::Object(_)) => p.clone(),
        Some(_) => return ActionOutcome::refused(400, "`params` must be a JSON object"),
    };
    let answer = ctx
        .dispatcher
        .send(
            &ctx.caller,
            Method::POST,
            &format!("/v1/workflows/{segment}/command"),
            None,
            Some(json!({ "command": "start", "params": params })),
        )
        .await;
    if !succeeded(&answer) {
        return ActionOutcome::rest_error(answer);
    }
    ActionOutcome::ok(json!({
        "run_id": answer.body["run_id"],
        "workflow_id": answer.body["workflow_id"],
        "status": answer.body["status"],
    }))
}

/// `navigate {to}` → `{to}`.
fn navigate(arguments: &Map<String, Value>) -> ActionOutcome {
    let to = match text_arg(arguments, "to") {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    match tools::console_path(to.trim()) {
        Ok(to) => ActionOutcome::ok(json!({ "to": to })),
        Err(message) => ActionOutcome::refused(400, message),
    }
}
