//! Paying for credits and applying codes (docs/contract.md §14, docs/billing.md
//! "Top-ups", "Codes"): PAYG top-up intents for contributors (`BillingTopup`) and their
//! status (`BillingRead`), codes for tenant admins (`BillingManage`), Stripe's public
//! configuration for the console, and Stripe's webhook, which carries no caller: its
//! signature is its authentication.

use ar_store::integrations::{
    NewPayment, PaymentOutcome, PaymentRecord, SettleOutcome, Settlement,
};
use ar_store::now_ms;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::billing::codes::{CodeKind, Codes, MAX_CODE_LEN};
use crate::billing::payments::stripe::{Event, parse_event};
use crate::billing::payments::{self, quote};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::state::AppState;
use crate::views;

const MAX_IDEMPOTENCY_KEY: usize = 255;

/// `{code}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
}

fn code_of(body: &CodeBody) -> ApiResult<&str> {
    let code = body.code.trim();
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(ApiError::bad_request(format!(
            "`code` must be 1 to {MAX_CODE_LEN} characters"
        )));
    }
    Ok(code)
}

/// `POST /v1/billing/codes/apply` (`{code}`) → what it did and the balances.
pub async fn apply_code(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<CodeBody>,
) -> ApiResult<Json<Value>> {
    let code = code_of(&body)?;
    let ws = gate.require_workspace()?;
    let codes = Codes {
        state: &state,
        workspace_id: &ws.id,
    };
    let (found, entry) = codes.apply(code, &gate.principal.user.id, now_ms()).await?;
    let balances = super::billing::balances_json(&state, &ws.id).await?;
    Ok(Json(json!({
        "applied": true,
        "code": found.normalized(),
        "kind": found.kind.as_str(),
        "microcredits": entry.as_ref().map(|e| e.microcredits),
        "percent_off": found.percent_off,
        "applies_to": applies_to(found.kind),
        "balances": balances,
    })))
}

fn applies_to(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::Credits => "payg_balance",
        CodeKind::Discount => "payg_topups",
    }
}

/// `POST /v1/billing/discounts/validate` (`{code}`) → whether this workspace could apply
/// it now, and what it gives. An unknown code is `valid: false`, not an error.
pub async fn validate_code(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<CodeBody>,
) -> ApiResult<Json<Value>> {
    let code = code_of(&body)?;
    let ws = gate.require_workspace()?;
    let codes = Codes {
        state: &state,
        workspace_id: &ws.id,
    };
    let (found, reason) = match codes.check(code, now_ms()).await? {
        Ok(found) => (Some(found), None),
        Err((refusal, found)) => (found, Some(refusal.reason())),
    };
    Ok(Json(json!({
        "valid": reason.is_none(),
        "reason": reason,
        "code": found.map(|c| c.normalized()),
        "kind": found.map(|c| c.kind.as_str()),
        "microcredits": found.filter(|c| c.kind == CodeKind::Credits).map(|c| c.microcredits),
        "percent_off": found.and_then(|c| c.percent_off),
        "applies_to": found.map(|c| applies_to(c.kind)),
        "expires_at": found.and_then(|c| c.expires_at.clone()),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopupBody {
    /// PAYG microcredits to buy (a multiple of `microcredits_per_cent`).
    #[serde(default)]
    pub microcredits: Option<i64>,
    /// What the client expects to pay, discount included; checked against the price.
    #[serde(default)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// The same key answers the same top-up (retries are safe).
    pub idempotency_key: String,
}

fn payment_json(p: &PaymentRecord) -> Value {
    json!({
        "id": p.id,
        "provider": p.provider,
        "status": p.status,
        "amount_cents": p.amount_cents,
        "currency": p.currency,
        "microcredits": p.microcredits,
        "discount_code": p.discount_code,
        "payment_intent_id": p.provider_ref,
        "failure_reason": p.failure_reason,
        "created_at": views::time(p.created_at),
        "updated_at": views::time(p.updated_at),
    })
}

/// `POST /v1/billing/topups/payg/intent` → 201 `{payment, client_secret, publishable_key,
/// …}`: a Stripe PaymentIntent for the browser to confirm. On a `manual` server, 409: an
/// operator grants credits there.
pub async fn topup_intent(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<TopupBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = body.idempotency_key.trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || key.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad_request(format!(
            "`idempotency_key` must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"
        )));
    }
    let project = gate.project()?;
    let Some(stripe) = state.payments().stripe() else {
        return Err(ApiError::conflict(
            "this server takes no card payments (billing.payments.provider = \"manual\"): credits are granted by an operator (`agentruntime admin credits grant`)",
        )
        .with("code", json!("PAYMENTS_NOT_CONFIGURED")));
    };
    let now = now_ms();
    let codes = Codes {
        state: &state,
        workspace_id: &project.workspace_id,
    };
    let settings = &state.settings().billing.payments;
    let quote = quote(
        settings,
        body.microcredits,
        body.amount_cents,
        body.currency.as_deref(),
        codes.active_discount(now).await?,
    )?;
    let opened = payments::open_topup(
        &state,
        stripe,
        NewPayment {
            workspace_id: project.workspace_id.clone(),
            provider: "stripe".into(),
            idempotency_key: key.to_owned(),
            amount_cents: quote.amount_cents,
            currency: quote.currency.clone(),
            microcredits: quote.microcredits,
            discount_code: quote.discount.as_ref().map(|(c, _)| c.clone()),
            created_by: Some(gate.principal.user.id.clone()),
            at: now,
        },
    )
    .await?;
    let mut payment = payment_json(&opened.payment);
    payment["payment_intent_id"] = json!(opened.intent.id);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "payment": payment,
            "provider": "stripe",
            "payment_intent_id": opened.intent.id,
            "client_secret": opened.intent.client_secret,
            "intent_status": opened.intent.status,
            "publishable_key": stripe.publishable_key,
            "list_amount_cents": quote.list_cents,
            "percent_off": quote.discount.map(|(_, p)| p),
        })),
    ))
}

/// `GET /v1/billing/topups/payg/{payment_id}` → `{payment}` (the workspace's only).
pub async fn topup(
    State(state): State<AppState>,
    gate: Gate,
    Path(payment_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    let payment = state
        .integrations()
        .billing_payment(&project.workspace_id, &payment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("top-up"))?;
    Ok(Json(json!({"payment": payment_json(&payment)})))
}

/// `GET /v1/config/stripe`: what the console's checkout needs; public (a publishable key
/// is meant for browsers).
pub async fn stripe_config(State(state): State<AppState>) -> Json<Value> {
    let settings = &state.settings().billing.payments;
    let stripe = state.payments().stripe();
    Json(json!({
        "enabled": stripe.is_some(),
        "provider": settings.provider.as_str(),
        "publishable_key": stripe.map(|s| s.publishable_key.clone()),
        "currency": settings.currency,
        "microcredits_per_cent": settings.microcredits_per_cent,
        "min_topup_cents": settings.min_topup_cents,
        "max_topup_cents": settings.max_topup_cents,
    }))
}

/// `POST /v1/billing/webhooks/stripe`: Stripe's events, authenticated by their signature.
/// A delivery already handled (same event id) answers 200 and changes nothing, so
/// Stripe's redeliveries and replays are harmless.
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Some(stripe) = state.payments().stripe() else {
        return Err(ApiError::not_found(
            "Stripe webhook endpoint (Stripe is not configured)",
        ));
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    stripe
        .verify(signature, &body, now_ms() / 1000)
        .map_err(ApiError::bad_request)?;
    let event = parse_event(&body).map_err(ApiError::bad_request)?;
    let Event::Intent(e) = event else {
        return Ok(Json(json!({"received": true, "handled": false})));
    };
    let outcome = match e.kind.as_str() {
        "payment_intent.succeeded" => PaymentOutcome::Succeeded {
            amount_cents: e.amount_received,
            currency: e.currency.clone(),
        },
        "payment_intent.payment_failed" => PaymentOutcome::Failed {
            reason: e.failure.clone().unwrap_or_else(|| "payment failed".into()),
        },
        _ => PaymentOutcome::Canceled,
    };
    let settled = state
        .integrations()
        .billing_settle_payment(&Settlement {
            provider: "stripe".into(),
            event_id: e.event_id.clone(),
            event_kind: e.kind.clone(),
            provider_ref: e.intent_id.clone(),
            payment_id: e.payment_id.clone(),
            outcome,
            at: now_ms(),
        })
        .await?;
    let result = match &settled {
        SettleOutcome::DuplicateEvent => "duplicate",
        SettleOutcome::UnknownPayment => "unknown_payment",
        SettleOutcome::Credited(_) => "credited",
        SettleOutcome::Mismatch(_) => "amount_mismatch",
        SettleOutcome::Recorded { .. } => "recorded",
    };
    match &settled {
        SettleOutcome::Credited(entry) => tracing::info!(
            event = "billing_topup_credited",
            workspace_id = %entry.workspace_id,
            microcredits = entry.microcredits,
            payment_intent = %e.intent_id,
        ),
        SettleOutcome::Mismatch(why) => tracing::warn!(
            event = "billing_topup_mismatch",
            payment_intent = %e.intent_id,
            "{why}"
        ),
        _ => {}
    }
    Ok(Json(
        json!({"received": true, "handled": true, "result": result}),
    ))
}
