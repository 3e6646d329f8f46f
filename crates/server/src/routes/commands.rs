//! `POST /v1/workflows/{id}/command` (docs/contract.md §7): `start` a run of the workflow, or
//! `pause`, `resume`, `stop` one of its runs (`params.run_id`).

use std::time::Duration;

use ar_engine::{RunStatus, StopMode};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::workflows;
use crate::runs::access::run_of;
use crate::runs::start::{StartedRun, start_workflow_run};
use crate::state::AppState;

/// The longest graceful drain a caller may ask for (a day).
const MAX_DRAIN_TIMEOUT_S: u64 = 86_400;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommandName {
    Start,
    Pause,
    Resume,
    Stop,
}

/// `{"command": "start", "params": {…}}`, `{"command": "pause"|"resume", "params":
/// {"run_id"}}`, `{"command": "stop", "params": {"run_id", "mode"?, "drain_timeout_s"?}}`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommandBody {
    command: CommandName,
    /// For `start`: the trigger payload itself, or `{trigger_payload, trigger_steps,
    /// excluded_step_ids, use_run_setup_defaults, run_id, version, resume_from_run_id,
    /// reuse_completed_steps}`. For the others: `{run_id, mode?, drain_timeout_s?}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    params: Value,
}

/// The params of `pause`, `resume` and `stop`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunCommand {
    run_id: String,
    #[serde(default)]
    mode: Option<StopModeName>,
    /// Graceful stop only: how long in-flight steps may take before the run fails with
    /// `DRAIN_TIMEOUT` (default: the engine's setting).
    #[serde(default)]
    drain_timeout_s: Option<u64>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum StopModeName {
    Immediate,
    Graceful,
}

/// `POST /v1/workflows/{id}/command` (RunStart; pause/resume/stop need RunControl, which
/// the permission table grants to exactly the same callers).
pub async fn command(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<CommandBody>,
) -> ApiResult<Json<CommandAnswer>> {
    let workflow = workflows::load(&state, &gate, &id).await?;
    let verb = match body.command {
        CommandName::Start => {
            let started =
                start_workflow_run(&state, &workflow, body.params, &gate.principal.user.id).await?;
            return Ok(Json(CommandAnswer::Started(started)));
        }
        CommandName::Pause => "pause",
        CommandName::Resume => "resume",
        CommandName::Stop => "stop",
    };
    let cmd: RunCommand = serde_json::from_value(body.params).map_err(|e| {
        ApiError::bad_request(format!(
            "`{verb}` takes params {{\"run_id\", \"mode\"?, \"drain_timeout_s\"?}}: {e}"
        ))
    })?;
    if verb != "stop" && (cmd.mode.is_some() || cmd.drain_timeout_s.is_some()) {
        return Err(ApiError::bad_request(format!(
            "`mode` and `drain_timeout_s` belong to `stop`, not `{verb}`"
        )));
    }
    let run = run_of(&state, &workflow, &cmd.run_id).await?;
    let engine = state.engine();
    // The engine refuses a wrong state too (atomically); checking first gives the caller
    // a message that says what to do instead.
    let allowed: &[RunStatus] = match verb {
        "pause" => &[RunStatus::Running],
        "resume" => &[RunStatus::Paused],
        _ if matches!(cmd.mode, Some(StopModeName::Graceful)) => {
            &[RunStatus::Running, RunStatus::Paused]
        }
        _ => &[
            RunStatus::Queued,
            RunStatus::Running,
            RunStatus::Paused,
            RunStatus::Draining,
        ],
    };
    if !allowed.contains(&run.status) {
        return Err(wrong_state(verb, run.status, allowed));
    }
    match verb {
        "pause" => engine.pause(&run.id).await?,
        "resume" => engine.resume(&run.id).await?,
        _ => {
            let mode = match cmd.mode {
                Some(StopModeName::Graceful) => StopMode::Graceful,
                _ => StopMode::Immediate,
            };
            let timeout = match cmd.drain_timeout_s {
                Some(s) if s == 0 || s > MAX_DRAIN_TIMEOUT_S => {
                    return Err(ApiError::bad_request(format!(
                        "drain_timeout_s must be between 1 and {MAX_DRAIN_TIMEOUT_S}"
                    )));
                }
                other => other.map(Duration::from_secs),
            };
            engine.stop(&run.id, mode, timeout).await?
        }
    }
    let now = run_of(&state, &workflow, &run.id).await?;
    Ok(Json(CommandAnswer::Done(CommandDone {
        run_id: now.id,
        workflow_id: now.workflow_id,
        command: verb,
        status: now.status.as_str(),
    })))
}

/// `POST /v1/workflows/{id}/command`'s answer: the started run, or the run a `pause`,
/// `resume` or `stop` acted on.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum CommandAnswer {
    Started(StartedRun),
    Done(CommandDone),
}

/// The run a `pause`, `resume` or `stop` acted on, in its state now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CommandDone {
    pub run_id: String,
    pub workflow_id: String,
    /// `pause`, `resume` or `stop`.
    pub command: &'static str,
    #[schema(schema_with = crate::runs::view::run_status)]
    pub status: &'static str,
}

/// 409 naming the run's state and the states the command needs.
fn wrong_state(verb: &str, status: RunStatus, allowed: &[RunStatus]) -> ApiError {
    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    let hint = match (verb, status) {
        ("resume", RunStatus::Running) => "; it is already running",
        ("pause", RunStatus::Paused) => "; it is already paused (resume it with `resume`)",
        (_, s) if s.is_terminal() => {
            "; it has finished (start a new run, or retry a failed one with POST …/runs/{run_id}/retry)"
        }
        _ => "",
    };
    ApiError::conflict(format!(
        "cannot {verb} a run that is {}: `{verb}` needs a run that is {}{hint}",
        status.as_str(),
        allowed.join(" or ")
    ))
    .with("status", json!(status.as_str()))
}
