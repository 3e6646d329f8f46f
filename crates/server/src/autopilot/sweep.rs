//! Autopilot turns lost to a restart: a turn lives in its node's memory, so when the node
//! stops, its row stays `running`. Live turns refresh their row every
//! [`super::turn::BEAT`]; this sweep (at start, then every [`EVERY`]) fails the Autopilot
//! turns (no agent) not refreshed for [`STALE_MS`], storing a reply whose error is
//! `AUTOPILOT_INTERRUPTED`, so the thread can take a new message.

use std::time::Duration;

use ar_store::integrations::{NewChatMessage, TURN_FAILED};
use ar_store::now_ms;
use serde_json::json;

use super::turn::AUTHOR;
use crate::state::AppState;

/// The error code of a turn lost to a restart.
pub const AUTOPILOT_INTERRUPTED: &str = "AUTOPILOT_INTERRUPTED";
/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(10);
/// A turn not refreshed for this long is taken as lost.
pub const STALE_MS: i64 = 30_000;

/// Runs the sweep forever (the caller spawns it).
pub async fn run(state: crate::state::WeakAppState) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        let Some(state) = state.upgrade() else { return };
        sweep(&state, now_ms()).await;
    }
}

/// Fails the stale Autopilot turns as of `now`; returns how many.
pub async fn sweep(state: &AppState, now: i64) -> usize {
    let store = state.integrations();
    let turns = match store.running_turns(None).await {
        Ok(t) => t,
        Err(error) => {
            tracing::warn!(%error, "autopilot sweep could not list running turns");
            return 0;
        }
    };
    let mut failed = 0;
    for turn in turns {
        let stale = turn.updated_at < now - STALE_MS;
        if turn.agent_id.is_some() || !stale || state.autopilot().live.contains(&turn.id) {
            continue;
        }
        let reply = NewChatMessage {
            id: turn.id.clone(),
            thread_id: turn.thread_id.clone(),
            author_kind: AUTHOR.into(),
            author_id: AUTHOR.into(),
            text: String::new(),
            data: json!({"actions": [], "error": {
                "code": AUTOPILOT_INTERRUPTED,
                "message": "the Autopilot was interrupted (the server restarted); send the message again",
            }}),
            run_id: None,
            created_at: now,
        };
        match store.finish_turn(&turn.id, TURN_FAILED, &reply).await {
            Ok(Some(_)) => failed += 1,
            Ok(None) => {}
            Err(error) => tracing::warn!(turn_id = %turn.id, %error, "autopilot sweep"),
        }
    }
    failed
}
