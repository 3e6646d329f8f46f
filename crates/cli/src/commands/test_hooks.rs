//! Test hooks for the crash and recovery tests of `run` and `serve`
//! (`crates/cli/tests/crash_*.rs`, `serve_*.rs`). Compiled in always, inert unless their
//! environment variable is set; documented in `docs/cli.md`.
//!
//! - `AR_FAILPOINT=after_execute:<step_id>`: abort the process (SIGABRT) right after the
//!   executor of `<step_id>` returns and before its result is committed — the window
//!   between a step's side effect and its commit.
//! - `AR_TEST_EXECUTION_LOG=<file>`: append one JSON line per finished execution,
//!   `{"step_id", "attempt", "key"}` (`key` is the idempotency key), making executions
//!   observable from outside the process.
//! - `AR_TEST_STEP_DELAY_MS=<ms>`: wait this long before each execution, so a test can
//!   kill the process while steps are in flight.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ar_engine::{Executors, StepCall, StepExecutor, StepFailure};
use async_trait::async_trait;
use serde_json::{Value, json};

use crate::exit::Unreadable;

pub const FAILPOINT_VAR: &str = "AR_FAILPOINT";
pub const EXECUTION_LOG_VAR: &str = "AR_TEST_EXECUTION_LOG";
pub const STEP_DELAY_VAR: &str = "AR_TEST_STEP_DELAY_MS";

/// The hooks the environment asks for.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TestHooks {
    /// Abort after this step's executor returns.
    abort_after: Option<String>,
    execution_log: Option<PathBuf>,
    delay: Option<Duration>,
}

impl TestHooks {
    /// Reads the hooks from the environment; `None` when no hook variable is set.
    pub fn from_env() -> Result<Option<TestHooks>, Unreadable> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        TestHooks::parse(
            var(FAILPOINT_VAR).as_deref(),
            var(EXECUTION_LOG_VAR).as_deref(),
            var(STEP_DELAY_VAR).as_deref(),
        )
    }

    fn parse(
        failpoint: Option<&str>,
        log: Option<&str>,
        delay_ms: Option<&str>,
    ) -> Result<Option<TestHooks>, Unreadable> {
        let abort_after = match failpoint {
            None => None,
            Some(spec) => match spec.split_once(':') {
                Some(("after_execute", step)) if !step.is_empty() => Some(step.to_string()),
                _ => {
                    return Err(Unreadable(format!(
                        "{FAILPOINT_VAR}={spec:?}: expected after_execute:<step_id>"
                    )));
                }
            },
        };
        let delay = match delay_ms {
            None => None,
            Some(ms) => Some(Duration::from_millis(ms.parse().map_err(|_| {
                Unreadable(format!("{STEP_DELAY_VAR}={ms:?}: expected milliseconds"))
            })?)),
        };
        let hooks = TestHooks {
            abort_after,
            execution_log: log.map(PathBuf::from),
            delay,
        };
        Ok((hooks != TestHooks::default()).then_some(hooks))
    }

    /// Wraps every executor of `executors` (by step type) with these hooks.
    pub fn wrap(self, executors: &mut Executors, step_types: &[&str]) {
        let hooks = Arc::new(self);
        for step_type in step_types {
            if let Some(inner) = executors.get(step_type).cloned() {
                executors.register(
                    step_type,
                    Arc::new(HookedExecutor {
                        inner,
                        hooks: hooks.clone(),
                    }),
                );
            }
        }
    }

    fn log_execution(&self, call: &StepCall) {
        let Some(path) = &self.execution_log else {
            return;
        };
        let line =
            json!({"step_id": call.step_id, "attempt": call.attempt, "key": call.idempotency_key});
        // One write of a whole line to an O_APPEND file: lines from concurrent steps do not
        // interleave, and a line written before a SIGKILL survives it.
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = written {
            eprintln!(
                "{EXECUTION_LOG_VAR}: cannot append to {}: {e}",
                path.display()
            );
        }
    }
}

/// An executor with the test hooks around it.
struct HookedExecutor {
    inner: Arc<dyn StepExecutor>,
    hooks: Arc<TestHooks>,
}

#[async_trait]
impl StepExecutor for HookedExecutor {
    fn reports_progress(&self) -> bool {
        self.inner.reports_progress()
    }

    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        if let Some(delay) = self.hooks.delay {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = call.cancel.cancelled() => {
                    return Err(StepFailure::permanent("CANCELLED", "cancelled"));
                }
            }
        }
        let outcome = self.inner.execute(call.clone()).await;
        self.hooks.log_execution(&call);
        if self.hooks.abort_after.as_deref() == Some(call.step_id.as_str()) {
            eprintln!(
                "{FAILPOINT_VAR}: aborting after executing {} (attempt {}), before its commit",
                call.step_id, call.attempt
            );
            std::process::abort();
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_hook_variable_means_no_hooks() {
        assert_eq!(TestHooks::parse(None, None, None).ok(), Some(None));
    }

    #[test]
    fn hook_variables_are_parsed_or_refused() {
        let ok = TestHooks::parse(Some("after_execute:s3"), Some("/tmp/log"), Some("25"))
            .ok()
            .flatten();
        assert_eq!(
            ok,
            Some(TestHooks {
                abort_after: Some("s3".into()),
                execution_log: Some(PathBuf::from("/tmp/log")),
                delay: Some(Duration::from_millis(25)),
            })
        );
        let refused = [
            (Some("after_execute:"), None),
            (Some("before_commit:s3"), None),
            (Some("s3"), None),
            (None, Some("soon")),
        ];
        for (failpoint, delay) in refused {
            assert!(
                TestHooks::parse(failpoint, None, delay).is_err(),
                "{failpoint:?} {delay:?}"
            );
        }
    }
}
