//! Workflows (drafts), published versions and dry-run validation (docs/contract.md §8, §9).
//!
//! A workflow lives in a project: lists and creation use `X-Project-Id`; routes addressing
//! one workflow authorize against the workflow's own project (and a workflow of another
//! workspace is simply not found).

use std::collections::BTreeMap;

use crate::extract::{Path, Query};
use ar_lua::SandboxLuaChecker;
use ar_model::graph::StepType;
use ar_model::import::{GraphLimits, ParsedGraph, parse_graph_value};
use ar_model::validate::{
    CheckName, ValidateRequest, ValidateResponse, ValidationContext, validate, validate_unreadable,
};
use ar_store::now_ms;
use ar_store::tenant::{NewVersion, WorkflowPatch, WorkflowRecord};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agents::dry_run::add_agent_issues;
use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::json::{Json, OptionalJson};
use crate::mcp::dry_run::BindingSnapshot;
use crate::mcp::import::{InstanceMapping, remap_instances};
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views::{self, Version, VersionSummary, Workflow, WorkflowSummary};

/// Reads a graph, refusing only what cannot be read at all (a draft may have issues).
fn read_graph(graph: &Value) -> ApiResult<ParsedGraph> {
    parse_graph_value(graph, &GraphLimits::default())
        .map_err(|e| ApiError::unprocessable(format!("`graph`: {e}")))
}

/// Step types this server can execute: `default_executors` registers Lua, `mcp_call`,
/// `llm_call` and `agent_call`.
const EXECUTORS: &[StepType] = &[
    StepType::LuaScript,
    StepType::McpCall,
    StepType::LlmCall,
    StepType::AgentCall,
    StepType::HumanTask,
    StepType::ForEach,
    StepType::While,
];

thread_local! {
    /// One reused Lua sandbox per blocking thread (a fresh environment per script).
    static LUA: Option<SandboxLuaChecker> = SandboxLuaChecker::new().ok();
}

/// Dry-run validation with the real Lua sandbox (`lua_syntax`, `lua_fixture`) and the
/// project's MCP registry (`mcp_bindings`: resolved up front, see
/// [`crate::mcp::dry_run`]). It runs on the server's validation pool
/// ([`crate::validation_pool`]): a bounded number at once, the fixtures of one request
/// within one Lua budget, stopped when the request goes away.
async fn dry_run(
    state: &AppState,
    parsed: ParsedGraph,
    request: ValidateRequest,
    bindings: BindingSnapshot,
) -> ApiResult<ValidateResponse> {
    state
        .validation()
        .run(move |limits| {
            LUA.with(|lua| {
                let budgeted = lua
                    .as_ref()
                    .map(|lua| lua.with_budget(limits.lua_budget, limits.cancel));
                let mut ctx = ValidationContext::default()
                    .with_executors(EXECUTORS)
                    .with_bindings(&bindings);
                if let Some(lua) = &budgeted {
                    ctx = ctx.with_lua(lua);
                }
                validate(&parsed, &request, &ctx)
            })
        })
        .await
}

/// The workflow the path names, authorized for the route's action on its project.
pub async fn load(state: &AppState, gate: &Gate, workflow_id: &str) -> ApiResult<WorkflowRecord> {
    let ws = gate.require_workspace()?;
    let wf = state
        .tenants()
        .workflow(&ws.id, workflow_id)
        .await?
        .ok_or_else(|| ApiError::not_found("workflow"))?;
    gate.object_project(state, &wf.project_id, "workflow")
        .await?;
    Ok(wf)
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    include_archived: bool,
}

/// `GET /v1/workflows`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowList {
    pub workflows: Vec<WorkflowSummary>,
}

/// `GET /v1/workflows` (WorkflowRead) → `{ "workflows": [...] }`
pub async fn list(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<WorkflowList>> {
    let project = gate.project()?;
    let workflows = state
        .tenants()
        .list_workflows(&project.id, q.include_archived)
        .await?
        .iter()
        .map(WorkflowSummary::from)
        .collect();
    Ok(Json(WorkflowList { workflows }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewWorkflow {
    #[schema(schema_with = crate::openapi::field::name)]
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[schema(schema_with = crate::openapi::field::graph)]
    graph: Value,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::run_setup)]
    run_setup: Option<Value>,
    /// Import: points `mcp_call` steps at this project's MCP instances. Keys are instance
    /// ids of the graph's origin or server URLs; values are instance ids of this project.
    /// Steps not named here are mapped by their `server_url` (see `instance_mappings` in
    /// the answer).
    #[serde(default)]
    instance_map: BTreeMap<String, String>,
}

/// `POST /v1/workflows` (WorkflowWrite) → 201 with `status: "draft"`. This is also the
/// import: `mcp_call` bindings are pointed at this project's MCP instances
/// ([`crate::mcp::import`]), and the answer's `instance_mappings` says how each was mapped.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewWorkflow>,
) -> ApiResult<(StatusCode, Json<CreatedWorkflow>)> {
    let project = gate.project()?;
    let name = check_name("name", &body.name)?;
    let mut parsed = read_graph(&body.graph)?;
    let run_setup = body.run_setup.map(check_run_setup).transpose()?;
    let ws = gate.require_workspace()?;
    let mappings = remap_instances(
        &state,
        &ws.id,
        &project.id,
        &mut parsed.graph,
        &body.instance_map,
    )
    .await?;
    let remapped = mappings.iter().any(|m| m.instance_id != m.from_instance_id);
    // The graph is stored as given unless an import rewrote a binding.
    let draft_graph = if remapped {
        parsed.graph.to_value()
    } else {
        body.graph
    };
    let now = now_ms();
    let wf = WorkflowRecord {
        id: new_id(),
        project_id: project.id.clone(),
        name,
        description: body.description.unwrap_or_default(),
        draft_graph,
        run_setup,
        archived: false,
        created_by: Some(gate.principal.user.id.clone()),
        latest_version: None,
        created_at: now,
        updated_at: now,
    };
    state.tenants().create_workflow(&wf).await?;
    let out = CreatedWorkflow {
        workflow: Workflow::from(&wf),
        instance_mappings: (!mappings.is_empty()).then_some(mappings),
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// `POST /v1/workflows`'s answer: the workflow, and how an import mapped its `mcp_call`
/// bindings (absent when the graph has none).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedWorkflow {
    #[serde(flatten)]
    pub workflow: Workflow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_mappings: Option<Vec<InstanceMapping>>,
}

/// Run setup (docs/contract.md §7) is an object of `trigger_payload`, `trigger_steps`, `trigger_step_ids`.
fn is_string_array(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|items| items.iter().all(Value::is_string))
}

fn check_run_setup(v: Value) -> ApiResult<Value> {
    let Some(obj) = v.as_object() else {
        return Err(ApiError::bad_request("`run_setup` must be an object"));
    };
    let expect = |key: &str, ok: fn(&Value) -> bool, what: &str| match obj.get(key) {
        Some(v) if !v.is_null() && !ok(v) => Err(ApiError::bad_request(format!(
            "`run_setup.{key}` must be {what}"
        ))),
        _ => Ok(()),
    };
    expect("trigger_payload", Value::is_object, "an object")?;
    expect("trigger_steps", Value::is_object, "an object")?;
    expect("trigger_step_ids", is_string_array, "an array of step ids")?;
    Ok(v)
}

/// `GET /v1/workflows/{id}` (WorkflowRead)
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<Workflow>> {
    Ok(Json(Workflow::from(&load(&state, &gate, &id).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PatchBody {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_graph)]
    graph: Option<Value>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = crate::openapi::field::run_setup)]
    run_setup: Option<Value>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(Value::Null)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `PATCH /v1/workflows/{id}` (WorkflowWrite): the draft graph, name, description or run setup.
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<PatchBody>,
) -> ApiResult<Json<Workflow>> {
    let wf = load(&state, &gate, &id).await?;
    if wf.archived {
        return Err(ApiError::conflict("the workflow is archived"));
    }
    if let Some(graph) = &body.graph {
        read_graph(graph)?;
    }
    let run_setup = match body.run_setup {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(Some(check_run_setup(v)?)),
    };
    let patch = WorkflowPatch {
        name: body
            .name
            .as_deref()
            .map(|n| check_name("name", n))
            .transpose()?,
        description: body.description,
        draft_graph: body.graph,
        run_setup,
    };
    state
        .tenants()
        .update_workflow(&wf.id, &patch, now_ms())
        .await?;
    get(State(state), gate, Path(id)).await
}

/// `DELETE /v1/workflows/{id}` (WorkflowWrite): archives; versions and runs stay readable.
pub async fn archive(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<ArchivedWorkflow>> {
    let wf = load(&state, &gate, &id).await?;
    state.tenants().archive_workflow(&wf.id, now_ms()).await?;
    Ok(Json(ArchivedWorkflow {
        id: wf.id,
        status: views::WorkflowStatus::Archived,
    }))
}

/// `DELETE /v1/workflows/{id}`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArchivedWorkflow {
    pub id: String,
    /// Always `archived`.
    pub status: views::WorkflowStatus,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct PublishBody {
    #[serde(default)]
    changelog: Option<String>,
    /// Publish even when validation finds errors.
    #[serde(default)]
    force: bool,
}

/// `POST /v1/workflows/{id}/versions` (WorkflowPublish) → `{version, workflow_id,
/// published_at, graph_snapshot}`; a graph with validation errors is refused (422, with
/// the issues) unless `force`.
pub async fn publish(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<PublishBody>,
) -> ApiResult<(StatusCode, Json<Version>)> {
    let wf = load(&state, &gate, &id).await?;
    if wf.archived {
        return Err(ApiError::conflict("the workflow is archived"));
    }
    let parsed = read_graph(&wf.draft_graph)?;
    let ws = gate.require_workspace()?;
    let bindings = BindingSnapshot::load(&state, &ws.id, &wf.project_id, &parsed.graph).await?;
    let mut report = dry_run(&state, parsed.clone(), ValidateRequest::default(), bindings).await?;
    add_agent_issues(&state, ws, &wf.project_id, &parsed.graph, &mut report).await?;
    if !report.valid && !body.force {
        let issues = serde_json::to_value(&report.issues).map_err(ApiError::internal)?;
        return Err(ApiError::unprocessable(
            "the graph has validation errors; fix them or publish with `force: true`",
        )
        .with("issues", issues));
    }
    let version = NewVersion {
        workflow_id: wf.id.clone(),
        graph_hash: ar_model::hash::graph_hash(&parsed.graph),
        graph: parsed.graph.to_engine_value(),
        changelog: body.changelog,
        run_setup: wf.run_setup.clone(),
        created_at: now_ms(),
    };
    let published = state.tenants().publish_version(&version).await?;
    Ok((StatusCode::CREATED, Json(Version::from(&published))))
}

/// `GET /v1/workflows/{id}/versions` (WorkflowRead), newest first.
pub async fn list_versions(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<VersionList>> {
    let wf = load(&state, &gate, &id).await?;
    let versions = state
        .tenants()
        .list_versions(&wf.id)
        .await?
        .iter()
        .map(VersionSummary::from)
        .collect();
    Ok(Json(VersionList { versions }))
}

/// `GET /v1/workflows/{id}/versions`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionList {
    pub versions: Vec<VersionSummary>,
}

/// `GET /v1/workflows/{id}/versions/{version}` (WorkflowRead)
pub async fn get_version(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<Version>> {
    let wf = load(&state, &gate, &id).await?;
    let number: i64 = number.parse().map_err(|_| ApiError::not_found("version"))?;
    let v = state
        .tenants()
        .version(&wf.id, number)
        .await?
        .ok_or_else(|| ApiError::not_found("version"))?;
    Ok(Json(Version::from(&v)))
}

/// `POST /v1/workflows/{id}/validate` (WorkflowValidate): dry-run of the body's graph or
/// the draft.
pub async fn validate_route(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    OptionalJson(request): OptionalJson<ValidateRequest>,
) -> ApiResult<Json<ValidateResponse>> {
    let wf = load(&state, &gate, &id).await?;
    let graph = request.graph.clone().unwrap_or(wf.draft_graph);
    let report = match parse_graph_value(&graph, &GraphLimits::default()) {
        Ok(parsed) => {
            let ws = gate.require_workspace()?;
            let bindings =
                BindingSnapshot::load(&state, &ws.id, &wf.project_id, &parsed.graph).await?;
            let graph = parsed.graph.clone();
            let mut report = dry_run(&state, parsed, request, bindings).await?;
            // The agents a step names are checked with the MCP bindings (they resolve
            // against the project the same way).
            if report.checks_performed.contains(&CheckName::McpBindings) {
                add_agent_issues(&state, ws, &wf.project_id, &graph, &mut report).await?;
            }
            report
        }
        Err(e) => validate_unreadable(&e),
    };
    Ok(Json(report))
}
