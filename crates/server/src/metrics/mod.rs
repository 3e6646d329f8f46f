//! Prometheus metrics (`GET /metrics`, docs/operations.md).
//!
//! Everything records through the `metrics` facade: the engine (runs, step durations,
//! leases), the executors (MCP call durations, LLM tokens) and this crate (HTTP requests,
//! WebSocket subscribers). [`install`] puts one process-wide Prometheus recorder behind the
//! facade and describes every family; `/metrics` renders it, after refreshing the gauges
//! read on scrape: the work queue from the store ([`queue`]) and the MCP connection
//! pool's children and refusals ([`mcp_pool`]).
//!
//! Adding a family: record it where it happens (`metrics::counter!(NAME, "label" =>
//! value)`) and add one line to that crate's `FAMILIES` table (name, kind, help), so it is
//! described. Labels must come from small fixed sets (a route template, a status, a step
//! type): never an id, a URL or a user-supplied string.

pub mod access;
pub mod http;
pub mod mcp_pool;
pub mod queue;

use std::sync::OnceLock;

use ar_engine::telemetry::{MetricFamily, MetricKind};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUEST_DURATION: &str = "agentruntime_http_request_duration_seconds";
pub const WEBSOCKET_SUBSCRIBERS: &str = "agentruntime_websocket_subscribers";
pub const BUILD_INFO: &str = "agentruntime_build_info";
pub const BILLING_DEBITS: &str = "agentruntime_billing_debits_total";
pub const BILLING_DEBITED_CREDITS: &str = "agentruntime_billing_debited_credits_total";
pub const BILLING_DEBIT_FAILURES: &str = "agentruntime_billing_debit_failures_total";

/// This crate's families (the queue gauges are listed in [`queue::FAMILIES`]).
pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: HTTP_REQUEST_DURATION,
        kind: MetricKind::Histogram,
        help: "HTTP requests by route template, method and status code.",
    },
    MetricFamily {
        name: WEBSOCKET_SUBSCRIBERS,
        kind: MetricKind::Gauge,
        help: "Open WebSocket event streams on this node.",
    },
    MetricFamily {
        name: BUILD_INFO,
        kind: MetricKind::Gauge,
        help: "Always 1; the version label says which build this node runs.",
    },
    MetricFamily {
        name: BILLING_DEBITS,
        kind: MetricKind::Counter,
        help: "Billing debits written, by kind.",
    },
    MetricFamily {
        name: BILLING_DEBITED_CREDITS,
        kind: MetricKind::Counter,
        help: "Microcredits debited (one credit is 1,000,000), by kind.",
    },
    MetricFamily {
        name: BILLING_DEBIT_FAILURES,
        kind: MetricKind::Counter,
        help: "Debits that could not be written after their retries (the call was made unpaid), by kind.",
    },
];

/// Histogram buckets (seconds): 1 ms to 5 min, for HTTP requests, steps and tool calls.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0,
];

/// How often histogram observations are folded into their buckets between scrapes.
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same
/// handle) and describes every family. When another recorder is already installed (an
/// embedding program's own), `/metrics` renders this one, which then stays empty.
pub fn install() -> PrometheusHandle {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
                .expect("the bucket list is not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            describe_all();
            metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

fn describe_all() {
    let tables: [&[MetricFamily]; 5] = [
        ar_engine::telemetry::FAMILIES,
        ar_executors::telemetry::FAMILIES,
        FAMILIES,
        queue::FAMILIES,
        mcp_pool::FAMILIES,
    ];
    for family in tables.into_iter().flatten() {
        match family.kind {
            MetricKind::Counter => metrics::describe_counter!(family.name, family.help),
            MetricKind::Gauge => metrics::describe_gauge!(family.name, family.help),
            MetricKind::Histogram => {
                metrics::describe_histogram!(family.name, metrics::Unit::Seconds, family.help)
            }
        }
    }
}

/// Records a billing debit: call it where a debit is committed (once per debit row
/// written, never for a replayed idempotent one). `kind` is the usage kind
/// (`llm.tokens_in`, `mcp.call`, …), a fixed set.
pub fn billing_debited(kind: &str, microcredits: u64) {
    metrics::counter!(BILLING_DEBITS, "kind" => kind.to_owned()).increment(1);
    metrics::counter!(BILLING_DEBITED_CREDITS, "kind" => kind.to_owned()).increment(microcredits);
}

/// Records a debit given up after its retries (the store kept failing).
pub fn billing_debit_failed(kind: &str) {
    metrics::counter!(BILLING_DEBIT_FAILURES, "kind" => kind.to_owned()).increment(1);
}

/// Tracks one open WebSocket stream: the gauge goes up now and down on drop.
pub struct SubscriberGuard(());

impl SubscriberGuard {
    pub fn open() -> SubscriberGuard {
        metrics::gauge!(WEBSOCKET_SUBSCRIBERS).increment(1.0);
        SubscriberGuard(())
    }
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        metrics::gauge!(WEBSOCKET_SUBSCRIBERS).decrement(1.0);
    }
}

/// What `/metrics` needs: the recorder's handle, the store the queue gauges read and the
/// node's MCP connection pool.
pub struct Scrape {
    pub handle: PrometheusHandle,
    pub queue: queue::QueueGauges,
    pub mcp_pool: std::sync::Arc<ar_mcp::McpClientPool>,
}

impl Scrape {
    /// Installs the recorder if this is the process's first server.
    pub fn new(
        store: std::sync::Arc<dyn ar_store::Store>,
        mcp_pool: std::sync::Arc<ar_mcp::McpClientPool>,
    ) -> Scrape {
        Scrape {
            handle: install(),
            queue: queue::QueueGauges::new(store),
            mcp_pool,
        }
    }
}
