//! The per-token limit on tool calls (`platform_mcp.tool_calls_per_minute`). HTTP requests
//! to `/mcp` also count against the server's request limits like any other; this one
//! bounds the work tools make (a tool call can be many REST requests). Over it, the call
//! is an error result saying when to try again.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

pub struct ToolCallLimiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl ToolCallLimiter {
    /// `per_minute` calls per token, in bursts of up to that many; 0: no limit.
    pub fn new(per_minute: u32) -> ToolCallLimiter {
        let limiter = NonZeroU32::new(per_minute)
            .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n).allow_burst(n)));
        ToolCallLimiter {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds to wait)` when `key` is over its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets idle keys (memory stays bounded).
    pub fn shrink(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}
