//! The data of step events that more than one place in the engine builds.

use ar_store::{NewEvent, StepRecord};
use serde_json::Value;

/// `step_completed` for `record` (a step that ran, was answered or was reused): `data`
/// plus `duration_ms`, the step's `finished_at − started_at` as stored, when both are
/// known. Carrying it in the event lets a follower of the live events print how long the
/// step took without reading the step's state back (docs/contract.md §7).
pub(crate) fn step_completed(record: &StepRecord, mut data: Value) -> NewEvent {
    if let (Some(started), Some(finished), Some(fields)) =
        (record.started_at, record.finished_at, data.as_object_mut())
    {
        fields.insert("duration_ms".into(), Value::from(finished - started));
    }
    NewEvent::new("step_completed", Some(&record.step_key), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn step_completed_carries_the_stored_duration_when_both_times_are_known() {
        let timed = StepRecord {
            step_key: "s".into(),
            started_at: Some(1_000),
            finished_at: Some(1_250),
            ..Default::default()
        };
        let event = step_completed(&timed, json!({"result": 1, "attempt": 1}));
        assert_eq!(event.kind, "step_completed");
        assert_eq!(event.step_id.as_deref(), Some("s"));
        assert_eq!(
            event.data,
            json!({"result": 1, "attempt": 1, "duration_ms": 250})
        );
        let untimed = StepRecord {
            step_key: "s".into(),
            finished_at: Some(1_250),
            ..Default::default()
        };
        let event = step_completed(&untimed, json!({"result": 1}));
        assert_eq!(event.data, json!({"result": 1}));
    }
}
