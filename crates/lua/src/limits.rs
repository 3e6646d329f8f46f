//! Resource limits applied to every script execution (docs/contract.md §4).

use std::time::Duration;

/// Tables nested deeper than this are refused in both directions (injection and
/// results), so a self-referencing or runaway-nested table cannot exhaust the
/// Rust stack and every result stays parseable by `serde_json` (whose own
/// limit is 128).
pub const MAX_NESTING_DEPTH: usize = 100;

/// Limits for one [`crate::LuaRuntime`]. Every execution gets the full budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaLimits {
    /// Largest accepted script source, in bytes (default 64 KiB).
    pub max_source_bytes: usize,
    /// Largest accepted result, measured as its compact JSON encoding (default 1 MiB).
    pub max_result_bytes: usize,
    /// Memory a single execution may allocate on top of what the runtime already
    /// holds, injected globals included (default 64 MiB).
    pub memory_bytes: usize,
    /// Time limit when the caller asks for none (default 5 s).
    pub default_timeout: Duration,
    /// Upper bound on any requested time limit (default 30 s).
    pub max_timeout: Duration,
}

impl Default for LuaLimits {
    fn default() -> Self {
        Self {
            max_source_bytes: 64 * 1024,
            max_result_bytes: 1024 * 1024,
            memory_bytes: 64 * 1024 * 1024,
            default_timeout: Duration::from_secs(5),
            max_timeout: Duration::from_secs(30),
        }
    }
}

impl LuaLimits {
    /// The time limit an execution actually gets: the requested one (or the
    /// default when none is requested), never more than `max_timeout`.
    pub fn effective_timeout(&self, requested: Option<Duration>) -> Duration {
        requested
            .unwrap_or(self.default_timeout)
            .min(self.max_timeout)
    }
}
