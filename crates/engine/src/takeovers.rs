//! Steps that keep losing their node. When the node running a step dies or stops
//! responding, another node (or the restarted one) takes the work over and runs the step
//! again as its next attempt (docs/engine.md "Leases"). If the step itself is what brings
//! its node down — memory, a native call that hangs the process — that would go on
//! forever, taking node after node with it. So a step taken over more than
//! `EngineConfig::max_takeovers` times since its last outcome fails with
//! `RUN_STALLED_OR_TIMED_OUT` instead of running again.

use ar_store::EventRecord;

use crate::executor::StepFailure;

/// The failure code of a step that stopped its node too often (docs/contract.md §7).
pub const RUN_STALLED_OR_TIMED_OUT: &str = "RUN_STALLED_OR_TIMED_OUT";

/// Whether attempt `attempt` of a step could follow more than `max` takeovers at all: each
/// attempt after the first follows a retry or a takeover, so below `max + 2` it cannot,
/// and the run's events need not be read.
pub fn may_exceed(attempt: i64, max: u32) -> bool {
    attempt > i64::from(max) + 1
}

/// How many times `step_id` was taken over before `attempt`: the attempts since its last
/// outcome (a `step_completed` or `step_failed` event, retried or not) that ended without
/// one. Graceful hand-backs keep their attempt number, so they do not count.
pub fn takeovers_before(events: &[EventRecord], step_id: &str, attempt: i64) -> i64 {
    let last_outcome = events
        .iter()
        .filter(|e| e.step_id.as_deref() == Some(step_id))
        .filter(|e| e.kind == "step_completed" || e.kind == "step_failed")
        .filter_map(|e| e.data.get("attempt").and_then(serde_json::Value::as_i64))
        .filter(|a| *a < attempt)
        .max()
        .unwrap_or(0);
    (attempt - 1 - last_outcome).max(0)
}

/// The failure of a step not run again after `takeovers` takeovers.
pub fn stalled(step_id: &str, takeovers: i64) -> StepFailure {
    StepFailure::permanent(
        RUN_STALLED_OR_TIMED_OUT,
        format!(
            "step `{step_id}` was not run again: the node running it stopped responding \
             {takeovers} times in a row (it died, or its lease expired) before the step \
             ended. If the step brings its node down (memory, a hung call), fix the step; \
             the limit is the engine setting `max_takeovers`"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, step: &str, attempt: i64) -> EventRecord {
        EventRecord {
            run_id: "r".into(),
            seq: 0,
            kind: kind.into(),
            step_id: Some(step.into()),
            data: json!({"attempt": attempt}),
            created_at: 0,
        }
    }

    #[test]
    fn attempts_without_an_outcome_since_the_last_one_are_takeovers() {
        // Attempt 1 failed and was retried; 2 and 3 were cut off; now attempt 4.
        let events = vec![
            event("step_failed", "a", 1),
            event("step_completed", "b", 3),
        ];
        assert_eq!(takeovers_before(&events, "a", 4), 2);
        // Nothing ever ended: every earlier attempt was cut off.
        assert_eq!(takeovers_before(&[], "a", 5), 4);
        // A first attempt follows nothing.
        assert_eq!(takeovers_before(&[], "a", 1), 0);
        // A run retried after the step completed at attempt 7 runs it as attempt 8.
        assert_eq!(
            takeovers_before(&[event("step_completed", "a", 7)], "a", 8),
            0
        );
    }

    #[test]
    fn the_events_are_read_only_when_the_limit_could_be_passed() {
        assert!(!may_exceed(1, 0));
        assert!(may_exceed(2, 0));
        assert!(!may_exceed(11, 10));
        assert!(may_exceed(12, 10));
    }
}
