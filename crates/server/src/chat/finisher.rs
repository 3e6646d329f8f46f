//! The node's loop that finishes agent turns (docs/agents.md "Chat", durability).
//!
//! Two sources, one action ([`turns::finish_from_run`], which stores a reply once):
//! - the engine's run events on this node: a run that ends here finishes its turn at
//!   once;
//! - a pass over the running turns every [`PASS_EVERY`] (and at start): a run that ended
//!   on another node, or while this process was down, finishes its turn there; a turn
//!   with no run [`UNSTARTED_GRACE_MS`] after it was made (the server stopped between
//!   the two writes) is failed.

use std::time::Duration;

use ar_store::integrations::TURN_FAILED;
use ar_store::now_ms;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::chat::turns::{self, TURN_NOT_STARTED};
use crate::error::ApiResult;
use crate::state::AppState;

/// How often the running turns are checked against their runs.
pub const PASS_EVERY: Duration = Duration::from_secs(2);

/// How long a turn may wait for its run to be recorded before it is failed.
pub const UNSTARTED_GRACE_MS: i64 = 30_000;

/// The engine events that end a run.
fn ends_run(kind: &str) -> bool {
    matches!(kind, "run_completed" | "run_failed" | "run_stopped")
}

/// Spawns the loop; it ends when `stop` is cancelled.
pub fn spawn(state: AppState, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = state.engine().subscribe();
        let mut tick = tokio::time::interval(PASS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                event = events.recv() => match event {
                    Ok(e) if ends_run(&e.kind) => {
                        if let Err(err) = finish_turns_of(&state, Some(&e.run_id)).await {
                            tracing::warn!(run_id = %e.run_id, error = %err.message, "chat: finishing a turn failed; the next pass retries");
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => tick.reset_immediately(),
                    Err(RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    if let Err(err) = finish_turns_of(&state, None).await {
                        tracing::warn!(error = %err.message, "chat: the turn pass failed");
                    }
                }
            }
        }
    })
}

/// Finishes the running turns whose run has ended — of one run, or (None) of all — and
/// fails those that never got a run.
pub async fn finish_turns_of(state: &AppState, run_id: Option<&str>) -> ApiResult<()> {
    let running = state.integrations().running_turns(None).await?;
    // Autopilot turns carry no run; autopilot/sweep.rs ends the ones a restart lost.
    for turn in running.into_iter().filter(|t| t.agent_id.is_some()) {
        match (&turn.run_id, run_id) {
            (Some(own), Some(wanted)) if own != wanted => {}
            (Some(own), _) => match state.engine().store().get_run(own).await? {
                Some(run) => turns::finish_from_run(state, &turn, &run).await?,
                None => {
                    let error =
                        json!({"code": TURN_NOT_STARTED, "message": "the agent's run is gone"});
                    turns::finish(state, &turn, TURN_FAILED, String::new(), Some(error), None)
                        .await;
                }
            },
            (None, None) if now_ms() - turn.created_at > UNSTARTED_GRACE_MS => {
                let error = json!({"code": TURN_NOT_STARTED, "message": "the agent's turn was never started (the server stopped first); send the message again"});
                turns::finish(state, &turn, TURN_FAILED, String::new(), Some(error), None).await;
            }
            (None, _) => {}
        }
    }
    Ok(())
}
