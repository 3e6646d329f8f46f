//! The MCP connection pool's health, read from the node's pool when `/metrics` is scraped
//! (issue 13 item 6): how many stdio children run against which caps, and how many were
//! refused because every child under a cap was busy. Per node: aggregate with `sum`.

use ar_engine::telemetry::{MetricFamily, MetricKind};
use ar_mcp::McpClientPool;

pub const STDIO_CHILDREN: &str = "agentruntime_mcp_stdio_children";
pub const STDIO_CHILDREN_LIMIT: &str = "agentruntime_mcp_stdio_children_limit";
pub const REFUSALS: &str = "agentruntime_mcp_pool_refusals_total";

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
}
