//! MCP instances and their config profiles (docs/contract.md §9 "MCP", §11).
//!
//! An instance is a project's deployment of a server (a custom server of the project or
//! a server of the operator's catalog). Its profiles carry `env` (stdio), `headers`
//! (HTTP) and an optional connection; exactly one is active (the first one created; then
//! `set-active`). Profile values are literal text or bindings (`crate::mcp::values`):
//! responses show the bindings as written — references, never secret values.

use ar_model::authz::{Action, authorize};
use ar_store::integrations::{
    McpInstanceRecord, McpProfilePatch, McpProfileRecord, McpServerRecord, ProfileDeletion,
};
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::mcp::env_policy;
use crate::mcp::resolve::{ResolveError, Resolved, materialize_catalog_server, resolve_binding};
use crate::mcp::resolver::{apply_profile, catalog_target, server_target};
use crate::mcp::values::{
    BindingRights, ValueKind, check_bindings, parse_values, project_connection,
};
use crate::mcp::view::{
    ConfigProfile, ConfigProfileList, McpInstance, McpInstanceDetail, McpInstanceList,
};
use crate::routes::mcp::server_view;
use crate::routes::workspaces::check_name;
use crate::settings::McpCatalogEntry;
use crate::state::AppState;

fn instance_view(
    i: &McpInstanceRecord,
    server: Option<&McpServerRecord>,
    active: Option<&str>,
) -> McpInstance {
    McpInstance::new(i, server, active)
}

fn profile_view(p: &McpProfileRecord) -> ConfigProfile {
    ConfigProfile::from(p)
}

/// The instance the path names, authorized for the route's action on its project.
pub async fn load_instance(
    state: &AppState,
    gate: &Gate,
    id: &str,
) -> ApiResult<McpInstanceRecord> {
    let ws = gate.require_workspace()?;
    let instance = state
        .integrations()
        .mcp_instance(&ws.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("MCP instance"))?;
    gate.object_project(state, &instance.project_id, "MCP instance")
        .await?;
    Ok(instance)
}

/// The instance's target with its active profile applied (for validation).
pub async fn instance_target(
    state: &AppState,
    instance: &McpInstanceRecord,
    server: &McpServerRecord,
) -> ApiResult<ar_mcp::McpTarget> {
    let bare =
        server_target(&state.settings().mcp_catalog, server).map_err(ApiError::unprocessable)?;
    match state
        .integrations()
        .active_mcp_profile(&instance.id)
        .await?
    {
        None => Ok(bare.target),
        Some(profile) => apply_profile(
            state,
            &instance.workspace_id,
            &instance.project_id,
            bare,
            &profile,
        )
        .await
        .map_err(ApiError::unprocessable),
    }
}

async fn view_of(state: &AppState, instance: &McpInstanceRecord) -> ApiResult<McpInstance> {
    let store = state.integrations();
    let server = store
        .mcp_server(&instance.workspace_id, &instance.server_id)
        .await?;
    let active = store.active_mcp_profile(&instance.id).await?;
    Ok(instance_view(
        instance,
        server.as_ref(),
        active.as_ref().map(|p| p.id.as_str()),
    ))
}

/// `GET /v1/mcp/instances` (McpRead, `X-Project-Id`) → `{ "instances": [...] }`.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<McpInstanceList>> {
    let project = gate.project()?;
    let mut instances = Vec::new();
    for instance in state.integrations().list_mcp_instances(&project.id).await? {
        instances.push(view_of(&state, &instance).await?);
    }
    Ok(Json(McpInstanceList { instances }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInstance {
    /// A custom server of the project or a catalog server of the workspace.
    #[serde(default)]
    server_id: Option<String>,
    /// Or the server's canonical URL: the project's custom server, or the operator
    /// catalog's server (`stdio:<name>` for a local command).
    #[serde(default)]
    server_url: Option<String>,
    /// Default: the server's name.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
}

/// The server a new instance is of: by id (project's or catalog), or by URL (project's
/// custom server, else the catalog's, recorded for the workspace on first use).
async fn server_for_instance(
    state: &AppState,
    gate: &Gate,
    server_id: Option<&str>,
    server_url: Option<&str>,
) -> ApiResult<McpServerRecord> {
    let project = gate.project()?;
    let store = state.integrations();
    match (server_id, server_url) {
        (Some(id), None) => {
            let server = store
                .mcp_server(&project.workspace_id, id)
                .await?
                .filter(|s| s.project_id.as_deref().is_none_or(|p| p == project.id))
                .ok_or_else(|| ApiError::not_found("MCP server"))?;
            Ok(server)
        }
        (None, Some(url)) => {
            if let Some(s) = store
                .mcp_server_by_url(&project.workspace_id, Some(&project.id), url)
                .await?
            {
                return Ok(s);
            }
            let entry = state.settings().mcp_catalog_entry(url).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "{url} is neither a server of this project nor of the operator's catalog; register it first (POST /v1/mcp/servers)"
                ))
            })?;
            if let Some(s) = store
                .mcp_server_by_url(&project.workspace_id, None, url)
                .await?
            {
                return Ok(s);
            }
            // First use in this workspace: discover its tools (best effort: a server
            // that needs credentials lists them once a profile is set, via …/versions).
            let tools = state
                .mcp_discovery()
                .discover(&project.workspace_id, &catalog_target(entry), url)
                .await
                .ok();
            Ok(materialize_catalog_server(
                store,
                &project.workspace_id,
                entry,
                tools.as_deref(),
                &gate.principal.user.id,
            )
            .await?)
        }
        _ => Err(ApiError::bad_request(
            "give exactly one of `server_id` or `server_url`",
        )),
    }
}

/// `POST /v1/mcp/instances` (McpManage, `X-Project-Id`) → 201.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewInstance>,
) -> ApiResult<(StatusCode, Json<McpInstance>)> {
    let name = body
        .name
        .as_deref()
        .map(|n| check_name("name", n))
        .transpose()?;
    let server = server_for_instance(
        &state,
        &gate,
        body.server_id.as_deref(),
        body.server_url.as_deref(),
    )
    .await?;
    let project = gate.project()?;
    let now = now_ms();
    let instance = McpInstanceRecord {
        id: new_id(),
        workspace_id: project.workspace_id.clone(),
        project_id: project.id.clone(),
        server_id: server.id.clone(),
        name: name.unwrap_or_else(|| server.name.clone()),
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.integrations().create_mcp_instance(&instance).await?;
    Ok((
        StatusCode::CREATED,
        Json(instance_view(&instance, Some(&server), None)),
    ))
}

/// `GET /v1/mcp/instances/{id}` (McpRead) → the instance with its server.
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<McpInstanceDetail>> {
    let instance = load_instance(&state, &gate, &id).await?;
    let view = view_of(&state, &instance).await?;
    let server = state
        .integrations()
        .mcp_server(&instance.workspace_id, &instance.server_id)
        .await?;
    Ok(Json(McpInstanceDetail {
        instance: view,
        server: server.as_ref().map(server_view),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceChange {
    #[schema(schema_with = crate::openapi::field::name)]
    name: String,
}

/// `PATCH /v1/mcp/instances/{id}` (McpManage): renames.
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<InstanceChange>,
) -> ApiResult<Json<McpInstance>> {
    let instance = load_instance(&state, &gate, &id).await?;
    let name = check_name("name", &body.name)?;
    if !state
        .integrations()
        .rename_mcp_instance(&instance.id, &name, now_ms())
        .await?
    {
        return Err(ApiError::not_found("MCP instance"));
    }
    let updated = load_instance(&state, &gate, &id).await?;
    Ok(Json(view_of(&state, &updated).await?))
}

/// `DELETE /v1/mcp/instances/{id}` (McpManage) → 204, with its profiles.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let instance = load_instance(&state, &gate, &id).await?;
    if !state
        .integrations()
        .delete_mcp_instance(&instance.id)
        .await?
    {
        return Err(ApiError::not_found("MCP instance"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    #[serde(default)]
    server_url: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
}

/// `POST /v1/mcp/instances/resolve` (McpManage, `X-Project-Id`): `{server_url}` or
/// `{instance_id}` → `{resolution, instance?, server?}` the way a step resolves it,
/// creating the instance when the catalog entry allows (`created: true`). 422 when it
/// does not resolve, with the reason.
pub async fn resolve(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<ResolveBody>,
) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    if body.server_url.is_none() && body.instance_id.is_none() {
        return Err(ApiError::bad_request("give `server_url` or `instance_id`"));
    }
    let before = state
        .integrations()
        .list_mcp_instances(&project.id)
        .await?
        .len();
    let resolved = resolve_binding(
        state.integrations(),
        &state.settings().mcp_catalog,
        &project.workspace_id,
        &project.id,
        body.server_url.as_deref(),
        body.instance_id.as_deref(),
        true,
    )
    .await
    .map_err(|e| match e {
        ResolveError::Unresolved(m) => {
            ApiError::unprocessable(m).with("code", json!("MCP_SERVER_UNRESOLVED"))
        }
        ResolveError::Store(e) => e.into(),
    })?;
    Ok(Json(match resolved {
        Resolved::Instance(r) => {
            let after = state
                .integrations()
                .list_mcp_instances(&project.id)
                .await?
                .len();
            json!({
                "resolution": "instance",
                "created": after > before,
                "instance": instance_view(&r.instance, Some(&r.server), r.profile.as_ref().map(|p| p.id.as_str())),
                "server": server_view(&r.server),
            })
        }
        Resolved::Catalog { entry, server, .. } => json!({
            "resolution": "catalog", "created": false,
            "server_url": entry.canonical_url(),
            "server": server.as_deref().map(server_view),
        }),
        Resolved::Url(url) => json!({"resolution": "url", "created": false, "server_url": url}),
    }))
}

// --- config profiles

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProfile {
    #[schema(schema_with = crate::openapi::field::name)]
    name: String,
    /// Environment of a stdio server: `{NAME: value}`; a value is text,
    /// `{"secret": "<vault secret>", "prefix"?}` or `{"connection": "<id>", "key": "<key>", "prefix"?}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    env: Option<Value>,
    /// Headers for an HTTP server, same value forms.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    headers: Option<Value>,
    /// A connection whose bearer token is sent (HTTP `Authorization`, stdio `connection_env`).
    #[serde(default)]
    connection_id: Option<String>,
    #[serde(default)]
    connection_env: Option<String>,
}

/// What a profile of the instance is checked against: the instance, the rights of the
/// writer, and for a stdio catalog server the entry whose declared variables are all the
/// profile may set.
struct ProfileRules<'a> {
    instance: &'a McpInstanceRecord,
    rights: BindingRights,
    stdio_entry: Option<McpCatalogEntry>,
}

impl<'a> ProfileRules<'a> {
    async fn of(
        state: &AppState,
        gate: &Gate,
        instance: &'a McpInstanceRecord,
    ) -> ApiResult<ProfileRules<'a>> {
        let server = state
            .integrations()
            .mcp_server(&instance.workspace_id, &instance.server_id)
            .await?
            .ok_or_else(|| ApiError::not_found("MCP server"))?;
        let stdio_entry = match server.source.as_str() {
            "catalog" => {
                let entry = state
                    .settings()
                    .mcp_catalog_entry(&server.canonical_url)
                    .ok_or_else(|| {
                        ApiError::unprocessable(format!(
                            "the MCP server {} is no longer in the operator's catalog",
                            server.canonical_url
                        ))
                    })?;
                (entry.transport() == "stdio").then(|| entry.clone())
            }
            _ => None,
        };
        let reads_vault = authorize(&gate.caller, Action::VaultRead, None).is_allowed();
        Ok(ProfileRules {
            instance,
            rights: BindingRights { reads_vault },
            stdio_entry,
        })
    }
}

/// Checks a profile's maps and bindings; returns them normalized (absent = `{}`).
async fn checked_maps(
    state: &AppState,
    rules: &ProfileRules<'_>,
    env: Option<&Value>,
    headers: Option<&Value>,
) -> ApiResult<(Option<Value>, Option<Value>)> {
    let instance = rules.instance;
    let mut out = (None, None);
    for (kind, value, slot) in [
        (ValueKind::Env, env, &mut out.0),
        (ValueKind::Headers, headers, &mut out.1),
    ] {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            let parsed = parse_values(kind, v)?;
            if let (ValueKind::Env, Some(entry)) = (kind, &rules.stdio_entry) {
                env_policy::check_profile_env(entry, parsed.keys().map(String::as_str), None)?;
            }
            check_bindings(
                state,
                rules.rights,
                &instance.workspace_id,
                &instance.project_id,
                &parsed,
            )
            .await?;
            *slot = Some(v.clone());
        }
    }
    Ok(out)
}

/// `connection_env` must be a variable name (one the catalog entry declares, for a stdio
/// catalog server); `connection_id` a connection of the instance's project that has a
/// bearer token to send.
async fn check_connection(
    state: &AppState,
    rules: &ProfileRules<'_>,
    connection_id: Option<&str>,
    connection_env: Option<&str>,
) -> ApiResult<()> {
    let instance = rules.instance;
    if let Some(env) = connection_env
        && parse_values(ValueKind::Env, &json!({ env: "" })).is_err()
    {
        return Err(ApiError::bad_request(format!(
            "`connection_env` {env:?} is not a valid variable name"
        )));
    }
    if let (Some(env), Some(entry)) = (connection_env, &rules.stdio_entry) {
        env_policy::check_profile_env(entry, [], Some(env))?;
    }
    if let Some(id) = connection_id {
        let connection =
            project_connection(state, &instance.workspace_id, &instance.project_id, id).await?;
        let has_bearer = crate::connections::credentials::AuthType::parse(&connection.auth_type)
            .and_then(|t| t.bearer_key())
            .is_some();
        if !has_bearer {
            return Err(ApiError::unprocessable(format!(
                "connection {id:?} ({} credentials) has no bearer token to send; bind its values in `env`/`headers` instead",
                connection.auth_type
            )));
        }
    }
    Ok(())
}

/// `GET /v1/mcp/instances/{id}/config-profiles` (McpRead) → `{ "config_profiles": [...] }`.
pub async fn list_profiles(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<ConfigProfileList>> {
    let instance = load_instance(&state, &gate, &id).await?;
    let config_profiles = state
        .integrations()
        .list_mcp_profiles(&instance.id)
        .await?
        .iter()
        .map(profile_view)
        .collect();
    Ok(Json(ConfigProfileList { config_profiles }))
}

/// `POST /v1/mcp/instances/{id}/config-profiles` (McpManage) → 201; the instance's first
/// profile becomes its active one.
pub async fn create_profile(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<NewProfile>,
) -> ApiResult<(StatusCode, Json<ConfigProfile>)> {
    let instance = load_instance(&state, &gate, &id).await?;
    let name = check_name("name", &body.name)?;
    let rules = ProfileRules::of(&state, &gate, &instance).await?;
    check_connection(
        &state,
        &rules,
        body.connection_id.as_deref(),
        body.connection_env.as_deref(),
    )
    .await?;
    let (env, headers) =
        checked_maps(&state, &rules, body.env.as_ref(), body.headers.as_ref()).await?;
    let now = now_ms();
    let profile = McpProfileRecord {
        id: new_id(),
        workspace_id: instance.workspace_id.clone(),
        instance_id: instance.id.clone(),
        name,
        env: env.unwrap_or_else(|| json!({})),
        headers: headers.unwrap_or_else(|| json!({})),
        connection_id: body.connection_id,
        connection_env: body.connection_env,
        active: false,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    let stored = state.integrations().create_mcp_profile(&profile).await?;
    Ok((StatusCode::CREATED, Json(profile_view(&stored))))
}

/// The profile the path names, on an instance the caller may act on.
async fn load_profile(
    state: &AppState,
    gate: &Gate,
    id: &str,
    profile_id: &str,
) -> ApiResult<(McpInstanceRecord, McpProfileRecord)> {
    let instance = load_instance(state, gate, id).await?;
    let profile = state
        .integrations()
        .mcp_profile(&instance.id, profile_id)
        .await?
        .ok_or_else(|| ApiError::not_found("config profile"))?;
    Ok((instance, profile))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileChange {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    /// Replaces the whole map.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    env: Option<Value>,
    /// Replaces the whole map.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    headers: Option<Value>,
    #[serde(default)]
    connection_id: Option<String>,
    #[serde(default)]
    connection_env: Option<String>,
}

/// `PATCH /v1/mcp/instances/{id}/config-profiles/{profile_id}` (McpManage).
pub async fn patch_profile(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, profile_id)): Path<(String, String)>,
    Json(body): Json<ProfileChange>,
) -> ApiResult<Json<ConfigProfile>> {
    let (instance, profile) = load_profile(&state, &gate, &id, &profile_id).await?;
    let name = body
        .name
        .as_deref()
        .map(|n| check_name("name", n))
        .transpose()?;
    let rules = ProfileRules::of(&state, &gate, &instance).await?;
    check_connection(
        &state,
        &rules,
        body.connection_id.as_deref(),
        body.connection_env.as_deref(),
    )
    .await?;
    let (env, headers) =
        checked_maps(&state, &rules, body.env.as_ref(), body.headers.as_ref()).await?;
    let change = McpProfilePatch {
        name,
        env,
        headers,
        connection_id: body.connection_id.map(Some),
        connection_env: body.connection_env.map(Some),
    };
    if !state
        .integrations()
        .update_mcp_profile(&instance.id, &profile.id, &change, now_ms())
        .await?
    {
        return Err(ApiError::not_found("config profile"));
    }
    let (_, updated) = load_profile(&state, &gate, &id, &profile_id).await?;
    Ok(Json(profile_view(&updated)))
}

/// `DELETE /v1/mcp/instances/{id}/config-profiles/{profile_id}` (McpManage) → 204; the
/// active profile only when it is the last one (409 otherwise: activate another first).
pub async fn delete_profile(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, profile_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (instance, profile) = load_profile(&state, &gate, &id, &profile_id).await?;
    match state
        .integrations()
        .delete_mcp_profile(&instance.id, &profile.id)
        .await?
    {
        ProfileDeletion::Deleted => Ok(StatusCode::NO_CONTENT),
        ProfileDeletion::NotFound => Err(ApiError::not_found("config profile")),
        ProfileDeletion::ActiveWithOthers => Err(ApiError::conflict(
            "this is the instance's active profile; make another one active first (POST …/config-profiles/{profile_id}/set-active)",
        )),
    }
}

/// `POST /v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active` (McpManage):
/// the profile becomes the instance's only active one; the next call uses it.
pub async fn set_active(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, profile_id)): Path<(String, String)>,
) -> ApiResult<Json<ConfigProfile>> {
    let (instance, profile) = load_profile(&state, &gate, &id, &profile_id).await?;
    if !state
        .integrations()
        .set_active_mcp_profile(&instance.id, &profile.id, now_ms())
        .await?
    {
        return Err(ApiError::not_found("config profile"));
    }
    let (_, updated) = load_profile(&state, &gate, &id, &profile_id).await?;
    Ok(Json(profile_view(&updated)))
}
