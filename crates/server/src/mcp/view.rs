//! What the API shows of registered MCP servers, their instances and config profiles
//! (docs/contract.md §11).

use ar_store::integrations::{McpInstanceRecord, McpProfileRecord, McpServerRecord};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::views::Time;

/// A server as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct McpServer {
    pub id: String,
    /// The registering project; `null` for a server of the operator's catalog.
    #[schema(required = true)]
    pub project_id: Option<String>,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    /// `third_party` (registered by a project) or `platform` (the operator's catalog).
    #[schema(schema_with = mode_schema)]
    pub mode: &'static str,
    /// The URL steps name it by (`stdio:<name>` for an operator's local command).
    pub canonical_url: String,
    /// `http` or `stdio`.
    pub transport: String,
    /// `none`, `token` or `oauth`.
    pub auth_mode: String,
    /// `catalog` or `custom`.
    pub source: String,
    /// The current tool list: `[{name, description, input_schema, output_schema}]`.
    #[schema(value_type = Vec<Object>)]
    pub tools: Value,
    pub current_version: i64,
    /// The last validation result; `null` until validated.
    #[schema(value_type = Option<Object>, required = true)]
    pub validation: Option<Value>,
    pub created_at: Time,
    pub updated_at: Time,
}

fn mode_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["third_party", "platform"]))
        .build()
}

impl From<&McpServerRecord> for McpServer {
    fn from(s: &McpServerRecord) -> Self {
        McpServer {
            id: s.id.clone(),
            project_id: s.project_id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            mode: crate::routes::mcp::server_mode(&s.source),
            canonical_url: s.canonical_url.clone(),
            transport: s.transport.clone(),
            auth_mode: s.auth_mode.clone(),
            source: s.source.clone(),
            tools: s.tools.clone(),
            current_version: s.current_version,
            validation: s.validation.clone(),
            created_at: Time(s.created_at),
            updated_at: Time(s.updated_at),
        }
    }
}

/// `GET /v1/mcp/servers`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct McpServerList {
    pub servers: Vec<McpServer>,
}

/// `POST /v1/mcp/servers/discover`'s answer: what registering the URL would find.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Discovered {
    pub url: String,
    /// `[{name, description, input_schema, output_schema}]`
    #[schema(value_type = Vec<Object>)]
    pub tools: Value,
}

/// `POST /v1/mcp/servers/{id}/discover`'s answer: the registered server's tools as it
/// offers them now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rediscovered {
    pub server_id: String,
    pub url: String,
    /// The tools differ from the server's current version.
    pub changed: bool,
    /// `[{name, description, input_schema, output_schema}]`
    #[schema(value_type = Vec<Object>)]
    pub tools: Value,
}

/// An instance of a server in a project: what steps call through.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct McpInstance {
    pub id: String,
    pub project_id: String,
    pub server_id: String,
    pub name: String,
    /// The server's `canonical_url` (`null` if the server is gone).
    #[schema(required = true)]
    pub server_url: Option<String>,
    #[schema(required = true)]
    pub server_name: Option<String>,
    #[schema(required = true)]
    pub transport: Option<String>,
    /// The config profile calls use; `null` without one.
    #[schema(required = true)]
    pub active_profile_id: Option<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

impl McpInstance {
    pub fn new(
        i: &McpInstanceRecord,
        server: Option<&McpServerRecord>,
        active_profile_id: Option<&str>,
    ) -> Self {
        McpInstance {
            id: i.id.clone(),
            project_id: i.project_id.clone(),
            server_id: i.server_id.clone(),
            name: i.name.clone(),
            server_url: server.map(|s| s.canonical_url.clone()),
            server_name: server.map(|s| s.name.clone()),
            transport: server.map(|s| s.transport.clone()),
            active_profile_id: active_profile_id.map(str::to_owned),
            created_at: Time(i.created_at),
            updated_at: Time(i.updated_at),
        }
    }
}

/// `GET /v1/mcp/instances/{id}`'s answer: the instance and its server (absent if gone).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct McpInstanceDetail {
    #[serde(flatten)]
    pub instance: McpInstance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<McpServer>,
}

/// `GET /v1/mcp/instances`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct McpInstanceList {
    pub instances: Vec<McpInstance>,
}

/// A config profile of an instance: its `env`/`headers` values as references (literal
/// text, or a vault secret's or a connection credential's name), never opened values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigProfile {
    pub id: String,
    pub instance_id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub env: Value,
    #[schema(value_type = Object)]
    pub headers: Value,
    #[schema(required = true)]
    pub connection_id: Option<String>,
    #[schema(required = true)]
    pub connection_env: Option<String>,
    /// The instance's calls use this profile.
    pub active: bool,
    pub created_at: Time,
    pub updated_at: Time,
}

impl From<&McpProfileRecord> for ConfigProfile {
    fn from(p: &McpProfileRecord) -> Self {
        ConfigProfile {
            id: p.id.clone(),
            instance_id: p.instance_id.clone(),
            name: p.name.clone(),
            env: p.env.clone(),
            headers: p.headers.clone(),
            connection_id: p.connection_id.clone(),
            connection_env: p.connection_env.clone(),
            active: p.active,
            created_at: Time(p.created_at),
            updated_at: Time(p.updated_at),
        }
    }
}

/// `GET /v1/mcp/instances/{id}/config-profiles`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigProfileList {
    pub config_profiles: Vec<ConfigProfile>,
}
