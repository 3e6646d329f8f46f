//! Executor-side timing: a [`StepExecutor`] wrapper that notes when each call entered and
//! left the real executor, and the engine overhead those spans imply.
//!
//! The engine overhead of a step is the time between one executor call returning and the
//! next call on the same lane being entered: committing the result, its events and the
//! newly ready work, claiming the next step, building its context and resolving its
//! templates. A lane is one chain of work: the whole run for a sequential chain, one tokio
//! task for the fan-out (the engine hands the next item straight back to the task that
//! committed the previous one).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ar_engine::{StepCall, StepExecutor, StepFailure};
use async_trait::async_trait;
use serde_json::Value;

/// One executor call: its lane (the tokio task it ran on) and when it entered and left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<L> {
    pub lane: L,
    pub entered: Instant,
    pub exited: Instant,
}

/// The lane key the timing executor records: the calling tokio task, if any.
pub type TaskLane = Option<tokio::task::Id>;

/// Wraps the real executor of a step type and records a [`Span`] per call.
pub struct TimingExecutor {
    inner: Arc<dyn StepExecutor>,
    spans: Mutex<Vec<Span<TaskLane>>>,
}

impl TimingExecutor {
    pub fn new(inner: Arc<dyn StepExecutor>) -> TimingExecutor {
        TimingExecutor {
            inner,
            spans: Mutex::new(Vec::new()),
        }
    }

    /// Hands back the spans recorded so far and starts a fresh record.
    pub fn take_spans(&self) -> Vec<Span<TaskLane>> {
        match self.spans.lock() {
            Ok(mut spans) => std::mem::take(&mut *spans),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl StepExecutor for TimingExecutor {
    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let lane = tokio::task::try_id();
        let entered = Instant::now();
        let outcome = self.inner.execute(call).await;
        let exited = Instant::now();
        if let Ok(mut spans) = self.spans.lock() {
            spans.push(Span {
                lane,
                entered,
                exited,
            });
        }
        outcome
    }
}

/// The gaps between consecutive calls of each lane (a call's entry minus the previous
/// call's exit on that lane). A lane's first call has no gap; overlapping spans on one lane
/// (which a lane cannot have) count as zero.
pub fn lane_gaps<L: Hash + Eq + Copy>(spans: &[Span<L>]) -> Vec<Duration> {
    let mut by_lane: HashMap<L, Vec<&Span<L>>> = HashMap::new();
    for span in spans {
        by_lane.entry(span.lane).or_default().push(span);
    }
    let mut gaps = Vec::new();
    for lane in by_lane.values_mut() {
        lane.sort_by_key(|s| s.entered);
        gaps.extend(
            lane.windows(2)
                .map(|pair| pair[1].entered.saturating_duration_since(pair[0].exited)),
        );
    }
    gaps
}

/// The spans with every call on one lane (for workloads whose steps run one at a time,
/// whichever task runs them).
pub fn as_one_lane<L>(spans: &[Span<L>]) -> Vec<Span<()>> {
    spans
        .iter()
        .map(|s| Span {
            lane: (),
            entered: s.entered,
            exited: s.exited,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span on `lane` from `start` to `end` milliseconds after `t0`.
    fn span(t0: Instant, lane: u32, start: u64, end: u64) -> Span<u32> {
        Span {
            lane,
            entered: t0 + Duration::from_millis(start),
            exited: t0 + Duration::from_millis(end),
        }
    }

    fn sorted_millis(gaps: Vec<Duration>) -> Vec<u128> {
        let mut ms: Vec<u128> = gaps.iter().map(Duration::as_millis).collect();
        ms.sort_unstable();
        ms
    }

    #[test]
    fn gaps_are_measured_within_each_lane_only() {
        let t0 = Instant::now();
        // Lane 1: 0–2, 5–6, 10–11 → gaps 3 and 4. Lane 2: 1–3, 4–8 → gap 1. Lane 3: one call.
        let spans = [
            span(t0, 1, 5, 6),
            span(t0, 2, 1, 3),
            span(t0, 1, 0, 2),
            span(t0, 3, 0, 9),
            span(t0, 2, 4, 8),
            span(t0, 1, 10, 11),
        ];
        assert_eq!(sorted_millis(lane_gaps(&spans)), vec![1, 3, 4]);
    }

    #[test]
    fn one_lane_joins_calls_from_different_tasks() {
        let t0 = Instant::now();
        let spans = [span(t0, 1, 0, 2), span(t0, 2, 7, 9), span(t0, 3, 12, 13)];
        assert!(lane_gaps(&spans).is_empty(), "three lanes of one call each");
        assert_eq!(sorted_millis(lane_gaps(&as_one_lane(&spans))), vec![3, 5]);
    }

    #[test]
    fn overlapping_spans_give_a_zero_gap_not_a_panic() {
        let t0 = Instant::now();
        let spans = [span(t0, 1, 0, 5), span(t0, 1, 3, 6)];
        assert_eq!(sorted_millis(lane_gaps(&spans)), vec![0]);
    }
}
