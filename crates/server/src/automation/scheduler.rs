//! The cron scheduler: every server node runs one; together they fire each due trigger
//! once.
//!
//! A pass ([`Scheduler::tick`]) reads the due triggers, claims each fire in the database
//! (a compare-and-set only one node wins, see `ar_store::automation`), starts the run and
//! records the outcome, which moves `next_fire_at` to the first scheduled time after *now*.
//! So after downtime a trigger that missed many fires fires once, not once per miss.
//!
//! The run's client `run_id` is derived from the trigger and the due time, so a node that
//! dies between starting the run and recording it leaves nothing to duplicate: the next
//! claimant's start returns the run already started.
//!
//! Tests drive [`Scheduler::tick`] with their own clock; [`Scheduler::spawn`] runs it on
//! the wall clock until shut down.

use std::time::Duration;

use ar_store::StoreResult;
use ar_store::automation::{FireOutcome, TriggerRecord};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::automation::schedule::Schedule;
use crate::error::{ApiError, ApiResult};
use crate::runs::start::start_workflow_run;
use crate::state::AppState;

/// How often a node looks for due triggers. Schedules have minute granularity, so a
/// second keeps fires punctual at the cost of one indexed query per second.
pub const TICK_INTERVAL: Duration = Duration::from_secs(1);
/// How long a claim holds before another node may take the fire over.
const CLAIM_TTL_MS: i64 = 60_000;
/// Fires handled per pass (the rest wait for the next pass).
const BATCH: i64 = 50;

/// One fire this node performed.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub trigger_id: String,
    /// The run started, or `None` when the start was refused.
    pub run_id: Option<String>,
    /// Why no run started.
    pub error: Option<String>,
}

/// A node's scheduler.
#[derive(Clone)]
pub struct Scheduler {
    state: AppState,
    node: String,
}

impl Scheduler {
    /// `node` names this scheduler in claims (unique per process).
    pub fn new(state: AppState, node: impl Into<String>) -> Scheduler {
        Scheduler {
            state,
            node: node.into(),
        }
    }

    /// One pass at `now_ms` (unix ms): fires every due trigger this node wins.
    pub async fn tick(&self, now_ms: i64) -> StoreResult<Vec<Fired>> {
        let store = self.state.automation();
        let mut fired = Vec::new();
        for trigger in store.due_triggers(now_ms, BATCH).await? {
            let Some(due_at) = trigger.next_fire_at else {
                continue;
            };
            let claimed = store
                .claim_fire(
                    &trigger.id,
                    due_at,
                    &self.node,
                    now_ms,
                    now_ms + CLAIM_TTL_MS,
                )
                .await?;
            if !claimed {
                continue;
            }
            let started = self.start_run(&trigger, due_at).await;
            let outcome = FireOutcome {
                fired_at: now_ms,
                next_fire_at: Schedule::parse(&trigger.cron, &trigger.timezone)
                    .ok()
                    .and_then(|s| s.next_after(now_ms)),
                run_id: started.as_ref().ok().cloned(),
                error: started.as_ref().err().map(|e| e.message.clone()),
            };
            if let Some(error) = &outcome.error {
                tracing::warn!(trigger_id = %trigger.id, workflow_id = %trigger.workflow_id, error = %error, "cron trigger started no run");
            }
            if !store
                .finish_fire(&trigger.id, due_at, &self.node, &outcome)
                .await?
            {
                tracing::info!(trigger_id = %trigger.id, "cron fire outcome not recorded: the trigger was edited or deleted meanwhile");
            }
            fired.push(Fired {
                trigger_id: trigger.id.clone(),
                run_id: outcome.run_id,
                error: outcome.error,
            });
        }
        Ok(fired)
    }

    async fn start_run(&self, trigger: &TriggerRecord, due_at: i64) -> ApiResult<String> {
        let workflow = self
            .state
            .tenants()
            .workflow(&trigger.workspace_id, &trigger.workflow_id)
            .await?
            .ok_or_else(|| ApiError::not_found("workflow"))?;
        let params = json!({
            "trigger_payload": trigger.trigger_payload,
            "trigger_steps": trigger.trigger_steps,
            "excluded_step_ids": trigger.excluded_step_ids,
            "run_id": format!("cron:{}:{due_at}", trigger.id),
        });
        let started_by = format!("cron:{}", trigger.id);
        Ok(
            start_workflow_run(&self.state, &workflow, params, &started_by)
                .await?
                .run_id,
        )
    }

    /// Runs passes every [`TICK_INTERVAL`] on the wall clock until `stop` is cancelled.
    /// A failing pass (database unreachable) is logged and retried on the next tick.
    pub fn spawn(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK_INTERVAL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = interval.tick() => {
                        if let Err(e) = self.tick(ar_store::now_ms()).await {
                            tracing::warn!(error = %e, "cron scheduler pass failed; retrying");
                        }
                    }
                }
            }
        })
    }
}
