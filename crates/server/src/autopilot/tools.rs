//! The Autopilot's tools (docs/contract.md §13, docs/agents.md "Autopilot"): the platform
//! tools of the `core` and `analytics` groups the server enables, dispatched as the caller
//! (`crate::platform_tools`), and four of its own — `create_workflow`, `scaffold_starter`,
//! `run_workflow`, `navigate`.
//!
//! Why a focused subset of the platform tools: the Autopilot is the console's copilot for
//! workflows, runs and tasks. The whole default list (31 tools, about 12.6 KB of names,
//! descriptions and schemas per round) would fit a model; the other groups (vault, PATs,
//! inbound webhooks, LLM keys, the MCP catalog, live streams, chat) are left out because
//! they are administration a chat should not do on a whim — the console has pages for
//! them — and fewer tools means fewer wrong picks.
//!
//! `workflows_publish_version` is withheld: what Autopilot drafts, the user publishes.
//!
//! In `ask` mode only read-only tools (readOnlyHint) and `navigate` are offered, and a
//! write tool the model names anyway is refused before anything is sent.

use ar_connect::llm::ToolSpec as LlmTool;
use serde_json::{Value, json};

use crate::platform_tools::{self, EnabledGroups, ToolGroup, ToolSpec};

/// `ask` or `autopilot` (the request's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ask,
    Autopilot,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "ask" => Some(Mode::Ask),
            "autopilot" => Some(Mode::Autopilot),
            _ => None,
        }
    }
}

pub const CREATE_WORKFLOW: &str = "create_workflow";
pub const SCAFFOLD_STARTER: &str = "scaffold_starter";
pub const RUN_WORKFLOW: &str = "run_workflow";
pub const NAVIGATE: &str = "navigate";

/// The groups whose platform tools the Autopilot offers (see the module docs).
const GROUPS: [ToolGroup; 2] = [ToolGroup::Core, ToolGroup::Analytics];

/// Platform tools never offered: the user reviews and publishes what Autopilot drafts.
const WITHHELD: [&str; 1] = ["workflows_publish_version"];

/// The Autopilot's groups among those the server enables (never `risk`).
pub fn groups(server: &EnabledGroups) -> EnabledGroups {
    EnabledGroups::new(GROUPS.into_iter().filter(|g| server.contains(*g)))
}

/// The platform tools offered in `mode`.
pub fn platform(mode: Mode, server: &EnabledGroups) -> Vec<ToolSpec> {
    platform_tools::offered(&groups(server))
        .into_iter()
        .filter(|t| !t.risk && !WITHHELD.contains(&t.name))
        .filter(|t| mode == Mode::Autopilot || t.hints.read_only)
        .collect()
}

/// Whether the Autopilot's own tool `name` only reads.
fn own_read_only(name: &str) -> Option<bool> {
    match name {
        NAVIGATE => Some(true),
        CREATE_WORKFLOW | SCAFFOLD_STARTER | RUN_WORKFLOW => Some(false),
        _ => None,
    }
}

/// What a tool name is, for the dispatcher.
#[derive(Debug, Clone)]
pub enum Named {
    Own(&'static str),
    Platform(ToolSpec),
    /// A tool that changes something, named in ask mode.
    WriteInAskMode,
    /// A tool that exists but is not offered (a disabled or non-Autopilot group).
    NotOffered,
    Unknown,
}

/// Classifies the tool the model named.
pub fn named(name: &str, mode: Mode, server: &EnabledGroups) -> Named {
    if let Some(read_only) = own_read_only(name) {
        if mode == Mode::Ask && !read_only {
            return Named::WriteInAskMode;
        }
        let own = [CREATE_WORKFLOW, SCAFFOLD_STARTER, RUN_WORKFLOW, NAVIGATE]
            .into_iter()
            .find(|n| *n == name)
            .unwrap_or(NAVIGATE);
        return Named::Own(own);
    }
    let Some(spec) = platform_tools::table::tools()
        .into_iter()
        .find(|t| t.name == name)
    else {
        return Named::Unknown;
    };
    if mode == Mode::Ask && !spec.hints.read_only {
        return Named::WriteInAskMode;
    }
    match platform(mode, server).into_iter().find(|t| t.name == name) {
        Some(spec) => Named::Platform(spec),
        None => Named::NotOffered,
    }
}

/// The tool list sent to the model in `mode`.
pub fn for_model(mode: Mode, server: &EnabledGroups) -> Vec<LlmTool> {
    let mut out: Vec<LlmTool> = Vec::new();
    if mode == Mode::Autopilot {
        out.push(own(
            CREATE_WORKFLOW,
            "Create a DRAFT workflow from a plain-language description: a graph is written, \
             dry-run validated and repaired, then saved (never published).",
            json!({"type": "object", "required": ["description"], "properties": {
                "description": {"type": "string", "description": "what the workflow should do"},
                "name": {"type": "string", "description": "the workflow's name (optional)"}}}),
        ));
        out.push(own(
            SCAFFOLD_STARTER,
            "Create a DRAFT workflow from a built-in starter (GET /v1/starters lists them: \
             expense-report-review, triage-support-tickets, …).",
            json!({"type": "object", "required": ["template"], "properties": {
                "template": {"type": "string", "description": "the starter's id"}}}),
        ));
        out.push(own(
            RUN_WORKFLOW,
            "Start a run of a published workflow with run input params.",
            json!({"type": "object", "required": ["workflow_id"], "properties": {
                "workflow_id": {"type": "string"},
                "params": {"type": "object", "description": "the run input"}}}),
        ));
    }
    out.push(own(
        NAVIGATE,
        "Open a page of the console for the user: a path such as /workflow/<id>, \
         /workflow/<id>/runs/<run_id> or /command-center.",
        json!({"type": "object", "required": ["to"], "properties": {
            "to": {"type": "string", "description": "a console path starting with /"}}}),
    ));
    for spec in platform(mode, server) {
        out.push(LlmTool {
            name: spec.name.to_string(),
            description: Some(spec.description.to_string()),
            input_schema: Value::Object((spec.input_schema)()),
        });
    }
    out
}

fn own(name: &str, description: &str, schema: Value) -> LlmTool {
    LlmTool {
        name: name.to_string(),
        description: Some(description.to_string()),
        input_schema: schema,
    }
}

/// Checks a `navigate` target: a console path (starts with one `/`, no scheme or host, no
/// backslash or control characters, at most 2 KiB).
pub fn console_path(to: &str) -> Result<String, String> {
    let bad = || {
        Err(format!(
            "`to` must be a console path such as /workflow/wf_1 (starting with one /, no \
             scheme or host), not {to:?}"
        ))
    };
    if to.len() > 2048
        || !to.starts_with('/')
        || to.starts_with("//")
        || to.contains('\\')
        || to.contains("://")
        || to.chars().any(char::is_control)
    {
        return bad();
    }
    Ok(to.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_mode_offers_no_write_tool() {
        let server = EnabledGroups::default_set();
        let ask = for_model(Mode::Ask, &server);
        let names: Vec<&str> = ask.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&NAVIGATE) && names.contains(&"workflows_list"));
        for write in [
            CREATE_WORKFLOW,
            RUN_WORKFLOW,
            SCAFFOLD_STARTER,
            "workflows_create",
            "workflows_execute_command",
            "tasks_complete",
        ] {
            assert!(!names.contains(&write), "{write} offered in ask mode");
            assert!(matches!(
                named(write, Mode::Ask, &server),
                Named::WriteInAskMode
            ));
        }
        for spec in platform(Mode::Ask, &server) {
            assert!(spec.hints.read_only, "{}", spec.name);
        }
        let auto = for_model(Mode::Autopilot, &server);
        let names: Vec<&str> = auto.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&CREATE_WORKFLOW) && names.contains(&"workflows_create"));
        // Only core and analytics: no vault, PAT or catalog tools.
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("vault_") || n.starts_with("pat_"))
        );
        assert!(!names.contains(&"catalog_bff_request"));
        assert!(!names.contains(&"workflows_publish_version"), "drafts only");
        assert!(matches!(
            named("vault_list_secrets", Mode::Autopilot, &server),
            Named::NotOffered
        ));
        assert!(matches!(
            named("nope", Mode::Autopilot, &server),
            Named::Unknown
        ));
    }

    /// What the focused subset costs a round's request, against every tool the Platform
    /// MCP offers by default.
    #[test]
    fn the_offered_list_is_a_fraction_of_the_platform_tools() {
        let server = EnabledGroups::default_set();
        let size = |tools: &[LlmTool]| {
            tools
                .iter()
                .map(|t| {
                    t.name.len()
                        + t.description.as_deref().map_or(0, str::len)
                        + t.input_schema.to_string().len()
                })
                .sum::<usize>()
        };
        let all: Vec<LlmTool> = platform_tools::offered(&server)
            .into_iter()
            .map(|spec| LlmTool {
                name: spec.name.to_string(),
                description: Some(spec.description.to_string()),
                input_schema: Value::Object((spec.input_schema)()),
            })
            .collect();
        let autopilot = for_model(Mode::Autopilot, &server);
        let ask = for_model(Mode::Ask, &server);
        eprintln!(
            "tools: platform {} ({} bytes), autopilot {} ({} bytes), ask {} ({} bytes)",
            all.len(),
            size(&all),
            autopilot.len(),
            size(&autopilot),
            ask.len(),
            size(&ask)
        );
        // Measured: platform 31 tools (12.6 KB), autopilot 24 with its own four (10.1 KB),
        // ask 17 (7.2 KB).
        assert!(size(&autopilot) < size(&all));
        assert!(size(&ask) < size(&autopilot));
    }

    #[test]
    fn a_disabled_group_is_not_offered() {
        let server = EnabledGroups::new([ToolGroup::Analytics]);
        let names: Vec<String> = for_model(Mode::Autopilot, &server)
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert!(!names.iter().any(|n| n == "workflows_list"));
        assert!(names.iter().any(|n| n.starts_with("analytics_")));
    }

    #[test]
    fn navigate_takes_console_paths_only() {
        assert_eq!(
            console_path("/workflow/wf_1").as_deref(),
            Ok("/workflow/wf_1")
        );
        assert!(console_path("/command-center?x=1").is_ok());
        for bad in [
            "https://evil.test/x",
            "//evil.test/x",
            "workflow/1",
            "/\\evil.test",
            "javascript:alert(1)",
            "/a\nb",
            "",
        ] {
            assert!(console_path(bad).is_err(), "{bad:?}");
        }
    }
}
