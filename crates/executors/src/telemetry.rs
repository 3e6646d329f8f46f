//! The executors' metric families (recorded through the `metrics` facade; see
//! `ar_engine::telemetry` for the conventions) and the names of their spans.

use std::sync::Weak;
use std::time::Duration;

use ar_engine::telemetry::{MetricFamily, MetricKind};
use ar_mcp::{McpClientPool, PoolHealth};

pub const MCP_CALL_DURATION: &str = "agentruntime_mcp_call_duration_seconds";
// Issue 19 (MCP connections heal): the pool's connections, per transport.
pub const MCP_CONNECTIONS: &str = "agentruntime_mcp_connections";
pub const MCP_CONNECTION_OLDEST_AGE: &str = "agentruntime_mcp_connection_oldest_age_seconds";
pub const LLM_TOKENS: &str = "agentruntime_llm_tokens_total";
pub const LLM_CALL_DURATION: &str = "agentruntime_llm_call_duration_seconds";

pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: MCP_CALL_DURATION,
        kind: MetricKind::Histogram,
        help: "MCP tool calls (connecting included) by transport and outcome (ok or the failure code).",
    },
    MetricFamily {
        name: MCP_CONNECTIONS,
        kind: MetricKind::Gauge,
        help: "Live MCP connections of this node's pool (HTTP sessions, stdio children) by transport.",
    },
    MetricFamily {
        name: MCP_CONNECTION_OLDEST_AGE,
        kind: MetricKind::Gauge,
        help: "Age of the oldest live MCP connection by transport (0 when none); a broken connection is replaced, so its age starts again.",
    },
    MetricFamily {
        name: LLM_TOKENS,
        kind: MetricKind::Counter,
        help: "LLM tokens of successful llm_call attempts by provider and direction (in: prompt, out: completion).",
    },
    MetricFamily {
        name: LLM_CALL_DURATION,
        kind: MetricKind::Histogram,
        help: "LLM requests (in-attempt retries included) by provider and outcome.",
    },
];

pub(crate) fn mcp_call(transport: &'static str, outcome: &str, took: Duration) {
    metrics::histogram!(MCP_CALL_DURATION, "transport" => transport, "outcome" => outcome.to_owned())
        .record(took.as_secs_f64());
}

/// Sets the connection gauges from a snapshot of the pool. Labels: the transport only
/// (a target's URL or command never becomes a label; per-target detail is in the
/// pool's debug log).
pub fn mcp_pool(health: &PoolHealth) {
    for (transport, summary) in health.by_transport() {
        metrics::gauge!(MCP_CONNECTIONS, "transport" => transport).set(summary.connections as f64);
        metrics::gauge!(MCP_CONNECTION_OLDEST_AGE, "transport" => transport)
            .set(summary.oldest_age.as_secs_f64());
    }
}

/// How often the connection gauges are refreshed between calls (ages keep growing
/// while no call runs).
pub const POOL_GAUGES_EVERY: Duration = Duration::from_secs(5);

/// Refreshes the connection gauges every [`POOL_GAUGES_EVERY`] until the pool is gone,
/// from the first time the pool holds a connection on (a node that never called a tool
/// publishes no always-zero family).
pub(crate) async fn watch_pool(pool: Weak<McpClientPool>) {
    let mut ticker = tokio::time::interval(POOL_GAUGES_EVERY);
    let mut used = false;
    loop {
        ticker.tick().await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let health = pool.health();
        used |= !health.connections.is_empty();
        if used {
            mcp_pool(&health);
        }
    }
}

/// `provider` is the name of a configured provider (built in or from the operator's
/// settings), so the label's values are few.
pub(crate) fn llm_call(provider: &str, outcome: &str, took: Duration, tokens: Option<(u64, u64)>) {
    metrics::histogram!(LLM_CALL_DURATION, "provider" => provider.to_owned(), "outcome" => outcome.to_owned())
        .record(took.as_secs_f64());
    if let Some((tokens_in, tokens_out)) = tokens {
        metrics::counter!(LLM_TOKENS, "provider" => provider.to_owned(), "direction" => "in")
            .increment(tokens_in);
        metrics::counter!(LLM_TOKENS, "provider" => provider.to_owned(), "direction" => "out")
            .increment(tokens_out);
    }
}
