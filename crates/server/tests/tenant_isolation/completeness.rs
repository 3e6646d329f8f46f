//! Completeness: every place of the OpenAPI document of the route table (path, query and
//! header parameters, top-level body fields) has a row or a stated reason why it carries no
//! object id, every row names a real route, and every object kind has a row.

use ar_server::routes::specs;

use crate::rows::all_rows;
use crate::types::{OBJECT_KINDS, Place};

/// Parameters and body fields that carry no object id: (method, route, place, name, why);
/// `*` matches any method or route.
#[rustfmt::skip]
const NOT_IDS: &[(&str, &str, Place, &str, &str)] = &[
    ("*", "*", Place::Query, "status", "a run status"),
    ("*", "*", Place::Query, "since", "a time"),
    ("*", "*", Place::Query, "from", "a time"),
    ("*", "*", Place::Query, "to", "a time"),
    ("*", "*", Place::Query, "limit", "a page size"),
    ("*", "*", Place::Query, "include_archived", "a flag"),
    ("*", "*", Place::Query, "after_seq", "a sequence number within the run the request names"),
    ("*", "*", Place::Body, "name", "a display name"),
    ("*", "*", Place::Body, "description", "free text"),
    ("*", "*", Place::Body, "graph", "a graph: step ids are names inside it"),
    ("*", "*", Place::Body, "run_setup", "payload defaults and step ids of the workflow's own graph"),
    ("*", "*", Place::Body, "visibility", "public or private"),
    ("*", "*", Place::Body, "role", "a role name"),
    ("*", "*", Place::Body, "active", "a flag"),
    ("*", "*", Place::Body, "admins_full_access_to_private", "a flag"),
    ("*", "*", Place::Body, "scopes", "scope names"),
    ("*", "*", Place::Body, "expires_at", "a time"),
    ("*", "*", Place::Body, "expires_in_days", "a number"),
    ("*", "*", Place::Body, "never_expires", "a flag"),
    ("*", "*", Place::Body, "changelog", "free text"),
    ("*", "*", Place::Body, "force", "a flag"),
    ("*", "*", Place::Body, "extras", "payload defaults"),
    ("*", "*", Place::Body, "enabled", "a flag"),
    ("*", "*", Place::Body, "require_timestamp", "a flag"),
    ("*", "*", Place::Body, "cron", "a schedule"),
    ("*", "*", Place::Body, "timezone", "a zone name"),
    ("*", "*", Place::Body, "trigger_payload", "the run input"),
    ("*", "*", Place::Body, "trigger_steps", "step ids of the workflow's own graph"),
    ("*", "*", Place::Body, "excluded_step_ids", "step ids of the workflow's own graph"),
    ("*", "*", Place::Body, "command", "a verb"),
    ("*", "*", Place::Body, "approved", "a flag"),
    ("*", "*", Place::Body, "result", "the task's result"),
    ("*", "*", Place::Body, "from_step_id", "a step id of the run's own graph"),
    ("*", "*", Place::Body, "password", "a credential"),
    ("*", "*", Place::Body, "current_password", "a credential"),
    ("*", "*", Place::Body, "new_password", "a credential"),
    ("*", "*", Place::Body, "value", "a secret value"),
    ("*", "*", Place::Body, "api_key", "a credential"),
    ("*", "*", Place::Body, "label", "a display name"),
    ("*", "*", Place::Body, "provider", "a provider name this server knows"),
    ("*", "*", Place::Body, "model_ref", "a model reference (provider and model names)"),
    ("*", "*", Place::Body, "model", "a model's wire name"),
    ("*", "/v1/agents", Place::Body, "instructions", "free text (the agent's system prompt)"),
    ("POST", "/v1/autopilot/chat", Place::Body, "message", "free text (the user's message)"),
    ("POST", "/v1/autopilot/chat", Place::Body, "mode", "ask or autopilot"),
    ("*", "/v1/agents/{id}", Place::Body, "instructions", "free text (the agent's system prompt)"),
    ("*", "*", Place::Body, "llm_params", "model parameters passed to the provider"),
    ("*", "*", Place::Body, "max_turns", "a number"),
    ("*", "*", Place::Body, "token_budget", "a number"),
    ("*", "/v1/chat/threads", Place::Query, "kind", "a thread kind"),
    ("*", "*", Place::Body, "title", "a display name"),
    ("*", "*", Place::Body, "kind", "a thread kind"),
    ("*", "*", Place::Body, "text", "a message's free text"),
    ("GET", "/v1/starters/{id}", Place::Path, "id", "a built-in starter's name (examples/, compiled in), the same for every workspace: no tenant's object"),
    ("PUT", "/v1/vault/secrets/{name}", Place::Path, "name", "a name within the caller's own workspace: B writing A's secret's name writes a secret of B's (A's snapshot shows A's unchanged); the delete row covers names"),
    ("*", "*", Place::Body, "display_name", "a display name"),
    ("*", "*", Place::Body, "provider", "a label"),
    ("*", "*", Place::Body, "service", "a label"),
    ("*", "*", Place::Body, "auth_type", "a kind of credentials"),
    ("*", "*", Place::Body, "credentials", "credential values"),
    ("POST", "/v1/connections/oauth/start", Place::Body, "authorization_url", "the provider's endpoint"),
    ("POST", "/v1/connections/oauth/start", Place::Body, "token_url", "the provider's endpoint"),
    ("POST", "/v1/connections/oauth/start", Place::Body, "revocation_url", "the provider's endpoint"),
    ("POST", "/v1/connections/oauth/start", Place::Body, "client_id", "the provider's client id, not ours"),
    ("POST", "/v1/connections/oauth/start", Place::Body, "client_secret", "a credential"),
    ("GET", "/v1/connections/oauth/callback", Place::Query, "state", "a one-time secret, not an id: holding it is the grant (the connection goes to the project that started the authorization)"),
    ("GET", "/v1/connections/oauth/callback", Place::Query, "code", "the provider's authorization code, checked by the provider"),
    ("GET", "/v1/connections/oauth/callback", Place::Query, "error", "the provider's error code"),
    ("POST", "/v1/connections/google/oauth-url", Place::Body, "services", "service names of the built-in Google catalog"),
    ("POST", "/v1/connections/google/oauth-url", Place::Body, "redirect_uri", "where Google sends the browser back (Google checks it against the operator's client)"),
    ("POST", "/v1/connections/google/complete", Place::Body, "state", "a one-time secret, not an id: holding it is the grant; another workspace's is answered as unknown (see connections' google_flow)"),
    ("POST", "/v1/connections/google/complete", Place::Body, "code", "Google's authorization code, checked by Google"),
    ("PATCH", "/v1/connections/google/accounts/{connectionId}/services", Place::Body, "services", "service names of the built-in Google catalog"),
    ("POST", "*", Place::Body, "phone_number_id", "Meta's id of the caller's WhatsApp number, stored in the new connection's credentials"),
    ("POST", "*", Place::Body, "waba_id", "Meta's id of the caller's WhatsApp Business Account, stored in the new connection's credentials"),
    ("POST", "/v1/connections/whatsapp/manual", Place::Body, "access_token", "a credential"),
    ("POST", "/v1/connections/whatsapp/complete", Place::Body, "code", "Meta's signup code, checked by Meta"),
    ("POST", "/v1/auth/signup", Place::Body, "email", "the new account's address"),
    ("POST", "/v1/auth/login", Place::Body, "email", "the caller's own address"),
    ("POST", "/v1/invites", Place::Body, "email", "the address B invites into B's workspace"),
    ("POST", "/v1/workspaces", Place::Body, "slug", "the new workspace's own slug: slugs are global names, a taken one is refused (409)"),
    ("POST", "/v1/workflows/{id}/validate", Place::Body, "*", "a dry run of a graph: check names, step ids, mock outputs"),
    ("GET", "/v1/workflows/{id}/versions/{version}", Place::Path, "version", "a version number within the workflow the path names (its `id` has rows)"),
    ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete", Place::Path, "task_id", "a step id within the run the path names (its `id` and `run_id` have rows)"),
    ("POST", "/v1/invites/{token}/accept", Place::Path, "token", "a one-time secret, not an id: holding it is the grant"),
    ("POST", "/v1/auth/signup", Place::Body, "invite_token", "a one-time secret, not an id: holding it is the grant"),
    ("POST", "/v1/inbound-webhooks/{id}", Place::Path, "id", "the public ingress has no workspace: the subscription's signature and automation PAT authenticate it (see `ingress_of_another_workspace`)"),
    ("POST", "/v1/inbound-webhooks/{id}", Place::Header, "X-Agentruntime-Signature", "a signature"),
    ("POST", "/v1/inbound-webhooks/{id}", Place::Header, "Idempotency-Key", "the sender's delivery key, scoped to the subscription"),
    ("POST", "/v1/inbound-webhooks/{id}", Place::Body, "*", "the sender's own JSON (the trigger payload)"),
    ("POST", "*", Place::Body, "url", "an MCP server URL the caller registers or discovers (SSRF-checked)"),
    ("POST", "/v1/mcp/servers", Place::Body, "canonical_url", "the hosted name of `url`: an MCP server URL the caller registers (SSRF-checked)"),
    ("POST", "/v1/mcp/servers", Place::Body, "mode", "`third_party`, the kind of server a project registers"),
    ("POST", "*", Place::Body, "auth_mode", "none, token or oauth"),
    ("POST", "/v1/mcp/servers/{id}/validate", Place::Body, "tool", "a tool name of the server the path names"),
    ("POST", "/v1/mcp/servers/{id}/validate", Place::Body, "args", "the smoke call's arguments"),
    ("POST", "/v1/mcp/instances/{id}/validate", Place::Body, "tool", "a tool name of the server of the instance the path names"),
    ("POST", "/v1/mcp/instances/{id}/validate", Place::Body, "args", "the smoke call's arguments"),
    ("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate", Place::Body, "tool", "a tool name of the server the path names"),
    ("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate", Place::Body, "args", "the smoke call's arguments"),
    ("POST", "/v1/mcp/servers/{id}/versions", Place::Body, "tools", "tool definitions (names, descriptions, schemas) the version publishes"),
    ("POST", "/v1/mcp/servers/{id}/versions", Place::Body, "config_schema", "a JSON Schema stored with the version"),
    ("POST", "/v1/mcp/servers/{id}/versions", Place::Body, "activate", "a flag"),
    ("*", "*", Place::Query, "window", "a period name (week, month, all)"),
    ("*", "*", Place::Query, "granularity", "a bucket size (hour, day, week)"),
    ("*", "*", Place::Query, "cursor", "a position in the caller's own ledger page (a sequence number, filtered by the request's workspace)"),
    ("*", "*", Place::Body, "plan_code", "a plan of the operator's catalog, the same for every workspace"),
    ("*", "*", Place::Body, "stripe_price_id", "names a plan of the operator's catalog, the same for every workspace"),
    ("*", "*", Place::Body, "at_period_end", "a flag"),
    ("*", "*", Place::Body, "microcredits", "an amount"),
    ("*", "*", Place::Body, "note", "free text"),
    ("*", "*", Place::Body, "amount_cents", "an amount"),
    ("*", "*", Place::Body, "currency", "a currency code"),
    ("*", "*", Place::Body, "idempotency_key", "the client's retry key, scoped to the workspace of X-Project-Id (another workspace's key opens a top-up of the caller's own)"),
    ("*", "*", Place::Body, "code", "a billing code of the operator's settings, the same for every workspace"),
    ("GET", "/v1/billing/topups/payg/{payment_id}", Place::Path, "payment_id", "a top-up id, looked up within the workspace of X-Project-Id (the Header rows cover that header); this suite's server has no payment provider to open one, so tests/billing_payments.rs sends another tenant's top-up id and gets 404"),
    ("POST", "/v1/inbound-webhooks", Place::Body, "automation_bearer", "a token text, looked up only among the caller's own tokens in the request's workspace (404 otherwise, see automation_api's hosted_subscription_body_and_start_param_extras); not an id a tenant can name"),
    ("POST", "*", Place::Body, "server_url", "a canonical URL, resolved only among the caller's project's servers and the operator catalog"),
    ("*", "*", Place::Body, "env", "variable names with text or bindings to the caller's own workspace's vault"),
    ("*", "*", Place::Body, "headers", "header names with text or bindings to the caller's own workspace's vault"),
    ("*", "*", Place::Body, "connection_env", "a variable name"),
    ("*", "/v1/mcp/instances/{id}/config-profiles", Place::Body, "connection_id", "a connection id, looked up only among the instance's own project's connections (422 otherwise); a row waits for a Connection object kind in this table"),
    ("*", "/v1/mcp/instances/{id}/config-profiles/{profile_id}", Place::Body, "connection_id", "as above"),
];

fn not_an_id(method: &str, route: &str, place: Place, name: &str) -> Option<&'static str> {
    NOT_IDS
        .iter()
        .find(|(m, r, p, n, _)| {
            (*m == "*" || *m == method)
                && (*r == "*" || *r == route)
                && *p == place
                && (*n == "*" || *n == name)
        })
        .map(|(.., why)| *why)
}

#[test]
fn every_id_place_of_the_api_has_an_isolation_row() {
    let rows = all_rows();
    let doc = ar_server::openapi::document_json();
    let paths = doc["paths"].as_object().expect("paths");
    let mut missing = Vec::new();
    let mut places = 0;
    for (route, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let method = method.to_uppercase();
            let covered = |place: Place, name: &str| {
                rows.iter().any(|r| {
                    r.method == method
                        && r.route == route
                        && r.place == place
                        && (r.name == name || r.name.starts_with(&format!("{name}.")))
                }) || not_an_id(&method, route, place, name).is_some()
            };
            let mut check = |place: Place, name: &str| {
                places += 1;
                if !covered(place, name) {
                    missing.push(format!("{method} {route}: {place:?} `{name}`"));
                }
            };
            for p in op["parameters"].as_array().into_iter().flatten() {
                let place = match p["in"].as_str() {
                    Some("path") => Place::Path,
                    Some("query") => Place::Query,
                    Some("header") => Place::Header,
                    other => panic!("{method} {route}: parameter in {other:?}"),
                };
                check(place, p["name"].as_str().expect("name"));
            }
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            if body.is_null() {
                continue;
            }
            match body["properties"].as_object() {
                Some(fields) => fields.keys().for_each(|f| check(Place::Body, f)),
                // A body without declared fields must be classified as a whole.
                None => check(Place::Body, "*"),
            }
        }
    }
    assert!(places > 100, "the walk found only {places} places");
    assert!(
        missing.is_empty(),
        "places that take an id without an isolation row (add a row to tests/tenant_isolation.rs, or a reason to NOT_IDS):\n{}",
        missing.join("\n")
    );
    let specs = specs();
    for r in &rows {
        assert!(
            specs
                .iter()
                .any(|s| s.method.as_str() == r.method && s.path == r.route),
            "row {} names no route of the table",
            r.label()
        );
    }
    for kind in OBJECT_KINDS {
        assert!(
            rows.iter().any(|r| r.object == kind),
            "no row sends a {kind:?} id"
        );
    }
}
