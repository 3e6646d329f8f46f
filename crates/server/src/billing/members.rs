//! The plan's member limit (docs/billing.md "Member limits"): with billing on, a workspace
//! whose current plan sets `max_members` cannot get more active members than that, by
//! invite, by accepting one, or by reactivating a member. Without a plan (no subscription,
//! or one that ended) there is no limit, as with billing off.

use ar_store::now_ms;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The error code of a refusal.
pub const PLAN_MEMBER_LIMIT: &str = "PLAN_MEMBER_LIMIT";

/// Refuses (422) when the workspace is at its plan's member limit. `joining` is the user
/// about to become active, if known: an active member already counted is not a new one.
pub async fn check_room(
    state: &AppState,
    workspace_id: &str,
    joining: Option<&str>,
) -> ApiResult<()> {
    let billing = &state.settings().billing;
    if !billing.enabled {
        return Ok(());
    }
    let sub = crate::billing::account(state, workspace_id)
        .refresh(now_ms())
        .await?;
    let limit = sub
        .filter(|s| matches!(s.status.as_str(), "trialing" | "active" | "past_due"))
        .and_then(|s| {
            billing
                .plan(&state.settings().product_code, &s.plan_code)
                .cloned()
        })
        .and_then(|plan| plan.max_members.map(|m| (plan.plan_code, m)));
    let Some((plan_code, max)) = limit else {
        return Ok(());
    };
    let members = state.tenants().list_members(workspace_id).await?;
    let active: Vec<&str> = members
        .iter()
        .filter(|m| m.membership.active)
        .map(|m| m.membership.user_id.as_str())
        .collect();
    if joining.is_some_and(|user| active.contains(&user)) {
        return Ok(());
    }
    if active.len() < max as usize {
        return Ok(());
    }
    Err(ApiError::unprocessable(format!(
        "the plan {plan_code:?} allows {max} active members and the workspace has {}; a tenant admin can change the plan (POST /v1/billing/subscription/change-plan) or deactivate a member",
        active.len()
    ))
    .with("code", json!(PLAN_MEMBER_LIMIT))
    .with("max_members", json!(max)))
}
