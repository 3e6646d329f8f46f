//! Engine tuning knobs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ar_lua::LuaLimits;

/// How an [`crate::Engine`] runs. `Default` suits production; tests shorten the timings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This node's name: the owner of its leases, and the `node_id` of the `step_started`
    /// events it writes, so a takeover shows which node ran which attempt. Default
    /// [`default_node_id`]; deployments set a name of their own (`AR_NODE_ID`).
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
    /// Most items one `for_each` invocation may have (docs/contract.md §5 default 10,000).
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
    /// How many times in a row a step may be taken over (its node died or stopped
    /// responding before the step ended) before it fails with `RUN_STALLED_OR_TIMED_OUT`
    /// instead of running again: a step that brings its node down must not do so forever.
    pub max_takeovers: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            node_id: default_node_id(),
            workers: 16,
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            for_each_item_limit: 10_000,
            poll_interval: Duration::from_millis(250),
            default_drain_timeout: Duration::from_secs(60),
            lua_limits: LuaLimits::default(),
            max_result_bytes: 16 * 1024 * 1024,
            max_takeovers: 10,
        }
    }
}

/// Engines started so far in this process (a test may run several).
static ENGINES_IN_PROCESS: AtomicUsize = AtomicUsize::new(0);

/// `<hostname>-<pid>`: stable for the life of the process and readable in events and logs.
/// A second engine in the same process gets `-2`, and so on.
pub fn default_node_id() -> String {
    let host = hostname().unwrap_or_else(|| "node".to_string());
    let base = format!("{host}-{}", std::process::id());
    match ENGINES_IN_PROCESS.fetch_add(1, Ordering::Relaxed) {
        0 => base,
        n => format!("{base}-{}", n + 1),
    }
}

/// The machine's host name, where the OS tells it without a system call of our own: the
/// kernel's (Linux), else `HOSTNAME`.
fn hostname() -> Option<String> {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    from_kernel
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// Why a node id cannot be used, if it cannot: it must be 1–128 printable characters
/// without spaces (it is shown in events and logs and stored with every lease).
pub fn check_node_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.chars().count() > 128 {
        return Err("a node id must be 1 to 128 characters long".into());
    }
    if let Some(c) = id.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "a node id cannot contain whitespace or control characters (found {c:?})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_node_ids_are_host_and_pid_and_distinct_within_a_process() {
        let first = default_node_id();
        let second = default_node_id();
        let pid = std::process::id().to_string();
        assert!(
            first.contains(&pid) && second.contains(&pid),
            "{first} {second}"
        );
        assert_ne!(first, second);
        assert!(check_node_id(&first).is_ok() && check_node_id(&second).is_ok());
    }

    #[test]
    fn node_ids_that_would_garble_events_and_logs_are_refused() {
        assert!(check_node_id("eu-west-1a-worker-3").is_ok());
        for bad in ["", "two words", "tab\there", "new\nline"] {
            assert!(check_node_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_node_id(&"n".repeat(129)).is_err());
        assert!(check_node_id(&"n".repeat(128)).is_ok());
    }
}
