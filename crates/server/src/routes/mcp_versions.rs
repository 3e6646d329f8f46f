//! The tool-list versions of an MCP server (docs/contract.md §9 "MCP", §11): listing them
//! and publishing one, either from the server's own `tools/list` (discovered again) or
//! from a tool list the caller gives (no network call), with an optional configuration
//! schema, activated or only recorded.

use ar_mcp::ToolInfo;
use ar_store::integrations::NewMcpServerVersion;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::{Json, OptionalJson};
use crate::mcp::discovery::tools_json;
use crate::routes::mcp::{bare_target, load_server, server_view};
use crate::state::AppState;
use crate::views::Time;

/// At most this many tools in a published version.
pub const MAX_TOOLS: usize = 1000;
/// A tool name's length in characters (the MCP specification's bound).
pub const MAX_TOOL_NAME_CHARS: usize = 128;
/// A tool description's length in characters.
pub const MAX_TOOL_DESCRIPTION_CHARS: usize = 10_000;
/// A schema's (tool input/output, or the version's `config_schema`) size as JSON text.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;

/// `GET /v1/mcp/servers/{id}/versions` (McpRead) → `{ "versions": [...] }`, newest first;
/// `active` marks the server's current version.
pub async fn list_versions(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<ServerVersionList>> {
    let server = load_server(&state, &gate, &id).await?;
    let versions = state
        .integrations()
        .list_mcp_server_versions(&server.id)
        .await?
        .iter()
        .map(|v| ServerVersion {
            version: v.version,
            tools: v.tools.clone(),
            config_schema: v.config_schema.clone(),
            active: v.version == server.current_version,
            created_at: Time(v.created_at),
        })
        .collect();
    Ok(Json(ServerVersionList { versions }))
}

/// One tool-list version of a server.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ServerVersion {
    pub version: i64,
    /// `[{name, description, input_schema, output_schema}]`
    #[schema(value_type = Vec<Object>)]
    pub tools: Value,
    /// The configuration an instance of this version takes (a JSON Schema); `null` when
    /// none.
    #[schema(value_type = Option<Object>, required = true)]
    pub config_schema: Option<Value>,
    /// The server's current version.
    pub active: bool,
    pub created_at: Time,
}

/// `GET /v1/mcp/servers/{id}/versions`'s answer, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ServerVersionList {
    pub versions: Vec<ServerVersion>,
}

/// A tool of a published version. `inputSchema`/`outputSchema` (the MCP wire spelling)
/// are accepted in place of `input_schema`/`output_schema`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedTool {
    /// The name steps call it by: 1–128 characters, unique in the version.
    #[schema(min_length = 1, max_length = 128)]
    name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    description: Option<String>,
    /// JSON Schema (an object) of the arguments; default `{"type": "object"}`.
    #[serde(default, alias = "inputSchema")]
    #[schema(value_type = Option<Object>)]
    input_schema: Option<Value>,
    /// JSON Schema (an object) of the structured result.
    #[serde(default, alias = "outputSchema")]
    #[schema(value_type = Option<Object>)]
    output_schema: Option<Value>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The version's tools; without it the server's tools are discovered again.
    #[serde(default)]
    #[schema(max_items = 1000)]
    tools: Option<Vec<PublishedTool>>,
    /// The configuration an instance of this version takes, as a JSON Schema object.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    config_schema: Option<Value>,
    /// Whether the version becomes the server's current tool list (default true).
    #[serde(default)]
    activate: Option<bool>,
}

/// `POST /v1/mcp/servers/{id}/versions` (McpManage), body optional
/// `{tools?, config_schema?, activate?}`: publishes a tool-list version. With `tools` it
/// holds exactly those (checked, no call to the server); without, the server's tools are
/// discovered again. A list equal to the current one with no `config_schema` publishes
/// nothing (200 `{changed: false, version, server}`); otherwise 201 `{changed: true,
/// version, active, config_schema, server}`, the version becoming current unless
/// `activate` is false.
pub async fn publish(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<PublishBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let server = load_server(&state, &gate, &id).await?;
    let config_schema = body
        .config_schema
        .map(|s| check_schema("config_schema", s))
        .transpose()?;
    let activate = body.activate.unwrap_or(true);
    let tools = match body.tools {
        Some(given) => tools_json(&check_tools(given)?),
        None => {
            let target = bare_target(&state, &server).await?;
            let found = state
                .mcp_discovery()
                .discover(&server.workspace_id, &target, &server.canonical_url)
                .await?;
            tools_json(&found)
        }
    };
    if tools == server.tools && config_schema.is_none() {
        return Ok((
            StatusCode::OK,
            Json(json!({
                "changed": false, "version": server.current_version, "server": server_view(&server),
            })),
        ));
    }
    let version = state
        .integrations()
        .add_mcp_server_version(
            &server.id,
            server.current_version,
            &NewMcpServerVersion {
                tools: &tools,
                config_schema: config_schema.as_ref(),
                activate,
            },
            now_ms(),
        )
        .await?;
    let updated = load_server(&state, &gate, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "changed": true, "version": version, "active": activate,
            "config_schema": config_schema, "server": server_view(&updated),
        })),
    ))
}

/// The given tools as stored: names 1–128 characters and unique, bounded descriptions
/// and schemas, schemas JSON objects; every refusal names the tool and the field.
fn check_tools(given: Vec<PublishedTool>) -> ApiResult<Vec<ToolInfo>> {
    if given.is_empty() {
        return Err(ApiError::bad_request(
            "`tools` is empty: a version needs at least one tool (omit `tools` to discover them from the server)",
        ));
    }
    if given.len() > MAX_TOOLS {
        return Err(ApiError::bad_request(format!(
            "`tools` has {} tools; a version holds at most {MAX_TOOLS}",
            given.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(given.len());
    for (i, tool) in given.into_iter().enumerate() {
        let name = tool.name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOOL_NAME_CHARS {
            return Err(ApiError::bad_request(format!(
                "`tools[{i}].name` must be 1–{MAX_TOOL_NAME_CHARS} characters"
            )));
        }
        if !seen.insert(name.to_owned()) {
            return Err(ApiError::bad_request(format!(
                "`tools[{i}].name` {name:?} is already used by an earlier tool: names are unique in a version"
            )));
        }
        if tool
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > MAX_TOOL_DESCRIPTION_CHARS)
        {
            return Err(ApiError::bad_request(format!(
                "`tools[{i}].description` ({name:?}) is longer than {MAX_TOOL_DESCRIPTION_CHARS} characters"
            )));
        }
        let input_schema = match tool.input_schema {
            None | Some(Value::Null) => json!({"type": "object"}),
            Some(s) => check_schema(&format!("tools[{i}].input_schema ({name:?})"), s)?,
        };
        let output_schema = match tool.output_schema {
            None | Some(Value::Null) => None,
            Some(s) => Some(check_schema(
                &format!("tools[{i}].output_schema ({name:?})"),
                s,
            )?),
        };
        out.push(ToolInfo {
            name: name.to_owned(),
            description: tool.description,
            input_schema,
            output_schema,
        });
    }
    Ok(out)
}

/// A schema field: a JSON object of at most [`MAX_SCHEMA_BYTES`] as JSON text.
fn check_schema(field: &str, schema: Value) -> ApiResult<Value> {
    if !schema.is_object() {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be a JSON Schema object, e.g. {{\"type\": \"object\"}}"
        )));
    }
    let size = serde_json::to_vec(&schema).map(|b| b.len()).unwrap_or(0);
    if size > MAX_SCHEMA_BYTES {
        return Err(ApiError::bad_request(format!(
            "`{field}` is {size} bytes of JSON; at most {MAX_SCHEMA_BYTES} are accepted"
        )));
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(v: Value) -> PublishedTool {
        serde_json::from_value(v).expect("a tool")
    }

    #[test]
    fn given_tools_are_stored_in_the_discovered_shape() {
        let tools = check_tools(vec![
            tool(json!({"name": "echo", "inputSchema": {"type": "object"}})),
            tool(
                json!({"name": "sum", "description": "adds", "input_schema": {"type": "object"}, "outputSchema": {"type": "object"}}),
            ),
        ])
        .expect("valid");
        let stored = tools_json(&tools);
        assert_eq!(stored[0]["name"], "echo");
        assert_eq!(stored[0]["input_schema"], json!({"type": "object"}));
        assert_eq!(stored[1]["output_schema"], json!({"type": "object"}));
        assert_eq!(stored[1]["description"], "adds");
    }

    #[test]
    fn bad_tools_are_refused_with_the_field_named() {
        let refused = |tools: Vec<PublishedTool>, needle: &str| {
            let e = check_tools(tools).expect_err("refused");
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert!(e.message.contains(needle), "{} lacks {needle}", e.message);
        };
        refused(vec![], "at least one tool");
        refused(vec![tool(json!({"name": "  "}))], "tools[0].name");
        refused(
            vec![tool(json!({"name": "a"})), tool(json!({"name": "a"}))],
            "tools[1].name",
        );
        refused(
            vec![tool(json!({"name": "a", "input_schema": [1]}))],
            "tools[0].input_schema",
        );
        refused(
            vec![tool(json!({"name": "a", "output_schema": "x"}))],
            "tools[0].output_schema",
        );
        refused(
            vec![tool(json!({"name": "x".repeat(129)}))],
            "1–128 characters",
        );
        let many = (0..=MAX_TOOLS)
            .map(|i| tool(json!({ "name": format!("t{i}") })))
            .collect();
        refused(many, "at most 1000");
        let huge = json!({"type": "object", "description": "x".repeat(MAX_SCHEMA_BYTES)});
        refused(
            vec![tool(json!({"name": "a", "input_schema": huge}))],
            "bytes of JSON",
        );
    }
}
