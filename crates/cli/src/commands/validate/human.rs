//! The compiler-style report of `agentruntime validate`:
//!
//! ```text
//! error[unknown_dependency] summarise at $.steps[1].depends_on[0]: depends on `fetch`, which is not a step
//!   help: did you mean `fetch-x`?
//!
//! 1 error, 0 warnings — graph is not valid
//! ```
//!
//! The text carries ANSI styles; `anstream` strips them when stdout is not a terminal
//! (or `NO_COLOR` is set).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use ar_model::issue::{Issue, Severity};
use ar_model::validate::{Readiness, ValidateResponse};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const STEP: Style = Style::new().bold();
const PATH: Style = AnsiColor::BrightBlack.on_default();
const VALID: Style = AnsiColor::Green.on_default().bold();

/// One line per issue (plus its `help:` line), a blank line, then the summary.
pub fn render(response: &ValidateResponse) -> String {
    let mut out = String::new();
    for issue in &response.issues {
        render_issue(&mut out, issue);
    }
    if !response.issues.is_empty() {
        out.push('\n');
    }
    render_summary(&mut out, response);
    out
}

fn render_issue(out: &mut String, issue: &Issue) {
    let (style, severity) = match issue.severity {
        Severity::Error => (ERROR, "error"),
        Severity::Warning => (WARNING, "warning"),
    };
    let _ = write!(out, "{style}{severity}[{}]{style:#} ", issue.code);
    if let Some(step) = &issue.step_id {
        let _ = write!(out, "{STEP}{step}{STEP:#} at ");
    }
    let _ = writeln!(
        out,
        "{PATH}{}{PATH:#}: {}",
        issue.json_path,
        one_line(&issue.message)
    );
    if let Some(suggestion) = &issue.suggestion {
        let _ = writeln!(out, "  {HELP}help{HELP:#}: {}", one_line(suggestion));
    }
}

fn render_summary(out: &mut String, response: &ValidateResponse) {
    let errors = response.issues.iter().filter(|i| i.is_error()).count();
    let warnings = response.issues.len() - errors;
    if response.valid {
        if warnings > 0 {
            let _ = write!(out, "{} — ", plural(warnings, "warning"));
        }
        let _ = write!(out, "{VALID}graph is valid{VALID:#}");
        if let Some(hash) = &response.graph_hash {
            let _ = write!(out, " (hash {hash})");
        }
        out.push('\n');
        if response.readiness == Readiness::Blocked && !response.blockers.is_empty() {
            let _ = writeln!(
                out,
                "note: not ready to run here: {}",
                response.blockers.join("; ")
            );
        }
    } else {
        let _ = writeln!(
            out,
            "{}, {} — {ERROR}graph is not valid{ERROR:#}",
            plural(errors, "error"),
            plural(warnings, "warning")
        );
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Keeps one issue on one line whatever its message holds (Lua errors can span lines).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn response(valid: bool, issues: Vec<Issue>) -> ValidateResponse {
        ValidateResponse {
            valid,
            readiness: if valid {
                Readiness::Ready
            } else {
                Readiness::Blocked
            },
            blockers: Vec::new(),
            checks_performed: Vec::new(),
            check_results: BTreeMap::new(),
            issues,
            graph_hash: Some("sha256:abc".to_string()),
        }
    }

    fn plain(response: &ValidateResponse) -> String {
        anstream::adapter::strip_str(&render(response)).to_string()
    }

    #[test]
    fn each_issue_is_one_line_with_severity_code_step_path_and_message_then_help() {
        let issue = Issue::error(
            "unknown_dependency",
            Some("summarise"),
            "$.steps[1].depends_on[0]",
            "depends on `fetch`,\nwhich is not a step",
        )
        .with_suggestion("did you mean `fetch-x`?");
        let text = plain(&response(false, vec![issue]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "error[unknown_dependency] summarise at $.steps[1].depends_on[0]: depends on `fetch`, which is not a step"
        );
        assert_eq!(lines[1], "  help: did you mean `fetch-x`?");
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], "1 error, 0 warnings — graph is not valid");
    }

    #[test]
    fn issues_without_a_step_show_only_the_path() {
        let issue = Issue::error("graph_unreadable", None, "$", "the graph is too large");
        let text = plain(&response(false, vec![issue]));
        assert!(
            text.starts_with("error[graph_unreadable] $: the graph is too large\n"),
            "{text}"
        );
    }

    #[test]
    fn summary_counts_errors_and_warnings() {
        let cases = [
            (false, 2, 1, "2 errors, 1 warning — graph is not valid"),
            (false, 1, 3, "1 error, 3 warnings — graph is not valid"),
            (true, 0, 0, "graph is valid (hash sha256:abc)"),
            (true, 0, 2, "2 warnings — graph is valid (hash sha256:abc)"),
        ];
        for (valid, errors, warnings, expected) in cases {
            let issues = (0..errors)
                .map(|_| Issue::error("cycle", Some("a"), "$.steps[0]", "x"))
                .chain(
                    (0..warnings)
                        .map(|_| Issue::warning("step_disabled", Some("b"), "$.steps[1]", "y")),
                )
                .collect();
            let text = plain(&response(valid, issues));
            assert_eq!(text.lines().last(), Some(expected), "{text}");
        }
    }

    #[test]
    fn a_valid_graph_that_cannot_run_here_says_why() {
        let mut r = response(true, vec![]);
        r.readiness = Readiness::Blocked;
        r.blockers = vec!["no executor configured for mcp_call".to_string()];
        let text = plain(&r);
        assert!(
            text.ends_with("note: not ready to run here: no executor configured for mcp_call\n"),
            "{text}"
        );
    }

    #[test]
    fn severities_are_coloured_in_the_raw_output() {
        let cases = [
            (
                Issue::warning("step_disabled", Some("b"), "$.steps[1]", "y"),
                "\u{1b}[1m\u{1b}[33mwarning[step_disabled]\u{1b}[0m ",
            ),
            (
                Issue::error("cycle", Some("a"), "$.steps[0]", "x"),
                "\u{1b}[1m\u{1b}[31merror[cycle]\u{1b}[0m ",
            ),
        ];
        for (issue, prefix) in cases {
            let text = render(&response(false, vec![issue]));
            assert!(text.starts_with(prefix), "{text:?}");
        }
    }
}
