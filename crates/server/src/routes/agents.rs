//! `/v1/agents` (docs/contract.md §13): a project's agents. Viewers read, contributors
//! and above write; the project is `X-Project-Id` for the list and for creating, the
//! agent's own project for the routes of one agent (another project's or workspace's
//! agent is not found).

use ar_store::integrations::AgentRecord;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;

use crate::agents::definition::{
    AgentChange, AgentList, AgentView, NewAgent, agent_view, check_in_project, check_shape,
    definition_of,
};
use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::workspaces::check_name;
use crate::state::AppState;

/// The agent the path names, authorized for the route's action on its project.
async fn load_agent(state: &AppState, gate: &Gate, id: &str) -> ApiResult<AgentRecord> {
    let ws = gate.require_workspace()?;
    let agent = state
        .integrations()
        .agent(&ws.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("agent"))?;
    gate.object_project(state, &agent.project_id, "agent")
        .await?;
    Ok(agent)
}

/// `GET /v1/agents` (AgentsRead, `X-Project-Id`) → `{ "agents": [...] }`, oldest first.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<AgentList>> {
    let project = gate.project()?;
    let agents = state.integrations().list_agents(&project.id).await?;
    Ok(Json(AgentList {
        agents: agents.iter().map(agent_view).collect(),
    }))
}

/// `POST /v1/agents` (AgentsManage, `X-Project-Id`) → 201 with the agent.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewAgent>,
) -> ApiResult<(StatusCode, Json<AgentView>)> {
    let project = gate.project()?;
    let name = check_name("name", &body.name)?;
    let def = body.into_definition();
    check_shape(&def)?;
    check_in_project(&state, &project.workspace_id, &project.id, &def).await?;
    let now = now_ms();
    let record = AgentRecord {
        id: new_id(),
        workspace_id: project.workspace_id.clone(),
        project_id: project.id.clone(),
        name,
        definition: serde_json::to_value(&def).map_err(ApiError::internal)?,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_agent(&record).await?;
    Ok((StatusCode::CREATED, Json(agent_view(&record))))
}

/// `GET /v1/agents/{id}` (AgentsRead).
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentView>> {
    let agent = load_agent(&state, &gate, &id).await?;
    Ok(Json(agent_view(&agent)))
}

/// `PATCH /v1/agents/{id}` (AgentsManage): the fields given replace the stored ones,
/// checked like a new agent.
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<AgentChange>,
) -> ApiResult<Json<AgentView>> {
    let mut agent = load_agent(&state, &gate, &id).await?;
    if let Some(name) = &body.name {
        agent.name = check_name("name", name)?;
    }
    let def = AgentChange { name: None, ..body }.apply(definition_of(&agent));
    check_shape(&def)?;
    check_in_project(&state, &agent.workspace_id, &agent.project_id, &def).await?;
    agent.definition = serde_json::to_value(&def).map_err(ApiError::internal)?;
    agent.updated_at = now_ms();
    if !state.integrations().update_agent(&agent).await? {
        return Err(ApiError::not_found("agent"));
    }
    Ok(Json(agent_view(&agent)))
}

/// `DELETE /v1/agents/{id}` (AgentsManage) → 204.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let agent = load_agent(&state, &gate, &id).await?;
    if !state
        .integrations()
        .delete_agent(&agent.workspace_id, &agent.id)
        .await?
    {
        return Err(ApiError::not_found("agent"));
    }
    Ok(StatusCode::NO_CONTENT)
}
