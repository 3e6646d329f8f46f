//! MCP servers (docs/contract.md §9 "MCP", §11): the operator's catalog, a project's custom
//! servers (registered by URL: SSRF-checked, tools discovered), their tool-list versions,
//! validation, and the tools of the project's instances. Instances and config profiles:
//! [`crate::routes::mcp_instances`].
//!
//! Project-scoped like the rest: lists and registration take `X-Project-Id`; a custom
//! server belongs to its project (another project's or workspace's id answers 404); the
//! operator's catalog servers are shared by the workspace's projects and are addressed
//! with `X-Project-Id`.

use ar_store::integrations::{McpInstanceRecord, McpProfileRecord, McpServerRecord};
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::{Json, OptionalJson};
use crate::mcp::discovery::tools_json;
use crate::mcp::resolver::{apply_profile, server_target};
use crate::mcp::view::{Discovered, McpServer, McpServerList, Rediscovered};
use crate::routes::mcp_instances;
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views;

/// A server as the API shows it.
pub fn server_view(s: &McpServerRecord) -> McpServer {
    McpServer::from(s)
}

/// The server the path names, authorized for the route's action: a custom server on its
/// project; a catalog server within the request's `X-Project-Id`.
pub async fn load_server(state: &AppState, gate: &Gate, id: &str) -> ApiResult<McpServerRecord> {
    let ws = gate.require_workspace()?;
    let server = state
        .integrations()
        .mcp_server(&ws.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("MCP server"))?;
    match &server.project_id {
        Some(project_id) => {
            gate.object_project(state, project_id, "MCP server").await?;
        }
        None => {
            gate.project().map_err(|_| {
                ApiError::bad_request(
                    "the X-Project-Id header is required to address a server of the operator's catalog",
                )
            })?;
        }
    }
    Ok(server)
}

/// `GET /v1/mcp/platform-catalog` (McpRead, `X-Project-Id`) → `{ "servers": [...] }`:
/// the operator's servers, with the workspace's `server_id` once one was used here. Like
/// every McpRead route it is decided on the project (role and token scope), so a caller
/// without access to a project of the workspace reads nothing.
pub async fn platform_catalog(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    let mut servers = Vec::new();
    for entry in &state.settings().mcp_catalog {
        let url = entry.canonical_url();
        let known = state
            .integrations()
            .mcp_server_by_url(&project.workspace_id, None, &url)
            .await?;
        // For a stdio server, the variables a profile may set (docs/mcp.md).
        let connection_env = (entry.transport() == "stdio").then(|| entry.connection_env());
        servers.push(json!({
            "name": entry.name, "description": entry.description, "canonical_url": url,
            "transport": entry.transport(), "auth_mode": entry.auth_mode,
            "credentials": entry.credentials, "connection_env": connection_env,
            "auto_instance": entry.auto_instance,
            "server_id": known.as_ref().map(|s| s.id.clone()),
            "tools": known.map(|s| s.tools).unwrap_or_else(|| json!([])),
        }));
    }
    Ok(Json(json!({ "servers": servers })))
}

/// `GET /v1/mcp/tools` (McpRead, `X-Project-Id`) → `{ "tools": [...] }`: every tool of
/// every instance of the project, with the instance it is called through.
pub async fn tools(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    let store = state.integrations();
    let mut out = Vec::new();
    for instance in store.list_mcp_instances(&project.id).await? {
        let Some(server) = store
            .mcp_server(&instance.workspace_id, &instance.server_id)
            .await?
        else {
            continue;
        };
        for tool in server.tools.as_array().into_iter().flatten() {
            let mut t = tool.clone();
            t["instance_id"] = json!(instance.id);
            t["instance_name"] = json!(instance.name);
            t["server_id"] = json!(server.id);
            t["server_url"] = json!(server.canonical_url);
            out.push(t);
        }
    }
    Ok(Json(json!({ "tools": out })))
}

/// `GET /v1/mcp/servers` (McpRead, `X-Project-Id`) → `{ "servers": [...] }`: the
/// project's custom servers and the catalog servers used in the workspace.
pub async fn list_servers(
    State(state): State<AppState>,
    gate: Gate,
) -> ApiResult<Json<McpServerList>> {
    let project = gate.project()?;
    let servers = state
        .integrations()
        .list_mcp_servers(&project.workspace_id, &project.id)
        .await?
        .iter()
        .map(server_view)
        .collect();
    Ok(Json(McpServerList { servers }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServer {
    /// The server's Streamable HTTP endpoint (http or https); steps name it by this URL.
    /// The hosted field; `url` is accepted in its place.
    #[serde(default)]
    #[schema(min_length = 1)]
    canonical_url: Option<String>,
    /// Same as `canonical_url` (this project's earlier field).
    #[serde(default)]
    #[schema(min_length = 1)]
    url: Option<String>,
    /// Default: the server's host.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    /// What the server is for (at most 2000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    description: Option<String>,
    /// `third_party` (the default, and the only kind a project registers: the operator's
    /// catalog servers are `platform`).
    #[serde(default)]
    #[schema(schema_with = mode_schema)]
    mode: Option<String>,
    /// `none` (default), `token` or `oauth`: what a profile must provide.
    #[serde(default)]
    #[schema(schema_with = auth_mode_schema)]
    auth_mode: Option<String>,
}

fn auth_mode_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .enum_values(Some(["none", "token", "oauth"]))
        .build()
}

/// `mode` of a server: `platform` for the operator's catalog, `third_party` for a
/// project's own (hosted terms for `source`).
pub(crate) fn server_mode(source: &str) -> &'static str {
    if source == "custom" {
        "third_party"
    } else {
        "platform"
    }
}

fn mode_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .enum_values(Some(["third_party"]))
        .build()
}

const MAX_DESCRIPTION_CHARS: usize = 2000;

/// The URL of a registration: `canonical_url` or `url`, the same if both are given.
fn registration_url(body: &NewServer) -> ApiResult<&str> {
    match (body.canonical_url.as_deref(), body.url.as_deref()) {
        (Some(a), Some(b)) if a != b => Err(ApiError::bad_request(
            "`canonical_url` and `url` name the same thing: give one of them",
        )),
        (Some(u), _) | (None, Some(u)) => Ok(u),
        (None, None) => Err(ApiError::bad_request(
            "`canonical_url` is required: the server's Streamable HTTP endpoint, e.g. https://tools.example.com/mcp",
        )),
    }
}

fn check_registration_extras(body: &NewServer) -> ApiResult<Option<String>> {
    match body.mode.as_deref() {
        None | Some("third_party") => {}
        Some("platform") => {
            return Err(ApiError::bad_request(
                "`mode` `platform` is for the operator's catalog servers, which are configured on the server; a project registers `third_party` servers",
            ));
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`mode` must be `third_party` (got {other:?})"
            )));
        }
    }
    let description = body
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(ApiError::bad_request(format!(
            "`description` is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(description.map(str::to_owned))
}

fn check_auth_mode(mode: Option<&str>) -> ApiResult<String> {
    match mode.unwrap_or("none") {
        m @ ("none" | "token" | "oauth") => Ok(m.to_owned()),
        other => Err(ApiError::bad_request(format!(
            "`auth_mode` must be none, token or oauth (got {other:?})"
        ))),
    }
}

/// `POST /v1/mcp/servers` (McpManage, `X-Project-Id`) → 201: registers a custom server.
/// The URL passes the SSRF guard, then `tools/list` must answer with at least one tool
/// (422 otherwise, naming the URL and the error); a URL already registered here is 409.
pub async fn create_server(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewServer>,
) -> ApiResult<(StatusCode, Json<McpServer>)> {
    let project = gate.project()?.clone();
    let auth_mode = check_auth_mode(body.auth_mode.as_deref())?;
    let requested_url = registration_url(&body)?;
    let description = check_registration_extras(&body)?;
    let name = body
        .name
        .as_deref()
        .map(|n| check_name("name", n))
        .transpose()?;
    let discovery = state.mcp_discovery();
    let url = discovery.check_custom_url(requested_url).await?;
    if state
        .integrations()
        .mcp_server_by_url(&project.workspace_id, Some(&project.id), &url)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(format!(
            "the project already has a server registered for {url}"
        )));
    }
    let tools = discovery
        .discover(&project.workspace_id, &ar_mcp::McpTarget::http(&url), &url)
        .await?;
    let name = name.unwrap_or_else(|| {
        url::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| url.clone())
    });
    let now = now_ms();
    let server = McpServerRecord {
        id: new_id(),
        workspace_id: project.workspace_id.clone(),
        project_id: Some(project.id.clone()),
        name,
        description,
        canonical_url: url,
        transport: "http".into(),
        auth_mode,
        source: "custom".into(),
        tools: tools_json(&tools),
        current_version: 1,
        validation: None,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_server(&server).await?;
    Ok((StatusCode::CREATED, Json(server_view(&server))))
}

/// `GET /v1/mcp/servers/{id}` (McpRead)
pub async fn get_server(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<McpServer>> {
    let server = load_server(&state, &gate, &id).await?;
    Ok(Json(server_view(&server)))
}

/// `DELETE /v1/mcp/servers/{id}` (McpManage) → 204. A custom server without instances
/// only: 409 while instances use it, 409 for the operator's catalog servers.
pub async fn delete_server(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let server = load_server(&state, &gate, &id).await?;
    if server.project_id.is_none() {
        return Err(ApiError::conflict(
            "servers of the operator's catalog are configured by the operator and cannot be deleted",
        ));
    }
    if !state
        .integrations()
        .delete_mcp_server(&server.workspace_id, &server.id)
        .await?
    {
        return Err(ApiError::not_found("MCP server"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoverBody {
    /// The server's Streamable HTTP endpoint.
    #[schema(min_length = 1)]
    url: String,
}

/// `POST /v1/mcp/servers/discover` (McpManage) → `{url, tools}`: what registering the URL
/// would find, without saving anything (same checks and answers as registration).
pub async fn discover(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<DiscoverBody>,
) -> ApiResult<Json<Discovered>> {
    let project = gate.project()?;
    let discovery = state.mcp_discovery();
    let url = discovery.check_custom_url(&body.url).await?;
    let tools = discovery
        .discover(&project.workspace_id, &ar_mcp::McpTarget::http(&url), &url)
        .await?;
    Ok(Json(Discovered {
        url,
        tools: tools_json(&tools),
    }))
}

/// `POST /v1/mcp/servers/{id}/discover` (McpManage) → `{server_id, url, tools, changed}`:
/// the registered server's tools as it offers them now, without saving anything
/// (`changed`: whether they differ from its current version; publish them with
/// `POST /v1/mcp/servers/{id}/versions`, [`crate::routes::mcp_versions`]).
pub async fn discover_server(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<Rediscovered>> {
    let server = load_server(&state, &gate, &id).await?;
    let target = bare_target(&state, &server).await?;
    let tools = state
        .mcp_discovery()
        .discover(&server.workspace_id, &target, &server.canonical_url)
        .await?;
    let tools = tools_json(&tools);
    Ok(Json(Rediscovered {
        changed: tools != server.tools,
        server_id: server.id,
        url: server.canonical_url,
        tools,
    }))
}

/// The server's target without credentials, for discovery and validation (a custom
/// server's URL passes the SSRF guard again: the allowlist may have changed).
pub(crate) async fn bare_target(
    state: &AppState,
    server: &McpServerRecord,
) -> ApiResult<ar_mcp::McpTarget> {
    if server.source == "custom" {
        state
            .mcp_discovery()
            .check_custom_url(&server.canonical_url)
            .await?;
    }
    server_target(&state.settings().mcp_catalog, server)
        .map(|bare| bare.target)
        .map_err(ApiError::unprocessable)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// A side-effect-free tool to call once (the smoke test), with `args`.
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    args: Option<Value>,
    /// Validate with this instance's active profile (for servers that need credentials).
    #[serde(default)]
    instance_id: Option<String>,
}

/// `POST /v1/mcp/servers/{id}/validate` (McpExecute): reachability, tool schemas valid
/// JSON Schema, and an optional smoke call; the result is stored on the server and
/// returned (`{ok, reachable, tools, schema_issues, smoke?, checked_at}`).
pub async fn validate(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<ValidateBody>,
) -> ApiResult<Json<Value>> {
    let server = load_server(&state, &gate, &id).await?;
    let instance = match &body.instance_id {
        Some(instance_id) => {
            let instance = mcp_instances::load_instance(&state, &gate, instance_id).await?;
            if instance.server_id != server.id {
                return Err(ApiError::bad_request(format!(
                    "instance {instance_id} is not an instance of this server"
                )));
            }
            Some(instance)
        }
        None => None,
    };
    let smoke = SmokeCall::read(body.tool, body.args)?;
    let credentials = match &instance {
        Some(instance) => Credentials::Instance(instance),
        None => Credentials::None,
    };
    run_validation(&state, &server, credentials, smoke).await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateInstanceBody {
    /// A side-effect-free tool to call once (the smoke test), with `args`.
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    args: Option<Value>,
}

/// `POST /v1/mcp/instances/{id}/validate` (McpExecute): the instance's server validated
/// through the instance's active profile (its credentials and headers), as
/// `POST /v1/mcp/servers/{server_id}/validate {instance_id}` does; same answer.
pub async fn validate_instance(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ValidateInstanceBody>,
) -> ApiResult<Json<Value>> {
    let instance = mcp_instances::load_instance(&state, &gate, &id).await?;
    let server = state
        .integrations()
        .mcp_server(&instance.workspace_id, &instance.server_id)
        .await?
        .ok_or_else(|| ApiError::not_found("MCP server of this instance"))?;
    let smoke = SmokeCall::read(body.tool, body.args)?;
    run_validation(&state, &server, Credentials::Instance(&instance), smoke).await
}

/// `POST /v1/mcp/servers/{id}/connections/{connection_id}/validate` (McpExecute), body
/// optional `{tool?, args?}`: the server validated with the connection's credentials
/// applied as an instance's profile binding of that connection would apply them (its
/// bearer token as `Authorization`); the answer of `POST /v1/mcp/servers/{id}/validate`
/// plus `connection_id`. The connection must be one of the project the server is
/// addressed in (a custom server's own project, `X-Project-Id` for a catalog server):
/// any other id answers 404, as an unknown one does.
pub async fn validate_connection(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, connection_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<ValidateInstanceBody>,
) -> ApiResult<Json<Value>> {
    let server = load_server(&state, &gate, &id).await?;
    let project_id = match &server.project_id {
        Some(project_id) => project_id.clone(),
        None => gate.project()?.id.clone(),
    };
    let connection = state
        .integrations()
        .connection(&server.workspace_id, &connection_id)
        .await?
        .filter(|c| c.project_id == project_id)
        .ok_or_else(|| ApiError::not_found("connection"))?;
    let smoke = SmokeCall::read(body.tool, body.args)?;
    let Json(mut result) = run_validation(
        &state,
        &server,
        Credentials::Connection {
            project_id: &project_id,
            connection_id: &connection.id,
        },
        smoke,
    )
    .await?;
    result["connection_id"] = json!(connection.id);
    Ok(Json(result))
}

/// The optional smoke call of a validation: a tool and its arguments (an object).
struct SmokeCall {
    tool: Option<String>,
    args: Value,
}

impl SmokeCall {
    fn read(tool: Option<String>, args: Option<Value>) -> ApiResult<SmokeCall> {
        let args = match args {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v,
            Some(_) => return Err(ApiError::bad_request("`args` must be a JSON object")),
        };
        if tool.is_none() && args.as_object().is_some_and(|a| !a.is_empty()) {
            return Err(ApiError::bad_request(
                "`args` needs `tool`: the tool to call with them",
            ));
        }
        Ok(SmokeCall { tool, args })
    }
}

/// What a validation presents to the server.
enum Credentials<'a> {
    None,
    /// The instance's active profile.
    Instance(&'a McpInstanceRecord),
    /// A profile binding only this connection of `project_id`.
    Connection {
        project_id: &'a str,
        connection_id: &'a str,
    },
}

/// Validates `server` with `credentials`, stores the result on the server and answers it.
async fn run_validation(
    state: &AppState,
    server: &McpServerRecord,
    credentials: Credentials<'_>,
    smoke: SmokeCall,
) -> ApiResult<Json<Value>> {
    let mut target = bare_target(state, server).await?;
    match credentials {
        Credentials::None => {}
        Credentials::Instance(instance) => {
            target = mcp_instances::instance_target(state, instance, server).await?;
        }
        Credentials::Connection {
            project_id,
            connection_id,
        } => {
            target = connection_target(state, server, project_id, connection_id).await?;
        }
    }
    let now = now_ms();
    let call = smoke.tool.as_deref().map(|t| (t, &smoke.args));
    let result = state
        .mcp_discovery()
        .validate(&server.workspace_id, &target, call, views::time(now))
        .await?;
    state
        .integrations()
        .set_mcp_server_validation(&server.id, &result, now)
        .await?;
    Ok(Json(result))
}

/// The server's target with `connection_id` bound the way a config profile binds a
/// connection ([`apply_profile`]): an unsaved profile holding only that binding.
async fn connection_target(
    state: &AppState,
    server: &McpServerRecord,
    project_id: &str,
    connection_id: &str,
) -> ApiResult<ar_mcp::McpTarget> {
    let bare =
        server_target(&state.settings().mcp_catalog, server).map_err(ApiError::unprocessable)?;
    let now = now_ms();
    let binding = McpProfileRecord {
        id: String::new(),
        workspace_id: server.workspace_id.clone(),
        instance_id: String::new(),
        name: format!("connection {connection_id}"),
        env: json!({}),
        headers: json!({}),
        connection_id: Some(connection_id.to_owned()),
        connection_env: None,
        active: true,
        created_by: String::new(),
        created_at: now,
        updated_at: now,
    };
    apply_profile(state, &server.workspace_id, project_id, bare, &binding)
        .await
        .map_err(ApiError::unprocessable)
}
