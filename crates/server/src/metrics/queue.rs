//! The work-queue gauges, read from the store when `/metrics` is scraped. On PostgreSQL
//! every node reports the same shared queue: aggregate them with `max`, not `sum`.
//!
//! The read is cached for [`REFRESH`], so scrapes from several Prometheus replicas (or a
//! scrape loop gone wrong) cost the database at most one query per interval.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_engine::telemetry::{MetricFamily, MetricKind};
use ar_store::{QueueStats, Store, now_ms};
use tokio::sync::Mutex;

pub const READY: &str = "agentruntime_queue_ready";
pub const OLDEST_READY_AGE: &str = "agentruntime_queue_oldest_ready_age_seconds";
pub const LEASED: &str = "agentruntime_queue_leased";
pub const EXPIRED_LEASES: &str = "agentruntime_queue_expired_leases";
pub const SCHEDULED: &str = "agentruntime_queue_scheduled";

pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: READY,
        kind: MetricKind::Gauge,
        help: "Work claimable now (due, not held by a live lease).",
    },
    MetricFamily {
        name: OLDEST_READY_AGE,
        kind: MetricKind::Gauge,
        help: "How long the longest-waiting ready work has been claimable (0 when none).",
    },
    MetricFamily {
        name: LEASED,
        kind: MetricKind::Gauge,
        help: "Work held by a live lease (executing on some node).",
    },
    MetricFamily {
        name: EXPIRED_LEASES,
        kind: MetricKind::Gauge,
        help: "Work whose lease expired without a commit (its holder died or stalled), waiting to be taken over.",
    },
    MetricFamily {
        name: SCHEDULED,
        kind: MetricKind::Gauge,
        help: "Work due later: retry backoffs, timers, human-task expiries.",
    },
];

/// How long one store read of the queue serves scrapes.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The queue gauges of one store, refreshed at most every [`REFRESH`].
pub struct QueueGauges {
    store: Arc<dyn Store>,
    last: Mutex<Option<Instant>>,
}

impl QueueGauges {
    pub fn new(store: Arc<dyn Store>) -> QueueGauges {
        QueueGauges {
            store,
            last: Mutex::new(None),
        }
    }

    /// Reads the queue (unless read within [`REFRESH`]) and sets the gauges. A failed read
    /// is logged and leaves the previous values: a scrape still answers.
    pub async fn refresh(&self) {
        let mut last = self.last.lock().await;
        if last.is_some_and(|at| at.elapsed() < REFRESH) {
            return;
        }
        let now = now_ms();
        match self.store.queue_stats(now).await {
            Ok(stats) => {
                set(&stats, now);
                *last = Some(Instant::now());
            }
            Err(error) => tracing::warn!(%error, "queue metrics not refreshed"),
        }
    }
}

fn set(stats: &QueueStats, now: i64) {
    metrics::gauge!(READY).set(stats.ready as f64);
    metrics::gauge!(LEASED).set(stats.leased as f64);
    metrics::gauge!(EXPIRED_LEASES).set(stats.expired_leases as f64);
    metrics::gauge!(SCHEDULED).set(stats.scheduled as f64);
    let age_ms = stats
        .oldest_ready_since
        .map(|since| (now - since).max(0))
        .unwrap_or(0);
    metrics::gauge!(OLDEST_READY_AGE).set(age_ms as f64 / 1000.0);
}
