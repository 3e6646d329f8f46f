//! What the engine reports about itself (docs/operations.md):
//!
//! - metric families, recorded through the `metrics` facade: nothing is kept unless the
//!   process installed a recorder (the server's `/metrics` does; `agentruntime run` does
//!   not), and recording without one costs an atomic load;
//! - a [`RunTracing`] hook that puts the spans of step attempts into their run's trace.
//!   The engine knows `tracing` only; the OpenTelemetry side (trace ids derived from run
//!   ids, export) belongs to whoever installs the hook.
//!
//! Labels never carry ids: a step type, a run status or an outcome, all from small fixed
//! sets, so a family's series stay few whatever the workload.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ar_store::RunRecord;

/// How a family is exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    /// Observations in seconds (bucketed by the exporter).
    Histogram,
}

/// One metric family: its name, kind and help text. Each crate that records metrics
/// lists its families in a `FAMILIES` table; the exporter describes them all at start.
#[derive(Debug, Clone, Copy)]
pub struct MetricFamily {
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
}

pub const RUNS_STARTED: &str = "agentruntime_runs_started_total";
pub const RUNS_FINISHED: &str = "agentruntime_runs_finished_total";
pub const STEP_DURATION: &str = "agentruntime_step_duration_seconds";
pub const LEASES_LOST: &str = "agentruntime_leases_lost_total";
pub const WORK_RECOVERED: &str = "agentruntime_work_recovered_total";

/// The engine's families (per node; sum them across nodes).
pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: RUNS_STARTED,
        kind: MetricKind::Counter,
        help: "Runs started on this node (a retry in place starts its run again).",
    },
    MetricFamily {
        name: RUNS_FINISHED,
        kind: MetricKind::Counter,
        help: "Runs that reached a terminal status in a commit of this node, by status.",
    },
    MetricFamily {
        name: STEP_DURATION,
        kind: MetricKind::Histogram,
        help: "Duration of step attempts (the executor call) by step type and outcome.",
    },
    MetricFamily {
        name: LEASES_LOST,
        kind: MetricKind::Counter,
        help: "Leases this node held that expired and were taken over (seen by the heartbeat or refused at commit).",
    },
    MetricFamily {
        name: WORK_RECOVERED,
        kind: MetricKind::Counter,
        help: "Work left leased by a stopped process that this node made claimable again at start (embedded store).",
    },
];

pub(crate) fn run_started() {
    metrics::counter!(RUNS_STARTED).increment(1);
}

pub(crate) fn run_finished(status: &'static str) {
    metrics::counter!(RUNS_FINISHED, "status" => status).increment(1);
}

pub(crate) fn step_attempt(step_type: &'static str, outcome: &'static str, took: Duration) {
    metrics::histogram!(STEP_DURATION, "type" => step_type, "outcome" => outcome)
        .record(took.as_secs_f64());
}

pub(crate) fn leases_lost(count: usize) {
    metrics::counter!(LEASES_LOST).increment(count as u64);
}

pub(crate) fn work_recovered(count: u64) {
    metrics::counter!(WORK_RECOVERED).increment(count);
}

/// The terminal status a run-level event announces, if it is one.
pub(crate) fn terminal_status(event_kind: &str) -> Option<&'static str> {
    match event_kind {
        "run_completed" => Some("completed"),
        "run_failed" => Some("failed"),
        "run_stopped" => Some("stopped"),
        _ => None,
    }
}

/// Places the engine's spans in traces. Installed once per process
/// ([`install_run_tracing`]) by the code that exports traces.
pub trait RunTracing: Send + Sync + 'static {
    /// `span` is a step attempt of `run_id`, just created: make it a child of the run.
    fn adopt_step(&self, run_id: &str, span: &tracing::Span);
    /// `run` just reached a terminal status in a commit of this node.
    fn run_finished(&self, run: &RunRecord);
    /// The W3C `traceparent` header value naming `span`, for an outgoing request.
    fn traceparent(&self, span: &tracing::Span) -> Option<String>;
}

/// The W3C `traceparent` of `span` when this process exports traces (else `None`): what
/// an executor sends with an outgoing call so the callee's spans join the run's trace.
pub fn traceparent(span: &tracing::Span) -> Option<String> {
    run_tracing()?.traceparent(span)
}

static RUN_TRACING: OnceLock<Arc<dyn RunTracing>> = OnceLock::new();

/// Installs the process's [`RunTracing`]; a second call is ignored (returns false).
pub fn install_run_tracing(hook: Arc<dyn RunTracing>) -> bool {
    RUN_TRACING.set(hook).is_ok()
}

pub(crate) fn run_tracing() -> Option<&'static Arc<dyn RunTracing>> {
    RUN_TRACING.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_unique_and_follow_prometheus_conventions() {
        let mut names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FAMILIES.len(), "a family is listed twice");
        for f in FAMILIES {
            assert!(f.name.starts_with("agentruntime_"), "{}", f.name);
            match f.kind {
                MetricKind::Counter => assert!(f.name.ends_with("_total"), "{}", f.name),
                MetricKind::Histogram => assert!(f.name.ends_with("_seconds"), "{}", f.name),
                MetricKind::Gauge => assert!(!f.name.ends_with("_total"), "{}", f.name),
            }
        }
    }

    #[test]
    fn only_the_three_terminal_events_finish_a_run() {
        assert_eq!(terminal_status("run_completed"), Some("completed"));
        assert_eq!(terminal_status("run_failed"), Some("failed"));
        assert_eq!(terminal_status("run_stopped"), Some("stopped"));
        assert_eq!(terminal_status("run_started"), None);
        assert_eq!(terminal_status("step_failed"), None);
    }
}
