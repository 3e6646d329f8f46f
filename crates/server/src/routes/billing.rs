//! Metered usage (docs/contract.md §9 billing, `BillingRead`): `GET /v1/billing/usage` sums a
//! project's usage records per kind over a window. Recording is done by the metered
//! executors (`crate::llm::metering`), once per (run, step, kind).

use ar_store::now_ms;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::json::Json;
use crate::state::AppState;
use crate::views;

/// The default window: the last 30 days.
const DEFAULT_WINDOW_MS: i64 = 30 * 86_400_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// RFC 3339 start (inclusive); default 30 days before `to`.
    #[serde(default)]
    from: Option<String>,
    /// RFC 3339 end (exclusive); default now.
    #[serde(default)]
    to: Option<String>,
}

fn time(name: &str, text: &str) -> ApiResult<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| ApiError::bad_request(format!("`{name}` is not an RFC 3339 time: {e}")))
}

/// `GET /v1/billing/usage` (`X-Project-Id`; optional `from`, `to`) → `{ project_id, from,
/// to, usage: [{kind, quantity}] }`.
pub async fn usage(
    State(state): State<AppState>,
    gate: Gate,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<Value>> {
    let project = gate.project()?;
    let to = match &q.to {
        Some(t) => time("to", t)?,
        None => now_ms(),
    };
    let from = match &q.from {
        Some(t) => time("from", t)?,
        None => to - DEFAULT_WINDOW_MS,
    };
    if from > to {
        return Err(ApiError::bad_request("`from` is after `to`"));
    }
    let totals = state
        .integrations()
        .usage_totals(&project.workspace_id, Some(&project.id), from, to)
        .await?;
    let usage: Vec<Value> = totals
        .iter()
        .map(|t| json!({"kind": t.kind, "quantity": t.quantity}))
        .collect();
    Ok(Json(json!({
        "project_id": project.id, "from": views::time(from), "to": views::time(to),
        "usage": usage,
    })))
}
