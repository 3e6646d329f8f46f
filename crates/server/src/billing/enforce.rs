//! The credit check at run start (docs/contract.md §14 "Enforcement"): with billing on, a
//! start whose workspace balance is not above zero is refused with 422
//! `INSUFFICIENT_CREDITS`, and the refusal is recorded (`run_rejections`) and logged as a
//! `run_rejected` event. With billing off nothing is refused.
//!
//! The check reads the balance; it reserves nothing. Starts racing one another all pass
//! while the balance is positive, and the charge of their metered steps (charge.rs) is
//! what stops them: see docs/billing.md "Overdraw" for the bound.

use ar_store::integrations::RunRejection;
use ar_store::now_ms;
use axum::http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The failure code of a refused start and of a run stopped by an empty balance.
pub const INSUFFICIENT_CREDITS: &str = "INSUFFICIENT_CREDITS";

/// 422 when billing is on and the workspace of `project_id` has no credits left.
pub async fn check_credits(state: &AppState, project_id: &str, workflow_id: &str) -> ApiResult<()> {
    if !state.settings().billing.enabled {
        return Ok(());
    }
    let Some(workspace) = state
        .integrations()
        .workspace_of_project(project_id)
        .await?
    else {
        return Err(ApiError::not_found("project"));
    };
    let now = now_ms();
    let remaining = remaining_after_refresh(state, &workspace, now).await?;
    if remaining > 0 {
        return Ok(());
    }
    let rejection = RunRejection {
        id: crate::auth::tokens::new_id(),
        workspace_id: workspace.clone(),
        project_id: project_id.to_owned(),
        workflow_id: workflow_id.to_owned(),
        code: INSUFFICIENT_CREDITS.into(),
        at: now,
    };
    state
        .integrations()
        .record_run_rejection(&rejection)
        .await?;
    tracing::warn!(
        event = "run_rejected",
        workspace_id = %workspace,
        workflow_id,
        code = INSUFFICIENT_CREDITS,
        "run start refused: no credits left"
    );
    Err(no_credits(remaining))
}

/// The workspace's total balance once what time did is applied (an ended trial or period).
async fn remaining_after_refresh(state: &AppState, workspace_id: &str, now: i64) -> ApiResult<i64> {
    crate::billing::account(state, workspace_id)
        .refresh(now)
        .await?;
    Ok(state
        .integrations()
        .billing_balances(workspace_id)
        .await?
        .total())
}

/// The 422 of a start refused for lack of credits.
fn no_credits(total_remaining: i64) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "this workspace has no credits left; a tenant admin can top up, start a trial or subscribe (GET /v1/billing/usage shows the balance)",
    )
    .with("code", json!(INSUFFICIENT_CREDITS))
    .with("total_remaining_microcredits", json!(total_remaining))
}

/// Before an Autopilot turn (billing on): the workspace must have credits, as a run
/// start must; no run is refused, so nothing is recorded in `run_rejections`.
pub async fn require_credits(state: &AppState, workspace_id: &str) -> ApiResult<()> {
    if !state.settings().billing.enabled {
        return Ok(());
    }
    let remaining = remaining_after_refresh(state, workspace_id, now_ms()).await?;
    if remaining > 0 {
        return Ok(());
    }
    Err(no_credits(remaining))
}
