//! The per-workspace quota on unfinished runs (issue 13 item 8, docs/security.md
//! "Defaults"): one workspace cannot fill the shared work queue and starve the others.
//!
//! What counts is every run of the workspace's projects that has not finished: queued,
//! running (waiting on a human task or a timer included), paused and draining. A paused
//! run counts because resuming it needs no new start. The check is made at every start
//! (API, webhooks, cron triggers all come through [`crate::runs::start`]); starts racing
//! one another may pass it together, so the quota can be exceeded by the number of starts
//! in flight at the same moment, never more.

use axum::http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `Retry-After` of a refused start: runs take a while to finish.
const RETRY_AFTER_SECS: u64 = 30;

/// 429 when the workspace of `project_id` already has its quota of unfinished runs.
pub async fn check_run_quota(state: &AppState, project_id: &str) -> ApiResult<()> {
    let limit = i64::from(state.settings().max_active_runs_per_workspace);
    let active = state
        .tenants()
        .count_active_runs_in_workspace_of(project_id)
        .await?;
    if active < limit {
        return Ok(());
    }
    let mut refused = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "this workspace already has {active} unfinished runs, the most this server allows at once ({limit}); wait for some to finish, or stop some, then start again"
        ),
    )
    .with("active_runs", json!(active))
    .with("max_active_runs", json!(limit));
    refused.retry_after = Some(RETRY_AFTER_SECS);
    Err(refused)
}
