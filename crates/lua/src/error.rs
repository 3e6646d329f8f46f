//! The errors a script execution can end with, and how raw Luau messages are
//! turned into messages a script author can act on.

use std::time::Duration;

/// Why a script could not run or produce a result.
///
/// `Display` gives a message meant for the script author (line numbers
/// included when Luau reports one).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LuaError {
    /// The source is larger than `LuaLimits::max_source_bytes`.
    #[error("script is {size} bytes, more than the {limit}-byte limit")]
    SourceTooLarge { size: usize, limit: usize },

    /// The source does not compile.
    #[error("Lua syntax error{}: {message}", line_suffix(*line))]
    Syntax { line: Option<u32>, message: String },

    /// The script raised an error (`error("msg")`, a failed `assert`, calling
    /// nil, …). `message` starts with `line N: ` when Luau knows the line.
    #[error("Lua error: {message}")]
    Runtime { message: String },

    /// The script ran past its time limit.
    #[error("script did not finish within its time limit of {}", format_duration(*limit))]
    Timeout { limit: Duration },

    /// The caller cancelled the execution (it no longer wants the result).
    #[error("script execution was cancelled")]
    Cancelled,

    /// The script tried to allocate more than its memory budget.
    #[error("script exceeded its memory limit of {limit} bytes")]
    MemoryLimit { limit: usize },

    /// The returned table encodes to more JSON than `LuaLimits::max_result_bytes`.
    #[error("script result is larger than the {limit}-byte limit (measured as JSON)")]
    ResultTooLarge { limit: usize },

    /// The script returned something other than a table that maps field names
    /// to values.
    #[error(
        "script must return a table of fields (e.g. `return {{ total = 3 }}`), but returned {got}"
    )]
    NotATable { got: String },

    /// Part of the result (or of a `json.encode` argument) has no JSON form.
    /// `path` locates it, e.g. `result.items[2].callback`.
    #[error("{path} cannot be converted to JSON: {reason}")]
    Unconvertible { path: String, reason: String },

    /// A global the caller asked to inject is unusable (its name shadows a
    /// library, or its value is nested too deeply).
    #[error("cannot inject global `{name}`: {reason}")]
    InvalidGlobal { name: String, reason: String },

    /// The runtime itself failed (not the script's fault).
    #[error("Lua runtime failure: {message}")]
    Internal { message: String },
}

impl LuaError {
    /// The step failure code this error maps to (docs/contract.md §7): a time limit is
    /// `STEP_TIMEOUT` (the engine treats it like any other attempt timeout);
    /// everything else, the memory and size limits included, is `LUA_ERROR`.
    pub fn code(&self) -> &'static str {
        match self {
            LuaError::Timeout { .. } => "STEP_TIMEOUT",
            _ => "LUA_ERROR",
        }
    }

    /// The source line the error points at, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            LuaError::Syntax { line, .. } => *line,
            LuaError::Runtime { message } => leading_line_number(message),
            _ => None,
        }
    }
}

fn line_suffix(line: Option<u32>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

fn format_duration(limit: Duration) -> String {
    if limit.subsec_millis() == 0 {
        format!("{} s", limit.as_secs())
    } else {
        format!("{} ms", limit.as_millis())
    }
}

/// The chunk name scripts are compiled under; Luau prefixes positions with it.
pub(crate) const CHUNK_NAME: &str = "script";

/// Turns a raw Luau runtime message such as `script:3: boom` (possibly
/// followed by a stack traceback) into `line 3: boom`. Every `script:N: `
/// position marker is rewritten, so a re-raised error keeps both lines.
pub(crate) fn clean_runtime_message(raw: &str) -> String {
    let without_traceback = raw.split("\nstack traceback:").next().unwrap_or(raw);
    rewrite_positions(without_traceback.trim_end())
}

/// Splits a compiler message like `3: Expected 'end'` (the form mlua reports,
/// sometimes still carrying the chunk name) into its line and text.
pub(crate) fn split_syntax_message(raw: &str) -> (Option<u32>, String) {
    let text = raw.trim();
    let text = text.strip_prefix(CHUNK_NAME).unwrap_or(text);
    let text = text.strip_prefix(':').unwrap_or(text);
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end > 0
        && let Some(rest) = text[digits_end..].strip_prefix(':')
        && let Ok(line) = text[..digits_end].parse::<u32>()
    {
        return (Some(line), rest.trim_start().to_string());
    }
    (None, text.to_string())
}

fn rewrite_positions(message: &str) -> String {
    let marker = format!("{CHUNK_NAME}:");
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(&marker) {
        let after = &rest[at + marker.len()..];
        let digits_end = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        let at_word_start = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        if digits_end > 0 && at_word_start && after[digits_end..].starts_with(':') {
            out.push_str(&rest[..at]);
            out.push_str("line ");
            out.push_str(&after[..digits_end]);
            rest = &after[digits_end..];
        } else {
            out.push_str(&rest[..at + marker.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn leading_line_number(message: &str) -> Option<u32> {
    let rest = message.strip_prefix("line ")?;
    let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..digits_end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_messages_lose_the_chunk_name_and_traceback() {
        let cases = [
            ("script:3: boom", "line 3: boom"),
            (
                "script:3: boom\nstack traceback:\n  [C]: in ?",
                "line 3: boom",
            ),
            ("script:5: script:3: inner", "line 5: line 3: inner"),
            ("boom without position", "boom without position"),
            ("myscript:3: not our chunk", "myscript:3: not our chunk"),
            ("script: no digits", "script: no digits"),
        ];
        for (raw, expected) in cases {
            assert_eq!(clean_runtime_message(raw), expected, "raw: {raw:?}");
        }
    }

    #[test]
    fn syntax_messages_split_into_line_and_text() {
        let cases = [
            ("3: Expected 'end'", Some(3), "Expected 'end'"),
            (
                "script:12: Incomplete statement",
                Some(12),
                "Incomplete statement",
            ),
            (":7: oops", Some(7), "oops"),
            ("no line here", None, "no line here"),
        ];
        for (raw, line, text) in cases {
            assert_eq!(
                split_syntax_message(raw),
                (line, text.to_string()),
                "raw: {raw:?}"
            );
        }
    }

    #[test]
    fn only_timeouts_map_to_step_timeout() {
        let timeout = LuaError::Timeout {
            limit: Duration::from_secs(1),
        };
        let runtime = LuaError::Runtime {
            message: "x".into(),
        };
        let memory = LuaError::MemoryLimit { limit: 1 };
        assert_eq!(timeout.code(), "STEP_TIMEOUT");
        assert_eq!(runtime.code(), "LUA_ERROR");
        assert_eq!(memory.code(), "LUA_ERROR");
    }

    #[test]
    fn runtime_line_is_read_back_from_the_message() {
        let err = LuaError::Runtime {
            message: "line 14: bad".into(),
        };
        assert_eq!(err.line(), Some(14));
        let err = LuaError::Runtime {
            message: "bad".into(),
        };
        assert_eq!(err.line(), None);
    }
}
