//! [`SandboxLuaChecker`]: the Lua checks of dry-run validation (`lua_syntax`,
//! `lua_fixture`) implemented with the `ar-lua` sandbox.
//!
//! It lives here, beside the sandbox, so the CLI and the server share one implementation.
//! [`BudgetedLuaChecker`] bounds what one validation may spend on its fixtures all
//! together and lets the caller stop it from another thread (the server's dry run).

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{LuaError, LuaLimits, LuaRuntime};
use ar_model::validate::{LuaCheckError, LuaChecker, LuaFailure};
use serde_json::{Map, Value};

/// Time a fixture run may take. Shorter than a step's default (5 s): a dry run should
/// answer quickly, and a fixture failure is only a warning.
pub const FIXTURE_TIMEOUT: Duration = Duration::from_secs(1);

/// Compiles and runs scripts in one reused sandboxed Luau state (each run gets a fresh
/// environment, as in the engine). Not `Sync`: one per validation thread.
pub struct SandboxLuaChecker {
    runtime: RefCell<LuaRuntime>,
}

impl SandboxLuaChecker {
    /// Builds the sandbox with the default limits (64 KiB source, 1 MiB result,
    /// 64 MiB memory).
    pub fn new() -> Result<Self, LuaError> {
        Ok(Self {
            runtime: RefCell::new(LuaRuntime::new(LuaLimits::default())?),
        })
    }
}

impl LuaChecker for SandboxLuaChecker {
    fn check_syntax(&self, script: &str) -> Result<(), LuaCheckError> {
        crate::check_syntax(script).map_err(to_check_error)
    }

    fn run_fixture(
        &self,
        script: &str,
        globals: &[(&str, &Value)],
    ) -> Result<Map<String, Value>, LuaCheckError> {
        self.run(script, globals, FIXTURE_TIMEOUT, None)
            .map_err(to_check_error)
    }
}

impl SandboxLuaChecker {
    fn run(
        &self,
        script: &str,
        globals: &[(&str, &Value)],
        limit: Duration,
        cancel: Option<&Arc<AtomicBool>>,
    ) -> Result<Map<String, Value>, LuaError> {
        // Validation runs scripts one after the other; a borrow failure would mean a
        // re-entrant call, which the validator never makes. Report it rather than panic.
        let mut runtime = self
            .runtime
            .try_borrow_mut()
            .map_err(|_| LuaError::Internal {
                message: "the Lua runtime is busy with another script".to_string(),
            })?;
        runtime.execute_cancellable(script, globals, Some(limit), cancel)
    }

    /// This checker with a total time for all of one validation's fixtures, stopped as
    /// soon as `cancel` is raised.
    pub fn with_budget(&self, budget: Duration, cancel: Arc<AtomicBool>) -> BudgetedLuaChecker<'_> {
        BudgetedLuaChecker {
            inner: self,
            budget,
            deadline: Instant::now() + budget,
            cancel,
        }
    }
}

/// A [`SandboxLuaChecker`] for one validation: its fixtures share one time budget (each
/// still has its own [`FIXTURE_TIMEOUT`]), and a raised cancel flag stops the running one
/// and the rest. A fixture the budget or the cancellation kept from finishing fails with
/// [`LuaFailure::NotRun`]: it says nothing about the script.
pub struct BudgetedLuaChecker<'a> {
    inner: &'a SandboxLuaChecker,
    budget: Duration,
    deadline: Instant,
    cancel: Arc<AtomicBool>,
}

impl BudgetedLuaChecker<'_> {
    fn not_run(&self, message: String) -> LuaCheckError {
        LuaCheckError {
            failure: LuaFailure::NotRun,
            line: None,
            message,
        }
    }

    fn budget_text(&self) -> String {
        format!("{} ms", self.budget.as_millis())
    }
}

impl LuaChecker for BudgetedLuaChecker<'_> {
    fn check_syntax(&self, script: &str) -> Result<(), LuaCheckError> {
        self.inner.check_syntax(script)
    }

    fn run_fixture(
        &self,
        script: &str,
        globals: &[(&str, &Value)],
    ) -> Result<Map<String, Value>, LuaCheckError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(self.not_run("not run: the validation was cancelled".to_string()));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.not_run(format!(
                "not run: this validation's Lua budget ({}) was used up by the scripts before this one",
                self.budget_text()
            )));
        }
        let limit = left.min(FIXTURE_TIMEOUT);
        match self.inner.run(script, globals, limit, Some(&self.cancel)) {
            Err(LuaError::Cancelled) => {
                Err(self.not_run("stopped: the validation was cancelled".to_string()))
            }
            // Cut short by the budget, not by its own time limit: nothing is known.
            Err(LuaError::Timeout { .. }) if limit < FIXTURE_TIMEOUT => Err(self.not_run(format!(
                "stopped: this validation's Lua budget ({}) ran out while the script ran",
                self.budget_text()
            ))),
            other => other.map_err(to_check_error),
        }
    }
}

/// Sorts an `ar-lua` error into the issue kind validation reports for it.
fn to_check_error(error: LuaError) -> LuaCheckError {
    let failure = match &error {
        LuaError::Syntax { .. } | LuaError::SourceTooLarge { .. } => LuaFailure::Syntax,
        LuaError::NotATable { .. }
        | LuaError::Unconvertible { .. }
        | LuaError::ResultTooLarge { .. } => LuaFailure::ReturnType,
        LuaError::Runtime { .. }
        | LuaError::Timeout { .. }
        | LuaError::MemoryLimit { .. }
        | LuaError::InvalidGlobal { .. }
        | LuaError::Internal { .. } => LuaFailure::Runtime,
        LuaError::Cancelled => LuaFailure::NotRun,
    };
    let message = match &error {
        // The line is carried separately; keep the message free of the prefix.
        LuaError::Syntax { message, .. } => message.clone(),
        LuaError::Runtime { message } => strip_line_prefix(message).to_string(),
        other => other.to_string(),
    };
    LuaCheckError {
        failure,
        line: error.line(),
        message,
    }
}

/// `line 3: boom` → `boom` (the line number travels in [`LuaCheckError::line`]).
fn strip_line_prefix(message: &str) -> &str {
    message
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .filter(|(digits, _)| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .map_or(message, |(_, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checker() -> SandboxLuaChecker {
        SandboxLuaChecker::new().expect("sandbox")
    }

    #[test]
    fn each_kind_of_script_problem_maps_to_its_failure() {
        let cases: [(&str, &str, LuaFailure, Option<u32>); 5] = [
            (
                "syntax error",
                "return {\n  x = \n",
                LuaFailure::Syntax,
                Some(3),
            ),
            (
                "error() call",
                "local x = 1\nerror(\"no customer\")",
                LuaFailure::Runtime,
                Some(2),
            ),
            (
                "endless loop",
                "while true do end",
                LuaFailure::Runtime,
                None,
            ),
            (
                "non-table result",
                "return 42",
                LuaFailure::ReturnType,
                None,
            ),
            (
                "function in result",
                "return { f = function() end }",
                LuaFailure::ReturnType,
                None,
            ),
        ];
        let lua = checker();
        for (what, script, failure, line) in cases {
            let error = match lua.check_syntax(script) {
                Err(e) => e,
                Ok(()) => lua.run_fixture(script, &[]).expect_err(what),
            };
            assert_eq!(error.failure, failure, "{what}: {error:?}");
            assert_eq!(error.line, line, "{what}: {error:?}");
        }
    }

    #[test]
    fn runtime_messages_carry_the_text_without_the_line_prefix() {
        let error = checker()
            .run_fixture("error(\"no customer\")", &[])
            .expect_err("raises");
        assert_eq!(error.line, Some(1));
        assert!(error.message.ends_with("no customer"), "{error:?}");
        assert!(!error.message.starts_with("line "), "{error:?}");
    }

    #[test]
    fn fixtures_see_the_globals_and_return_the_table() {
        let input = json!({ "n": 4 });
        let result = checker()
            .run_fixture("return { double = input.n * 2 }", &[("input", &input)])
            .expect("runs");
        assert_eq!(result.get("double"), Some(&json!(8)));
    }

    #[test]
    fn an_endless_fixture_is_stopped_by_the_fixture_timeout() {
        let started = std::time::Instant::now();
        checker()
            .run_fixture("while true do end", &[])
            .expect_err("times out");
        assert!(
            started.elapsed() < FIXTURE_TIMEOUT * 3,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_budget_stops_the_fixtures_that_do_not_fit_and_says_so() {
        let lua = checker();
        let budget = Duration::from_millis(300);
        let budgeted = lua.with_budget(budget, Arc::new(AtomicBool::new(false)));
        let started = std::time::Instant::now();
        let outcomes: Vec<_> = (0..20)
            .map(|_| budgeted.run_fixture("while true do end", &[]))
            .collect();
        assert!(
            started.elapsed() < budget + Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
        let first = outcomes[0].as_ref().expect_err("stopped");
        assert_eq!(first.failure, LuaFailure::NotRun, "{first:?}");
        assert!(first.message.contains("ran out while"), "{first:?}");
        let last = outcomes[19].as_ref().expect_err("not run");
        assert_eq!(last.failure, LuaFailure::NotRun, "{last:?}");
        assert!(last.message.contains("300 ms"), "{last:?}");
        // A script that fits the budget runs as without one.
        let fresh = lua.with_budget(budget, Arc::new(AtomicBool::new(false)));
        assert!(fresh.run_fixture("return { ok = true }", &[]).is_ok());
    }

    #[test]
    fn a_raised_cancel_flag_stops_the_running_fixture_and_the_rest() {
        let lua = checker();
        let cancel = Arc::new(AtomicBool::new(false));
        let budgeted = lua.with_budget(Duration::from_secs(60), cancel.clone());
        let raiser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            cancel.store(true, Ordering::Relaxed);
        });
        let started = std::time::Instant::now();
        let error = budgeted
            .run_fixture("while true do end", &[])
            .expect_err("cancelled");
        assert!(
            started.elapsed() < FIXTURE_TIMEOUT,
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(error.failure, LuaFailure::NotRun, "{error:?}");
        raiser.join().expect("raiser");
        let next = budgeted.run_fixture("return {}", &[]).expect_err("not run");
        assert_eq!(next.failure, LuaFailure::NotRun, "{next:?}");
    }

    #[test]
    fn line_prefixes_are_stripped_only_when_well_formed() {
        let cases = [
            ("line 3: boom", "boom"),
            ("line x: boom", "line x: boom"),
            ("boom", "boom"),
            ("line : boom", "line : boom"),
        ];
        for (raw, expected) in cases {
            assert_eq!(strip_line_prefix(raw), expected, "{raw}");
        }
    }
}
