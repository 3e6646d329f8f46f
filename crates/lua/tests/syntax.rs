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

/// Scripts near the compiler's limits rather than the parser's: 260 constant locals (past
/// the 200-register limit unless the compiler folds them), and a closure over 210 upvalues.
fn compiler_limit_scripts() -> Vec<String> {
    let locals: String = (0..260).map(|i| format!("local v{i} = {i}\n")).collect();
    let upvalue_names: Vec<String> = (0..210).map(|i| format!("u{i}")).collect();
    let upvalues = format!(
        "{}\nlocal function f() return {} end\nreturn {{}}",
        upvalue_names
            .chunks(150)
            .map(|names| format!(
                "local {} = {}",
                names.join(", "),
                vec!["1"; names.len()].join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\ndo\n")
            + "\nend",
        upvalue_names.join(" + ")
    );
    vec![format!("{locals}return {{}}"), upvalues]
}

#[test]
fn the_syntax_check_fails_exactly_where_execution_fails_to_compile() {
    // The check compiles without optimization or debug info; the runtime compiles with
    // both. They must agree on what does not compile, and say it the same way.
    let mut runtime = ar_lua::LuaRuntime::new(ar_lua::LuaLimits::default()).expect("runtime");
    let mut scripts: Vec<String> = INVALID.iter().map(|(s, _, _)| s.to_string()).collect();
    scripts.extend(
        VALID
            .iter()
            .filter(|s| !s.contains("while true"))
            .map(|s| s.to_string()),
    );
    scripts.extend(compiler_limit_scripts());
    let mut compile_failures = 0;
    for script in &scripts {
        let checked = check_syntax(script);
        let executed = runtime.execute(script, &[], None);
        match (&checked, &executed) {
            (Ok(()), Err(LuaError::Syntax { .. })) | (Err(_), Ok(_)) => {
                panic!("{script:.60?}: check {checked:?}, execution {executed:?}")
            }
            (Err(check), Err(run)) => {
                compile_failures += 1;
                assert_eq!(check, run, "{script:.60?}");
            }
            _ => {}
        }
    }
    assert!(
        compile_failures >= INVALID.len(),
        "every invalid script was refused"
    );
}
