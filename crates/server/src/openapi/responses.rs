//! The success answer of every route in the OpenAPI document: its status and the schema
//! of its body, derived with `utoipa` from the type the handler serializes
//! (docs/server.md "Typed responses"). Routes whose handlers still answer untyped JSON are
//! listed in [`UNTYPED_RESPONSES`]; the list only shrinks.

use axum::http::StatusCode;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use crate::agents::definition as agent_definition;
use crate::analytics::answers;
use crate::automation::view as hooks;
use crate::billing::view as billing_view;
use crate::chat::view as chat_view;
use crate::connections::view as conn_view;
use crate::mcp::view as mcp_view;
use crate::routes::{
    RouteSpec, commands, identity, invites, llm_keys, mcp_versions, members, pats, runs,
    secret_grants, starters, stream, tasks, triggers, vault, webhooks, workflows, workspaces,
};
use crate::runs::view as run_view;
use crate::views;

/// What a route answers when it succeeds.
pub enum Answer {
    /// A JSON body: the named schema (a `components/schemas` entry) and the schemas it
    /// refers to.
    Json {
        /// The first is the usual one.
        statuses: &'static [StatusCode],
        name: String,
        components: Vec<(String, RefOr<Schema>)>,
    },
    /// 204 without a body.
    NoContent,
    /// A `text/event-stream` of server-sent events.
    EventStream,
    /// A WebSocket upgrade (101); `also_sse`: without the upgrade headers the route
    /// answers a `text/event-stream` instead.
    WebSocket { also_sse: bool },
}

/// The answer `T` serializes to, with one of `statuses`.
fn json<T: ToSchema>(statuses: &'static [StatusCode]) -> Answer {
    let mut components = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut components);
    Answer::Json {
        statuses,
        name: T::name().into_owned(),
        components,
    }
}

fn ok<T: ToSchema>() -> Answer {
    json::<T>(&[StatusCode::OK])
}

fn created<T: ToSchema>() -> Answer {
    json::<T>(&[StatusCode::CREATED])
}

/// The route's success answer; `None` for the routes of [`UNTYPED_RESPONSES`].
pub fn response_body(spec: &RouteSpec) -> Option<Answer> {
    let answer = match (spec.method.as_str(), spec.path) {
        ("GET", "/v1/connections") => ok::<conn_view::ConnectionList>(),
        ("POST", "/v1/connections") => created::<conn_view::Connection>(),
        ("GET" | "PATCH", "/v1/connections/{id}") => ok::<conn_view::Connection>(),
        ("GET", "/v1/connections/{id}/credentials") => ok::<conn_view::CredentialsMetadata>(),
        ("POST", "/v1/connections/oauth/start") => ok::<conn_view::OAuthStarted>(),
        ("GET", "/v1/inbound-webhooks") => ok::<hooks::WebhookList>(),
        ("POST", "/v1/inbound-webhooks") => created::<hooks::CreatedWebhook>(),
        ("GET", "/v1/inbound-webhooks/{id}") => ok::<hooks::WebhookDetail>(),
        ("PATCH", "/v1/inbound-webhooks/{id}") => ok::<hooks::Webhook>(),
        // A repeated Idempotency-Key answers 200 with the run the first delivery started.
        ("POST", webhooks::INGRESS_PATH) => {
            json::<hooks::Delivered>(&[StatusCode::ACCEPTED, StatusCode::OK])
        }
        ("GET", "/v1/workflows/{id}/triggers") => ok::<triggers::TriggerList>(),
        ("POST", "/v1/workflows/{id}/triggers") => created::<triggers::Trigger>(),
        ("GET" | "PATCH", "/v1/workflows/{id}/triggers/{trigger_id}") => ok::<triggers::Trigger>(),
        ("GET", "/v1/vault/secrets") => ok::<vault::SecretList>(),
        // 201 created, 200 replaced.
        ("PUT", "/v1/vault/secrets/{name}") => {
            json::<vault::Secret>(&[StatusCode::CREATED, StatusCode::OK])
        }
        ("GET", "/v1/vault/secrets/{name}/grants" | "/v1/projects/{id}/vault-grants") => {
            ok::<secret_grants::SecretGrantList>()
        }
        // 201 granted, 200 already granted.
        ("PUT", "/v1/vault/secrets/{name}/grants/{project_id}") => {
            json::<secret_grants::SecretGrant>(&[StatusCode::CREATED, StatusCode::OK])
        }
        ("GET", "/v1/llm-provider-keys") => ok::<llm_keys::LlmKeyList>(),
        ("POST", "/v1/llm-provider-keys") => created::<llm_keys::LlmKey>(),
        ("GET", "/v1/llm-provider-keys/catalog") => ok::<llm_keys::LlmCatalog>(),
        ("POST", "/v1/llm/resolve") => ok::<llm_keys::Resolved>(),
        ("GET", "/v1/members") => ok::<members::MemberList>(),
        ("PATCH", "/v1/members/{user_id}") => ok::<views::Member>(),
        ("GET", "/v1/projects/{id}/members") => ok::<members::ProjectMemberList>(),
        ("POST", "/v1/projects/{id}/members") => created::<views::ProjectMember>(),
        ("PATCH", "/v1/projects/{id}/members/{user_id}") => ok::<members::ProjectRoleSet>(),
        ("GET", "/v1/workspaces") => ok::<workspaces::WorkspaceList>(),
        ("POST", "/v1/workspaces") => created::<workspaces::CreatedWorkspace>(),
        ("GET" | "PATCH", "/v1/workspaces/{slug}") => ok::<views::Workspace>(),
        ("GET", "/v1/projects") => ok::<workspaces::ProjectList>(),
        ("POST", "/v1/projects") => created::<views::Project>(),
        ("PATCH", "/v1/projects/{id}") => ok::<views::Project>(),
        ("POST", "/v1/invites") => created::<invites::CreatedInvite>(),
        ("POST", "/v1/invites/{token}/accept") => ok::<invites::InviteAccepted>(),
        ("GET", "/v1/mcp/servers") => ok::<mcp_view::McpServerList>(),
        ("POST", "/v1/mcp/servers") => created::<mcp_view::McpServer>(),
        ("GET", "/v1/mcp/servers/{id}") => ok::<mcp_view::McpServer>(),
        ("GET", "/v1/mcp/servers/{id}/versions") => ok::<mcp_versions::ServerVersionList>(),
        ("GET", "/v1/mcp/instances") => ok::<mcp_view::McpInstanceList>(),
        ("POST", "/v1/mcp/instances") => created::<mcp_view::McpInstance>(),
        ("GET", "/v1/mcp/instances/{id}") => ok::<mcp_view::McpInstanceDetail>(),
        ("PATCH", "/v1/mcp/instances/{id}") => ok::<mcp_view::McpInstance>(),
        ("GET", "/v1/mcp/instances/{id}/config-profiles") => ok::<mcp_view::ConfigProfileList>(),
        ("POST", "/v1/mcp/instances/{id}/config-profiles") => created::<mcp_view::ConfigProfile>(),
        ("PATCH", "/v1/mcp/instances/{id}/config-profiles/{profile_id}") => {
            ok::<mcp_view::ConfigProfile>()
        }
        ("POST", "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active") => {
            ok::<mcp_view::ConfigProfile>()
        }
        ("POST", "/v1/mcp/servers/discover") => ok::<mcp_view::Discovered>(),
        ("POST", "/v1/mcp/servers/{id}/discover") => ok::<mcp_view::Rediscovered>(),
        // Each metric answers its own variant of `AnalyticsAnswer` (analytics/metrics.rs).
        ("GET", "/v1/analytics/live-runs" | "/v1/analytics/runs-count") => {
            ok::<answers::AnalyticsCount>()
        }
        ("GET", "/v1/analytics/success-rate") => ok::<answers::SuccessRate>(),
        ("GET", "/v1/analytics/execution-duration") => ok::<answers::ExecutionDuration>(),
        ("GET", "/v1/analytics/steps-executed") => ok::<answers::StepsExecuted>(),
        ("GET", "/v1/analytics/credits-consumed") => ok::<answers::CreditsConsumed>(),
        ("GET", "/v1/analytics/steps-summary") => ok::<answers::StepsSummary>(),
        ("GET", "/v1/analytics/runs-timeseries") => ok::<answers::RunsSeries>(),
        ("GET", "/v1/analytics/usage-timeseries") => ok::<answers::UsageSeries>(),
        ("GET", "/v1/billing/plans") => ok::<billing_view::BillingPlans>(),
        ("GET", "/v1/billing/action-pricing") => ok::<billing_view::ActionPricing>(),
        ("GET", "/v1/billing/usage-dimensions") => ok::<billing_view::UsageDimensions>(),
        ("GET", "/v1/billing/usage") => ok::<billing_view::BillingBalances>(),
        ("GET", "/v1/billing/summary") => ok::<billing_view::BillingSummary>(),
        ("GET", "/v1/billing/status") => ok::<billing_view::BillingStatus>(),
        ("GET", "/v1/billing/usage-history") => ok::<billing_view::UsageHistory>(),
        ("GET", "/v1/billing/payment-history") => ok::<billing_view::PaymentHistory>(),
        (
            "POST",
            "/v1/billing/trial"
            | "/v1/billing/subscription"
            | "/v1/billing/subscription/cancel"
            | "/v1/billing/subscription/convert-trial-now",
        ) => ok::<billing_view::BillingStatus>(),
        ("POST", "/v1/billing/subscription/change-plan") => ok::<billing_view::PlanChanged>(),
        ("POST", "/v1/billing/credits/grant") => ok::<billing_view::CreditGrant>(),
        ("GET", "/v1/auth/signup") => ok::<identity::SignupPolicyView>(),
        ("POST", "/v1/auth/signup") => created::<identity::SignedIn>(),
        ("POST", "/v1/auth/login") => ok::<identity::SignedIn>(),
        ("GET", "/v1/auth/me") => ok::<identity::Me>(),
        ("GET", "/v1/chat/threads") => ok::<chat_view::ChatThreadsPage>(),
        ("POST", "/v1/chat/threads") => created::<chat_view::ChatThread>(),
        ("GET" | "PATCH", "/v1/chat/threads/{id}") => ok::<chat_view::ChatThread>(),
        ("GET", "/v1/chat/threads/{id}/messages") => ok::<chat_view::ChatMessagesPage>(),
        ("POST", "/v1/chat/threads/{id}/messages") => created::<chat_view::ChatMessage>(),
        ("GET", "/v1/agents") => ok::<agent_definition::AgentList>(),
        ("POST", "/v1/agents") => created::<agent_definition::AgentView>(),
        ("GET" | "PATCH", "/v1/agents/{id}") => ok::<agent_definition::AgentView>(),
        ("GET", "/v1/starters") => ok::<starters::StarterList>(),
        ("GET", "/v1/starters/{id}") => ok::<crate::starters::StarterDetail>(),
        ("GET", "/v1/pats") => ok::<pats::PatList>(),
        ("POST", "/v1/pats") => created::<pats::CreatedPat>(),
        ("GET", "/v1/workflows") => ok::<workflows::WorkflowList>(),
        ("POST", "/v1/workflows") => created::<workflows::CreatedWorkflow>(),
        ("GET" | "PATCH", "/v1/workflows/{id}") => ok::<views::Workflow>(),
        ("DELETE", "/v1/workflows/{id}") => ok::<workflows::ArchivedWorkflow>(),
        ("POST", "/v1/workflows/{id}/versions") => created::<views::Version>(),
        ("GET", "/v1/workflows/{id}/versions") => ok::<workflows::VersionList>(),
        ("GET", "/v1/workflows/{id}/versions/{version}") => ok::<views::Version>(),
        ("POST", "/v1/workflows/{id}/command") => ok::<commands::CommandAnswer>(),
        ("GET", "/v1/runs" | "/v1/workflows/{id}/runs") => ok::<runs::RunPage>(),
        ("GET", "/v1/workflows/{id}/runs/{run_id}") => ok::<run_view::Run>(),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/summary") => ok::<run_view::RunSummary>(),
        ("GET", "/v1/workflows/{id}/runs/{run_id}/events") => ok::<runs::EventPage>(),
        ("POST", "/v1/workflows/{id}/runs/{run_id}/retry") => ok::<runs::Retried>(),
        ("GET", "/v1/tasks/pending" | "/v1/workflows/{id}/runs/{run_id}/tasks/pending") => {
            ok::<tasks::TaskList>()
        }
        ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete") => {
            ok::<tasks::CompletedTask>()
        }
        ("GET", stream::PATH) => Answer::WebSocket { also_sse: false },
        ("GET", "/v1/chat/threads/{id}/stream") => Answer::WebSocket { also_sse: true },
        ("GET", "/v1/autopilot/stream") => Answer::EventStream,
        _ if no_content(spec) => Answer::NoContent,
        _ => return None,
    };
    Some(answer)
}

/// Routes answering 204 without a body.
fn no_content(spec: &RouteSpec) -> bool {
    matches!(
        (spec.method.as_str(), spec.path),
        ("POST", "/v1/auth/logout" | "/v1/auth/password")
            | (
                "DELETE",
                "/v1/members/{user_id}"
                    | "/v1/projects/{id}/members/{user_id}"
                    | "/v1/pats/{id}"
                    | "/v1/inbound-webhooks/{id}"
                    | "/v1/workflows/{id}/triggers/{trigger_id}"
                    | "/v1/connections/{id}"
                    | "/v1/mcp/servers/{id}"
                    | "/v1/mcp/instances/{id}"
                    | "/v1/mcp/instances/{id}/config-profiles/{profile_id}"
                    | "/v1/vault/secrets/{name}"
                    | "/v1/vault/secrets/{name}/grants/{project_id}"
                    | "/v1/llm-provider-keys/{id}"
                    | "/v1/chat/threads/{id}"
                    | "/v1/agents/{id}"
            )
    )
}

/// Routes whose handlers still answer untyped JSON (`Json<Value>`): the document gives
/// them a free-form object. Converting a route removes it from here (a test fails when a
/// listed route has a schema, or an unlisted one has none).
#[rustfmt::skip]
pub const UNTYPED_RESPONSES: &[(&str, &str)] = &[
    ("POST", "/v1/autopilot/chat"),
    ("POST", "/v1/workflows/{id}/validate"),
    ("GET", "/v1/workflows/{id}/runs/{run_id}/context"),
    ("GET", "/v1/connections/oauth/callback"),
    ("GET", "/v1/connections/google/config"),
    ("POST", "/v1/connections/google/oauth-url"),
    ("POST", "/v1/connections/google/complete"),
    ("GET", "/v1/connections/google/accounts/{connectionId}"),
    ("PATCH", "/v1/connections/google/accounts/{connectionId}/services"),
    ("GET", "/v1/connections/whatsapp/config"),
    ("POST", "/v1/connections/whatsapp/manual"),
    ("POST", "/v1/connections/whatsapp/complete"),
    ("GET", "/v1/mcp/platform-catalog"),
    ("GET", "/v1/mcp/tools"),
    ("POST", "/v1/mcp/servers/{id}/versions"),
    ("POST", "/v1/mcp/servers/{id}/validate"),
    ("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate"),
    ("POST", "/v1/mcp/instances/resolve"),
    ("POST", "/v1/mcp/instances/{id}/validate"),
    ("POST", "/v1/billing/topups/payg/intent"),
    ("GET", "/v1/billing/topups/payg/{payment_id}"),
    ("POST", "/v1/billing/codes/apply"),
    ("POST", "/v1/billing/discounts/validate"),
    ("POST", "/v1/billing/webhooks/stripe"),
    ("GET", "/v1/config/stripe"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes;

    fn is_untyped(spec: &RouteSpec) -> bool {
        UNTYPED_RESPONSES
            .iter()
            .any(|(m, p)| *m == spec.method.as_str() && *p == spec.path)
    }

    /// Every route is typed or listed, never both, and the list names real routes.
    #[test]
    fn every_route_has_a_response_schema_or_is_listed_untyped() {
        let specs = routes::specs();
        let mut missing = Vec::new();
        for spec in &specs {
            match (response_body(spec).is_some(), is_untyped(spec)) {
                (true, true) => panic!(
                    "{} {} has a response schema: remove it from UNTYPED_RESPONSES",
                    spec.method, spec.path
                ),
                (false, false) => {
                    missing.push(format!("(\"{}\", \"{}\"),", spec.method, spec.path))
                }
                _ => {}
            }
        }
        assert!(
            missing.is_empty(),
            "routes without a response schema (type them, see docs/server.md):\n{}",
            missing.join("\n")
        );
        for (method, path) in UNTYPED_RESPONSES {
            assert!(
                specs
                    .iter()
                    .any(|s| s.method.as_str() == *method && s.path == *path),
                "UNTYPED_RESPONSES names {method} {path}, which is not a route"
            );
        }
    }
}
