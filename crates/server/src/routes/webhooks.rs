//! Inbound webhooks (docs/contract.md §9, §10): subscriptions managed by project contributors, and
//! the public ingress `POST /v1/inbound-webhooks/{id}` that starts the subscribed workflow.
//!
//! A subscription has two credentials, both required at ingress:
//! - the signing secret (`whsec_…`, shown once at creation, sealed at rest): the sender
//!   signs the raw body, `X-Agentruntime-Signature: sha256=<hex HMAC-SHA256>`, or in the
//!   timestamped form `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, which a
//!   subscription can require (`require_timestamp`) and whose replays are refused
//!   ([`crate::automation::signature`]);
//! - the automation PAT, as `Authorization: Bearer pat_…`: a token of the user who created
//!   the subscription (that very token when `automation_pat_id` is set), which must still
//!   be allowed to start runs in the project (role and `workflow:run` scope) and must not
//!   carry `admin` (a leaked ingress credential must not administer the workspace).
//!   Revoking the token or removing the user from the project stops the webhook; each
//!   signed delivery refused for its credential is recorded as the subscription's
//!   `last_refusal` (shown by `GET /v1/inbound-webhooks/{id}`).
//!
//! Ingress answers: unknown subscription 404; missing, bad or stale signature, or the
//! plain form where the timestamped one is required, 401; missing, invalid, revoked or
//! expired token 401; a valid token that is not the subscription's, carries `admin`, or
//! whose user may no longer start runs, 403; disabled subscription 409 (checked after the
//! credentials, so only the sender learns it); a timestamped signature already accepted
//! (a replay) 409; then the run start's own answers. Nothing starts unless every check
//! passed. The body and the signature are never logged.

use ar_engine::RunRecord;
use ar_model::authz::Action;
use ar_model::authz::TokenScope;
use ar_store::automation::{WebhookPatch, WebhookRecord};
use ar_store::now_ms;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::auth::gate::Gate;
use crate::auth::principal::Principal;
use crate::auth::standing::{Subject, may};
use crate::auth::tokens::{hash_secret, new_id, secret_matches};
use crate::automation::extras;
use crate::automation::sealed_secret::{open_secret, seal_secret};
use crate::automation::signature::{
    Policy, SIGNATURE_HEADER, Verified, new_signing_secret, verify_delivery,
};
use crate::automation::view::{
    CreatedWebhook, Delivered, Refusal, Webhook, WebhookDetail, WebhookList,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::routes::workflows;
use crate::routes::workspaces::check_name;
use crate::runs::start::{StartedRun, start_workflow_run};
use crate::state::AppState;
use crate::views::{self, Time};

/// Header naming a delivery, so a retried delivery starts no second run.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The ingress route (the route table's pattern).
pub const INGRESS_PATH: &str = "/v1/inbound-webhooks/{id}";

/// The ingress path of a subscription.
fn ingress_path(id: &str) -> String {
    INGRESS_PATH.replace("{id}", id)
}

/// The ingress's headers, for the OpenAPI document.
pub fn ingress_header_parameters() -> Vec<Parameter> {
    let header = |name: &str, required: Required, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(required)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    vec![
        header(
            "X-Agentruntime-Signature",
            Required::True,
            "`sha256=<hex HMAC-SHA256 of the raw body, keyed with the signing secret>`, or `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` (required when the subscription sets `require_timestamp`; each accepted once, within 5 minutes of the server's clock)",
        ),
        header(
            "Idempotency-Key",
            Required::False,
            "A repeated key answers with the run the first delivery started.",
        ),
    ]
}

/// A subscription as the API shows it: never the signing secret.
fn view(state: &AppState, w: &WebhookRecord) -> Webhook {
    Webhook::new(state.origin(), ingress_path(&w.id), w)
}

/// The subscription the path names, authorized for the route's action on its project.
async fn load(state: &AppState, gate: &Gate, id: &str) -> ApiResult<WebhookRecord> {
    let ws = gate.require_workspace()?;
    let not_found = || ApiError::not_found("webhook subscription");
    let webhook = state
        .automation()
        .webhook(&ws.id, id)
        .await?
        .ok_or_else(not_found)?;
    gate.object_project(state, &webhook.project_id, "webhook subscription")
        .await?;
    Ok(webhook)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// The workflow deliveries start (in the caller's workspace).
    #[schema(min_length = 1)]
    workflow_id: String,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    /// Start parameters for every delivery: `trigger_payload` (each delivery's body is
    /// merged over it, the body wins), `trigger_steps`, `excluded_step_ids`,
    /// `use_run_setup_defaults`. An object naming none of these is read as payload
    /// defaults (the earlier form).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    extras: Option<Value>,
    #[serde(default)]
    enabled: Option<bool>,
    /// The caller's token (with `workflow:run`, without `admin`) that ingress must
    /// present. Default: the token this request uses; with a session, any of the
    /// caller's tokens with `workflow:run` and without `admin` in this workspace.
    #[serde(default)]
    automation_pat_id: Option<String>,
    /// The automation token itself (`pat_…`), as hosted clients send it when they do not
    /// know its id: it names the same kind of token as `automation_pat_id` and is never
    /// stored or shown; only the token's id is kept.
    #[serde(default)]
    automation_bearer: Option<String>,
    /// Accept only the timestamped signature form (replays refused). Default false: the
    /// plain `sha256=` form is accepted too.
    #[serde(default)]
    require_timestamp: Option<bool>,
}

/// The automation PAT a new subscription binds: `requested`, else the caller's own token.
async fn automation_pat(
    state: &AppState,
    gate: &Gate,
    requested: Option<&str>,
) -> ApiResult<Option<String>> {
    let ws = gate.require_workspace()?;
    let pat = match requested {
        Some(id) => state
            .tenants()
            .list_pats(&gate.principal.user.id, &ws.id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ApiError::not_found("automation PAT"))?,
        None => match gate.principal.pat() {
            Some(own) => own.clone(),
            None => return Ok(None),
        },
    };
    let now = now_ms();
    if pat.revoked_at.is_some() || pat.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unprocessable(
            "the automation PAT is revoked or expired; choose a live token",
        ));
    }
    if !pat
        .scopes
        .iter()
        .any(|s| s == TokenScope::WorkflowRun.as_str())
    {
        return Err(ApiError::unprocessable(format!(
            "the automation PAT must carry the `{}` scope to start runs; set `automation_pat_id` to a token that has it",
            TokenScope::WorkflowRun.as_str()
        )));
    }
    if pat.scopes.iter().any(|s| s == TokenScope::Admin.as_str()) {
        return Err(admin_token_refused(StatusCode::UNPROCESSABLE_ENTITY));
    }
    Ok(Some(pat.id))
}

/// The automation PAT's id a create request names: `automation_pat_id`, or the id of the
/// token `automation_bearer` carries (which must be one of the caller's tokens in this
/// workspace; any other token is answered as not found, whatever it is). Both given: they
/// must name the same token.
async fn requested_automation_pat(
    state: &AppState,
    gate: &Gate,
    id: Option<String>,
    bearer: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(bearer) = bearer.map(str::trim) else {
        return Ok(id);
    };
    let ws = gate.require_workspace()?;
    let not_found = || ApiError::not_found("automation PAT (`automation_bearer`)");
    let pat = state
        .tenants()
        .pat_by_token_hash(&hash_secret(bearer))
        .await?
        .filter(|p| secret_matches(bearer, &p.token_hash))
        .filter(|p| p.user_id == gate.principal.user.id && p.workspace_id == ws.id)
        .ok_or_else(not_found)?;
    match id {
        Some(id) if id != pat.id => Err(ApiError::bad_request(
            "`automation_pat_id` and `automation_bearer` name different tokens; send one of them",
        )),
        _ => Ok(Some(pat.id)),
    }
}

/// A token with `admin` never authenticates an ingress: the automation PAT travels with
/// every delivery, and a leaked one must not administer the workspace.
fn admin_token_refused(status: StatusCode) -> ApiError {
    ApiError::new(
        status,
        format!(
            "the automation PAT carries the `{}` scope, which a webhook sender must not hold; use a token with only `{}`",
            TokenScope::Admin.as_str(),
            TokenScope::WorkflowRun.as_str()
        ),
    )
}

/// `POST /v1/inbound-webhooks` (WebhooksManage) → 201 with `signing_secret`, shown once.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewWebhook>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let workflow = workflows::load(&state, &gate, &body.workflow_id).await?;
    if workflow.archived {
        return Err(ApiError::conflict(
            "the workflow is archived; archived workflows take no webhooks",
        ));
    }
    let name = match &body.name {
        Some(n) => check_name("name", n)?,
        None => format!("{} webhook", workflow.name),
    };
    let extras = extras::check(body.extras)?.unwrap_or_else(|| json!({}));
    let requested = requested_automation_pat(
        &state,
        &gate,
        body.automation_pat_id,
        body.automation_bearer.as_deref(),
    )
    .await?;
    let automation_pat_id = automation_pat(&state, &gate, requested.as_deref()).await?;
    let ws = gate.require_workspace()?;
    let id = new_id();
    let secret = new_signing_secret();
    let now = now_ms();
    let webhook = WebhookRecord {
        signing_secret_sealed: seal_secret(state.vault_keys(), &ws.id, &id, &secret)?,
        id,
        workspace_id: ws.id.clone(),
        project_id: workflow.project_id.clone(),
        workflow_id: workflow.id.clone(),
        name,
        extras,
        enabled: body.enabled.unwrap_or(true),
        automation_user_id: gate.principal.user.id.clone(),
        automation_pat_id,
        require_timestamp: body.require_timestamp.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    state.automation().create_webhook(&webhook).await?;
    let subscription = view(&state, &webhook);
    let out = CreatedWebhook {
        webhook: subscription.clone(),
        subscription,
        signing_secret: secret,
    };
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    workflow_id: Option<String>,
}

/// `GET /v1/inbound-webhooks` (WebhooksRead; `X-Project-Id`, optional `workflow_id`)
/// → `{ "inbound_webhooks": [...] }`, newest first.
pub async fn list(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<WebhookList>> {
    let project = gate.project()?;
    let inbound_webhooks = state
        .automation()
        .list_webhooks(&project.id)
        .await?
        .iter()
        .filter(|w| q.workflow_id.as_ref().is_none_or(|id| *id == w.workflow_id))
        .map(|w| view(&state, w))
        .collect();
    Ok(Json(WebhookList { inbound_webhooks }))
}

/// `GET /v1/inbound-webhooks/{id}` (WebhooksRead): the subscription, with its
/// `last_refusal` (`{refused_at, reason}` of the latest signed delivery refused for its
/// credential, or null).
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookDetail>> {
    let webhook = load(&state, &gate, &id).await?;
    let last_refusal = state
        .automation()
        .last_webhook_refusal(&webhook.id)
        .await?
        .map(|(at, reason)| Refusal {
            refused_at: Time(at),
            reason,
        });
    Ok(Json(WebhookDetail {
        webhook: view(&state, &webhook),
        last_refusal,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChange {
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    extras: Option<Value>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    require_timestamp: Option<bool>,
}

/// `PATCH /v1/inbound-webhooks/{id}` (WebhooksManage): name, extras, enabled,
/// require_timestamp.
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<WebhookChange>,
) -> ApiResult<Json<Webhook>> {
    let webhook = load(&state, &gate, &id).await?;
    let change = WebhookPatch {
        name: body
            .name
            .as_deref()
            .map(|n| check_name("name", n))
            .transpose()?,
        extras: extras::check(body.extras)?,
        enabled: body.enabled,
        require_timestamp: body.require_timestamp,
    };
    if !state
        .automation()
        .update_webhook(&webhook.id, &change, now_ms())
        .await?
    {
        return Err(ApiError::not_found("webhook subscription"));
    }
    let updated = load(&state, &gate, &id).await?;
    Ok(Json(view(&state, &updated)))
}

/// `DELETE /v1/inbound-webhooks/{id}` (WebhooksManage) → 204; deliveries go with it.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let webhook = load(&state, &gate, &id).await?;
    if !state.automation().delete_webhook(&webhook.id).await? {
        return Err(ApiError::not_found("webhook subscription"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the presented token is the subscription's automation PAT and that its user may
/// still start runs in the subscription's project.
async fn check_automation_token(
    state: &AppState,
    webhook: &WebhookRecord,
    principal: &Principal,
) -> ApiResult<()> {
    let not_its_token =
        || ApiError::forbidden("this token is not the subscription's automation PAT");
    let pat = principal.pat().ok_or_else(not_its_token)?;
    let bound = pat.user_id == webhook.automation_user_id
        && pat.workspace_id == webhook.workspace_id
        && webhook
            .automation_pat_id
            .as_ref()
            .is_none_or(|id| *id == pat.id);
    if !bound {
        return Err(not_its_token());
    }
    if pat.scopes.iter().any(|s| s == TokenScope::Admin.as_str()) {
        return Err(admin_token_refused(StatusCode::FORBIDDEN));
    }
    let subject = Subject {
        workspace_id: &webhook.workspace_id,
        project_id: &webhook.project_id,
        user_id: &pat.user_id,
        token_scopes: principal.token_scopes(),
    };
    may(state, &subject, Action::RunStart)
        .await?
        .map_err(|refusal| {
            ApiError::forbidden(format!(
                "the automation PAT's user may no longer start runs of this workflow: {refusal}"
            ))
        })
}

/// Records a signed delivery refused for its credential (revoked, expired or unknown
/// token; a user who may no longer start runs) as the subscription's `last_refusal`, so
/// whoever manages the webhook sees why deliveries stopped. Only signed deliveries get
/// here: strangers cannot write it. Returns the refusal to answer with.
async fn refused(state: &AppState, webhook: &WebhookRecord, error: ApiError) -> ApiError {
    if matches!(
        error.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) {
        let reason = format!("delivery refused: {}", error.message);
        tracing::warn!(webhook_id = %webhook.id, reason = %reason, "webhook delivery refused");
        if let Err(e) = state
            .automation()
            .record_webhook_refusal(&webhook.id, now_ms(), &reason)
            .await
        {
            tracing::error!(webhook_id = %webhook.id, error = %e, "recording a refused delivery failed");
        }
    }
    error
}

/// The delivery's body as the fields of its trigger payload (a JSON object, or empty).
fn body_fields(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    match value {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::bad_request(
            "the webhook body must be a JSON object (it becomes the trigger payload)",
        )),
    }
}

/// The `Idempotency-Key`, if sent.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map(str::trim)
        .map_err(|_| ApiError::bad_request("the Idempotency-Key header is not valid text"))?;
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(ApiError::bad_request(format!(
            "the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
        )));
    }
    Ok(Some(key.to_string()))
}

/// `POST /v1/inbound-webhooks/{id}` — public ingress (no session, no CSRF: the signature
/// and the automation PAT authenticate it). 202 with the started run; a repeated
/// `Idempotency-Key` answers 200 with the run the first delivery started.
pub async fn ingress(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Delivered>)> {
    let (mut parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, state.settings().body_limit_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            )
        })?;
    let webhook = state
        .automation()
        .webhook_for_ingress(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook subscription"))?;
    let verified = check_signature(&state, &webhook, &parts.headers, &body)?;
    if !parts.headers.contains_key(header::AUTHORIZATION) {
        return Err(ApiError::unauthorized(
            "the subscription's automation PAT is required: `Authorization: Bearer pat_…`",
        ));
    }
    let principal = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(principal) => principal,
        Err(e) => return Err(refused(&state, &webhook, e).await),
    };
    if let Err(e) = check_automation_token(&state, &webhook, &principal).await {
        return Err(refused(&state, &webhook, e).await);
    }
    if !webhook.enabled {
        return Err(ApiError::conflict(
            "this webhook subscription is disabled; enable it with PATCH /v1/inbound-webhooks/{id} {\"enabled\": true}",
        ));
    }
    let mut params = extras::start_params(&webhook.extras, body_fields(&body)?);
    let key = idempotency_key(&parts.headers)?;
    // Last of the checks, so a delivery refused for another reason can be sent again.
    refuse_replay(&state, &webhook, &verified).await?;
    let workflow = state
        .tenants()
        .workflow(&webhook.workspace_id, &webhook.workflow_id)
        .await?
        .ok_or_else(|| ApiError::not_found("workflow"))?;
    let key_hash = key.as_deref().map(hash_secret);
    if let Some(h) = &key_hash
        && let Some(run_id) = state.automation().delivery_run(&webhook.id, h).await?
    {
        let run = state
            .engine()
            .store()
            .get_run(&run_id)
            .await?
            .ok_or_else(|| ApiError::not_found("run"))?;
        return Ok((
            StatusCode::OK,
            Json(delivered(&webhook, started_view(&run), true)),
        ));
    }
    if let Some(h) = &key_hash {
        // The client run id makes the start itself idempotent, so two concurrent
        // deliveries with one key start one run between them.
        params["run_id"] = Value::String(format!("webhook:{}:{h}", webhook.id));
    }
    let started = start_workflow_run(
        &state,
        &workflow,
        params,
        &format!("webhook:{}", webhook.id),
    )
    .await?;
    if let Some(h) = &key_hash {
        state
            .automation()
            .record_delivery(&webhook.id, h, &started.run_id, now_ms())
            .await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(delivered(&webhook, started, false)),
    ))
}

/// A run that started earlier, in the shape of a start's answer.
fn started_view(run: &RunRecord) -> StartedRun {
    StartedRun {
        run_id: run.id.clone(),
        status: run.status.as_str().to_string(),
        workflow_id: run.workflow_id.clone(),
        version: run.version,
        started_at: views::time(run.started_at.unwrap_or(run.created_at))
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The ingress answer: the run, the subscription, and whether the key was seen before.
fn delivered(webhook: &WebhookRecord, run: StartedRun, duplicate: bool) -> Delivered {
    Delivered {
        run,
        subscription_id: webhook.id.clone(),
        duplicate,
    }
}

/// 401 unless the body carries the subscription's signature in a form it accepts.
fn check_signature(
    state: &AppState,
    webhook: &WebhookRecord,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<Verified> {
    let secret = open_secret(
        state.vault_keys(),
        &webhook.workspace_id,
        &webhook.id,
        &webhook.signing_secret_sealed,
    )?;
    let presented = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let policy = Policy {
        require_timestamp: webhook.require_timestamp,
        now_secs: now_ms() / 1000,
    };
    verify_delivery(secret.expose_secret(), body, presented, policy)
        .map_err(|e| ApiError::unauthorized(e.message()))
}

/// 409 when this timestamped signature was already accepted (by any node: the store
/// remembers it until its timestamp goes stale).
async fn refuse_replay(
    state: &AppState,
    webhook: &WebhookRecord,
    verified: &Verified,
) -> ApiResult<()> {
    let Some((replay_key, remember_until)) = verified.replay_key() else {
        return Ok(());
    };
    let first = state
        .automation()
        .first_use_of_signature(&webhook.id, replay_key, remember_until, now_ms())
        .await?;
    if first {
        return Ok(());
    }
    Err(ApiError::conflict(
        "this signed delivery was already received (a replay); sign every delivery with a fresh timestamp, and send an Idempotency-Key to make retries safe",
    ))
}
