//! Engine tuning knobs.

use std::time::Duration;

use ar_lua::LuaLimits;

/// How an [`crate::Engine`] runs. `Default` suits production; tests shorten the timings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This node's identity on leases (unique per process).
    pub node_id: String,
    /// Steps executing at once on this node.
    pub workers: usize,
    /// How long a claim holds work before another node may take it over; held leases are
    /// extended every third of this while the step runs.
    pub lease: Duration,
    /// First retry delay; doubles each attempt, ±20 % jitter.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Most items one `for_each` invocation may have (CONTRACT §5 default 10,000).
    pub for_each_item_limit: usize,
    /// Longest sleep of the scheduler when it has no wake-up (it also wakes on commits,
    /// notifications and timers).
    pub poll_interval: Duration,
    /// Graceful-stop deadline when the caller names none.
    pub default_drain_timeout: Duration,
    pub lua_limits: LuaLimits,
    /// Largest result (compact JSON bytes) any step may commit; a bigger one fails the step
    /// with `RESULT_TOO_LARGE` instead of bloating the store and every later render.
    pub max_result_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            node_id: format!("node-{}", uuid::Uuid::now_v7()),
            workers: 16,
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            for_each_item_limit: 10_000,
            poll_interval: Duration::from_millis(250),
            default_drain_timeout: Duration::from_secs(60),
            lua_limits: LuaLimits::default(),
            max_result_bytes: 16 * 1024 * 1024,
        }
    }
}
