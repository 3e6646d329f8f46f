//! `check_syntax` (dry-run `lua_syntax`): compiles without running.

use ar_lua::{LuaError, check_syntax};

/// (case, script)
const VALID: &[&str] = &[
    "return {}",
    "",
    "local x = 1 return { x = x }",
    "for i = 1, 10 do end return {}",
    "local t: {number} = {1, 2} return { n = #t }", // Luau type annotations
    "local x = 1 x += 2 return { x = x }",          // Luau compound assignment
    "while true do end",                            // compiles; only running would time out
    "return { s = `interpolated {1 + 1}` }",        // Luau string interpolation
];

/// (script, expected line, fragment of the message)
const INVALID: &[(&str, u32, &str)] = &[
    ("return {", 1, "Expected"),
    ("local x = 1\nlocal y = = 2", 2, "Expected identifier"),
    ("local x = 1\n\n\nif x then", 4, "Expected 'end'"),
    ("foo bar", 1, "Incomplete statement"),
    ("return 1 +", 1, "Expected identifier"),
    (
        "local function f()\n  return 1\nreturn {}",
        3,
        "Expected 'end'",
    ),
    ("break", 1, "break"),
    ("x = 'unterminated", 1, "Malformed string"),
];

#[test]
fn valid_scripts_pass() {
    for script in VALID {
        assert_eq!(check_syntax(script), Ok(()), "{script:?}");
    }
}

#[test]
fn invalid_scripts_report_line_and_message() {
    let failures: Vec<String> = INVALID
        .iter()
        .filter_map(|(script, line, fragment)| match check_syntax(script) {
            Err(LuaError::Syntax {
                line: Some(got),
                message,
            }) if got == *line && message.contains(fragment) => None,
            other => Some(format!(
                "{script:?}: expected line {line} with {fragment:?}, got {other:?}"
            )),
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn syntax_check_does_not_run_the_script() {
    // Running it would time out; compiling is instant.
    let started = std::time::Instant::now();
    assert_eq!(check_syntax("while true do end return {}"), Ok(()));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}
