//! The tools' arguments as Rust types: their JSON Schemas are the tools' input schemas,
//! and [`check`] refuses arguments that do not fit (unknown fields included) before any
//! request is made. The REST route then validates the values as it does for every client.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::JsonObject;

/// The JSON Schema of `T`, as an MCP input schema.
pub fn schema<T: JsonSchema>() -> JsonObject {
    let mut schema = match serde_json::to_value(schemars::schema_for!(T)) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    // MCP clients want a plain object schema; the `$schema` and `title` keys add nothing.
    schema.remove("$schema");
    schema.remove("title");
    schema
        .entry("type")
        .or_insert_with(|| Value::String("object".into()));
    schema
}

fn fits<T: DeserializeOwned>(tool: &str, arguments: &JsonObject) -> Result<(), String> {
    serde_json::from_value::<T>(Value::Object(arguments.clone()))
        .map(|_| ())
        .map_err(|e| format!("invalid arguments for `{tool}`: {e}"))
}

/// The checker of `T` (for the table).
pub fn checker<T: DeserializeOwned>() -> fn(&str, &JsonObject) -> Result<(), String> {
    fits::<T>
}

/// No arguments but the project.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InProject {
    /// The project to act in (default: the workspace's `Default` project, else its first).
    pub project_id: Option<String>,
}

/// No arguments.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Nothing {}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsList {
    pub project_id: Option<String>,
    /// Include archived workflows.
    pub include_archived: Option<bool>,
}

/// An analytics period (docs/analytics.md): `window`, or `from`/`to`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsPeriod {
    pub project_id: Option<String>,
    /// `week`, `month` (the default) or `all`.
    pub window: Option<String>,
    /// RFC 3339 start (UTC), instead of `window`.
    pub from: Option<String>,
    /// RFC 3339 end (UTC), instead of `window`.
    pub to: Option<String>,
}

/// An analytics period with the series' bucket size.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsSeries {
    pub project_id: Option<String>,
    /// `week`, `month` (the default) or `all`.
    pub window: Option<String>,
    /// RFC 3339 start (UTC), instead of `window`.
    pub from: Option<String>,
    /// RFC 3339 end (UTC), instead of `window`.
    pub to: Option<String>,
    /// `hour`, `day` (the default) or `week`.
    pub granularity: Option<String>,
}

/// A workflow by id (its project follows from it).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRef {
    pub workflow_id: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsCreate {
    pub project_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    /// The workflow graph (docs/contract.md §2).
    pub graph: Value,
    /// Run setup: default parameters and the input schema of a start.
    pub run_setup: Option<Value>,
    /// Import: instance ids or server URLs of the graph's origin → this project's instance ids.
    pub instance_map: Option<Map<String, Value>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsPatch {
    pub workflow_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// The new draft graph.
    pub graph: Option<Value>,
    /// The new run setup (`null` removes it).
    pub run_setup: Option<Value>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsPublish {
    pub workflow_id: String,
    pub changelog: Option<String>,
    /// Publish even when validation reports errors.
    pub force: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsValidate {
    pub workflow_id: String,
    /// A graph to check instead of the draft.
    pub graph: Option<Value>,
    /// Run-start parameters to check the templates and input schema against.
    pub params: Option<Value>,
    /// Only these checks.
    pub checks: Option<Vec<String>>,
    /// Checks to leave out.
    pub skip_checks: Option<Vec<String>>,
    /// Pretend step outputs for Lua fixtures, by step id.
    pub mock_step_outputs: Option<Map<String, Value>>,
    /// Report only the issues of these steps.
    pub step_ids: Option<Vec<String>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommandName {
    Start,
    Pause,
    Resume,
    Stop,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowsCommand {
    pub workflow_id: String,
    /// `start`, `pause`, `resume` or `stop`.
    pub command: CommandName,
    /// `start`: the trigger payload (or `{trigger_payload, …}`); the others:
    /// `{run_id, mode?, drain_timeout_s?}`.
    pub params: Option<Value>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRuns {
    pub workflow_id: String,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantRuns {
    /// Only runs in this status.
    pub status: Option<String>,
    /// Only runs of this workflow (id).
    pub workflow: Option<String>,
    /// RFC 3339 time or unix milliseconds: runs created at or after it.
    pub since: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A run of a workflow.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRef {
    pub workflow_id: String,
    pub run_id: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunEvents {
    pub workflow_id: String,
    pub run_id: String,
    /// Events after this sequence number.
    pub after_seq: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inbox {
    pub limit: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskComplete {
    pub workflow_id: String,
    pub run_id: String,
    pub task_id: String,
    /// Approve (or reject) the task.
    pub approved: bool,
    /// The task's result, handed to the next steps.
    pub result: Option<Value>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogRequest {
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub method: String,
    /// A path under `/v1/mcp/` (e.g. `/v1/mcp/servers`), without a query string.
    pub path: String,
    /// Query parameters.
    pub query: Option<Map<String, Value>>,
    /// The JSON body.
    pub body: Option<Value>,
    pub project_id: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamRead {
    pub workflow_id: String,
    /// Follow one run (from `after_seq`); without it, new events of every run.
    pub run_id: Option<String>,
    /// With `run_id`: events after this sequence number (default 0: the whole run).
    pub after_seq: Option<i64>,
    /// How long to listen, 1 to 30 seconds (default 5).
    pub max_seconds: Option<u64>,
    /// Stop after this many events, 1 to 1000 (default 100).
    pub max_messages: Option<u64>,
    /// Stop before the events exceed this many bytes, up to 1 MiB (default 256 KiB).
    pub max_bytes: Option<u64>,
}

/// A vault secret by name.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub name: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretPut {
    pub name: String,
    /// The secret value (stored encrypted, never listed).
    pub value: String,
    pub description: Option<String>,
}

/// An object by id.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdRef {
    pub id: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatCreate {
    pub display_name: String,
    /// Scopes, e.g. `workflow:read` (never more than the caller's own token has).
    pub scopes: Vec<String>,
    /// RFC 3339 expiry time.
    pub expires_at: Option<String>,
    pub expires_in_days: Option<u32>,
    /// Only where the operator allows tokens that never expire.
    pub never_expires: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundCreate {
    pub project_id: Option<String>,
    /// The workflow a delivery starts (docs/contract.md §10).
    pub workflow_id: String,
    pub name: Option<String>,
    /// Start parameters for every delivery: `trigger_payload`, `trigger_steps`,
    /// `excluded_step_ids`, `use_run_setup_defaults`.
    pub extras: Option<Value>,
    pub enabled: Option<bool>,
    /// The automation token deliveries run as, by id.
    pub automation_pat_id: Option<String>,
    /// The automation token itself (`pat_…`), instead of its id; never stored or shown.
    pub automation_bearer: Option<String>,
    pub require_timestamp: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmKeyPut {
    /// `openai`, `anthropic`, …
    pub provider: String,
    pub api_key: String,
    pub label: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatThreads {
    pub project_id: Option<String>,
    /// `dm`, `channel` or `autopilot`.
    pub kind: Option<String>,
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatThreadRef {
    pub project_id: Option<String>,
    pub thread_id: String,
    /// How many of the newest messages to return (1 to 200, default 50).
    pub limit: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatSend {
    pub project_id: Option<String>,
    pub thread_id: String,
    /// 1 to 32 KiB of text.
    pub text: String,
}
