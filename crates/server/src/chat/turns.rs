//! Agent turns of a chat thread (docs/agents.md "Chat").
//!
//! A message in a thread with agents starts one turn per agent: the `chat_turns` row
//! first (running, its id the id the reply will have), then an engine run of a one-step
//! graph — `agent_call` of the agent with the thread's recent history as `messages` —
//! in the thread's project (no workflow), then the run's id on the turn. When the run
//! ends, [`finish_from_run`] stores the reply, once, whichever node gets there first:
//! the step's `text`, or a failed reply carrying the step's failure.
//!
//! The history reaches the step through the run's input (`{{ input.messages }}`, one
//! whole-value template), never inside the graph: message text is never read as a
//! template.

use ar_engine::{RunRecord, RunStatus, StartRun};
use ar_model::import::{GraphLimits, parse_graph_value};
use ar_store::integrations::{
    ChatMessageRecord, ChatThreadRecord, ChatTurnRecord, NewChatMessage, TURN_COMPLETED,
    TURN_FAILED, TURN_RUNNING,
};
use ar_store::now_ms;
use serde_json::{Value, json};

use crate::billing::enforce::check_credits;
use crate::chat::{history, message_id};
use crate::error::{ApiError, ApiResult};
use crate::runs::quota::check_run_quota;
use crate::state::AppState;

/// The id of the one step of a turn's run.
pub const REPLY_STEP: &str = "reply";

/// Failure code of a turn whose run could not be started (or was never started: the
/// server stopped between the turn and its run).
pub const TURN_NOT_STARTED: &str = "TURN_NOT_STARTED";

/// Failure code of a turn whose run was stopped.
pub const TURN_STOPPED: &str = "TURN_STOPPED";

/// The checks a workflow start makes (docs/contract.md §7, §14), made before the user's
/// message is stored so that a refused turn stores nothing: 429 at the workspace's quota
/// of unfinished runs, 422 `INSUFFICIENT_CREDITS` when billing is on and nothing is left.
pub async fn check_can_start(state: &AppState, project_id: &str) -> ApiResult<()> {
    check_run_quota(state, project_id).await?;
    check_credits(state, project_id, "").await
}

/// Starts one turn per agent of `thread` answering `message`. A run that cannot be
/// started ends its turn at once with a failed reply (the user's message stays).
pub async fn start_turns(state: &AppState, thread: &ChatThreadRecord, message: &ChatMessageRecord) {
    for agent_id in &thread.agent_ids {
        let now = now_ms();
        let turn = ChatTurnRecord {
            id: message_id(),
            thread_id: thread.id.clone(),
            agent_id: Some(agent_id.clone()),
            reply_to: message.id.clone(),
            run_id: None,
            status: TURN_RUNNING.to_owned(),
            created_at: now,
            updated_at: now,
        };
        if let Err(e) = state.integrations().create_turn(&turn).await {
            tracing::error!(thread_id = %thread.id, error = %e, "chat: could not store an agent turn");
            continue;
        }
        state.chat_live().changed(&thread.id);
        match start_run(state, thread, message.seq, agent_id).await {
            Ok(run) => {
                if let Err(e) = state
                    .integrations()
                    .set_turn_run(&turn.id, &run.id, now_ms())
                    .await
                {
                    // The reconcile pass fails the turn after its grace period.
                    tracing::error!(turn_id = %turn.id, error = %e, "chat: could not record a turn's run");
                }
                tracing::info!(turn_id = %turn.id, run_id = %run.id, agent_id, "chat: agent turn started");
                state.chat_live().changed(&thread.id);
            }
            Err(e) => {
                let error = json!({"code": TURN_NOT_STARTED, "message": e.message});
                finish(state, &turn, TURN_FAILED, String::new(), Some(error), None).await;
            }
        }
    }
}

/// Starts the run of one agent's turn.
async fn start_run(
    state: &AppState,
    thread: &ChatThreadRecord,
    upto_seq: i64,
    agent_id: &str,
) -> ApiResult<RunRecord> {
    let messages = history::conversation(state, &thread.id, upto_seq, agent_id).await?;
    let graph = json!({"steps": [{
        "id": REPLY_STEP,
        "type": "agent_call",
        "agent_id": agent_id,
        "messages": "{{ input.messages }}",
    }]});
    let parsed = parse_graph_value(&graph, &GraphLimits::default()).map_err(ApiError::internal)?;
    let run = state
        .engine()
        .start_run(StartRun {
            graph: parsed.graph,
            params: json!({"trigger_payload": {"messages": messages}}),
            workflow_id: None,
            version: None,
            project_id: Some(thread.project_id.clone()),
        })
        .await?;
    Ok(run)
}

/// Finishes `turn` from its ended run: the reply step's `text`, or a failed reply with
/// the step's (else the run's) failure. Nothing when the run has not ended.
pub async fn finish_from_run(
    state: &AppState,
    turn: &ChatTurnRecord,
    run: &RunRecord,
) -> ApiResult<()> {
    if !run.status.is_terminal() {
        return Ok(());
    }
    let step = state
        .engine()
        .store()
        .step_state(&run.id, REPLY_STEP)
        .await?;
    let (status, text, error) = match run.status {
        RunStatus::Completed => {
            let text = step
                .as_ref()
                .and_then(|s| s.result.as_ref())
                .and_then(|r| r.get("text"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (TURN_COMPLETED, text, None)
        }
        RunStatus::Stopped => (
            TURN_FAILED,
            String::new(),
            Some(
                json!({"code": TURN_STOPPED, "message": "the agent's turn was stopped before it answered"}),
            ),
        ),
        _ => {
            let code = step
                .as_ref()
                .and_then(|s| s.failure_code.clone())
                .or_else(|| run.failure_code.clone())
                .unwrap_or_else(|| "AGENT_FAILED".to_owned());
            let message = step
                .as_ref()
                .and_then(|s| s.error.clone())
                .or_else(|| run.error.clone())
                .unwrap_or_else(|| "the agent's turn failed".to_owned());
            (
                TURN_FAILED,
                String::new(),
                Some(json!({"code": code, "message": message})),
            )
        }
    };
    finish(state, turn, status, text, error, Some(run.id.clone())).await;
    Ok(())
}

/// Ends `turn` with its reply (stored once: a turn another node finished stays as it is)
/// and wakes the thread's streams on this node.
pub async fn finish(
    state: &AppState,
    turn: &ChatTurnRecord,
    status: &str,
    text: String,
    error: Option<Value>,
    run_id: Option<String>,
) {
    let reply = NewChatMessage {
        id: turn.id.clone(),
        thread_id: turn.thread_id.clone(),
        author_kind: "agent".to_owned(),
        author_id: turn.agent_id.clone().unwrap_or_default(),
        text,
        data: json!({"actions": [], "error": error}),
        run_id,
        created_at: now_ms(),
    };
    match state
        .integrations()
        .finish_turn(&turn.id, status, &reply)
        .await
    {
        Ok(Some(stored)) => {
            tracing::info!(turn_id = %turn.id, seq = stored.seq, status, "chat: agent turn finished");
            state.chat_live().changed(&turn.thread_id);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(turn_id = %turn.id, error = %e, "chat: could not store a turn's reply; the next pass retries");
        }
    }
}
