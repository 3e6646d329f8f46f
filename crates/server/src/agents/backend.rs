//! The `agent_call` executor's view of this server: a run's project agents and the
//! stored rounds of its turns, both in the integrations store.

use std::sync::Arc;

use ar_engine::{StepCall, StepFailure};
use ar_executors::agent_call::{AGENT_INVALID, AGENT_STATE_FAILED, AgentBackend, Round};
use ar_executors::{AgentSpec, AgentTools, McpServerRef, ModelChoice};
use ar_store::integrations::{AgentRoundRecord, IntegrationStore};
use ar_store::now_ms;
use async_trait::async_trait;

use crate::agents::definition::definition_of;

/// [`AgentBackend`] over the integrations store.
pub struct StoreAgentBackend {
    store: Arc<dyn IntegrationStore>,
}

impl StoreAgentBackend {
    pub fn new(store: Arc<dyn IntegrationStore>) -> Self {
        Self { store }
    }
}

/// A store error as a transient step failure (the engine retries per `retry_count`);
/// the message says what failed, not the database's words.
fn state_failure(what: &str, error: impl std::fmt::Display) -> StepFailure {
    tracing::warn!(%error, "{what}");
    StepFailure::new(AGENT_STATE_FAILED, what.to_owned(), true)
}

#[async_trait]
impl AgentBackend for StoreAgentBackend {
    async fn agent(&self, call: &StepCall, agent_id: &str) -> Result<AgentSpec, StepFailure> {
        let unknown = || {
            StepFailure::permanent(
                AGENT_INVALID,
                format!(
                    "agent {agent_id:?} does not exist in this run's project; use an agent of \
                     the project (GET /v1/agents)"
                ),
            )
        };
        let Some(project_id) = call.project_id.as_deref() else {
            return Err(unknown());
        };
        let workspace = self
            .store
            .workspace_of_project(project_id)
            .await
            .map_err(|e| state_failure("could not read the run's project", e))?
            .ok_or_else(unknown)?;
        let record = self
            .store
            .agent(&workspace, agent_id)
            .await
            .map_err(|e| state_failure("could not read the agent", e))?
            .filter(|a| a.project_id == project_id)
            .ok_or_else(unknown)?;
        let def = definition_of(&record);
        Ok(AgentSpec {
            id: record.id,
            instructions: def.instructions,
            model: ModelChoice {
                model_ref: def.model_ref,
                model: def.model,
                credential_id: None,
            },
            llm_params: def.llm_params.unwrap_or_default(),
            tools: def
                .tools
                .into_iter()
                .map(|set| AgentTools {
                    server: McpServerRef {
                        server_url: set.server_url,
                        instance_id: set.instance_id,
                    },
                    tool_names: set.tool_names,
                })
                .collect(),
            max_turns: def.max_turns,
            token_budget: def.token_budget,
        })
    }

    async fn rounds(&self, call: &StepCall, step_key: &str) -> Result<Vec<Round>, StepFailure> {
        let stored = self
            .store
            .agent_rounds(&call.run_id, step_key)
            .await
            .map_err(|e| state_failure("could not read the agent's stored rounds", e))?;
        stored
            .into_iter()
            .map(|r| {
                serde_json::from_value(r.data)
                    .map_err(|e| state_failure("a stored agent round is unreadable", e))
            })
            .collect()
    }

    async fn commit_round(
        &self,
        call: &StepCall,
        step_key: &str,
        round: &Round,
    ) -> Result<Round, StepFailure> {
        let data = serde_json::to_value(round)
            .map_err(|e| state_failure("could not encode the agent's round", e))?;
        let record = AgentRoundRecord {
            run_id: call.run_id.clone(),
            step_key: step_key.to_owned(),
            round: i64::from(round.round),
            data,
            created_at: now_ms(),
        };
        let stored = self
            .store
            .put_agent_round(&record)
            .await
            .map_err(|e| state_failure("could not store the agent's round", e))?;
        if stored {
            return Ok(round.clone());
        }
        // Another worker stored this round first: continue from its version.
        self.rounds(call, step_key)
            .await?
            .into_iter()
            .find(|r| r.round == round.round)
            .ok_or_else(|| state_failure("the agent's round vanished", "not found"))
    }
}
