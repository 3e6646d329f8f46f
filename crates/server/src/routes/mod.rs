//! The route table: every `/v1` route with its method, path and the permission-table
//! [`Action`] it performs. The router is built from this table, and the gate reads the
//! action the table attached, so a route cannot exist without a row (tests generate the
//! permission matrix from [`specs`]).
//!
//! Extension point: runs, commands, tasks, streams, webhooks and triggers are added here
//! (with their actions from `ar_model::authz`) once the engine API is final.

pub mod agents;
pub mod analytics;
pub mod autopilot;
pub mod billing;
pub mod billing_payments;
pub mod chat;
pub mod commands;
pub mod connections;
pub mod google_connections;
pub mod health;
pub mod identity;
pub mod invites;
pub mod llm_keys;
pub mod mcp;
pub mod mcp_instances;
pub mod mcp_versions;
pub mod members;
pub mod pats;
pub mod runs;
pub mod secret_grants;
pub mod starters;
pub mod stream;
pub mod tasks;
pub mod triggers;
pub mod vault;
pub mod webhooks;
pub mod whatsapp_connections;
pub mod workflows;
pub mod workspaces;

use ar_model::authz::Action;
use axum::Extension;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::auth::gate::RouteAction;
use crate::state::AppState;

/// One row of the route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    /// axum path syntax (`/v1/workflows/{id}`).
    pub path: &'static str,
    /// The action the gate decides; `None` only for identity routes (sign-up, sign-in,
    /// sign-out, `me`, password change, invite acceptance), which establish who the caller is,
    /// the inbound webhook ingress, which authenticates against its subscription, and the
    /// OAuth callback, which its single-use `state` authenticates.
    pub action: Option<Action>,
}

/// A table row with its handler.
pub struct Route {
    pub spec: RouteSpec,
    pub handler: MethodRouter<AppState>,
}

fn filter(method: &Method) -> MethodFilter {
    match *method {
        Method::GET => MethodFilter::GET,
        Method::POST => MethodFilter::POST,
        Method::PATCH => MethodFilter::PATCH,
        Method::PUT => MethodFilter::PUT,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

/// A route decided by the permission table.
fn gated<H, T>(method: Method, path: &'static str, action: Action, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let handler = on(filter(&method), handler).layer(Extension(RouteAction(action)));
    Route {
        spec: RouteSpec {
            method,
            path,
            action: Some(action),
        },
        handler,
    }
}

/// An identity route (no workspace action).
fn identity<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Route {
        spec: RouteSpec {
            method: method.clone(),
            path,
            action: None,
        },
        handler: on(filter(&method), handler),
    }
}

/// Every `/v1` route.
#[rustfmt::skip]
pub fn table() -> Vec<Route> {
    use Method as M;
    vec![
        identity(M::GET, "/v1/auth/signup", identity::signup_policy),
        identity(M::POST, "/v1/auth/signup", identity::signup),
        identity(M::POST, "/v1/auth/login", identity::login),
        identity(M::POST, "/v1/auth/logout", identity::logout),
        identity(M::GET, "/v1/auth/me", identity::me),
        identity(M::POST, "/v1/auth/password", identity::change_password),
        identity(M::POST, "/v1/invites/{token}/accept", invites::accept),
        gated(M::GET, "/v1/workspaces", Action::WorkspacesList, workspaces::list),
        gated(M::POST, "/v1/workspaces", Action::WorkspaceCreate, workspaces::create),
        gated(M::GET, "/v1/workspaces/{slug}", Action::WorkspaceRead, workspaces::get),
        gated(M::PATCH, "/v1/workspaces/{slug}", Action::WorkspaceUpdate, workspaces::update),
        gated(M::GET, "/v1/projects", Action::ProjectsList, workspaces::list_projects),
        gated(M::POST, "/v1/projects", Action::ProjectCreate, workspaces::create_project),
        gated(M::PATCH, "/v1/projects/{id}", Action::ProjectUpdate, workspaces::update_project),
        gated(M::GET, "/v1/projects/{id}/members", Action::ProjectMembersRead, members::list_project),
        gated(M::POST, "/v1/projects/{id}/members", Action::ProjectMembersManage, members::add_project),
        gated(M::PATCH, "/v1/projects/{id}/members/{user_id}", Action::ProjectMembersManage, members::update_project),
        gated(M::DELETE, "/v1/projects/{id}/members/{user_id}", Action::ProjectMembersManage, members::remove_project),
        gated(M::GET, "/v1/members", Action::MembersList, members::list),
        gated(M::PATCH, "/v1/members/{user_id}", Action::MembersManage, members::update),
        gated(M::DELETE, "/v1/members/{user_id}", Action::MembersManage, members::deactivate),
        gated(M::POST, "/v1/invites", Action::InvitesManage, invites::create),
        gated(M::GET, "/v1/pats", Action::PatsManage, pats::list),
        gated(M::POST, "/v1/pats", Action::PatsManage, pats::create),
        gated(M::DELETE, "/v1/pats/{id}", Action::PatsManage, pats::revoke),
        gated(M::GET, "/v1/workflows", Action::WorkflowRead, workflows::list),
        gated(M::POST, "/v1/workflows", Action::WorkflowWrite, workflows::create),
        gated(M::GET, "/v1/workflows/{id}", Action::WorkflowRead, workflows::get),
        gated(M::PATCH, "/v1/workflows/{id}", Action::WorkflowWrite, workflows::patch),
        gated(M::DELETE, "/v1/workflows/{id}", Action::WorkflowWrite, workflows::archive),
        gated(M::POST, "/v1/workflows/{id}/versions", Action::WorkflowPublish, workflows::publish),
        gated(M::GET, "/v1/workflows/{id}/versions", Action::WorkflowRead, workflows::list_versions),
        gated(M::GET, "/v1/workflows/{id}/versions/{version}", Action::WorkflowRead, workflows::get_version),
        gated(M::GET, "/v1/starters", Action::WorkflowRead, starters::list),
        gated(M::GET, "/v1/agents", Action::AgentsRead, agents::list),
        gated(M::POST, "/v1/agents", Action::AgentsManage, agents::create),
        gated(M::GET, "/v1/agents/{id}", Action::AgentsRead, agents::get),
        gated(M::PATCH, "/v1/agents/{id}", Action::AgentsManage, agents::patch),
        gated(M::DELETE, "/v1/agents/{id}", Action::AgentsManage, agents::delete),
        gated(M::GET, "/v1/starters/{id}", Action::WorkflowRead, starters::get),
        gated(M::GET, "/v1/chat/threads", Action::ChatRead, chat::list),
        gated(M::POST, "/v1/chat/threads", Action::ChatRead, chat::create),
        gated(M::GET, "/v1/chat/threads/{id}", Action::ChatRead, chat::get),
        gated(M::PATCH, "/v1/chat/threads/{id}", Action::ChatRead, chat::patch),
        gated(M::DELETE, "/v1/chat/threads/{id}", Action::ChatRead, chat::delete),
        gated(M::GET, "/v1/chat/threads/{id}/messages", Action::ChatRead, chat::messages),
        gated(M::POST, "/v1/chat/threads/{id}/messages", Action::ChatRead, chat::post_message),
        stream::with_tenant_query(gated(M::GET, "/v1/chat/threads/{id}/stream", Action::ChatRead, chat::stream)),
        // docs/contract.md §13: viewers and above; each action is then the caller's own.
        gated(M::POST, "/v1/autopilot/chat", Action::ChatRead, autopilot::chat),
        stream::with_tenant_query(gated(M::GET, "/v1/autopilot/stream", Action::ChatRead, autopilot::stream)),
        gated(M::POST, "/v1/workflows/{id}/validate", Action::WorkflowValidate, workflows::validate_route),
        gated(M::POST, "/v1/workflows/{id}/command", Action::RunStart, commands::command),
        gated(M::GET, "/v1/workflows/{id}/runs", Action::RunRead, runs::list_for_workflow),
        gated(M::GET, "/v1/runs", Action::RunsListTenant, runs::list_tenant),
        gated(M::GET, "/v1/workflows/{id}/runs/{run_id}", Action::RunRead, runs::get),
        gated(M::GET, "/v1/workflows/{id}/runs/{run_id}/summary", Action::RunRead, runs::summary),
        gated(M::GET, "/v1/workflows/{id}/runs/{run_id}/events", Action::RunRead, runs::events),
        gated(M::GET, "/v1/workflows/{id}/runs/{run_id}/context", Action::RunRead, runs::context),
        gated(M::POST, "/v1/workflows/{id}/runs/{run_id}/retry", Action::RunControl, runs::retry),
        gated(M::GET, "/v1/tasks/pending", Action::TasksListTenant, tasks::inbox),
        gated(M::GET, "/v1/workflows/{id}/runs/{run_id}/tasks/pending", Action::TaskRead, tasks::pending_of_run),
        gated(M::POST, "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete", Action::TaskComplete, tasks::complete),
        stream::with_tenant_query(gated(M::GET, stream::PATH, Action::RunRead, stream::stream)),
        gated(M::GET, "/v1/inbound-webhooks", Action::WebhooksRead, webhooks::list),
        gated(M::POST, "/v1/inbound-webhooks", Action::WebhooksManage, webhooks::create),
        gated(M::GET, "/v1/inbound-webhooks/{id}", Action::WebhooksRead, webhooks::get),
        gated(M::PATCH, "/v1/inbound-webhooks/{id}", Action::WebhooksManage, webhooks::patch),
        gated(M::DELETE, "/v1/inbound-webhooks/{id}", Action::WebhooksManage, webhooks::delete),
        // Public: the subscription's signature and automation PAT authenticate it.
        identity(M::POST, "/v1/inbound-webhooks/{id}", webhooks::ingress),
        gated(M::GET, "/v1/workflows/{id}/triggers", Action::TriggersRead, triggers::list),
        gated(M::POST, "/v1/workflows/{id}/triggers", Action::TriggersManage, triggers::create),
        gated(M::GET, "/v1/workflows/{id}/triggers/{trigger_id}", Action::TriggersRead, triggers::get),
        gated(M::PATCH, "/v1/workflows/{id}/triggers/{trigger_id}", Action::TriggersManage, triggers::patch),
        gated(M::DELETE, "/v1/workflows/{id}/triggers/{trigger_id}", Action::TriggersManage, triggers::delete),
        gated(M::GET, "/v1/connections", Action::ConnectionsRead, connections::list),
        gated(M::POST, "/v1/connections", Action::ConnectionsManage, connections::create),
        gated(M::GET, "/v1/connections/{id}", Action::ConnectionsRead, connections::get),
        gated(M::PATCH, "/v1/connections/{id}", Action::ConnectionsManage, connections::patch),
        gated(M::DELETE, "/v1/connections/{id}", Action::ConnectionsManage, connections::delete),
        gated(M::GET, "/v1/connections/{id}/credentials", Action::ConnectionsRead, connections::credentials_metadata),
        gated(M::POST, "/v1/connections/oauth/start", Action::ConnectionsManage, connections::oauth_start),
        // The provider's redirect back: the single-use `state` authenticates it.
        identity(M::GET, "/v1/connections/oauth/callback", connections::oauth_callback),
        gated(M::GET, "/v1/connections/google/config", Action::ConnectionsRead, google_connections::config),
        gated(M::POST, "/v1/connections/google/oauth-url", Action::ConnectionsManage, google_connections::oauth_url),
        gated(M::POST, "/v1/connections/google/complete", Action::ConnectionsManage, google_connections::complete),
        gated(M::GET, "/v1/connections/google/accounts/{connectionId}", Action::ConnectionsRead, google_connections::account),
        gated(M::PATCH, "/v1/connections/google/accounts/{connectionId}/services", Action::ConnectionsManage, google_connections::change_services),
        gated(M::GET, "/v1/connections/whatsapp/config", Action::ConnectionsRead, whatsapp_connections::config),
        gated(M::POST, "/v1/connections/whatsapp/manual", Action::ConnectionsManage, whatsapp_connections::manual),
        gated(M::POST, "/v1/connections/whatsapp/complete", Action::ConnectionsManage, whatsapp_connections::complete),
        gated(M::GET, "/v1/mcp/platform-catalog", Action::McpRead, mcp::platform_catalog),
        gated(M::GET, "/v1/mcp/tools", Action::McpRead, mcp::tools),
        gated(M::GET, "/v1/mcp/servers", Action::McpRead, mcp::list_servers),
        gated(M::POST, "/v1/mcp/servers", Action::McpManage, mcp::create_server),
        gated(M::POST, "/v1/mcp/servers/discover", Action::McpManage, mcp::discover),
        gated(M::GET, "/v1/mcp/servers/{id}", Action::McpRead, mcp::get_server),
        gated(M::DELETE, "/v1/mcp/servers/{id}", Action::McpManage, mcp::delete_server),
        gated(M::POST, "/v1/mcp/servers/{id}/discover", Action::McpManage, mcp::discover_server),
        gated(M::GET, "/v1/mcp/servers/{id}/versions", Action::McpRead, mcp_versions::list_versions),
        gated(M::POST, "/v1/mcp/servers/{id}/versions", Action::McpManage, mcp_versions::publish),
        gated(M::POST, "/v1/mcp/servers/{id}/validate", Action::McpExecute, mcp::validate),
        gated(M::POST, "/v1/mcp/servers/{id}/connections/{connection_id}/validate", Action::McpExecute, mcp::validate_connection),
        gated(M::GET, "/v1/mcp/instances", Action::McpRead, mcp_instances::list),
        gated(M::POST, "/v1/mcp/instances", Action::McpManage, mcp_instances::create),
        gated(M::POST, "/v1/mcp/instances/resolve", Action::McpManage, mcp_instances::resolve),
        gated(M::GET, "/v1/mcp/instances/{id}", Action::McpRead, mcp_instances::get),
        gated(M::PATCH, "/v1/mcp/instances/{id}", Action::McpManage, mcp_instances::patch),
        gated(M::DELETE, "/v1/mcp/instances/{id}", Action::McpManage, mcp_instances::delete),
        gated(M::POST, "/v1/mcp/instances/{id}/validate", Action::McpExecute, mcp::validate_instance),
        gated(M::GET, "/v1/mcp/instances/{id}/config-profiles", Action::McpRead, mcp_instances::list_profiles),
        gated(M::POST, "/v1/mcp/instances/{id}/config-profiles", Action::McpManage, mcp_instances::create_profile),
        gated(M::PATCH, "/v1/mcp/instances/{id}/config-profiles/{profile_id}", Action::McpManage, mcp_instances::patch_profile),
        gated(M::DELETE, "/v1/mcp/instances/{id}/config-profiles/{profile_id}", Action::McpManage, mcp_instances::delete_profile),
        gated(M::POST, "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active", Action::McpManage, mcp_instances::set_active),
        gated(M::GET, "/v1/vault/secrets", Action::VaultRead, vault::list),
        gated(M::PUT, "/v1/vault/secrets/{name}", Action::VaultWrite, vault::put),
        gated(M::DELETE, "/v1/vault/secrets/{name}", Action::VaultWrite, vault::delete),
        gated(M::GET, "/v1/vault/secrets/{name}/grants", Action::VaultRead, secret_grants::list),
        gated(M::PUT, "/v1/vault/secrets/{name}/grants/{project_id}", Action::VaultWrite, secret_grants::grant),
        gated(M::DELETE, "/v1/vault/secrets/{name}/grants/{project_id}", Action::VaultWrite, secret_grants::revoke),
        gated(M::GET, "/v1/projects/{id}/vault-grants", Action::McpRead, secret_grants::list_for_project),
        gated(M::GET, "/v1/llm-provider-keys", Action::LlmKeysManage, llm_keys::list),
        gated(M::POST, "/v1/llm-provider-keys", Action::LlmKeysManage, llm_keys::create),
        gated(M::GET, "/v1/llm-provider-keys/catalog", Action::LlmCatalogRead, llm_keys::catalog),
        gated(M::DELETE, "/v1/llm-provider-keys/{id}", Action::LlmKeysManage, llm_keys::delete),
        gated(M::POST, "/v1/llm/resolve", Action::LlmResolve, llm_keys::resolve),
        gated(M::GET, "/v1/billing/usage", Action::BillingRead, billing::usage),
        gated(M::GET, "/v1/billing/plans", Action::BillingRead, billing::plans),
        gated(M::GET, "/v1/billing/action-pricing", Action::BillingRead, billing::action_pricing),
        gated(M::GET, "/v1/billing/usage-history", Action::BillingRead, billing::usage_history),
        gated(M::GET, "/v1/billing/payment-history", Action::BillingRead, billing::payment_history),
        gated(M::GET, "/v1/billing/summary", Action::BillingRead, billing::summary),
        gated(M::GET, "/v1/billing/status", Action::BillingRead, billing::status),
        gated(M::GET, "/v1/billing/usage-dimensions", Action::BillingDimensionsRead, billing::usage_dimensions),
        gated(M::POST, "/v1/billing/trial", Action::BillingManage, billing::start_trial),
        gated(M::POST, "/v1/billing/subscription", Action::BillingManage, billing::subscribe),
        gated(M::POST, "/v1/billing/subscription/change-plan", Action::BillingManage, billing::change_plan),
        gated(M::POST, "/v1/billing/subscription/cancel", Action::BillingManage, billing::cancel),
        gated(M::POST, "/v1/billing/subscription/convert-trial-now", Action::BillingManage, billing::convert_trial),
        gated(M::POST, "/v1/billing/credits/grant", Action::BillingGrant, billing::grant),
        gated(M::POST, "/v1/billing/topups/payg/intent", Action::BillingTopup, billing_payments::topup_intent),
        gated(M::GET, "/v1/billing/topups/payg/{payment_id}", Action::BillingRead, billing_payments::topup),
        gated(M::POST, "/v1/billing/codes/apply", Action::BillingManage, billing_payments::apply_code),
        gated(M::POST, "/v1/billing/discounts/validate", Action::BillingManage, billing_payments::validate_code),
        // Stripe's own calls: the signature is the authentication.
        identity(M::POST, "/v1/billing/webhooks/stripe", billing_payments::stripe_webhook),
        identity(M::GET, "/v1/config/stripe", billing_payments::stripe_config),
        gated(M::GET, "/v1/analytics/live-runs", Action::AnalyticsRead, analytics::live_runs),
        gated(M::GET, "/v1/analytics/success-rate", Action::AnalyticsRead, analytics::success_rate),
        gated(M::GET, "/v1/analytics/execution-duration", Action::AnalyticsRead, analytics::execution_duration),
        gated(M::GET, "/v1/analytics/runs-count", Action::AnalyticsRead, analytics::runs_count),
        gated(M::GET, "/v1/analytics/steps-executed", Action::AnalyticsRead, analytics::steps_executed),
        gated(M::GET, "/v1/analytics/credits-consumed", Action::AnalyticsRead, analytics::credits_consumed),
        gated(M::GET, "/v1/analytics/steps-summary", Action::AnalyticsRead, analytics::steps_summary),
        gated(M::GET, "/v1/analytics/runs-timeseries", Action::AnalyticsRead, analytics::runs_timeseries),
        gated(M::GET, "/v1/analytics/usage-timeseries", Action::AnalyticsRead, analytics::usage_timeseries),
    ]
}

/// The table without handlers (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|r| r.spec).collect()
}
