//! The OpenAPI document of the API (`GET /v1/openapi.json`), generated from the route
//! table: every route's method and path, its path parameters, the tenant/project headers
//! of gated routes, the credentials it accepts, its request body schema (derived with
//! `utoipa` from the handler's body type), its success answer ([`responses`]: derived from
//! the handler's response type) and the JSON error shape. The document is committed as
//! `console/openapi.json`, from which the console's types are generated (docs/server.md).

mod responses;

pub use responses::{Answer, UNTYPED_RESPONSES, response_body};

use std::collections::BTreeMap;

use axum::http::Method;
use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder, Paths,
    Ref, RefOr, Required, ResponseBuilder, Schema, SecurityRequirement, Type,
};

use crate::routes::stream;
use crate::routes::{
    self, RouteSpec, connections, identity, invites, llm_keys, members, pats, triggers, vault,
    webhooks, workflows, workspaces,
};
use crate::routes::{analytics, billing, billing_payments, commands, runs, tasks};
use crate::routes::{mcp, mcp_instances, mcp_versions};

/// Path of the document.
pub const OPENAPI_PATH: &str = "/v1/openapi.json";

fn http_method(m: &Method) -> HttpMethod {
    match *m {
        Method::POST => HttpMethod::Post,
        Method::PATCH => HttpMethod::Patch,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// The JSON body a route takes: its schema and whether it is required.
pub fn request_body(spec: &RouteSpec) -> Option<(RefOr<Schema>, bool)> {
    let body = match (spec.method.as_str(), spec.path) {
        ("POST", "/v1/auth/signup") => identity::SignupBody::schema(),
        ("POST", "/v1/auth/login") => identity::LoginBody::schema(),
        ("POST", "/v1/auth/password") => identity::PasswordChange::schema(),
        ("POST", "/v1/workspaces") => workspaces::NewWorkspace::schema(),
        ("PATCH", "/v1/workspaces/{slug}") => workspaces::WorkspacePatch::schema(),
        ("POST", "/v1/projects") => workspaces::NewProject::schema(),
        ("PATCH", "/v1/projects/{id}") => workspaces::ProjectPatch::schema(),
        ("POST", "/v1/projects/{id}/members") => members::NewProjectMember::schema(),
        ("PATCH", "/v1/projects/{id}/members/{user_id}") => members::ProjectMemberPatch::schema(),
        ("PATCH", "/v1/members/{user_id}") => members::MemberPatch::schema(),
        ("POST", "/v1/invites") => invites::NewInvite::schema(),
        ("POST", "/v1/pats") => pats::NewPat::schema(),
        ("POST", "/v1/workflows") => workflows::NewWorkflow::schema(),
        ("PATCH", "/v1/workflows/{id}") => workflows::PatchBody::schema(),
        ("POST", "/v1/workflows/{id}/versions") => {
            return Some((workflows::PublishBody::schema(), false));
        }
        ("POST", "/v1/inbound-webhooks") => webhooks::NewWebhook::schema(),
        ("PATCH", "/v1/inbound-webhooks/{id}") => webhooks::WebhookChange::schema(),
        // The ingress body is the sender's own JSON object (empty means `{}`).
        ("POST", webhooks::INGRESS_PATH) => {
            return Some((ObjectBuilder::new().schema_type(Type::Object).into(), false));
        }
        ("POST", "/v1/connections") => connections::NewConnection::schema(),
        ("PATCH", "/v1/connections/{id}") => connections::ConnectionChange::schema(),
        ("POST", "/v1/connections/oauth/start") => connections::OAuthStart::schema(),
        ("POST", "/v1/connections/google/oauth-url") => {
            routes::google_connections::GoogleOAuthUrl::schema()
        }
        ("POST", "/v1/connections/google/complete") => {
            routes::google_connections::GoogleComplete::schema()
        }
        ("PATCH", "/v1/connections/google/accounts/{connectionId}/services") => {
            routes::google_connections::GoogleServicesChange::schema()
        }
        ("POST", "/v1/connections/whatsapp/manual") => {
            routes::whatsapp_connections::WhatsAppManual::schema()
        }
        ("POST", "/v1/connections/whatsapp/complete") => {
            routes::whatsapp_connections::WhatsAppComplete::schema()
        }
        ("POST", "/v1/mcp/servers") => mcp::NewServer::schema(),
        ("POST", "/v1/mcp/servers/discover") => mcp::DiscoverBody::schema(),
        ("POST", "/v1/mcp/servers/{id}/validate") => {
            return Some((mcp::ValidateBody::schema(), false));
        }
        ("POST", "/v1/mcp/instances/{id}/validate")
        | ("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate") => {
            return Some((mcp::ValidateInstanceBody::schema(), false));
        }
        ("POST", "/v1/mcp/servers/{id}/versions") => {
            return Some((mcp_versions::PublishBody::schema(), false));
        }
        ("POST", "/v1/agents") => crate::agents::definition::NewAgent::schema(),
        ("POST", "/v1/autopilot/chat") => crate::routes::autopilot::ChatBody::schema(),
        ("PATCH", "/v1/agents/{id}") => crate::agents::definition::AgentChange::schema(),
        ("POST", "/v1/chat/threads") => routes::chat::NewThread::schema(),
        ("PATCH", "/v1/chat/threads/{id}") => routes::chat::ThreadChange::schema(),
        ("POST", "/v1/chat/threads/{id}/messages") => routes::chat::NewMessage::schema(),
        ("POST", "/v1/mcp/instances") => mcp_instances::NewInstance::schema(),
        ("PATCH", "/v1/mcp/instances/{id}") => mcp_instances::InstanceChange::schema(),
        ("POST", "/v1/mcp/instances/resolve") => mcp_instances::ResolveBody::schema(),
        ("POST", "/v1/mcp/instances/{id}/config-profiles") => mcp_instances::NewProfile::schema(),
        ("PATCH", "/v1/mcp/instances/{id}/config-profiles/{profile_id}") => {
            mcp_instances::ProfileChange::schema()
        }
        ("POST", "/v1/workflows/{id}/triggers") => triggers::NewTrigger::schema(),
        ("PATCH", "/v1/workflows/{id}/triggers/{trigger_id}") => triggers::TriggerChange::schema(),
        ("POST", "/v1/workflows/{id}/command") => commands::CommandBody::schema(),
        ("PUT", "/v1/vault/secrets/{name}") => vault::SecretBody::schema(),
        ("POST", "/v1/llm-provider-keys") => llm_keys::NewLlmKey::schema(),
        ("POST", "/v1/llm/resolve") => llm_keys::ResolveBody::schema(),
        ("POST", "/v1/billing/trial") => return Some((billing::TrialBody::schema(), false)),
        ("POST", "/v1/billing/subscription" | "/v1/billing/subscription/change-plan") => {
            billing::PlanBody::schema()
        }
        ("POST", "/v1/billing/subscription/cancel") => {
            return Some((billing::CancelBody::schema(), false));
        }
        ("POST", "/v1/billing/credits/grant") => billing::GrantBody::schema(),
        ("POST", "/v1/billing/topups/payg/intent") => billing_payments::TopupBody::schema(),
        ("POST", "/v1/billing/codes/apply" | "/v1/billing/discounts/validate") => {
            billing_payments::CodeBody::schema()
        }
        ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete") => {
            tasks::CompleteBody::schema()
        }
        ("POST", "/v1/workflows/{id}/runs/{run_id}/retry") => {
            return Some((runs::RetryBody::schema(), false));
        }
        // docs/contract.md §8's request; `ar-model` owns its type.
        ("POST", "/v1/workflows/{id}/validate") => return Some((validate_request_schema(), false)),
        _ => return None,
    };
    Some((body, true))
}

/// An optional query parameter of the OpenAPI document (the routes' own
/// `query_parameters` build theirs with it).
pub fn optional_query(
    name: &str,
    schema: utoipa::openapi::ObjectBuilder,
    description: &str,
) -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(utoipa::openapi::Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// Field schemas stating what the handlers check, so generated requests that fit the
/// document are requests the server accepts (used with `#[schema(schema_with = …)]`).
pub mod field {
    use ar_model::authz::TokenScope;
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, Object, SchemaFormat, SchemaType};
    use utoipa::openapi::{ObjectBuilder, Type};

    fn string() -> ObjectBuilder {
        ObjectBuilder::new().schema_type(Type::String)
    }
    fn one_of(values: &[&str]) -> Object {
        string().enum_values(Some(values.iter().copied())).build()
    }
    /// `member`, `admin` or `owner`.
    pub fn workspace_role() -> Object {
        one_of(&["member", "admin", "owner"])
    }
    /// The roles an invite can grant.
    pub fn invite_role() -> Object {
        one_of(&["member", "admin"])
    }
    pub fn project_role() -> Object {
        one_of(&["project_viewer", "project_contributor", "project_admin"])
    }
    pub fn visibility() -> Object {
        one_of(&["public", "private"])
    }
    /// A non-empty list of token scopes.
    pub fn scopes() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new()
            .items(one_of(&TokenScope::ALL.map(|s| s.as_str())))
            .min_items(Some(1))
            .build()
    }
    /// A display name: 1–200 characters, not only white space.
    pub fn name() -> Object {
        string()
            .min_length(Some(1))
            .max_length(Some(200))
            .pattern(Some("\\S"))
            .build()
    }
    pub fn slug() -> Object {
        string().pattern(Some("^[a-z0-9][a-z0-9-]{1,62}$")).build()
    }
    pub fn email() -> Object {
        string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(254))
            .build()
    }
    /// The same schema, also accepting `null` (an optional field left unset).
    fn or_null(mut o: Object) -> Object {
        o.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
        if let Some(values) = &mut o.enum_values {
            values.push(serde_json::Value::Null);
        }
        o
    }
    pub fn opt_workspace_role() -> Object {
        or_null(workspace_role())
    }
    pub fn opt_invite_role() -> Object {
        or_null(invite_role())
    }
    pub fn opt_visibility() -> Object {
        or_null(visibility())
    }
    pub fn opt_name() -> Object {
        or_null(name())
    }
    pub fn opt_email() -> Object {
        or_null(email())
    }
    /// A workflow graph in the canonical shape: an object with a `steps` array (the editor's
    /// `nodes`/`edges` shape is accepted too).
    pub fn graph() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "steps",
                // A draft may hold steps that do not validate yet; validation reports them.
                ArrayBuilder::new().items(ObjectBuilder::new().schema_type(SchemaType::AnyValue)),
            )
            .required("steps")
            .build()
    }
    /// A new draft graph, or `null` to keep the current one.
    pub fn opt_graph() -> Object {
        let mut g = graph();
        g.schema_type = SchemaType::from_iter([Type::Object, Type::Null]);
        g
    }
    /// Run setup (docs/contract.md §7), or `null` to clear it.
    pub fn run_setup() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .property(
                "trigger_payload",
                ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null])),
            )
            .property(
                "trigger_steps",
                ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null])),
            )
            .property(
                "trigger_step_ids",
                ArrayBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                    .items(ObjectBuilder::new().schema_type(Type::String)),
            )
            .build()
    }
    /// A new password: 8 to 256 characters.
    pub fn new_password() -> Object {
        string().min_length(Some(8)).max_length(Some(256)).build()
    }
}

/// docs/contract.md §8's validate request (`ar-model` owns its type, which refuses unknown fields).
fn validate_request_schema() -> RefOr<Schema> {
    use ar_model::validate::CheckName;
    use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, SchemaType};
    let checks: Vec<Value> = CheckName::ALL
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .collect();
    let check_list = || {
        ArrayBuilder::new().items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(checks.clone())),
        )
    };
    let strings = || ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
    let object = || ObjectBuilder::new().schema_type(Type::Object);
    let nullable = |t: Type| SchemaType::from_iter([t, Type::Null]);
    let params = ObjectBuilder::new()
        .schema_type(nullable(Type::Object))
        // Any JSON: it is checked against the graph's input schema, not here.
        .property(
            "trigger_payload",
            ObjectBuilder::new().schema_type(SchemaType::AnyValue),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        // Any JSON: a graph that cannot be read gets a report saying so, not a refusal.
        .property(
            "graph",
            ObjectBuilder::new().schema_type(SchemaType::AnyValue),
        )
        .property("params", params)
        .property("checks", check_list().schema_type(nullable(Type::Array)))
        .property("skip_checks", check_list())
        .property("mock_step_outputs", object())
        .property("step_ids", strings().schema_type(nullable(Type::Array)))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}

/// Routes that work without any credentials.
fn is_public(spec: &RouteSpec) -> bool {
    matches!(
        spec.path,
        "/v1/auth/signup" | "/v1/auth/login" | "/v1/auth/logout" | connections::CALLBACK_PATH
    )
}

fn error_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("error", ObjectBuilder::new().schema_type(Type::String))
        .required("error")
        .into()
}

fn json_response(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

/// The document's success responses of `spec` ([`response_body`]).
fn success_responses(spec: &RouteSpec) -> Vec<(String, utoipa::openapi::Response)> {
    // The schema of one event (its `event`, `data`, `id` and `retry` fields), as
    // schemathesis checks each event of the stream against it.
    let event = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("event", ObjectBuilder::new().schema_type(Type::String))
            .property("data", ObjectBuilder::new().schema_type(Type::String))
            .property("id", ObjectBuilder::new().schema_type(Type::String))
            .property("retry", ObjectBuilder::new().schema_type(Type::Integer))
    };
    let event_stream = || {
        ResponseBuilder::new()
            .description("server-sent events")
            .content(
                "text/event-stream",
                ContentBuilder::new().schema(Some(event())).build(),
            )
            .build()
    };
    match response_body(spec) {
        Some(Answer::Json { statuses, name, .. }) => statuses
            .iter()
            .map(|status| {
                (
                    status.as_u16().to_string(),
                    json_response("success", RefOr::Ref(Ref::from_schema_name(name.clone()))),
                )
            })
            .collect(),
        Some(Answer::NoContent) => vec![(
            "204".into(),
            ResponseBuilder::new().description("done").build(),
        )],
        Some(Answer::EventStream) => vec![("200".into(), event_stream())],
        Some(Answer::WebSocket { also_sse }) => {
            let mut out = vec![(
                "101".into(),
                ResponseBuilder::new()
                    .description("switched to a WebSocket")
                    .build(),
            )];
            if also_sse {
                out.push(("200".into(), event_stream()));
            }
            out
        }
        // Still untyped (UNTYPED_RESPONSES): some JSON object.
        None => vec![(
            "2XX".into(),
            json_response(
                "success",
                ObjectBuilder::new().schema_type(Type::Object).into(),
            ),
        )],
    }
}

fn operation(spec: &RouteSpec) -> utoipa::openapi::path::Operation {
    let id = format!(
        "{}{}",
        spec.method.as_str().to_lowercase(),
        spec.path.replace(['/', '{', '}', '-'], "_")
    );
    let mut op = OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(match spec.action {
            Some(a) => format!("{} (permission: {})", spec.path, a.name()),
            None => spec.path.to_string(),
        }))
        .tag(spec.path.split('/').nth(2).unwrap_or("v1"));
    for name in spec
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if let Some(action) = spec.action {
        op = op.parameter(
            ParameterBuilder::new()
                .name("X-Tenant-Id")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some("Workspace slug (a PAT implies its own workspace)."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
        if action.is_project_scoped() {
            // List and create routes need it; routes on one object use the object's project.
            let lists_webhooks = spec.path == "/v1/inbound-webhooks" && spec.method == Method::GET;
            let connections_list_or_create = matches!(
                spec.path,
                "/v1/connections"
                    | "/v1/connections/oauth/start"
                    | "/v1/connections/google/config"
                    | "/v1/connections/google/oauth-url"
                    | "/v1/connections/whatsapp/config"
                    | "/v1/connections/whatsapp/manual"
                    | "/v1/connections/whatsapp/complete"
            );
            let required = if spec.path == "/v1/workflows"
                || lists_webhooks
                || connections_list_or_create
                || (spec.path.starts_with("/v1/billing/") && spec.method == Method::GET)
                || spec.path == "/v1/billing/topups/payg/intent"
                || spec.path.starts_with("/v1/analytics/")
                || spec.path.starts_with("/v1/starters")
                || spec.path == "/v1/chat/threads"
            {
                Required::True
            } else {
                Required::False
            };
            op = op.parameter(
                ParameterBuilder::new()
                    .name("X-Project-Id")
                    .parameter_in(ParameterIn::Header)
                    .required(required)
                    .description(Some("Project id; required by list and create routes."))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
    }
    if spec.path == "/v1/workflows" && spec.method == Method::GET {
        op = op.parameter(
            ParameterBuilder::new()
                .name("include_archived")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(ObjectBuilder::new().schema_type(Type::Boolean))),
        );
    }
    if spec.path == "/v1/autopilot/stream" {
        for name in ["thread_id", "message_id"] {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
    }
    if spec.path == "/v1/inbound-webhooks" && spec.method == Method::GET {
        op = op.parameter(
            ParameterBuilder::new()
                .name("workflow_id")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Only the webhooks that start this workflow."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if spec.path == connections::CALLBACK_PATH {
        for parameter in connections::callback_query_parameters() {
            op = op.parameter(parameter);
        }
    }
    if matches!(
        spec.path,
        "/v1/billing/usage-history" | "/v1/billing/payment-history"
    ) {
        op = op.parameter(
            ParameterBuilder::new()
                .name("limit")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Page size, 1 to 200 (default 50)."))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(200)),
                )),
        );
        op = op.parameter(
            ParameterBuilder::new()
                .name("cursor")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("The previous page's `next_cursor`."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if spec.path == "/v1/billing/usage-dimensions" {
        for (name, what) in [
            (
                "from",
                "RFC 3339 start (inclusive); default 30 days before `to`.",
            ),
            ("to", "RFC 3339 end (exclusive); default now."),
        ] {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(what))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).format(
                        Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::DateTime,
                        )),
                    ))),
            );
        }
    }
    for parameter in runs::query_parameters(spec) {
        op = op.parameter(parameter);
    }
    for parameter in routes::chat::query_parameters(spec) {
        op = op.parameter(parameter);
    }
    for parameter in analytics::query_parameters(spec) {
        op = op.parameter(parameter);
    }
    if spec.path == stream::PATH {
        for parameter in stream::query_parameters() {
            op = op.parameter(parameter);
        }
    }
    if let Some((schema, required)) = request_body(spec) {
        let body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .required(Some(if required {
                Required::True
            } else {
                Required::False
            }))
            .build();
        op = op.request_body(Some(body));
    }
    if spec.action.is_none() && spec.path == webhooks::INGRESS_PATH {
        // The automation PAT, plus the signature and idempotency headers.
        for parameter in webhooks::ingress_header_parameters() {
            op = op.parameter(parameter);
        }
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    } else if !is_public(spec) {
        op = op
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new("session", Vec::<String>::new()));
    }
    for (status, response) in success_responses(spec) {
        op = op.response(status, response);
    }
    op.response(
        "4XX",
        json_response("refused: `{\"error\": \"…\"}`", error_schema()),
    )
    .build()
}

/// The named schemas that request bodies refer to (`$ref`), for `components/schemas`
/// (the test `every_reference_resolves` finds one missing here).
fn request_components() -> Vec<(String, RefOr<Schema>)> {
    use utoipa::ToSchema;
    let mut out = Vec::new();
    crate::agents::definition::NewAgent::schemas(&mut out);
    crate::agents::definition::AgentChange::schemas(&mut out);
    mcp_versions::PublishBody::schemas(&mut out);
    commands::CommandBody::schemas(&mut out);
    out
}

/// The document for the given routes.
pub fn document_for(specs: &[RouteSpec]) -> OpenApi {
    let mut paths = Paths::new();
    let mut schemas: BTreeMap<String, RefOr<Schema>> = request_components().into_iter().collect();
    for spec in specs {
        paths.add_path_operation(spec.path, vec![http_method(&spec.method)], operation(spec));
        if let Some(Answer::Json { components, .. }) = response_body(spec) {
            schemas.extend(components);
        }
    }
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pat_…")
                    .build(),
            ),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ar_session"))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("agentruntime")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The document of the whole route table, as JSON.
pub fn document_json() -> Value {
    let doc = document_for(&routes::specs());
    serde_json::to_value(&doc).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}

/// Per-path list of documented methods (for tests).
pub fn documented_methods(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let mut methods: Vec<String> = item
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            methods.retain(|m| ["get", "post", "patch", "put", "delete"].contains(&m.as_str()));
            methods.sort();
            out.insert(path.clone(), methods);
        }
    }
    out
}

/// `GET /v1/openapi.json`
pub async fn serve_document() -> crate::json::Json<Value> {
    crate::json::Json(document_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `console/openapi.json` is the document this server serves: the console's types are
    /// generated from it (docs/server.md "Typed responses").
    #[test]
    fn committed_document_is_the_served_one() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../console/openapi.json");
        let served = document_json();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            let text = serde_json::to_string_pretty(&served).expect("document") + "\n";
            std::fs::write(&path, text).expect("write console/openapi.json");
            return;
        }
        let committed: Value = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        assert!(
            committed == served,
            "console/openapi.json is not the served document; regenerate it and the console's \
             types:\n  UPDATE_OPENAPI=1 cargo test -p ar-server --lib committed_document\n  \
             cd console && npm run gen:api"
        );
    }

    /// Two types never share a schema name (the document would keep only one of them).
    #[test]
    fn schema_names_are_unique() {
        let mut named: BTreeMap<String, String> = BTreeMap::new();
        let mut all = request_components();
        for spec in routes::specs() {
            if let Some(Answer::Json { components, .. }) = response_body(&spec) {
                all.extend(components);
            }
        }
        assert!(!all.is_empty());
        for (name, schema) in all {
            let text = serde_json::to_string(&schema).expect("schema");
            if let Some(before) = named.insert(name.clone(), text.clone()) {
                assert_eq!(before, text, "two different types are named {name}");
            }
        }
    }

    /// Every `$ref` names a schema of `components/schemas`.
    #[test]
    fn every_reference_resolves() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r.clone());
                    }
                    map.values().for_each(|x| refs(x, out));
                }
                Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let doc = document_json();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty(), "the document refers to no schema");
        for r in found {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r} is not a component schema reference"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} does not resolve: add its type to request_components or response_body"
            );
        }
    }

    #[test]
    fn every_route_is_documented_with_its_method_and_body() {
        let doc = document_json();
        assert_eq!(
            doc["openapi"].as_str().map(|v| v.starts_with("3.")),
            Some(true),
            "{doc}"
        );
        let documented = documented_methods(&doc);
        for spec in routes::specs() {
            let methods = documented
                .get(spec.path)
                .unwrap_or_else(|| panic!("{} is not documented", spec.path));
            assert!(
                methods.contains(&spec.method.as_str().to_lowercase()),
                "{} {}",
                spec.method,
                spec.path
            );
            let op = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()];
            let has_body = op.get("requestBody").is_some();
            let bodyless = matches!(
                (spec.method.as_str(), spec.path),
                ("POST", "/v1/auth/logout" | "/v1/invites/{token}/accept")
                    | (
                        "POST",
                        "/v1/mcp/servers/{id}/discover"
                            | "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active"
                    )
                    | ("PUT", "/v1/vault/secrets/{name}/grants/{project_id}")
                    | ("POST", "/v1/billing/subscription/convert-trial-now")
                    // Stripe's event, whatever Stripe sends: read raw and verified.
                    | ("POST", "/v1/billing/webhooks/stripe")
            );
            if matches!(spec.method, Method::POST | Method::PATCH | Method::PUT) && !bodyless {
                assert!(
                    has_body,
                    "{} {} has no request body schema",
                    spec.method, spec.path
                );
            }
        }
        let signup = &doc["paths"]["/v1/auth/signup"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert_eq!(
            signup["required"],
            serde_json::json!(["email", "password"]),
            "{signup}"
        );
        let wf = &doc["paths"]["/v1/workflows/{id}"]["get"]["parameters"];
        assert!(
            wf.as_array()
                .is_some_and(|p| p.iter().any(|x| x["name"] == "id" && x["in"] == "path")),
            "{wf}"
        );
    }
}
