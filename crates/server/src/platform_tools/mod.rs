//! The platform tools: agentruntime's own REST API as tools (docs/contract.md §12,
//! docs/platform-mcp.md). The Platform MCP endpoint (`crate::platform_mcp`) lists and calls
//! them; later callers (Autopilot) call them the same way, with their own [`Caller`].
//!
//! Each tool is a row of [`table::tools`]: its fixed name, its group, the REST route it IS,
//! its input and output schemas and its annotations. A call is never a second
//! implementation of a rule: [`dispatch`] sends the REST request through the same `/v1`
//! router, as the caller, and turns the REST answer into the tool result.
//!
//! - [`table`]: the rows; [`args`]: the input types (their JSON Schemas are the tools'
//!   input schemas);
//! - [`dispatch`]: one internal REST request as the caller;
//! - [`health`]: `ar_health_summary`, composed of REST reads;
//! - [`catalog`]: `catalog_bff_request`, restricted to `/v1/mcp/*`;
//! - [`stream`]: `workflows_stream_websocket`, a bounded read of a live stream.

pub mod args;
pub mod catalog;
pub mod chat;
pub mod dispatch;
pub mod health;
pub mod output;
pub mod stream;
pub mod table;

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::auth::principal::Principal;

/// A JSON object (schemas, arguments, answers).
pub type JsonObject = Map<String, Value>;

/// The groups of docs/contract.md §12. An operator enables groups; a tool is offered only
/// when its group is (and, for a tool that reveals or sets secrets, `risk` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ToolGroup {
    Core,
    Analytics,
    Catalog,
    Websocket,
    Chat,
    Vault,
    Pat,
    Inbound,
    LlmKeys,
    /// Not a set of tools of its own: it unlocks the secret-revealing and secret-setting
    /// tools of the other groups, and `catalog_bff_request` paths with `/credentials`.
    Risk,
}

impl ToolGroup {
    pub const ALL: [ToolGroup; 10] = [
        ToolGroup::Core,
        ToolGroup::Analytics,
        ToolGroup::Catalog,
        ToolGroup::Websocket,
        ToolGroup::Chat,
        ToolGroup::Vault,
        ToolGroup::Pat,
        ToolGroup::Inbound,
        ToolGroup::LlmKeys,
        ToolGroup::Risk,
    ];

    /// The group's name in settings and docs.
    pub fn name(self) -> &'static str {
        match self {
            ToolGroup::Core => "core",
            ToolGroup::Analytics => "analytics",
            ToolGroup::Catalog => "catalog",
            ToolGroup::Websocket => "websocket",
            ToolGroup::Chat => "chat",
            ToolGroup::Vault => "vault",
            ToolGroup::Pat => "pat",
            ToolGroup::Inbound => "inbound",
            ToolGroup::LlmKeys => "llm_keys",
            ToolGroup::Risk => "risk",
        }
    }

    pub fn parse(name: &str) -> Option<ToolGroup> {
        ToolGroup::ALL.into_iter().find(|g| g.name() == name.trim())
    }
}

/// The groups an operator turned on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnabledGroups(BTreeSet<ToolGroup>);

impl EnabledGroups {
    pub fn new(groups: impl IntoIterator<Item = ToolGroup>) -> EnabledGroups {
        EnabledGroups(groups.into_iter().collect())
    }
    /// Every group but `risk` (docs/contract.md §12's default).
    pub fn default_set() -> EnabledGroups {
        EnabledGroups::new(ToolGroup::ALL.into_iter().filter(|g| *g != ToolGroup::Risk))
    }
    pub fn contains(&self, group: ToolGroup) -> bool {
        self.0.contains(&group)
    }
    pub fn risk(&self) -> bool {
        self.contains(ToolGroup::Risk)
    }
}

/// The MCP tool annotations of a tool (hints for clients, not rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

/// A read: changes nothing.
pub const READ: Hints = Hints {
    read_only: true,
    destructive: false,
    idempotent: true,
};
/// Creates something new each call.
pub const CREATE: Hints = Hints {
    read_only: false,
    destructive: false,
    idempotent: false,
};
/// Sets something to a given state (the same call twice changes nothing more).
pub const UPDATE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: true,
};
/// Removes something.
pub const DELETE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: true,
};
/// Starts or changes something that runs (a command, completing a task).
pub const ACT: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: false,
};

/// How a tool is carried out.
#[derive(Debug, Clone, Copy)]
pub enum Behavior {
    /// Exactly its REST route: `path_args` fill the path template (`{param}` ← argument),
    /// `query_args` become the query string, every other argument but `project_id` is the
    /// JSON body (none for GET and DELETE).
    Rest {
        path_args: &'static [(&'static str, &'static str)],
        query_args: &'static [&'static str],
    },
    /// `ar_health_summary` ([`health`]).
    HealthSummary,
    /// `catalog_bff_request` ([`catalog`]).
    CatalogRequest,
    /// `workflows_stream_websocket` ([`stream`]).
    StreamRead,
    /// `chat_get_thread` ([`chat`]).
    ChatThread,
}

/// One row of the tool table.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// The fixed name (docs/contract.md §12).
    pub name: &'static str,
    pub group: ToolGroup,
    /// Reveals or sets secrets: offered only with the `risk` group too.
    pub risk: bool,
    pub description: &'static str,
    /// The REST route the tool is (method and path template of `crate::routes::table`).
    /// For composed tools, every route they call ([`ToolSpec::routes`]).
    pub method: Method,
    pub path: &'static str,
    /// The input JSON Schema (of the tool's type in [`args`]).
    pub input_schema: fn() -> JsonObject,
    /// Whether arguments fit that type.
    pub check: fn(&str, &JsonObject) -> Result<(), String>,
    /// The top-level fields every successful answer has (docs/contract.md §9), with their
    /// JSON types; the output schema names them.
    pub output: &'static [(&'static str, &'static str)],
    pub hints: Hints,
    pub behavior: Behavior,
}

impl ToolSpec {
    /// Whether the tool is offered with these groups enabled.
    pub fn enabled(&self, groups: &EnabledGroups) -> bool {
        groups.contains(self.group) && (!self.risk || groups.risk())
    }

    /// The output JSON Schema: the typed schema of the tool's REST answer where it has one
    /// (`output`), else an object with the fixed top-level fields (more may appear).
    pub fn output_schema(&self) -> JsonObject {
        output::typed(self).unwrap_or_else(|| self.fixed_fields_schema())
    }

    /// An object with the tool's fixed top-level fields (more may appear).
    fn fixed_fields_schema(&self) -> JsonObject {
        let mut properties = Map::new();
        for (field, kind) in self.output {
            let schema = if kind.is_empty() {
                json!({})
            } else {
                json!({ "type": kind })
            };
            properties.insert((*field).to_string(), schema);
        }
        let required: Vec<&str> = self.output.iter().map(|(f, _)| *f).collect();
        let schema = json!({
            "type": "object",
            "properties": properties,
            "required": required,
        });
        match schema {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    /// Every `(method, path template)` of the route table this tool calls.
    pub fn routes(&self) -> Vec<(Method, &'static str)> {
        match self.behavior {
            Behavior::HealthSummary => health::ROUTES.to_vec(),
            Behavior::ChatThread => chat::ROUTES.to_vec(),
            Behavior::CatalogRequest => crate::routes::specs()
                .into_iter()
                .filter(|s| catalog::forwardable(s.path))
                .map(|s| (s.method, s.path))
                .collect(),
            _ => vec![(self.method.clone(), self.path)],
        }
    }
}

/// Who calls a tool: a verified principal (a PAT on `/mcp`; a session for Autopilot), the
/// workspace it speaks for, and the project tools act in unless an argument names another.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The workspace slug; `None` for a PAT (its own workspace).
    pub workspace: Option<String>,
    /// The caller's project; `None`: the workspace's default project.
    pub project_id: Option<String>,
}

impl Caller {
    /// A PAT's caller: its own workspace and that workspace's default project.
    pub fn pat(principal: Principal) -> Caller {
        Caller {
            principal,
            workspace: None,
            project_id: None,
        }
    }
}

/// The result of a tool call: the REST answer (or a refusal) as a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    /// Whether it failed (a 4xx/5xx answer, bad arguments, a disabled tool).
    pub is_error: bool,
    /// The HTTP status of the REST answer (or what it would have been).
    pub status: u16,
    /// The REST JSON answer, or the error body `{"error": …}`.
    pub body: JsonObject,
}

impl ToolOutcome {
    /// A refusal before any REST request (bad arguments, disabled tool, rate limit).
    pub fn refused(status: u16, message: impl Into<String>) -> ToolOutcome {
        let mut body = Map::new();
        body.insert("error".into(), Value::String(message.into()));
        ToolOutcome {
            is_error: true,
            status,
            body,
        }
    }

    /// A successful result made here (not a REST answer).
    pub fn ok(body: JsonObject) -> ToolOutcome {
        ToolOutcome {
            is_error: false,
            status: 200,
            body,
        }
    }
}

/// The tools offered with `groups`, in table order.
pub fn offered(groups: &EnabledGroups) -> Vec<ToolSpec> {
    table::tools()
        .into_iter()
        .filter(|t| t.enabled(groups))
        .collect()
}

/// Calls the tool `name` as `caller` with `arguments`.
pub async fn call(
    dispatcher: &dispatch::Dispatcher,
    groups: &EnabledGroups,
    caller: &Caller,
    name: &str,
    arguments: JsonObject,
) -> ToolOutcome {
    let Some(tool) = table::tools().into_iter().find(|t| t.name == name) else {
        return ToolOutcome::refused(404, format!("no tool named `{name}`"));
    };
    if !tool.enabled(groups) {
        let why = if groups.contains(tool.group) {
            "it needs the `risk` group, which is not enabled on this server".to_string()
        } else {
            format!(
                "its group `{}` is not enabled on this server",
                tool.group.name()
            )
        };
        return ToolOutcome::refused(403, format!("the tool `{name}` is unavailable: {why}"));
    }
    if let Err(message) = (tool.check)(tool.name, &arguments) {
        return ToolOutcome::refused(400, message);
    }
    match tool.behavior {
        Behavior::Rest {
            path_args,
            query_args,
        } => {
            dispatcher
                .rest_tool(caller, &tool, path_args, query_args, arguments)
                .await
        }
        Behavior::HealthSummary => health::summary(dispatcher, caller, &arguments).await,
        Behavior::CatalogRequest => {
            catalog::request(dispatcher, caller, groups.risk(), arguments).await
        }
        Behavior::StreamRead => stream::read(dispatcher, caller, arguments).await,
        Behavior::ChatThread => chat::get_thread(dispatcher, caller, &arguments).await,
    }
}
