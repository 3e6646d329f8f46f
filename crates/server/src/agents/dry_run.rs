//! Dry-run's checks of `agent_call` steps (docs/contract.md §8, §13), added to the
//! model's report by the server because they read the project: the agent a step names
//! exists in the workflow's project (an error otherwise, like an unresolved MCP
//! instance), and its model has a provider and a key as far as the server can tell
//! (a warning when no key is found: one may be added before the run).
//!
//! A templated `agent_id` is only known at run time and is not checked.

use ar_model::graph::{Graph, Step, StepConfig};
use ar_model::issue::{Issue, Severity};
use ar_model::validate::{Readiness, ValidateResponse};

use crate::agents::definition::definition_of;
use crate::error::{ApiError, ApiResult};
use crate::llm;
use crate::state::AppState;

/// Issue code: the step's agent does not exist in the project.
pub const AGENT_UNRESOLVED: &str = "agent_unresolved";
/// Issue code: the agent's model cannot be called (unknown provider, no key found).
pub const AGENT_MODEL_UNAVAILABLE: &str = "agent_model_unavailable";

/// Adds the agent issues of `graph` (in `project_id` of workspace `workspace`) to
/// `report`, updating `valid`, `readiness` and `blockers` for the errors.
pub async fn add_agent_issues(
    state: &AppState,
    workspace: &ar_store::tenant::WorkspaceRecord,
    project_id: &str,
    graph: &Graph,
    report: &mut ValidateResponse,
) -> ApiResult<()> {
    let mut issues = Vec::new();
    for (path, step) in agent_steps(graph) {
        if let Some(issue) = check_step(state, workspace, project_id, &path, step).await? {
            issues.push(issue);
        }
    }
    for issue in issues {
        if issue.severity == Severity::Error {
            report.valid = false;
            report.readiness = Readiness::Blocked;
            report.blockers.push(issue.message.clone());
        }
        report.issues.push(issue);
    }
    Ok(())
}

/// Every `agent_call` step with its JSON path (`$.steps[i]`, or
/// `$.steps[i].<loop>_body_steps[j]`).
fn agent_steps(graph: &Graph) -> Vec<(String, &Step)> {
    let mut out = Vec::new();
    for (i, step) in graph.steps.iter().enumerate() {
        let path = format!("$.steps[{i}]");
        if matches!(step.config, StepConfig::AgentCall(_)) {
            out.push((path.clone(), step));
        }
        let body_key = match step.config {
            StepConfig::ForEach(_) => "for_each_body_steps",
            _ => "while_body_steps",
        };
        for (j, inner) in step.body().iter().enumerate() {
            if matches!(inner.config, StepConfig::AgentCall(_)) {
                out.push((format!("{path}.{body_key}[{j}]"), inner));
            }
        }
    }
    out
}

async fn check_step(
    state: &AppState,
    workspace: &ar_store::tenant::WorkspaceRecord,
    project_id: &str,
    path: &str,
    step: &Step,
) -> ApiResult<Option<Issue>> {
    let StepConfig::AgentCall(call) = &step.config else {
        return Ok(None);
    };
    let Some(agent_id) = call.agent_id.as_deref().filter(|id| !id.contains("{{")) else {
        return Ok(None); // missing (step_config reports it) or templated
    };
    let agent = state
        .integrations()
        .agent(&workspace.id, agent_id)
        .await?
        .filter(|a| a.project_id == project_id);
    let Some(agent) = agent else {
        return Ok(Some(
            Issue::error(
                AGENT_UNRESOLVED,
                Some(&step.id),
                format!("{path}.agent_id"),
                format!(
                    "step {}: agent {agent_id:?} does not exist in this project",
                    step.id
                ),
            )
            .with_suggestion("use the id of an agent of the project (GET /v1/agents)"),
        ));
    };
    let def = definition_of(&agent);
    let providers = llm::providers(state.settings()).map_err(ApiError::internal)?;
    let (config, _) = match providers.resolve(def.model_ref.as_deref(), def.model.as_deref()) {
        Ok(resolved) => resolved,
        Err(e) => {
            return Ok(Some(Issue::error(
                AGENT_MODEL_UNAVAILABLE,
                Some(&step.id),
                format!("{path}.agent_id"),
                format!("step {}: agent {agent_id:?}: {e}", step.id),
            )));
        }
    };
    if !config.requires_api_key {
        return Ok(None);
    }
    let has_key = state
        .integrations()
        .workspace_llm_key(&workspace.id, &config.name)
        .await?
        .is_some()
        || llm::system_key_for(state.settings(), &workspace.slug, &config.name);
    if has_key {
        return Ok(None);
    }
    Ok(Some(
        Issue::warning(
            AGENT_MODEL_UNAVAILABLE,
            Some(&step.id),
            format!("{path}.agent_id"),
            format!(
                "step {}: agent {agent_id:?} uses provider {}, for which this workspace has no key",
                step.id, config.name
            ),
        )
        .with_suggestion("add a workspace key for the provider (POST /v1/llm-provider-keys)"),
    ))
}
