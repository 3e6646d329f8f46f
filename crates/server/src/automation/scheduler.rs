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
//! A trigger fires for its creator: each fire first checks that they may still start runs
//! of the workflow (`auth::standing`); a fire refused for lost rights starts nothing and is
//! recorded like a failed start, with a `last_error` beginning with [`REFUSED_PREFIX`].
//!
//! Tests drive [`Scheduler::tick`] with their own clock; [`Scheduler::spawn`] runs it on
//! the wall clock until shut down.

use std::time::Duration;

use ar_model::authz::Action;
use ar_store::StoreResult;
use ar_store::automation::{FireOutcome, TriggerRecord};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::standing::{Subject, may};
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

/// How the `last_error` of a fire refused for its creator's lost rights begins.
pub const REFUSED_PREFIX: &str = "fire refused:";

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
        self.check_creator(trigger, &workflow.project_id).await?;
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

    /// A trigger acts for its creator: it fires only while they may still start runs of
    /// the workflow (an active member whose project role allows `RunStart`). Otherwise the
    /// fire is refused, and the refusal is recorded as the fire's `last_error`.
    async fn check_creator(&self, trigger: &TriggerRecord, project_id: &str) -> ApiResult<()> {
        let creator = Subject {
            workspace_id: &trigger.workspace_id,
            project_id,
            user_id: &trigger.created_by,
            token_scopes: None,
        };
        may(&self.state, &creator, Action::RunStart)
            .await?
            .map_err(|refusal| {
                ApiError::forbidden(format!(
                    "{REFUSED_PREFIX} the trigger's creator may no longer start runs of this workflow ({refusal}); a member who may should recreate the trigger"
                ))
            })
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
