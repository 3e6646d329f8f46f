//! Progress events an executor reports while its step runs (docs/contract.md §7: the
//! `agent_*` events of an `agent_call` step). The engine writes the step's own events
//! (`step_started`, `step_completed`, …); this is the one way an executor adds more.
//!
//! Each event is one store commit that checks the step's lease (its fence), so a worker
//! that lost its work to another node cannot write into the run any more; committed
//! events are then published to this node's live followers like the engine's own.

use std::sync::Arc;

use ar_store::{Commit, EventRecord, NewEvent, RunStatus, Store, WorkFence};
use serde_json::Value;
use tokio::sync::broadcast;

/// The event writer of one step attempt; [`StepEvents::none`] (the default) drops
/// events — for executors called outside the engine (tests, the CLI's direct calls).
#[derive(Clone, Default)]
pub struct StepEvents {
    sink: Option<Arc<Sink>>,
}

struct Sink {
    store: Arc<dyn Store>,
    live: broadcast::Sender<EventRecord>,
    run_id: String,
    /// The id events carry: the step's id, `<parent>#body#<inner>` in a loop body.
    step_id: String,
    fence: WorkFence,
}

impl std::fmt::Debug for StepEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sink {
            Some(s) => write!(f, "StepEvents({}/{})", s.run_id, s.step_id),
            None => write!(f, "StepEvents(none)"),
        }
    }
}

impl StepEvents {
    /// Events are dropped.
    pub fn none() -> StepEvents {
        StepEvents::default()
    }

    pub(crate) fn new(
        store: Arc<dyn Store>,
        live: broadcast::Sender<EventRecord>,
        run_id: String,
        step_id: String,
        fence: WorkFence,
    ) -> StepEvents {
        StepEvents {
            sink: Some(Arc::new(Sink {
                store,
                live,
                run_id,
                step_id,
                fence,
            })),
        }
    }

    /// Appends `kind` with `data` to the run's event log under the step's lease. An
    /// error (the lease was lost, the store failed) is returned as text for the caller
    /// to log: a progress event never fails a step by itself.
    pub async fn emit(&self, kind: &str, data: Value) -> Result<(), String> {
        let Some(sink) = &self.sink else {
            return Ok(());
        };
        let commit = Commit {
            run_id: sink.run_id.clone(),
            // A run that ended gets no more progress of its steps.
            expect_status: Some(vec![
                RunStatus::Running,
                RunStatus::Paused,
                RunStatus::Draining,
            ]),
            check: vec![sink.fence],
            events: vec![NewEvent::new(kind, Some(&sink.step_id), data)],
            ..Commit::default()
        };
        let outcome = sink.store.commit(commit).await.map_err(|e| e.to_string())?;
        for event in outcome.events {
            let _ = sink.live.send(event);
        }
        Ok(())
    }
}

/// The id a step's progress events carry, from the engine's idempotency key of the
/// call (`run:step:attempt`, loop bodies `run:loop#index/inner:attempt`): the step id,
/// or `<loop>#body#<inner>` as docs/contract.md §7 names inner steps.
pub(crate) fn event_step_id(run_id: &str, key: &str, step_id: &str) -> String {
    let key = key.strip_prefix(&format!("{run_id}:")).unwrap_or(key);
    let key = key.rsplit_once(':').map_or(key, |(k, _)| k);
    match key.split_once('/') {
        Some((parent_key, inner)) => {
            let parent = parent_key.split('#').next().unwrap_or(parent_key);
            format!("{parent}#body#{inner}")
        }
        None => step_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_steps_keep_their_id_and_body_steps_are_named_after_their_loop() {
        assert_eq!(event_step_id("r1", "r1:ask:2", "ask"), "ask");
        assert_eq!(
            event_step_id("r1", "r1:loop#3/ask:1", "ask"),
            "loop#body#ask"
        );
    }
}
