//! One Autopilot turn (docs/contract.md §13): the model, streamed, with the thread's
//! history and the tools of the mode; each tool use carried out as the caller and shown as
//! an `action` frame; until a final answer or `[autopilot] max_rounds`. The reply is stored
//! once when the turn ends (`ChatStore::finish_turn`), then the last frame (`done` or
//! `error`) goes out. While it runs, the turn row's `updated_at` is refreshed every
//! [`BEAT`], so a sweep ([`super::sweep`]) can tell a turn lost to a restart.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use ar_connect::llm::{ChatMessage, LlmRequest, LlmResponse, Role, ToolResult};
use ar_store::integrations::{NewChatMessage, TURN_COMPLETED, TURN_FAILED};
use ar_store::now_ms;
use futures::FutureExt;
use serde_json::{Value, json};

use super::actions::use_tool;
use super::live::{Frame, LiveTurn};
use super::model::{AUTOPILOT_MODEL_FAILED, AUTOPILOT_MODEL_UNAVAILABLE, Model, ModelAccess};
use super::prompt;
use super::settings::AutopilotSettings;
use super::tools::{self, Mode};
use crate::platform_tools::dispatch::Dispatcher;
use crate::platform_tools::{Caller, EnabledGroups};
use crate::state::AppState;

/// How often a live turn refreshes its row.
pub const BEAT: Duration = Duration::from_secs(5);
/// The most thread messages sent to the model as history.
const HISTORY: i64 = 100;
/// Tool results longer than this are cut before they go back to the model.
const RESULT_CHARS: usize = 16 * 1024;

/// The author of Autopilot replies.
pub const AUTHOR: &str = "autopilot";

/// Everything a turn's tools need.
pub struct TurnContext {
    pub dispatcher: Dispatcher,
    pub caller: Caller,
    pub workspace_id: String,
    pub project_id: String,
    pub mode: Mode,
    /// The platform tool groups the server enables.
    pub groups: EnabledGroups,
    pub model: Model,
    pub settings: AutopilotSettings,
    pub turn_id: String,
    access: Arc<ModelAccess>,
}

impl TurnContext {
    /// Meters (and, billing on, charges) one model call of the turn (`call` tells the
    /// calls apart). False when the workspace is out of credits.
    pub async fn meter(&self, call: &str, response: &LlmResponse) -> bool {
        self.access
            .meter(
                &self.workspace_id,
                &self.project_id,
                &self.turn_id,
                call,
                response,
            )
            .await
    }
}

/// What a turn is asked to do.
pub struct TurnRequest {
    pub caller: Caller,
    pub workspace_id: String,
    pub project_id: String,
    pub project_name: String,
    pub thread_id: String,
    pub turn_id: String,
    pub mode: Mode,
}

/// How a turn ended.
struct Ending {
    text: String,
    actions: Vec<Value>,
    error: Option<(String, String)>,
}

/// The error code of a turn that failed inside the server (a bug): the reply is still
/// stored, so the thread is not left with a turn that never ends.
pub const AUTOPILOT_FAILED: &str = "AUTOPILOT_FAILED";

/// Runs the turn in the background; `live` is its registered replay buffer.
pub fn spawn(state: AppState, request: TurnRequest, live: Arc<LiveTurn>) {
    tokio::spawn(async move {
        let beat = heartbeat(state.clone(), request.turn_id.clone());
        let ending = AssertUnwindSafe(run(&state, &request, &live))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Ending {
                text: String::new(),
                actions: Vec::new(),
                error: Some((
                    AUTOPILOT_FAILED.into(),
                    "the Autopilot failed inside the server; send the message again".into(),
                )),
            });
        beat.abort();
        finish(&state, &request, &live, ending).await;
    });
}

/// Refreshes the turn row every [`BEAT`] until aborted.
fn heartbeat(state: AppState, turn_id: String) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(BEAT);
        loop {
            tick.tick().await;
            if let Err(error) = state.integrations().touch_turn(&turn_id, now_ms()).await {
                tracing::warn!(%turn_id, %error, "autopilot turn not refreshed");
            }
        }
    })
    .abort_handle()
}

async fn run(state: &AppState, request: &TurnRequest, live: &LiveTurn) -> Ending {
    let autopilot = state.autopilot();
    let mut ending = Ending {
        text: String::new(),
        actions: Vec::new(),
        error: None,
    };
    let model = match autopilot.access.open(&request.workspace_id).await {
        Ok(m) => m,
        Err(unavailable) => {
            ending.error = Some((AUTOPILOT_MODEL_UNAVAILABLE.into(), unavailable.0));
            return ending;
        }
    };
    let ctx = TurnContext {
        dispatcher: Dispatcher::new(crate::v1_routes().with_state(state.clone()), state.clone()),
        caller: request.caller.clone(),
        workspace_id: request.workspace_id.clone(),
        project_id: request.project_id.clone(),
        mode: request.mode,
        groups: state.settings().platform_mcp.enabled_groups(),
        model,
        settings: state.settings().autopilot.clone(),
        turn_id: request.turn_id.clone(),
        access: autopilot.access.clone(),
    };
    let mut messages = match history(state, &request.thread_id).await {
        Ok(m) => m,
        Err(message) => {
            ending.error = Some((AUTOPILOT_MODEL_FAILED.into(), message));
            return ending;
        }
    };
    let system = prompt::system(request.mode, &request.project_id, &request.project_name);
    let offered = tools::for_model(request.mode, &ctx.groups);
    for round in 1..=ctx.settings.max_rounds {
        let mut llm = LlmRequest::new(String::new(), String::new());
        llm.system = Some(system.clone());
        llm.messages = messages.clone();
        llm.tools = offered.clone();
        let mut said = String::new();
        // The text of each model call continues the answer: a paragraph break between
        // two rounds' texts, so they do not run together ("…for you.Done: …").
        let mut pending_break = paragraph_break(&ending.text);
        let answer = ctx
            .model
            .stream(llm, |text| {
                if text.is_empty() {
                    return;
                }
                if let Some(gap) = pending_break.take() {
                    said.push_str(gap);
                    live.push(Frame::token(gap));
                }
                said.push_str(text);
                live.push(Frame::token(text));
            })
            .await;
        ending.text.push_str(&said);
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                ending.error = Some((
                    AUTOPILOT_MODEL_FAILED.into(),
                    format!("the Autopilot's model call failed: {e}"),
                ));
                return ending;
            }
        };
        if !ctx.meter(&format!("round{round}"), &answer).await {
            ending.error = Some((
                crate::billing::enforce::INSUFFICIENT_CREDITS.into(),
                "the workspace has no credits left; Autopilot stops here".into(),
            ));
            return ending;
        }
        if answer.tool_calls.is_empty() {
            return ending;
        }
        messages.push(ChatMessage::assistant_tool_calls(
            answer.text.clone(),
            answer.tool_calls.clone(),
        ));
        let mut results = Vec::new();
        for call in &answer.tool_calls {
            let outcome = use_tool(&ctx, &call.name, call.arguments.clone()).await;
            live.push(Frame::action(
                &call.name,
                outcome.ok,
                outcome.result.clone(),
            ));
            ending.actions.push(json!({
                "action": call.name,
                "status": if outcome.ok { "ok" } else { "error" },
                "result": outcome.result,
            }));
            results.push(ToolResult {
                call_id: call.id.clone(),
                content: cut(outcome.result.to_string()),
                is_error: !outcome.ok,
            });
        }
        messages.push(ChatMessage::tool_results(results));
    }
    let note = format!(
        "\n\n(Autopilot stopped after {} rounds; ask again to continue.)",
        ctx.settings.max_rounds
    );
    live.push(Frame::token(&note));
    ending.text.push_str(&note);
    ending
}

/// What goes between the answer so far and the next round's text: nothing at the start or
/// after whitespace, else a paragraph break.
fn paragraph_break(so_far: &str) -> Option<&'static str> {
    match so_far.chars().last() {
        None => None,
        Some(c) if c.is_whitespace() => None,
        Some(_) => Some("\n\n"),
    }
}

fn cut(mut text: String) -> String {
    if text.len() > RESULT_CHARS {
        let mut at = RESULT_CHARS;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push_str(" … (cut)");
    }
    text
}

/// The thread's latest messages as the model's conversation (user messages and earlier
/// Autopilot answers).
async fn history(state: &AppState, thread_id: &str) -> Result<Vec<ChatMessage>, String> {
    let store = state.integrations();
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .messages(thread_id, after, 500)
            .await
            .map_err(|e| format!("the thread could not be read: {e}"))?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        all.extend(page);
    }
    let skip = all.len().saturating_sub(HISTORY as usize);
    Ok(all
        .into_iter()
        .skip(skip)
        .filter(|m| !m.text.is_empty())
        .map(|m| ChatMessage {
            role: if m.author_kind == "user" {
                Role::User
            } else {
                Role::Assistant
            },
            content: m.text,
            tool_calls: Vec::new(),
            tool_results: Vec::new(),
        })
        .collect())
}

/// Stores the reply, sends the last frame, forgets the live turn.
async fn finish(state: &AppState, request: &TurnRequest, live: &LiveTurn, ending: Ending) {
    let mut data = json!({ "actions": ending.actions });
    if let Some((code, message)) = &ending.error {
        data["error"] = json!({ "code": code, "message": message });
    }
    let reply = NewChatMessage {
        id: request.turn_id.clone(),
        thread_id: request.thread_id.clone(),
        author_kind: AUTHOR.into(),
        author_id: AUTHOR.into(),
        text: ending.text.clone(),
        data,
        run_id: None,
        created_at: now_ms(),
    };
    let status = if ending.error.is_some() {
        TURN_FAILED
    } else {
        TURN_COMPLETED
    };
    if let Err(error) = state
        .integrations()
        .finish_turn(&request.turn_id, status, &reply)
        .await
    {
        tracing::error!(turn_id = %request.turn_id, %error, "autopilot reply not stored");
    }
    live.push(match &ending.error {
        Some((code, message)) => Frame::error(code, message),
        None => Frame::done(&request.turn_id, &ending.text),
    });
    state.autopilot().live.end(&request.turn_id);
}

#[cfg(test)]
mod tests {
    use super::paragraph_break;

    #[test]
    fn rounds_texts_are_separated_by_a_paragraph_break() {
        assert_eq!(paragraph_break(""), None);
        assert_eq!(paragraph_break("I made it for you."), Some("\n\n"));
        assert_eq!(paragraph_break("I made it for you.\n"), None);
        assert_eq!(paragraph_break("Working on it "), None);
    }
}
