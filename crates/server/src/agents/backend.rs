//! The `agent_call` executor's view of this server: a run's project agents and the
//! stored rounds of its turns, both in the integrations store, and the project's
//! workflows the agent may call as tools (docs/agents.md "Workflows as tools").

use std::sync::Arc;
use std::time::Duration;

use ar_engine::{StepCall, StepFailure};
use ar_executors::agent_call::{AGENT_INVALID, AGENT_STATE_FAILED, AgentBackend, Round};
use ar_executors::{AgentSpec, AgentTools, McpServerRef, ModelChoice, WorkflowTool};
use ar_model::import::{GraphLimits, parse_graph_value};
use ar_store::integrations::{AgentRoundRecord, IntegrationStore};
use ar_store::now_ms;
use ar_store::tenant::WorkflowRecord;
use async_trait::async_trait;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::agents::definition::definition_of;
use crate::mcp::StateSlot;
use crate::runs::start::start_workflow_run;
use crate::state::AppState;

/// [`AgentBackend`] over the integrations store, and the server's state for workflow
/// tools — bound late ([`StateSlot`]): the executors are made before the engine.
pub struct StoreAgentBackend {
    store: Arc<dyn IntegrationStore>,
    state: StateSlot,
}

impl StoreAgentBackend {
    pub fn new(store: Arc<dyn IntegrationStore>, state: StateSlot) -> Self {
        Self { store, state }
    }

    /// The workflow `id` of the call's project, if it exists.
    async fn project_workflow(
        &self,
        state: &AppState,
        call: &StepCall,
        id: &str,
    ) -> Result<Option<WorkflowRecord>, StepFailure> {
        let Some(project_id) = call.project_id.as_deref() else {
            return Ok(None);
        };
        let Some(workspace) = self
            .store
            .workspace_of_project(project_id)
            .await
            .map_err(|e| state_failure("could not read the run's project", e))?
        else {
            return Ok(None);
        };
        Ok(state
            .tenants()
            .workflow(&workspace, id)
            .await
            .map_err(|e| state_failure("could not read a workflow of the agent", e))?
            .filter(|w| w.project_id == project_id))
    }

    /// The `input_schema` of the workflow's latest published version, if it has one.
    async fn input_schema(
        state: &AppState,
        workflow: &WorkflowRecord,
    ) -> Result<Option<Value>, StepFailure> {
        let Some(number) = workflow.latest_version else {
            return Ok(None);
        };
        let version = state
            .tenants()
            .version(&workflow.id, number)
            .await
            .map_err(|e| state_failure("could not read a workflow's published version", e))?;
        Ok(version
            .and_then(|v| parse_graph_value(&v.graph, &GraphLimits::default()).ok())
            .and_then(|parsed| parsed.graph.input_schema))
    }

    /// The server's state. `start` binds it just after the engine starts, and the engine
    /// may resume a recovered step before that: such a step waits for it (briefly).
    async fn bound_state(&self) -> Result<AppState, StepFailure> {
        for _ in 0..STATE_BIND_POLLS {
            if let Some(state) = self.state.get() {
                return Ok(state);
            }
            tokio::time::sleep(STATE_BIND_POLL).await;
        }
        Err(StepFailure::new(
            AGENT_STATE_FAILED,
            "the server is not ready to run workflows yet".to_owned(),
            true,
        ))
    }
}

/// How often, and how many times, a step looks for the state before giving up (10 s).
const STATE_BIND_POLL: Duration = Duration::from_millis(50);
const STATE_BIND_POLLS: u32 = 200;

/// What the model reads of an ended child run: `{run_id, status, output}` with `output`
/// the results of its completed steps by step id; a failed or stopped run also says why.
fn run_answer(run: &ar_engine::RunRecord, context: &Value) -> Value {
    let output: Map<String, Value> = context["steps"]
        .as_object()
        .map(|steps| {
            steps
                .iter()
                .filter(|(_, s)| s["status"] == "completed" && s["skipped"] != true)
                .map(|(id, s)| (id.clone(), s["result"].clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut answer = json!({"run_id": run.id, "status": run.status.as_str(), "output": output});
    if let Some(code) = &run.failure_code {
        answer["failure_code"] = json!(code);
    }
    if let Some(error) = &run.error {
        answer["error"] = json!(error);
    }
    answer
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
            workflows: def.workflows_as_tools,
        })
    }

    async fn workflow_tools(
        &self,
        call: &StepCall,
        ids: &[String],
    ) -> Result<Vec<WorkflowTool>, StepFailure> {
        let state = self.bound_state().await?;
        let mut tools = Vec::with_capacity(ids.len());
        for id in ids {
            // Deleted since the agent was saved: not offered.
            let Some(workflow) = self.project_workflow(&state, call, id).await? else {
                continue;
            };
            tools.push(WorkflowTool {
                input_schema: Self::input_schema(&state, &workflow).await?,
                workflow_id: workflow.id,
                name: workflow.name,
                description: workflow.description,
            });
        }
        Ok(tools)
    }

    async fn run_workflow(
        &self,
        call: &StepCall,
        workflow_id: &str,
        input: Value,
        client_run_id: &str,
        wait: Duration,
    ) -> Result<Value, String> {
        let state = self.bound_state().await.map_err(|f| f.message)?;
        let workflow = self
            .project_workflow(&state, call, workflow_id)
            .await
            .map_err(|f| f.message)?
            .ok_or_else(|| format!("workflow {workflow_id} no longer exists in this project"))?;
        // A repeated client run id answers with the run it started (docs/contract.md §7):
        // the call re-made after a crash waits for the same run. The run quota and the
        // credit check are those of every start.
        let params = json!({"trigger_payload": input, "run_id": client_run_id});
        let started_by = format!("agent_call:{}", call.run_id);
        let started = start_workflow_run(&state, &workflow, params, &started_by)
            .await
            .map_err(|e| {
                if e.status == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::warn!(workflow_id, error = %e.message, "a workflow tool's run did not start");
                    format!("workflow {} could not start (a server error)", workflow.name)
                } else {
                    format!("workflow {} did not start: {}", workflow.name, e.message)
                }
            })?;
        let engine = state.engine();
        let run = match engine.wait_for_run(&started.run_id, wait).await {
            Ok(run) => run,
            Err(ar_engine::EngineError::Timeout(_)) => {
                return Err(format!(
                    "run {} of workflow {} did not end within the step's time; it goes on",
                    started.run_id, workflow.name
                ));
            }
            Err(error) => {
                tracing::warn!(run_id = %started.run_id, %error, "a workflow tool's run could not be read");
                return Err(format!("run {} could not be read", started.run_id));
            }
        };
        let context = engine.run_context(&run.id).await.map_err(|error| {
            tracing::warn!(run_id = %run.id, %error, "a workflow tool's run could not be read");
            format!("run {} could not be read", run.id)
        })?;
        let answer = run_answer(&run, &context);
        if run.status.as_str() == "completed" {
            Ok(answer)
        } else {
            Err(answer.to_string())
        }
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
