//! What the API shows of registered MCP servers (docs/contract.md §11).

use ar_store::integrations::McpServerRecord;
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
