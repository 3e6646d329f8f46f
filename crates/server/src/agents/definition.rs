//! What an agent is (docs/contract.md §13): the request bodies of `/v1/agents`, their
//! checks, the stored definition and the response shape.
//!
//! Every refusal is a 400 that names the field and says what is allowed. A tool server
//! named by `instance_id` must be an instance of the agent's project: another project's
//! or workspace's instance gets the same answer as an id that does not exist.

use ar_store::integrations::AgentRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::mcp::resolve::{ResolveError, resolve_binding};
use crate::state::AppState;
use crate::views::Time;

/// `max_turns` when a new agent gives none.
pub const DEFAULT_MAX_TURNS: u32 = 8;
/// The most tool rounds one turn may take.
pub const MAX_MAX_TURNS: u32 = 50;
/// Longest `instructions`, in characters (the system prompt of every model call).
pub const MAX_INSTRUCTIONS_CHARS: usize = 64 * 1024;
/// Longest `description`, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The most tool servers of one agent, and tools of one server.
pub const MAX_TOOL_SERVERS: usize = 20;
pub const MAX_TOOLS_PER_SERVER: usize = 100;
/// The most workflows offered as tools.
pub const MAX_WORKFLOW_TOOLS: usize = 50;
/// Largest `llm_params`, as compact JSON bytes.
pub const MAX_LLM_PARAMS_BYTES: usize = 16 * 1024;
/// Longest model name / model_ref / tool name / id, in characters.
const MAX_SHORT_TEXT: usize = 200;
/// Largest `token_budget`.
pub const MAX_TOKEN_BUDGET: u64 = 100_000_000;

/// One tool server of an agent, as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentToolSet {
    /// An MCP instance of the agent's project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Or a server URL (resolved like an `mcp_call`'s `server_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// The tools of that server the agent may call (at least one).
    pub tool_names: Vec<String>,
}

/// Everything of an agent but its id, project, name and times (the stored document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AgentDefinition {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub instructions: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub model_ref: Option<String>,
    #[serde(default)]
    pub llm_params: Option<Map<String, Value>>,
    #[serde(default)]
    pub tools: Vec<AgentToolSet>,
    #[serde(default)]
    pub workflows_as_tools: Vec<String>,
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    #[serde(default)]
    pub token_budget: Option<u64>,
}

fn default_max_turns() -> u32 {
    DEFAULT_MAX_TURNS
}

/// `POST /v1/agents`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    #[schema(schema_with = crate::openapi::field::name)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The system prompt of the agent's model calls.
    #[serde(default)]
    pub instructions: Option<String>,
    /// A model of the default provider; or `model_ref`.
    #[serde(default)]
    pub model: Option<String>,
    /// `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`.
    #[serde(default)]
    pub model_ref: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub llm_params: Option<Map<String, Value>>,
    #[serde(default)]
    pub tools: Option<Vec<AgentToolSet>>,
    /// Workflow ids of the project (stored; offered as tools in a later release).
    #[serde(default)]
    pub workflows_as_tools: Option<Vec<String>>,
    /// Tool rounds per turn, 1–50 (default 8).
    #[serde(default)]
    pub max_turns: Option<u32>,
    /// Tokens (in + out) per turn; none: unlimited.
    #[serde(default)]
    pub token_budget: Option<u64>,
}

/// `PATCH /v1/agents/{id}`: the fields given replace the stored ones. Giving `model`
/// clears `model_ref` and the other way round; `null` clears `llm_params` and
/// `token_budget`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentChange {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub model_ref: Option<String>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub llm_params: Option<Option<Map<String, Value>>>,
    #[serde(default)]
    pub tools: Option<Vec<AgentToolSet>>,
    #[serde(default)]
    pub workflows_as_tools: Option<Vec<String>>,
    #[serde(default)]
    pub max_turns: Option<u32>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<u64>)]
    pub token_budget: Option<Option<u64>>,
}

/// `Option<Option<T>>` where an absent field is `None` and `null` is `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

impl NewAgent {
    /// The definition of a new agent, before the project checks.
    pub fn into_definition(self) -> AgentDefinition {
        AgentDefinition {
            description: self.description.unwrap_or_default(),
            instructions: self.instructions.unwrap_or_default(),
            model: self.model,
            model_ref: self.model_ref,
            llm_params: self.llm_params,
            tools: self.tools.unwrap_or_default(),
            workflows_as_tools: self.workflows_as_tools.unwrap_or_default(),
            max_turns: self.max_turns.unwrap_or(DEFAULT_MAX_TURNS),
            token_budget: self.token_budget,
        }
    }
}

impl AgentChange {
    /// `current` with this change applied, before the checks.
    pub fn apply(self, mut current: AgentDefinition) -> AgentDefinition {
        if let Some(d) = self.description {
            current.description = d;
        }
        if let Some(i) = self.instructions {
            current.instructions = i;
        }
        match (self.model, self.model_ref) {
            (None, None) => {}
            (model, model_ref) => {
                current.model = model;
                current.model_ref = model_ref;
            }
        }
        if let Some(p) = self.llm_params {
            current.llm_params = p;
        }
        if let Some(t) = self.tools {
            current.tools = t;
        }
        if let Some(w) = self.workflows_as_tools {
            current.workflows_as_tools = w;
        }
        if let Some(m) = self.max_turns {
            current.max_turns = m;
        }
        if let Some(b) = self.token_budget {
            current.token_budget = b;
        }
        current
    }
}

fn too_long(field: &str, max: usize) -> ApiError {
    ApiError::bad_request(format!(
        "`{field}` is longer than {max} characters; shorten it"
    ))
}

fn short_text(field: &str, text: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!(
            "`{field}` must not be empty"
        )));
    }
    if text.chars().count() > MAX_SHORT_TEXT {
        return Err(too_long(field, MAX_SHORT_TEXT));
    }
    Ok(())
}

/// The checks that need nothing but the definition: sizes, counts, ranges, the model.
pub fn check_shape(def: &AgentDefinition) -> ApiResult<()> {
    if def.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(too_long("description", MAX_DESCRIPTION_CHARS));
    }
    if def.instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
        return Err(too_long("instructions", MAX_INSTRUCTIONS_CHARS));
    }
    if !(1..=MAX_MAX_TURNS).contains(&def.max_turns) {
        return Err(ApiError::bad_request(format!(
            "`max_turns` must be between 1 and {MAX_MAX_TURNS} (default {DEFAULT_MAX_TURNS})"
        )));
    }
    if let Some(budget) = def.token_budget
        && !(1..=MAX_TOKEN_BUDGET).contains(&budget)
    {
        return Err(ApiError::bad_request(format!(
            "`token_budget` must be between 1 and {MAX_TOKEN_BUDGET}, or null for no budget"
        )));
    }
    match (&def.model, &def.model_ref) {
        (Some(model), None) => short_text("model", model)?,
        (None, Some(model_ref)) => {
            short_text("model_ref", model_ref)?;
            ar_connect::llm::ModelRef::parse(model_ref)
                .map_err(|e| ApiError::bad_request(format!("`model_ref`: {e}")))?;
        }
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `model` (a model of the default provider) or `model_ref` \
                 (e.g. direct.openai.gpt-4o-mini)",
            ));
        }
    }
    if let Some(params) = &def.llm_params {
        let size = Value::Object(params.clone()).to_string().len();
        if size > MAX_LLM_PARAMS_BYTES {
            return Err(ApiError::bad_request(format!(
                "`llm_params` is {size} bytes of JSON; at most {MAX_LLM_PARAMS_BYTES} are allowed"
            )));
        }
        if let Some(stream) = params.get("stream")
            && !stream.is_boolean()
        {
            return Err(ApiError::bad_request(
                "`llm_params.stream` must be true or false",
            ));
        }
    }
    if def.tools.len() > MAX_TOOL_SERVERS {
        return Err(ApiError::bad_request(format!(
            "`tools` names {} servers; at most {MAX_TOOL_SERVERS} are allowed",
            def.tools.len()
        )));
    }
    for (i, set) in def.tools.iter().enumerate() {
        let at = format!("tools[{i}]");
        match (&set.instance_id, &set.server_url) {
            (Some(id), None) => short_text(&format!("{at}.instance_id"), id)?,
            (None, Some(url)) => {
                if url.chars().count() > 2048 {
                    return Err(too_long(&format!("{at}.server_url"), 2048));
                }
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "`{at}` needs exactly one of `instance_id` or `server_url`"
                )));
            }
        }
        if set.tool_names.is_empty() || set.tool_names.len() > MAX_TOOLS_PER_SERVER {
            return Err(ApiError::bad_request(format!(
                "`{at}.tool_names` must list 1 to {MAX_TOOLS_PER_SERVER} tools of that server"
            )));
        }
        for name in &set.tool_names {
            short_text(&format!("{at}.tool_names"), name)?;
        }
    }
    if def.workflows_as_tools.len() > MAX_WORKFLOW_TOOLS {
        return Err(ApiError::bad_request(format!(
            "`workflows_as_tools` lists {} workflows; at most {MAX_WORKFLOW_TOOLS} are allowed",
            def.workflows_as_tools.len()
        )));
    }
    for id in &def.workflows_as_tools {
        short_text("workflows_as_tools", id)?;
    }
    Ok(())
}

/// The checks against the project: every tool server resolves in it (an instance of
/// another project or workspace is "not found", like an unknown id) and every workflow
/// is one of its workflows. Nothing is created or called.
pub async fn check_in_project(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    def: &AgentDefinition,
) -> ApiResult<()> {
    for (i, set) in def.tools.iter().enumerate() {
        match resolve_binding(
            state.integrations(),
            &state.settings().mcp_catalog,
            workspace_id,
            project_id,
            set.server_url.as_deref(),
            set.instance_id.as_deref(),
            false,
        )
        .await
        {
            Ok(_) => {}
            Err(ResolveError::Unresolved(reason)) => {
                return Err(ApiError::bad_request(format!("`tools[{i}]`: {reason}")));
            }
            Err(ResolveError::Store(e)) => return Err(e.into()),
        }
    }
    for id in &def.workflows_as_tools {
        let found = state
            .tenants()
            .workflow(workspace_id, id)
            .await?
            .filter(|w| w.project_id == project_id && !w.archived);
        if found.is_none() {
            return Err(ApiError::bad_request(format!(
                "`workflows_as_tools`: workflow {id:?} does not exist in this project"
            )));
        }
    }
    Ok(())
}

/// The stored definition of a record (a document this server wrote).
pub fn definition_of(record: &AgentRecord) -> AgentDefinition {
    serde_json::from_value(record.definition.clone()).unwrap_or_default()
}

/// The API shape of an agent (docs/contract.md §13).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentView {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    /// The system prompt of the agent's model calls.
    pub instructions: String,
    #[schema(required = true)]
    pub model: Option<String>,
    #[schema(required = true)]
    pub model_ref: Option<String>,
    #[schema(value_type = Option<Object>, required = true)]
    pub llm_params: Option<Map<String, Value>>,
    pub tools: Vec<AgentToolSet>,
    pub workflows_as_tools: Vec<String>,
    pub max_turns: u32,
    #[schema(required = true)]
    pub token_budget: Option<u64>,
    pub created_at: Time,
    pub updated_at: Time,
}

pub fn agent_view(record: &AgentRecord) -> AgentView {
    let def = definition_of(record);
    AgentView {
        id: record.id.clone(),
        project_id: record.project_id.clone(),
        name: record.name.clone(),
        description: def.description,
        instructions: def.instructions,
        model: def.model,
        model_ref: def.model_ref,
        llm_params: def.llm_params,
        tools: def.tools,
        workflows_as_tools: def.workflows_as_tools,
        max_turns: def.max_turns,
        token_budget: def.token_budget,
        created_at: Time(record.created_at),
        updated_at: Time(record.updated_at),
    }
}

/// `GET /v1/agents`'s answer, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentList {
    pub agents: Vec<AgentView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> AgentDefinition {
        AgentDefinition {
            model: Some("gpt-4o-mini".into()),
            max_turns: DEFAULT_MAX_TURNS,
            ..AgentDefinition::default()
        }
    }

    fn refused(d: AgentDefinition) -> String {
        check_shape(&d).expect_err("refused").message
    }

    #[test]
    fn a_minimal_agent_passes() {
        check_shape(&def()).expect("ok");
    }

    #[test]
    fn max_turns_is_bounded() {
        assert!(
            refused(AgentDefinition {
                max_turns: 0,
                ..def()
            })
            .contains("between 1 and 50")
        );
        assert!(
            refused(AgentDefinition {
                max_turns: 51,
                ..def()
            })
            .contains("between 1 and 50")
        );
        check_shape(&AgentDefinition {
            max_turns: 50,
            ..def()
        })
        .expect("50 is allowed");
    }

    #[test]
    fn exactly_one_model_is_given() {
        assert!(
            refused(AgentDefinition {
                model: None,
                ..def()
            })
            .contains("exactly one")
        );
        assert!(
            refused(AgentDefinition {
                model_ref: Some("direct.openai.gpt-4o".into()),
                ..def()
            })
            .contains("exactly one")
        );
        assert!(
            refused(AgentDefinition {
                model: None,
                model_ref: Some("nonsense".into()),
                ..def()
            })
            .contains("model_ref")
        );
    }

    #[test]
    fn huge_values_are_refused_with_the_limit() {
        let huge = "x".repeat(MAX_INSTRUCTIONS_CHARS + 1);
        assert!(
            refused(AgentDefinition {
                instructions: huge,
                ..def()
            })
            .contains("65536")
        );
        let sets = vec![
            AgentToolSet {
                instance_id: Some("i".into()),
                server_url: None,
                tool_names: vec!["t".into()],
            };
            MAX_TOOL_SERVERS + 1
        ];
        assert!(
            refused(AgentDefinition {
                tools: sets,
                ..def()
            })
            .contains("at most 20")
        );
    }

    #[test]
    fn a_tool_set_names_one_server_and_some_tools() {
        let both = AgentToolSet {
            instance_id: Some("i".into()),
            server_url: Some("http://x".into()),
            tool_names: vec!["t".into()],
        };
        assert!(
            refused(AgentDefinition {
                tools: vec![both],
                ..def()
            })
            .contains("exactly one")
        );
        let none = AgentToolSet {
            instance_id: Some("i".into()),
            server_url: None,
            tool_names: vec![],
        };
        assert!(
            refused(AgentDefinition {
                tools: vec![none],
                ..def()
            })
            .contains("1 to 100")
        );
    }

    #[test]
    fn a_patch_switches_between_model_and_model_ref() {
        let change = AgentChange {
            model_ref: Some("direct.openai.gpt-4o".into()),
            ..AgentChange::default()
        };
        let after = change.apply(def());
        assert_eq!(after.model, None);
        assert_eq!(after.model_ref.as_deref(), Some("direct.openai.gpt-4o"));
    }
}
