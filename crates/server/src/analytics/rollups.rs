//! Keeps the analytics rollups current (docs/analytics.md "How it stays fast"): at start,
//! then every [`EVERY`], the store rolls up the hours that closed and recomputes the ones
//! that changed since. Every node runs it; the store makes concurrent refreshes safe. An
//! answer is exact whether or not a refresh has run (what is not rolled up is read raw):
//! the refresh only makes answers over long periods fast.

use std::time::Duration;

use ar_store::now_ms;

use crate::state::WeakAppState;

/// How often the rollups are refreshed.
pub const EVERY: Duration = Duration::from_secs(60);

/// Refreshes forever (the caller spawns it); stops when the server is gone.
pub async fn run(state: WeakAppState) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = state.upgrade() else { return };
        let started = std::time::Instant::now();
        match state.tenants().refresh_analytics_rollups(now_ms()).await {
            Ok(report) if report.chunks > 0 || report.dirty > 0 => tracing::info!(
                rolled_until = report.rolled_until,
                project_days = report.chunks,
                dirty_hours = report.dirty,
                took_ms = started.elapsed().as_millis() as u64,
                "analytics rollups refreshed"
            ),
            Ok(_) => {}
            // The answers stay exact without it (read raw): retried at the next tick.
            Err(error) => tracing::warn!(%error, "analytics rollup refresh failed"),
        }
    }
}
