//! Following a run until it ends: live events become progress lines, loop bars and run
//! status are polled from the store, human tasks are answered, Ctrl-C interrupts.
//!
//! The poll runs at once when this node publishes an event that changes what it would
//! find (the run ended, a step waits for a person): the run's end is seen as soon as it
//! is committed, not up to a poll interval later. The interval remains for loop bars and
//! for what other nodes commit (PostgreSQL), whose events this node does not receive.
//!
//! Nothing is read back per event: a step's duration comes in its `step_completed` event
//! (docs/contract.md §7), the step states are read only to draw loop bars on a terminal,
//! and the catch-up read at the end starts after the events already printed.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::time::Duration;

use ar_engine::{Engine, RunRecord};
use ar_store::{EventRecord, HumanTaskRecord};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::progress::Progress;

/// How often the store is polled for the run's status, loop progress and human tasks
/// when no event of this node asks for it sooner.
const POLL: Duration = Duration::from_millis(100);

/// Whether `kind` of this run's event may have ended the run or parked a human task: the
/// store is then polled at once.
fn calls_for_poll(kind: &str) -> bool {
    matches!(
        kind,
        "run_completed" | "run_failed" | "run_stopped" | "step_paused"
    )
}

/// How human tasks are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approvals {
    /// `--auto-approve`: every task is approved.
    Auto,
    /// Ask at the terminal.
    Prompt,
    /// Nobody can answer (stdin is not a terminal, no `--auto-approve`).
    Refuse,
}

/// Why watching stopped.
pub enum Ending {
    /// The run reached a terminal status.
    Finished(Box<RunRecord>),
    /// Ctrl-C.
    Interrupted,
    /// The run waits for an answer nobody here can give.
    Unanswerable(String),
}

/// The sequence numbers of the run's events already printed.
#[derive(Default)]
struct Seen {
    seqs: HashSet<i64>,
    /// Every event up to this one was printed: the catch-up read at the end starts after it.
    through: i64,
}

impl Seen {
    /// Whether `seq` is new (and records it).
    fn insert(&mut self, seq: i64) -> bool {
        if seq <= self.through || !self.seqs.insert(seq) {
            return false;
        }
        while self.seqs.remove(&(self.through + 1)) {
            self.through += 1;
        }
        true
    }
}

/// A pending question at the prompt: the task and the reader thread's answer.
type Question = (HumanTaskRecord, JoinHandle<Option<bool>>);

/// Follows `run_id` until it ends, Ctrl-C, or a human task nobody can answer.
pub async fn watch(
    engine: &Engine,
    run_id: &str,
    mut events: broadcast::Receiver<EventRecord>,
    approvals: Approvals,
) -> Result<Ending, ar_engine::EngineError> {
    let store = engine.store().clone();
    let mut progress = Progress::new();
    let mut asked: HashSet<String> = HashSet::new();
    let mut seen = Seen::default();
    let mut question: Option<Question> = None;
    let mut tick = tokio::time::interval(POLL);
    let mut events_open = true;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let ending = loop {
        tokio::select! {
            biased;
            _ = &mut ctrl_c => break Ending::Interrupted,
            received = events.recv(), if events_open => match received {
                // The engine may publish an event twice (e.g. `complete_task`): print once.
                Ok(event) if event.run_id == run_id && seen.insert(event.seq) => {
                    progress.event(&event);
                    if calls_for_poll(&event.kind) {
                        tick.reset_immediately();
                    }
                }
                Ok(_) => {}
                // Missed events may have ended the run: the poll finds out now.
                Err(broadcast::error::RecvError::Lagged(_)) => tick.reset_immediately(),
                // The engine is gone; the poll sees the final status.
                Err(broadcast::error::RecvError::Closed) => {
                    events_open = false;
                    tick.reset_immediately();
                }
            },
            answer = async {
                match question.as_mut() {
                    Some((_, reader)) => reader.await.ok().flatten(),
                    None => std::future::pending().await,
                }
            }, if question.is_some() => {
                if let Some((task, _)) = question.take() {
                    match answer {
                        Some(approved) => {
                            engine.complete_task(run_id, &task.step_id, approved, None, Some("cli")).await?;
                        }
                        None => break Ending::Unanswerable(format!(
                            "no answer for human task {} (stdin closed)", task.step_id
                        )),
                    }
                }
            }
            _ = tick.tick() => {
                let Some(run) = store.get_run(run_id).await? else {
                    return Err(ar_engine::EngineError::NotFound(format!("run {run_id}")));
                };
                if progress.draws_bars() {
                    progress.loops(&store.step_states(run_id, None).await?);
                }
                if run.status.is_terminal() {
                    // The poll can see the end before the engine has published the last
                    // commits' events (or the receiver lagged): print what was missed.
                    for event in store.events(run_id, seen.through, i64::MAX).await? {
                        if seen.insert(event.seq) {
                            progress.event(&event);
                        }
                    }
                    break Ending::Finished(Box::new(run));
                }
                if question.is_some() {
                    continue;
                }
                let pending = store.pending_human_tasks(100).await?;
                let Some(task) = pending.into_iter().find(|t| t.run_id == run_id && !asked.contains(&t.step_id)) else {
                    continue;
                };
                asked.insert(task.step_id.clone());
                progress.line(&describe_task(&task));
                match approvals {
                    Approvals::Auto => {
                        engine.complete_task(run_id, &task.step_id, true, None, Some("cli --auto-approve")).await?;
                        progress.line("  approved automatically (--auto-approve)");
                    }
                    Approvals::Prompt => {
                        let step = task.step_id.clone();
                        question = Some((task, tokio::task::spawn_blocking(move || ask(&step))));
                    }
                    Approvals::Refuse => break Ending::Unanswerable(format!(
                        "human task {} needs an answer, but stdin is not a terminal; rerun with --auto-approve or from a terminal",
                        task.step_id
                    )),
                }
            }
        }
    };
    progress.finish();
    Ok(ending)
}

/// The task's payload, shown before it is answered.
fn describe_task(task: &HumanTaskRecord) -> String {
    let payload = serde_json::to_string_pretty(&task.payload).unwrap_or_default();
    format!(
        "? human task {} ({}) waits for approval:\n{}",
        task.step_id,
        task.task_type,
        indent(&payload)
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks on the terminal until the answer is yes or no; `None` when stdin closes.
fn ask(step_id: &str) -> Option<bool> {
    let stdin = std::io::stdin();
    loop {
        eprint!("approve {step_id}? [y/n] ");
        let mut answer = String::new();
        match stdin.lock().read_line(&mut answer) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        match parse_answer(&answer) {
            Some(approved) => return Some(approved),
            None => eprintln!("please answer y (approve) or n (reject)"),
        }
    }
}

/// `y`/`yes` approves, `n`/`no` rejects (any case); anything else is asked again.
fn parse_answer(answer: &str) -> Option<bool> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_prints_each_event_once_and_knows_how_far_all_were_printed() {
        let mut seen = Seen::default();
        assert!(seen.insert(2));
        assert_eq!(seen.through, 0, "1 is missing");
        assert!(seen.insert(1));
        assert_eq!(seen.through, 2);
        assert!(!seen.insert(2), "published twice, printed once");
        assert!(!seen.insert(1));
        assert!(seen.insert(4));
        assert!(!seen.insert(4));
        assert_eq!(seen.through, 2);
        assert!(seen.insert(3));
        assert_eq!(seen.through, 4);
        assert!(seen.seqs.is_empty(), "nothing kept below `through`");
    }

    #[test]
    fn prompt_answers_are_yes_no_or_asked_again() {
        let cases = [
            ("y\n", Some(true)),
            ("YES\n", Some(true)),
            (" n \n", Some(false)),
            ("no", Some(false)),
            ("maybe\n", None),
            ("\n", None),
        ];
        for (answer, expected) in cases {
            assert_eq!(parse_answer(answer), expected, "{answer:?}");
        }
    }
}
