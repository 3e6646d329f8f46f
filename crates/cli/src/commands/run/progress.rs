//! Live progress on stderr: a line per finished step (status, duration, attempt), and a
//! progress bar per running `for_each` (drawn only on a terminal).

use std::collections::HashMap;
use std::io::IsTerminal as _;

use ar_store::{EventRecord, StepRecord, StepStatus};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// The terminal side of a watched run.
pub struct Progress {
    bars: MultiProgress,
    loops: HashMap<String, ProgressBar>,
    on_terminal: bool,
}

impl Progress {
    pub fn new() -> Progress {
        let on_terminal = std::io::stderr().is_terminal();
        let target = if on_terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            bars: MultiProgress::with_draw_target(target),
            loops: HashMap::new(),
            on_terminal,
        }
    }

    /// Prints a line above the bars (clearing them, printing, drawing them again).
    pub fn line(&self, text: &str) {
        if self.on_terminal {
            self.bars.suspend(|| eprintln!("{text}"));
        } else {
            eprintln!("{text}");
        }
    }

    /// Prints the line an event deserves, if any.
    pub fn event(&self, event: &EventRecord) {
        if let Some(text) = event_line(event) {
            self.line(&text);
        }
    }

    /// Whether loop bars are drawn (stderr is a terminal): without them the run's step
    /// states need not be read for [`Progress::loops`].
    pub fn draws_bars(&self) -> bool {
        self.on_terminal
    }

    /// Brings the loop bars up to date with the run's top-level step states.
    pub fn loops(&mut self, steps: &[StepRecord]) {
        for step in steps {
            let Some(total) = step.loop_total else {
                continue;
            };
            let done = step.loop_done.unwrap_or(0).max(0) as u64;
            let running = step.status() == StepStatus::Running;
            match self.loops.get(&step.step_key) {
                Some(bar) => {
                    bar.set_position(done);
                    if !running && !bar.is_finished() {
                        bar.finish();
                    }
                }
                None if running => {
                    let bar = self
                        .bars
                        .add(ProgressBar::new(total.max(0) as u64))
                        .with_style(loop_style())
                        .with_prefix(step.step_key.clone());
                    bar.set_position(done);
                    self.loops.insert(step.step_key.clone(), bar);
                }
                None => {}
            }
        }
    }

    /// Finishes every bar (the run ended or was interrupted).
    pub fn finish(&mut self) {
        for bar in self.loops.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}

fn loop_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix} [{bar:30}] {pos}/{len} items ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// How long a step took: the `duration_ms` its `step_completed` event carries (the
/// stored state's `finished_at − started_at`, docs/contract.md §7), so no state is read
/// back per step.
fn duration(data: &Value) -> Option<String> {
    let ms = data.get("duration_ms").and_then(Value::as_i64)?;
    Some(if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    })
}

/// The progress line of one event; `None` for events that get none.
///
/// A loop body's inner steps (`<loop>#body#<inner>`) get none: a loop is shown by its bar
/// and its own line, and a fan-out of thousands of items must not print thousands of lines
/// (the loop's own failure names the item and the inner step).
pub fn event_line(event: &EventRecord) -> Option<String> {
    let step = event.step_id.as_deref()?;
    if step.contains("#body#") {
        return None;
    }
    let data = &event.data;
    let attempt = data
        .get("attempt")
        .and_then(Value::as_i64)
        .filter(|a| *a > 1)
        .map(|a| format!(", attempt {a}"))
        .unwrap_or_default();
    let text = |key: &str| data.get(key).and_then(Value::as_str).unwrap_or("");
    match event.kind.as_str() {
        "step_completed" if data.get("skipped") == Some(&Value::Bool(true)) => {
            Some(format!("○ {step} skipped ({})", text("reason")))
        }
        "step_completed" => {
            let took = duration(data)
                .map(|d| format!(" in {d}"))
                .unwrap_or_default();
            Some(format!("✓ {step} completed{took}{attempt}"))
        }
        "step_failed" => {
            let retry = if data.get("will_retry") == Some(&Value::Bool(true)) {
                ", will retry"
            } else {
                ""
            };
            Some(format!(
                "✗ {step} failed [{}] {}{attempt}{retry}",
                text("failure_code"),
                text("error")
            ))
        }
        "step_paused" => Some(format!("⏸ {step} waits for a person")),
        "task_completed" => {
            let verdict = match data.get("approved") {
                Some(Value::Bool(true)) => "approved",
                _ => "rejected",
            };
            Some(format!("• {step} {verdict}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> EventRecord {
        EventRecord {
            run_id: "r".into(),
            seq: 1,
            kind: kind.into(),
            step_id: Some("s".into()),
            data,
            created_at: 0,
        }
    }

    #[test]
    fn events_become_one_line_with_status_duration_and_attempt() {
        let cases = [
            (
                event("step_completed", json!({"attempt": 1, "duration_ms": 250})),
                Some("✓ s completed in 250 ms"),
            ),
            (
                event(
                    "step_completed",
                    json!({"attempt": 1, "duration_ms": 2_340}),
                ),
                Some("✓ s completed in 2.3 s"),
            ),
            (
                event("step_completed", json!({"attempt": 2})),
                Some("✓ s completed, attempt 2"),
            ),
            (
                event(
                    "step_completed",
                    json!({"skipped": true, "reason": "condition_false"}),
                ),
                Some("○ s skipped (condition_false)"),
            ),
            (
                event(
                    "step_failed",
                    json!({"failure_code": "LUA_ERROR", "error": "boom", "attempt": 1, "will_retry": false}),
                ),
                Some("✗ s failed [LUA_ERROR] boom"),
            ),
            (
                event(
                    "step_failed",
                    json!({"failure_code": "STEP_TIMEOUT", "error": "slow", "attempt": 2, "will_retry": true}),
                ),
                Some("✗ s failed [STEP_TIMEOUT] slow, attempt 2, will retry"),
            ),
            (event("step_started", json!({"attempt": 1})), None),
            (
                EventRecord {
                    step_id: Some("fan#body#work".into()),
                    ..event("step_completed", json!({"attempt": 1, "index": 3}))
                },
                None,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(event_line(&event).as_deref(), expected, "{event:?}");
        }
    }
}
