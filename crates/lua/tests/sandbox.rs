//! One test per sandbox escape or limit (docs/contract.md §4): each attempt is
//! refused, and the same runtime keeps working normally afterwards.

mod common;

use std::time::{Duration, Instant};

use ar_lua::{LuaError, LuaLimits, LuaRuntime, MAX_NESTING_DEPTH, check_syntax};
use common::{assert_still_works, object, run_on, runtime};
use serde_json::{Value, json};

/// Runs `script` on a shared runtime, checks the outcome, then checks the
/// runtime still works.
fn attempt(
    script: &str,
    expect: impl Fn(&Result<serde_json::Map<String, Value>, LuaError>) -> bool,
) {
    let mut rt = runtime();
    let outcome = run_on(&mut rt, script, &[]);
    assert!(
        expect(&outcome),
        "unexpected outcome for {script:?}: {outcome:?}"
    );
    assert_still_works(&mut rt);
}

fn is_runtime_error(
    outcome: &Result<serde_json::Map<String, Value>, LuaError>,
    fragment: &str,
) -> bool {
    matches!(outcome, Err(LuaError::Runtime { message }) if message.contains(fragment))
}

/// The type of global `name` as a script sees it.
fn global_type(name: &str) -> String {
    let result = run_on(
        &mut runtime(),
        &format!("return {{ t = type({name}) }}"),
        &[],
    )
    .expect("type() runs");
    result["t"].as_str().expect("a string").to_string()
}

#[test]
fn os_library_is_absent() {
    assert_eq!(global_type("os"), "nil");
    attempt("os.execute('echo pwned')", |o| {
        is_runtime_error(o, "attempt to index nil")
    });
}

#[test]
fn io_library_is_absent() {
    assert_eq!(global_type("io"), "nil");
    attempt("return { f = io.open('/etc/passwd'):read('*a') }", |o| {
        is_runtime_error(o, "attempt to index nil")
    });
}

#[test]
fn require_is_absent() {
    assert_eq!(global_type("require"), "nil");
    attempt("local m = require('os') return {}", |o| {
        is_runtime_error(o, "attempt to call a nil value")
    });
}

#[test]
fn loading_code_at_run_time_is_impossible() {
    for name in ["load", "loadstring", "dofile", "loadfile"] {
        assert_eq!(global_type(name), "nil", "{name}");
    }
    attempt("return loadstring('return {}')()", |o| {
        is_runtime_error(o, "attempt to call a nil value")
    });
}

#[test]
fn bytecode_passed_as_a_script_is_refused() {
    let bytecode = mlua::chunk::Compiler::new()
        .compile("return { pwned = true }")
        .expect("compiles");
    // Scripts are text; whatever survives the trip to &str must still be refused.
    let as_text = String::from_utf8_lossy(&bytecode).into_owned();
    let mut rt = runtime();
    let outcome = run_on(&mut rt, &as_text, &[]);
    assert!(
        matches!(outcome, Err(LuaError::Syntax { .. })),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn string_dump_is_absent() {
    attempt("return { t = type(string.dump) }", |o| {
        o == &Ok(object(json!({ "t": "nil" })))
    });
}

#[test]
fn debug_library_is_absent() {
    assert_eq!(global_type("debug"), "nil");
    attempt("return { info = debug.getinfo(1) }", |o| {
        is_runtime_error(o, "attempt to index nil")
    });
}

#[test]
fn getfenv_and_setfenv_are_absent() {
    assert_eq!(global_type("getfenv"), "nil");
    assert_eq!(global_type("setfenv"), "nil");
    attempt("setfenv(1, {}) return {}", |o| {
        is_runtime_error(o, "attempt to call a nil value")
    });
    attempt("return { env = getfenv(0) }", |o| {
        is_runtime_error(o, "attempt to call a nil value")
    });
}

#[test]
fn global_table_alias_is_absent() {
    assert_eq!(global_type("_G"), "nil");
    attempt("_G.string = {} return {}", |o| {
        is_runtime_error(o, "attempt to index nil")
    });
}

#[test]
fn collectgarbage_and_gcinfo_are_absent() {
    assert_eq!(global_type("collectgarbage"), "nil");
    assert_eq!(global_type("gcinfo"), "nil");
    attempt("collectgarbage('stop') return {}", |o| {
        is_runtime_error(o, "attempt to call a nil value")
    });
}

#[test]
fn newproxy_coroutine_buffer_and_vector_are_absent() {
    for name in ["newproxy", "coroutine", "buffer", "vector"] {
        assert_eq!(global_type(name), "nil", "{name}");
    }
}

#[test]
fn documented_globals_exist() {
    let expected = [
        "_VERSION",
        "assert",
        "error",
        "getmetatable",
        "ipairs",
        "next",
        "pairs",
        "pcall",
        "rawequal",
        "rawget",
        "rawlen",
        "rawset",
        "select",
        "setmetatable",
        "tonumber",
        "tostring",
        "type",
        "typeof",
        "unpack",
        "xpcall",
        "print",
        "string",
        "table",
        "math",
        "utf8",
        "bit32",
        "json",
    ];
    for name in expected {
        assert_ne!(global_type(name), "nil", "{name} should exist");
    }
}

#[test]
fn print_is_a_harmless_no_op() {
    attempt("print('hello', 1, {}) return { ok = true }", |o| {
        o == &Ok(object(json!({ "ok": true })))
    });
}

#[test]
fn string_metatable_cannot_be_changed_to_affect_a_later_execution() {
    let mut rt = runtime();
    let attempts = [
        "getmetatable('').__index = { upper = function() return 'pwned' end }",
        "getmetatable('').__index.upper = function() return 'pwned' end",
        "setmetatable(getmetatable(''), {})",
        "rawset(getmetatable(''), '__index', {})",
    ];
    for script in attempts {
        let outcome = run_on(&mut rt, script, &[]);
        assert!(
            is_runtime_error(&outcome, "readonly"),
            "{script}: {outcome:?}"
        );
    }
    let later = run_on(&mut rt, "return { u = ('abc'):upper() }", &[]);
    assert_eq!(later, Ok(object(json!({ "u": "ABC" }))));
}

#[test]
fn library_tables_cannot_be_changed_to_affect_a_later_execution() {
    let mut rt = runtime();
    let attempts = [
        "string.upper = function() return 'pwned' end",
        "rawset(string, 'upper', function() return 'pwned' end)",
        "table.insert = nil",
        "math.floor = function() return 0 end",
        "json.encode = function() return 'pwned' end",
        "setmetatable(string, { __index = function() return 'pwned' end })",
    ];
    for script in attempts {
        let outcome = run_on(&mut rt, script, &[]);
        assert!(
            is_runtime_error(&outcome, "readonly"),
            "{script}: {outcome:?}"
        );
    }
    let later = run_on(
        &mut rt,
        "local t = {} table.insert(t, 1) return { u = string.upper('a'), f = math.floor(2.5), e = json.encode(t) }",
        &[],
    );
    assert_eq!(later, Ok(object(json!({ "u": "A", "f": 2, "e": "[1]" }))));
}

#[test]
fn shared_metatables_of_injected_tables_are_read_only() {
    let mut rt = runtime();
    let steps = json!({ "a-b": { "result": 1 } });
    let outcome = run_on(
        &mut rt,
        "setmetatable(steps, nil) return {}",
        &[("steps", steps.clone())],
    );
    assert!(
        is_runtime_error(&outcome, "protected metatable"),
        "{outcome:?}"
    );
    let outcome = run_on(&mut rt, "setmetatable(json.array(), nil) return {}", &[]);
    assert!(
        is_runtime_error(&outcome, "protected metatable"),
        "{outcome:?}"
    );
    let later = run_on(
        &mut rt,
        "return { r = steps.a_b.result }",
        &[("steps", steps)],
    );
    assert_eq!(later, Ok(object(json!({ "r": 1 }))));
}

#[test]
fn globals_do_not_leak_between_executions() {
    let mut rt = runtime();
    let first = run_on(
        &mut rt,
        "leaked = 'secret' function helper() return 1 end return {}",
        &[],
    );
    assert_eq!(first, Ok(object(json!({}))));
    let second = run_on(
        &mut rt,
        "return { leaked = leaked ~= nil, helper = helper ~= nil }",
        &[],
    );
    assert_eq!(
        second,
        Ok(object(json!({ "leaked": false, "helper": false })))
    );
}

#[test]
fn the_same_cached_script_starts_fresh_every_time() {
    let mut rt = runtime();
    let script = "counter = (counter or 0) + 1 return { counter = counter }";
    for _ in 0..3 {
        assert_eq!(
            run_on(&mut rt, script, &[]),
            Ok(object(json!({ "counter": 1 })))
        );
    }
}

#[test]
fn injected_data_changes_do_not_leak_between_executions() {
    let mut rt = runtime();
    let input = json!({ "items": [1] });
    let script = "table.insert(input.items, 2) input.extra = true return { n = #input.items, extra = input.extra }";
    for _ in 0..2 {
        let outcome = run_on(&mut rt, script, &[("input", input.clone())]);
        assert_eq!(outcome, Ok(object(json!({ "n": 2, "extra": true }))));
    }
}

#[test]
fn infinite_loop_is_stopped_by_the_time_limit() {
    let mut rt = runtime();
    let started = Instant::now();
    let outcome = rt.execute("while true do end", &[], Some(Duration::from_millis(100)));
    assert_eq!(
        outcome,
        Err(LuaError::Timeout {
            limit: Duration::from_millis(100)
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(outcome.expect_err("timed out").code(), "STEP_TIMEOUT");
    assert_still_works(&mut rt);
}

#[test]
fn raising_the_cancel_flag_stops_a_script_long_before_its_time_limit() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let mut rt = runtime();
    let cancel = Arc::new(AtomicBool::new(false));
    let raiser = {
        let cancel = Arc::clone(&cancel);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            cancel.store(true, Ordering::Relaxed);
        })
    };
    let started = Instant::now();
    // pcall cannot swallow the cancellation either.
    let script = "while true do pcall(function() while true do end end) end";
    let outcome = rt.execute_cancellable(script, &[], Some(Duration::from_secs(20)), Some(&cancel));
    assert_eq!(outcome, Err(LuaError::Cancelled));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    raiser.join().expect("raiser");
    // A raised flag refuses to start; without it the runtime works as before.
    let outcome = rt.execute_cancellable("return {}", &[], None, Some(&cancel));
    assert_eq!(outcome, Err(LuaError::Cancelled));
    assert_still_works(&mut rt);
}

#[test]
fn catching_the_timeout_with_pcall_does_not_escape_it() {
    let mut rt = runtime();
    let script = "while true do pcall(function() while true do end end) end";
    let outcome = rt.execute(script, &[], Some(Duration::from_millis(100)));
    assert!(
        matches!(outcome, Err(LuaError::Timeout { .. })),
        "{outcome:?}"
    );
    let script = "local ok = pcall(function() while true do end end) return { caught = not ok }";
    let outcome = rt.execute(script, &[], Some(Duration::from_millis(100)));
    assert!(
        matches!(outcome, Err(LuaError::Timeout { .. })),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn runaway_recursion_is_stopped() {
    attempt(
        "local function f(n) return f(n + 1) + 1 end return { x = f(1) }",
        |o| is_runtime_error(o, "stack overflow"),
    );
}

#[test]
fn requested_timeout_is_capped_at_the_maximum() {
    let limits = LuaLimits {
        max_timeout: Duration::from_millis(100),
        ..LuaLimits::default()
    };
    let mut rt = LuaRuntime::new(limits).expect("runtime");
    let outcome = rt.execute("while true do end", &[], Some(Duration::from_secs(60)));
    assert_eq!(
        outcome,
        Err(LuaError::Timeout {
            limit: Duration::from_millis(100)
        })
    );
}

#[test]
fn string_rep_bomb_is_stopped_by_the_memory_limit() {
    let mut rt = runtime();
    let outcome = run_on(
        &mut rt,
        "return { s = string.rep('x', 200 * 1024 * 1024) }",
        &[],
    );
    assert_eq!(
        outcome,
        Err(LuaError::MemoryLimit {
            limit: LuaLimits::default().memory_bytes
        })
    );
    assert_still_works(&mut rt);
}

#[test]
fn doubling_string_bomb_is_stopped_by_the_memory_limit() {
    let mut rt = runtime();
    let outcome = run_on(&mut rt, "local s = 'x' while true do s = s .. s end", &[]);
    assert!(
        matches!(outcome, Err(LuaError::MemoryLimit { .. })),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn table_growth_bomb_is_stopped_by_the_memory_limit() {
    let limits = LuaLimits {
        memory_bytes: 8 * 1024 * 1024,
        ..LuaLimits::default()
    };
    let mut rt = LuaRuntime::new(limits).expect("runtime");
    let outcome = run_on(
        &mut rt,
        "local t = {} local i = 0 while true do i += 1 t[i] = {i} end",
        &[],
    );
    assert!(
        matches!(outcome, Err(LuaError::MemoryLimit { limit }) if limit == 8 * 1024 * 1024),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn memory_limit_applies_to_each_execution_not_cumulatively() {
    let limits = LuaLimits {
        memory_bytes: 8 * 1024 * 1024,
        ..LuaLimits::default()
    };
    let mut rt = LuaRuntime::new(limits).expect("runtime");
    // Each run allocates ~4 MiB; twenty of them would exceed any cumulative budget.
    for _ in 0..20 {
        let outcome = run_on(
            &mut rt,
            "local s = string.rep('x', 4 * 1024 * 1024) return { n = #s }",
            &[],
        );
        assert_eq!(outcome, Ok(object(json!({ "n": 4 * 1024 * 1024 }))));
    }
}

#[test]
fn two_mebibyte_result_is_refused() {
    let mut rt = runtime();
    let outcome = run_on(
        &mut rt,
        "return { s = string.rep('x', 2 * 1024 * 1024) }",
        &[],
    );
    assert_eq!(
        outcome,
        Err(LuaError::ResultTooLarge { limit: 1024 * 1024 })
    );
    assert_still_works(&mut rt);
}

#[test]
fn result_size_limit_is_exact_on_the_json_encoding() {
    let mut rt = runtime();
    // `{"s":"…"}` is 8 bytes plus the string.
    let at_limit = format!("return {{ s = string.rep('x', {}) }}", 1024 * 1024 - 8);
    let over_limit = format!("return {{ s = string.rep('x', {}) }}", 1024 * 1024 - 7);
    assert!(run_on(&mut rt, &at_limit, &[]).is_ok());
    assert_eq!(
        run_on(&mut rt, &over_limit, &[]),
        Err(LuaError::ResultTooLarge { limit: 1024 * 1024 })
    );
}

#[test]
fn sparse_json_array_cannot_allocate_a_huge_result() {
    attempt("return { a = json.array({ [1e9] = 1 }) }", |o| {
        matches!(o, Err(LuaError::ResultTooLarge { .. }))
    });
}

#[test]
fn json_encode_output_is_bounded() {
    let limits = LuaLimits {
        memory_bytes: 4 * 1024 * 1024,
        ..LuaLimits::default()
    };
    let mut rt = LuaRuntime::new(limits).expect("runtime");
    let outcome = run_on(
        &mut rt,
        // One shared 1000-byte string, 10,000 times: tiny in Lua, ~10 MB as JSON.
        "local s = string.rep('x', 1000) local t = {} for i = 1, 10000 do t[i] = s end return { s = json.encode(t) }",
        &[],
    );
    assert!(
        is_runtime_error(
            &outcome,
            "json.encode: the encoded text would be larger than"
        ),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn source_over_64_kib_is_refused() {
    let mut rt = runtime();
    let padding = "-".repeat(65 * 1024);
    let script = format!("{padding}\nreturn {{}}");
    let outcome = run_on(&mut rt, &script, &[]);
    assert_eq!(
        outcome,
        Err(LuaError::SourceTooLarge {
            size: script.len(),
            limit: 64 * 1024
        })
    );
    assert!(matches!(
        check_syntax(&script),
        Err(LuaError::SourceTooLarge { .. })
    ));
    assert_still_works(&mut rt);
}

#[test]
fn source_of_exactly_64_kib_is_accepted() {
    let tail = "\nreturn { ok = true }";
    let script = format!("--{}{tail}", "x".repeat(64 * 1024 - 2 - tail.len()));
    assert_eq!(script.len(), 64 * 1024);
    assert_eq!(
        run_on(&mut runtime(), &script, &[]),
        Ok(object(json!({ "ok": true })))
    );
}

#[test]
fn deeply_nested_result_is_bounded_without_stack_overflow() {
    let mut rt = runtime();
    let outcome = run_on(
        &mut rt,
        "local t = {} for i = 1, 100000 do t = { t } end return { t = t }",
        &[],
    );
    assert!(
        matches!(&outcome, Err(LuaError::Unconvertible { reason, .. }) if reason.contains("nested more than")),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn self_referencing_result_is_refused() {
    attempt(
        "local t = {} t.self = t return t",
        |o| matches!(o, Err(LuaError::Unconvertible { path, .. }) if path.starts_with("result.self.self")),
    );
}

#[test]
fn nesting_right_at_the_limit_is_accepted() {
    // The result table itself is level 1.
    let script = format!(
        "local t = {{}} for i = 1, {} do t = {{ t }} end return {{ t = t }}",
        MAX_NESTING_DEPTH - 2
    );
    assert!(run_on(&mut runtime(), &script, &[]).is_ok());
    let script = format!(
        "local t = {{}} for i = 1, {} do t = {{ t }} end return {{ t = t }}",
        MAX_NESTING_DEPTH - 1
    );
    assert!(matches!(
        run_on(&mut runtime(), &script, &[]),
        Err(LuaError::Unconvertible { .. })
    ));
}

#[test]
fn deeply_nested_injected_json_is_refused() {
    let mut rt = runtime();
    let mut value = json!(1);
    for _ in 0..(MAX_NESTING_DEPTH + 50) {
        value = json!([value]);
    }
    let outcome = run_on(&mut rt, "return {}", &[("input", value)]);
    assert!(
        matches!(&outcome, Err(LuaError::InvalidGlobal { name, .. }) if name == "input"),
        "{outcome:?}"
    );
    assert_still_works(&mut rt);
}

#[test]
fn deeply_nested_json_decode_is_refused() {
    let doc = format!(
        "{}{}",
        "[".repeat(MAX_NESTING_DEPTH + 10),
        "]".repeat(MAX_NESTING_DEPTH + 10)
    );
    let mut rt = runtime();
    let outcome = run_on(
        &mut rt,
        "return { v = json.decode(doc) }",
        &[("doc", Value::String(doc))],
    );
    assert!(is_runtime_error(&outcome, "json.decode"), "{outcome:?}");
    assert_still_works(&mut rt);
}

#[test]
fn runtime_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<LuaRuntime>();
}

#[test]
fn runtime_moves_between_threads() {
    let mut rt = runtime();
    assert_still_works(&mut rt);
    let mut rt = std::thread::spawn(move || {
        assert_still_works(&mut rt);
        rt
    })
    .join()
    .expect("thread ran");
    assert_still_works(&mut rt);
}
