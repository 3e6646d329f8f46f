//! The MCP connection pool's health, read from the node's pool when `/metrics` is scraped
//! (issue 13 item 6): how many stdio children run against which caps, and how many were
//! refused because every child under a cap was busy. Per node: aggregate with `sum`.
//! And (issue 19, MCP connections heal) the live connections per transport with the age
//! of the oldest: a connection that broke is replaced, so its age starts again.

use ar_engine::telemetry::{MetricFamily, MetricKind};
use ar_mcp::McpClientPool;

pub const STDIO_CHILDREN: &str = "agentruntime_mcp_stdio_children";
pub const STDIO_CHILDREN_LIMIT: &str = "agentruntime_mcp_stdio_children_limit";
pub const REFUSALS: &str = "agentruntime_mcp_pool_refusals_total";
pub const CONNECTIONS: &str = "agentruntime_mcp_connections";
pub const OLDEST_CONNECTION_AGE: &str = "agentruntime_mcp_connection_oldest_age_seconds";

pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: STDIO_CHILDREN,
        kind: MetricKind::Gauge,
        help: "Stdio MCP server processes running or starting on this node.",
    },
    MetricFamily {
        name: STDIO_CHILDREN_LIMIT,
        kind: MetricKind::Gauge,
        help: "The caps on stdio MCP server processes, by scope (node, workspace).",
    },
    MetricFamily {
        name: REFUSALS,
        kind: MetricKind::Counter,
        help: "Stdio MCP server processes refused because every one under a cap was busy, by cap (workspace, node).",
    },
    MetricFamily {
        name: CONNECTIONS,
        kind: MetricKind::Gauge,
        help: "Live pooled MCP connections on this node (HTTP sessions or clients, stdio children), by transport.",
    },
    MetricFamily {
        name: OLDEST_CONNECTION_AGE,
        kind: MetricKind::Gauge,
        help: "Age of the oldest live MCP connection by transport (0 when none); a broken connection is replaced, so its age starts again.",
    },
];

/// Sets the pool's gauges and counters from its current state.
pub fn refresh(pool: &McpClientPool) {
    let stats = pool.stats();
    metrics::gauge!(STDIO_CHILDREN).set(stats.stdio_children as f64);
    metrics::gauge!(STDIO_CHILDREN_LIMIT, "scope" => "node").set(stats.limits.total as f64);
    metrics::gauge!(STDIO_CHILDREN_LIMIT, "scope" => "workspace")
        .set(stats.limits.per_workspace as f64);
    metrics::counter!(REFUSALS, "cap" => "workspace").absolute(stats.refused_at_workspace_cap);
    metrics::counter!(REFUSALS, "cap" => "node").absolute(stats.refused_at_total_cap);
    // The transport is the only label: a target's URL or command never becomes one (the
    // pool's debug log names each connection's redacted target).
    for (transport, summary) in pool.health().by_transport() {
        metrics::gauge!(CONNECTIONS, "transport" => transport).set(summary.connections as f64);
        metrics::gauge!(OLDEST_CONNECTION_AGE, "transport" => transport)
            .set(summary.oldest_age.as_secs_f64());
    }
}
