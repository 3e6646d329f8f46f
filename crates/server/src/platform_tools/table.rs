//! The tool table (docs/contract.md §12; listed in docs/platform-mcp.md). The names are
//! fixed by the contract; each row names the REST route the tool is.
//!
//! `vault_get_secret` is absent on purpose: there is no REST route that reveals a secret's
//! value, and a tool never does more than its route.

use axum::http::Method;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::args::{self, *};
use super::{ACT, Behavior, CREATE, DELETE, Hints, READ, ToolGroup, ToolSpec, UPDATE};

/// `{id}` of the workflow routes ← `workflow_id`.
const WF: &[(&str, &str)] = &[("id", "workflow_id")];
/// The query of an analytics period.
const PERIOD: &[&str] = &["window", "from", "to"];
/// The query of an analytics series.
const SERIES: &[&str] = &["window", "from", "to", "granularity"];
/// A run of a workflow.
const RUN: &[(&str, &str)] = &[("id", "workflow_id"), ("run_id", "run_id")];

#[allow(clippy::too_many_arguments)]
fn row<T: JsonSchema + DeserializeOwned>(
    name: &'static str,
    group: ToolGroup,
    method: Method,
    path: &'static str,
    hints: Hints,
    behavior: Behavior,
    output: &'static [(&'static str, &'static str)],
    description: &'static str,
) -> ToolSpec {
    ToolSpec {
        name,
        group,
        risk: false,
        description,
        method,
        path,
        input_schema: args::schema::<T>,
        check: args::checker::<T>(),
        output,
        hints,
        behavior,
    }
}

/// A tool that is exactly one REST route.
#[allow(clippy::too_many_arguments)]
fn rest<T: JsonSchema + DeserializeOwned>(
    name: &'static str,
    group: ToolGroup,
    method: Method,
    path: &'static str,
    path_args: &'static [(&'static str, &'static str)],
    query_args: &'static [&'static str],
    hints: Hints,
    output: &'static [(&'static str, &'static str)],
    description: &'static str,
) -> ToolSpec {
    row::<T>(
        name,
        group,
        method,
        path,
        hints,
        Behavior::Rest {
            path_args,
            query_args,
        },
        output,
        description,
    )
}

/// Marks a tool as revealing or setting secrets (offered only with the `risk` group).
fn risky(mut tool: ToolSpec) -> ToolSpec {
    tool.risk = true;
    tool
}

/// Every tool, in the order of docs/contract.md §12.
#[rustfmt::skip]
pub fn tools() -> Vec<ToolSpec> {
    use Method as M;
    use ToolGroup as G;
    vec![
        // --- core
        row::<InProject>("ar_health_summary", G::Core, M::GET, "/v1/auth/me", READ, Behavior::HealthSummary,
            &[("user", "object"), ("workspace", "object"), ("project", "object"), ("counts", "object")],
            "Who you are (user, token scopes), your workspace and project, and how many workflows, active runs and pending human tasks there are."),
        rest::<WorkflowsList>("workflows_list", G::Core, M::GET, "/v1/workflows", &[], &["include_archived"], READ,
            &[("workflows", "array")],
            "List the workflows of the project (GET /v1/workflows)."),
        rest::<WorkflowRef>("workflows_get", G::Core, M::GET, "/v1/workflows/{id}", WF, &[], READ,
            &[("id", "string"), ("name", "string"), ("status", "string"), ("graph", "")],
            "A workflow with its draft graph (GET /v1/workflows/{id})."),
        rest::<WorkflowsCreate>("workflows_create", G::Core, M::POST, "/v1/workflows", &[], &[], CREATE,
            &[("id", "string"), ("status", "string")],
            "Create a draft workflow from a graph (POST /v1/workflows)."),
        rest::<WorkflowsPatch>("workflows_patch", G::Core, M::PATCH, "/v1/workflows/{id}", WF, &[], UPDATE,
            &[("id", "string")],
            "Change a workflow's draft: name, description, graph or run setup (PATCH /v1/workflows/{id})."),
        rest::<WorkflowsPublish>("workflows_publish_version", G::Core, M::POST, "/v1/workflows/{id}/versions", WF, &[], CREATE,
            &[("version", "integer"), ("workflow_id", "string"), ("published_at", "string"), ("graph_snapshot", "")],
            "Publish the draft as a new version (POST /v1/workflows/{id}/versions)."),
        rest::<WorkflowsValidate>("workflows_validate", G::Core, M::POST, "/v1/workflows/{id}/validate", WF, &[], READ,
            &[("valid", "boolean"), ("issues", "array")],
            "Dry-run validation of the draft (or of a given graph) (POST /v1/workflows/{id}/validate)."),
        rest::<WorkflowsCommand>("workflows_execute_command", G::Core, M::POST, "/v1/workflows/{id}/command", WF, &[], ACT,
            &[],
            "Start a run, or pause, resume or stop one (POST /v1/workflows/{id}/command)."),
        rest::<WorkflowRuns>("workflows_list_runs", G::Core, M::GET, "/v1/workflows/{id}/runs", WF, &["status", "cursor", "limit"], READ,
            &[("runs", "array")],
            "The runs of a workflow, newest first (GET /v1/workflows/{id}/runs)."),
        rest::<RunRef>("runs_get_summary", G::Core, M::GET, "/v1/workflows/{id}/runs/{run_id}/summary", RUN, &[], READ,
            &[("run_id", "string"), ("workflow_id", "string"), ("status", "string"), ("run_complete", "boolean"), ("awaiting_human", "boolean")],
            "A run's status in brief (GET /v1/workflows/{id}/runs/{run_id}/summary)."),
        rest::<TenantRuns>("runs_list_tenant", G::Core, M::GET, "/v1/runs", &[], &["status", "workflow", "since", "cursor", "limit"], READ,
            &[("runs", "array")],
            "Runs across the workspace's projects you can read (GET /v1/runs)."),
        rest::<RunEvents>("runs_list_events", G::Core, M::GET, "/v1/workflows/{id}/runs/{run_id}/events", RUN, &["after_seq", "limit"], READ,
            &[("events", "array"), ("next_after_seq", "integer")],
            "A run's events after a sequence number (GET /v1/workflows/{id}/runs/{run_id}/events)."),
        rest::<RunRef>("runs_get_context", G::Core, M::GET, "/v1/workflows/{id}/runs/{run_id}/context", RUN, &[], READ,
            &[],
            "A run's context: parameters and step results (GET /v1/workflows/{id}/runs/{run_id}/context)."),
        rest::<Inbox>("tasks_list_pending", G::Core, M::GET, "/v1/tasks/pending", &[], &["limit"], READ,
            &[("tasks", "array")],
            "Pending human tasks across the workspace (GET /v1/tasks/pending)."),
        rest::<RunRef>("tasks_list_pending_run", G::Core, M::GET, "/v1/workflows/{id}/runs/{run_id}/tasks/pending", RUN, &[], READ,
            &[("tasks", "array")],
            "Pending human tasks of one run (GET /v1/workflows/{id}/runs/{run_id}/tasks/pending)."),
        rest::<TaskComplete>("tasks_complete", G::Core, M::POST, "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete",
            &[("id", "workflow_id"), ("run_id", "run_id"), ("task_id", "task_id")], &[], ACT,
            &[("status", "string"), ("task_id", "string"), ("approved", "boolean")],
            "Complete (approve or reject) a human task (POST …/tasks/{task_id}/complete)."),
        // --- analytics (docs/analytics.md)
        rest::<InProject>("analytics_live_runs", G::Analytics, M::GET, "/v1/analytics/live-runs", &[], &[], READ,
            &[("count", "integer")],
            "Runs of the project not finished now (GET /v1/analytics/live-runs)."),
        rest::<AnalyticsPeriod>("analytics_success_rate", G::Analytics, M::GET, "/v1/analytics/success-rate", &[], PERIOD, READ,
            &[("completed", "integer"), ("failed", "integer"), ("stopped", "integer"), ("terminal", "integer")],
            "Share of the period's finished runs that completed; rate is null under 3 finished runs (GET /v1/analytics/success-rate)."),
        rest::<AnalyticsPeriod>("analytics_credits_consumed", G::Analytics, M::GET, "/v1/analytics/credits-consumed", &[], PERIOD, READ,
            &[("microcredits", "integer")],
            "Credits the project's metered usage cost in the period, in microcredits (GET /v1/analytics/credits-consumed)."),
        rest::<AnalyticsSeries>("analytics_runs_timeseries", G::Analytics, M::GET, "/v1/analytics/runs-timeseries", &[], SERIES, READ,
            &[("granularity", "string"), ("points", "array")],
            "Runs started, completed, failed and stopped per hour, day or week (GET /v1/analytics/runs-timeseries)."),
        rest::<AnalyticsSeries>("analytics_usage_timeseries", G::Analytics, M::GET, "/v1/analytics/usage-timeseries", &[], SERIES, READ,
            &[("granularity", "string"), ("points", "array")],
            "Steps executed, LLM tokens, MCP calls and credits per hour, day or week (GET /v1/analytics/usage-timeseries)."),
        // --- catalog
        row::<CatalogRequest>("catalog_bff_request", G::Catalog, M::GET, "/v1/mcp/servers", ACT, Behavior::CatalogRequest,
            &[],
            "Any /v1/mcp/* request (servers, instances, config profiles, tools, the platform catalog) as the REST API answers it."),
        // --- websocket
        row::<StreamRead>("workflows_stream_websocket", G::Websocket, M::GET, crate::routes::stream::PATH, READ, Behavior::StreamRead,
            &[("frames", "array"), ("ended", "string")],
            "Listen to a workflow's (or one run's) live event stream for a bounded time and return the events."),
        // --- chat (docs/agents.md "Chat")
        rest::<ChatThreads>("chat_list_threads", G::Chat, M::GET, "/v1/chat/threads", &[], &["kind", "limit", "cursor"], READ,
            &[("threads", "array")],
            "The project's chat channels and your own dm and autopilot threads, latest activity first (GET /v1/chat/threads)."),
        row::<ChatThreadRef>("chat_get_thread", G::Chat, M::GET, "/v1/chat/threads/{id}", READ, Behavior::ChatThread,
            &[("thread", "object"), ("messages", "array")],
            "A chat thread with its latest messages, oldest first (GET /v1/chat/threads/{id} and …/messages)."),
        rest::<ChatSend>("chat_send_message", G::Chat, M::POST, "/v1/chat/threads/{id}/messages", &[("id", "thread_id")], &[], ACT,
            &[("id", "string"), ("seq", "integer"), ("text", "string")],
            "Post a message in a chat thread; the thread's agents answer it (POST /v1/chat/threads/{id}/messages)."),
        // --- vault
        rest::<Nothing>("vault_list_secrets", G::Vault, M::GET, "/v1/vault/secrets", &[], &[], READ,
            &[("secrets", "array")],
            "The workspace's secrets, names only (GET /v1/vault/secrets)."),
        rest::<SecretRef>("vault_delete_secret", G::Vault, M::DELETE, "/v1/vault/secrets/{name}", &[("name", "name")], &[], DELETE,
            &[],
            "Delete a workspace secret (DELETE /v1/vault/secrets/{name})."),
        risky(rest::<SecretPut>("vault_put_secret", G::Vault, M::PUT, "/v1/vault/secrets/{name}", &[("name", "name")], &[], UPDATE,
            &[],
            "Set a workspace secret (PUT /v1/vault/secrets/{name}). Needs the risk group.")),
        // --- pat
        rest::<Nothing>("pat_list", G::Pat, M::GET, "/v1/pats", &[], &[], READ,
            &[("pats", "array")],
            "Your personal access tokens, never their text (GET /v1/pats)."),
        rest::<IdRef>("pat_delete", G::Pat, M::DELETE, "/v1/pats/{id}", &[("id", "id")], &[], DELETE,
            &[],
            "Revoke a personal access token (DELETE /v1/pats/{id})."),
        risky(rest::<PatCreate>("pat_create", G::Pat, M::POST, "/v1/pats", &[], &[], CREATE,
            &[("id", "string"), ("token", "string")],
            "Create a personal access token; the answer carries its text, once (POST /v1/pats). Needs the risk group.")),
        // --- inbound
        rest::<InProject>("inbound_list", G::Inbound, M::GET, "/v1/inbound-webhooks", &[], &[], READ,
            &[("inbound_webhooks", "array")],
            "The project's inbound webhook subscriptions (GET /v1/inbound-webhooks)."),
        rest::<IdRef>("inbound_delete", G::Inbound, M::DELETE, "/v1/inbound-webhooks/{id}", &[("id", "id")], &[], DELETE,
            &[],
            "Delete an inbound webhook subscription (DELETE /v1/inbound-webhooks/{id})."),
        risky(rest::<InboundCreate>("inbound_create", G::Inbound, M::POST, "/v1/inbound-webhooks", &[], &[], CREATE,
            &[("id", "string")],
            "Create an inbound webhook subscription; the answer carries its signing secret, once (POST /v1/inbound-webhooks). Needs the risk group.")),
        // --- llm_keys
        rest::<Nothing>("llm_keys_list", G::LlmKeys, M::GET, "/v1/llm-provider-keys", &[], &[], READ,
            &[("llm_provider_keys", "array")],
            "The workspace's LLM provider keys, never their values (GET /v1/llm-provider-keys)."),
        rest::<IdRef>("llm_keys_delete", G::LlmKeys, M::DELETE, "/v1/llm-provider-keys/{id}", &[("id", "id")], &[], DELETE,
            &[],
            "Delete a workspace LLM provider key (DELETE /v1/llm-provider-keys/{id})."),
        risky(rest::<LlmKeyPut>("llm_keys_put", G::LlmKeys, M::POST, "/v1/llm-provider-keys", &[], &[], CREATE,
            &[("id", "string")],
            "Store a workspace LLM provider key (POST /v1/llm-provider-keys). Needs the risk group.")),
    ]
}
