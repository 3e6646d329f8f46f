//! Table-driven checks of the JSON ⇄ Lua conversions, injected globals,
//! the return-value rule, error messages and the `json` library (docs/contract.md §4).

mod common;

use ar_lua::LuaError;
use common::{object, run, run_on, runtime};
use serde_json::{Value, json};

/// Runs every case and reports all mismatches at once.
fn check_all<C>(
    cases: &[C],
    name_of: impl Fn(&C) -> &str,
    check: impl Fn(&C) -> Result<(), String>,
) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case)
                .err()
                .map(|why| format!("{}: {why}", name_of(case)))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn expect_ok(script: &str, globals: &[(&str, Value)], expected: &Value) -> Result<(), String> {
    match run(script, globals) {
        Ok(result) if Value::Object(result.clone()) == *expected => Ok(()),
        Ok(result) => Err(format!(
            "expected {expected}, got {}",
            Value::Object(result)
        )),
        Err(err) => Err(format!("expected {expected}, got error {err}")),
    }
}

// ---------------------------------------------------------------- JSON → Lua → JSON

/// (case, injected `input.v`, expected `v` in the result; `None` = absent)
const ROUND_TRIPS: &[(&str, &str, Option<&str>)] = &[
    (
        "nested objects",
        r#"{"a":{"b":{"c":1}}}"#,
        Some(r#"{"a":{"b":{"c":1}}}"#),
    ),
    ("array of numbers", "[1,2,3]", Some("[1,2,3]")),
    (
        "array with a null hole keeps its length",
        "[1,null,3]",
        Some("[1,null,3]"),
    ),
    ("array of only nulls", "[null,null]", Some("[null,null]")),
    ("empty array stays an array", "[]", Some("[]")),
    ("empty object stays an object", "{}", Some("{}")),
    (
        "null field is absent",
        r#"{"a":1,"b":null}"#,
        Some(r#"{"a":1}"#),
    ),
    ("top-level null field is absent", "null", None),
    ("integer", "42", Some("42")),
    ("negative integer", "-7", Some("-7")),
    ("float keeps its fraction", "1.5", Some("1.5")),
    ("whole float becomes an integer", "2.0", Some("2")),
    (
        "2^53 is exact",
        "9007199254740992",
        Some("9007199254740992"),
    ),
    (
        "2^53+1 rounds like a double",
        "9007199254740993",
        Some("9007199254740992"),
    ),
    (
        "i64::MAX becomes the nearest double",
        "9223372036854775807",
        Some("9.223372036854776e18"),
    ),
    (
        "u64::MAX becomes the nearest double",
        "18446744073709551615",
        Some("1.8446744073709552e19"),
    ),
    (
        "unicode string",
        r#""héllo ✓ 日本 🎉""#,
        Some(r#""héllo ✓ 日本 🎉""#),
    ),
    (
        "escapes in a string",
        r#""quote \" newline \n tab \t""#,
        Some(r#""quote \" newline \n tab \t""#),
    ),
    ("empty string", r#""""#, Some(r#""""#)),
    ("true", "true", Some("true")),
    ("false", "false", Some("false")),
    ("nested arrays", "[[1,2],[3],[]]", Some("[[1,2],[3],[]]")),
    (
        "array of objects with a null field",
        r#"[{"a":1},{"b":null}]"#,
        Some(r#"[{"a":1},{}]"#),
    ),
    (
        "numeric-string keys stay strings",
        r#"{"1":"a","2":"b"}"#,
        Some(r#"{"1":"a","2":"b"}"#),
    ),
    (
        "unicode keys",
        r#"{"ключ":1,"🔑":2}"#,
        Some(r#"{"ключ":1,"🔑":2}"#),
    ),
];

#[test]
fn injected_values_round_trip_through_lua() {
    check_all(
        ROUND_TRIPS,
        |case| case.0,
        |(_, input, expected)| {
            let value: Value = serde_json::from_str(input).expect("case input is JSON");
            let expected = match expected {
                Some(text) => {
                    json!({ "v": serde_json::from_str::<Value>(text).expect("case output is JSON") })
                }
                None => json!({}),
            };
            expect_ok(
                "return { v = input.v }",
                &[("input", json!({ "v": value }))],
                &expected,
            )
        },
    );
}

#[test]
fn deeply_nested_but_allowed_input_round_trips() {
    let mut value = json!("leaf");
    for _ in 0..90 {
        value = json!({ "n": value });
    }
    let result = run("return { v = input }", &[("input", value.clone())]);
    assert_eq!(result, Ok(object(json!({ "v": value }))));
}

// ---------------------------------------------------------------- Lua tables → JSON

/// (case, script, expected result)
const TABLE_SHAPES: &[(&str, &str, &str)] = &[
    ("empty table is an object", "return {}", "{}"),
    (
        "nested empty table is an object",
        "return { x = {} }",
        r#"{"x":{}}"#,
    ),
    (
        "json.array() is an empty array",
        "return { x = json.array() }",
        r#"{"x":[]}"#,
    ),
    (
        "json.array({}) is an empty array",
        "return { x = json.array({}) }",
        r#"{"x":[]}"#,
    ),
    (
        "sequence is an array",
        "return { x = {1, 2, 3} }",
        r#"{"x":[1,2,3]}"#,
    ),
    (
        "sequence of strings",
        "return { x = {'a', 'b'} }",
        r#"{"x":["a","b"]}"#,
    ),
    (
        "hole makes an object",
        "return { x = {1, nil, 3} }",
        r#"{"x":{"1":1,"3":3}}"#,
    ),
    (
        "json.array keeps holes as null",
        "return { x = json.array({1, nil, 3}) }",
        r#"{"x":[1,null,3]}"#,
    ),
    (
        "json.null element",
        "return { x = {json.null, 1} }",
        r#"{"x":[null,1]}"#,
    ),
    (
        "json.null field is an explicit null",
        "return { x = json.null }",
        r#"{"x":null}"#,
    ),
    (
        "nil field is absent",
        "return { x = nil, y = 1 }",
        r#"{"y":1}"#,
    ),
    (
        "mixed table is an object with string keys",
        "return { x = {1, 2, y = 3} }",
        r#"{"x":{"1":1,"2":2,"y":3}}"#,
    ),
    (
        "sparse table is an object",
        "return { x = {[2] = 'b'} }",
        r#"{"x":{"2":"b"}}"#,
    ),
    (
        "zero and negative keys",
        "return { x = {[0] = 'a', [-1] = 'b'} }",
        r#"{"x":{"0":"a","-1":"b"}}"#,
    ),
    (
        "fractional key",
        "return { x = {[1.5] = 'a'} }",
        r#"{"x":{"1.5":"a"}}"#,
    ),
    (
        "division result keeps its fraction",
        "return { x = 3 / 2 }",
        r#"{"x":1.5}"#,
    ),
    (
        "whole division result is an integer",
        "return { x = 10 / 2 }",
        r#"{"x":5}"#,
    ),
    (
        "2^53 is an integer",
        "return { x = 2^53 }",
        r#"{"x":9007199254740992}"#,
    ),
    ("negative zero is zero", "return { x = -0.0 }", r#"{"x":0}"#),
    (
        "huge double stays a float",
        "return { x = 1e300 }",
        r#"{"x":1e300}"#,
    ),
    (
        "booleans",
        "return { t = true, f = false }",
        r#"{"t":true,"f":false}"#,
    ),
    (
        "unicode built in Lua",
        "return { s = '日本' .. utf8.char(127881) }",
        r#"{"s":"日本🎉"}"#,
    ),
    (
        "table built with table.insert",
        "local t = {} table.insert(t, 'a') table.insert(t, 'b') return { t = t }",
        r#"{"t":["a","b"]}"#,
    ),
    (
        "array of maps",
        "return { rows = { {id = 1}, {id = 2} } }",
        r#"{"rows":[{"id":1},{"id":2}]}"#,
    ),
];

#[test]
fn lua_tables_convert_to_the_documented_json_shapes() {
    check_all(
        TABLE_SHAPES,
        |case| case.0,
        |(_, script, expected)| {
            expect_ok(
                script,
                &[],
                &serde_json::from_str(expected).expect("case output is JSON"),
            )
        },
    );
}

/// (case, script, expected path, expected reason fragment)
const UNCONVERTIBLE: &[(&str, &str, &str, &str)] = &[
    (
        "function field",
        "return { f = function() end }",
        "result.f",
        "function",
    ),
    ("NaN", "return { x = 0/0 }", "result.x", "NaN"),
    ("infinity", "return { x = math.huge }", "result.x", "inf"),
    (
        "nested function",
        "return { items = { {ok = 1}, {cb = print} } }",
        "result.items[2].cb",
        "function",
    ),
    (
        "boolean key",
        "return { x = {[true] = 1} }",
        "result.x",
        "boolean",
    ),
    (
        "table key",
        "return { x = {[{}] = 1} }",
        "result.x",
        "table",
    ),
    (
        "invalid UTF-8 string",
        r#"return { s = "\255" }"#,
        "result.s",
        "UTF-8",
    ),
    (
        "non-index key in json.array",
        "local a = json.array({1}) a.name = 'x' return { a = a }",
        "result.a",
        "json.array",
    ),
];

#[test]
fn values_without_a_json_form_are_refused_with_their_path() {
    check_all(
        UNCONVERTIBLE,
        |case| case.0,
        |(_, script, path, reason)| match run(script, &[]) {
            Err(LuaError::Unconvertible {
                path: got_path,
                reason: got_reason,
            }) if got_path == *path && got_reason.contains(reason) => Ok(()),
            other => Err(format!(
                "expected Unconvertible at {path} mentioning {reason:?}, got {other:?}"
            )),
        },
    );
}

// ---------------------------------------------------------------- injected globals

/// (case, globals, script, expected result)
type ScopeCase = (
    &'static str,
    Vec<(&'static str, Value)>,
    &'static str,
    Value,
);

fn scope_cases() -> Vec<ScopeCase> {
    vec![
        (
            "input",
            vec![("input", json!({"topic": "rust"}))],
            "return { t = input.topic }",
            json!({"t": "rust"}),
        ),
        (
            "steps result",
            vec![("steps", json!({"fetch": {"result": {"n": 3}}}))],
            "return { n = steps.fetch.result.n }",
            json!({"n": 3}),
        ),
        (
            "dashed step id by its name",
            vec![("steps", json!({"fetch-x": {"result": {"n": 4}}}))],
            r#"return { n = steps["fetch-x"].result.n }"#,
            json!({"n": 4}),
        ),
        (
            "dashed step id by its underscore alias",
            vec![("steps", json!({"fetch-x": {"result": {"n": 5}}}))],
            "return { n = steps.fetch_x.result.n }",
            json!({"n": 5}),
        ),
        (
            "alias with several dashes",
            vec![("steps", json!({"get-all-the-things": {"result": 1}}))],
            "return { n = steps.get_all_the_things.result }",
            json!({"n": 1}),
        ),
        (
            "a real underscore key wins over the alias",
            vec![(
                "steps",
                json!({"a_b": {"result": "underscore"}, "a-b": {"result": "dash"}}),
            )],
            "return { r = steps.a_b.result }",
            json!({"r": "underscore"}),
        ),
        (
            "missing step is nil",
            vec![("steps", json!({"a": {"result": 1}}))],
            "return { missing = steps.nope == nil, missing_alias = steps.no_pe == nil }",
            json!({"missing": true, "missing_alias": true}),
        ),
        (
            "skipped step has a null result, which reads as nil",
            vec![("steps", json!({"maybe": {"result": null}}))],
            "return { ran = steps.maybe.result ~= nil }",
            json!({"ran": false}),
        ),
        (
            "run metadata",
            vec![(
                "run",
                json!({"id": "r1", "workflow_id": "w1", "version": 2}),
            )],
            "return { id = run.id, v = run.version }",
            json!({"id": "r1", "v": 2}),
        ),
        (
            "connection",
            vec![("connection", json!({"name": "crm"}))],
            "return { c = connection.name }",
            json!({"c": "crm"}),
        ),
        (
            "for_each item and index",
            vec![("item", json!({"id": 7})), ("index", json!(2))],
            "return { id = item.id, i = index }",
            json!({"id": 7, "i": 2}),
        ),
        (
            "for_each scope table",
            vec![("foreach", json!({"item": "x", "index": 0}))],
            "return { item = foreach.item, i = foreach.index }",
            json!({"item": "x", "i": 0}),
        ),
        (
            "body outputs with the dash alias",
            vec![("body", json!({"clean-up": {"text": "ok"}}))],
            "return { t = body.clean_up.text }",
            json!({"t": "ok"}),
        ),
        (
            "loop iteration and previous outputs with the dash alias",
            vec![(
                "loop",
                json!({"iteration": 3, "prev": {"check-it": {"pass": false}}}),
            )],
            "return { i = loop.iteration, pass = loop.prev.check_it.pass }",
            json!({"i": 3, "pass": false}),
        ),
        (
            "null global is nil",
            vec![("input", json!(null))],
            "return { none = input == nil }",
            json!({"none": true}),
        ),
        (
            "scalar global",
            vec![("index", json!(9))],
            "return { next = index + 1 }",
            json!({"next": 10}),
        ),
        (
            "array global keeps its shape",
            vec![("item", json!([]))],
            "return { same = item, n = #item }",
            json!({"same": [], "n": 0}),
        ),
        (
            "while_eval_script style result",
            vec![("loop", json!({"iteration": 4}))],
            "return { pass = loop.iteration >= 3 }",
            json!({"pass": true}),
        ),
    ]
}

#[test]
fn every_scope_global_is_injected() {
    check_all(
        &scope_cases(),
        |case| case.0,
        |(_, globals, script, expected)| expect_ok(script, globals, expected),
    );
}

#[test]
fn injecting_a_library_name_is_refused() {
    for name in ["string", "json", "math", "print", "pairs"] {
        let result = run("return {}", &[(name, json!(1))]);
        assert!(
            matches!(&result, Err(LuaError::InvalidGlobal { name: got, .. }) if got == name),
            "{name}: {result:?}"
        );
    }
}

// ---------------------------------------------------------------- return value

/// (case, script, fragment of `got`)
const NOT_A_TABLE: &[(&str, &str, &str)] = &[
    ("explicit nil", "return nil", "nothing"),
    ("bare return", "return", "nothing"),
    ("no return at all", "local x = 1", "nothing"),
    ("empty script", "", "nothing"),
    ("number", "return 42", "a number (42)"),
    ("string", "return 'done'", "a string (\"done\")"),
    ("boolean", "return true", "a boolean (true)"),
    ("sequence", "return {1, 2, 3}", "an array"),
    ("json.array", "return json.array()", "an array"),
    ("json.null", "return json.null", "json.null"),
    ("function", "return function() end", "a function"),
];

#[test]
fn scripts_must_return_a_table_of_fields() {
    check_all(
        NOT_A_TABLE,
        |case| case.0,
        |(_, script, fragment)| match run(script, &[]) {
            Err(LuaError::NotATable { got }) if got.contains(fragment) => Ok(()),
            other => Err(format!(
                "expected NotATable mentioning {fragment:?}, got {other:?}"
            )),
        },
    );
}

#[test]
fn only_the_first_returned_value_counts() {
    assert_eq!(
        run("return { a = 1 }, 'ignored'", &[]),
        Ok(object(json!({ "a": 1 })))
    );
}

// ---------------------------------------------------------------- error messages

/// (case, script, expected runtime message)
const ERROR_MESSAGES: &[(&str, &str, &str)] = &[
    ("error() with a line", "error('boom')", "line 1: boom"),
    (
        "line further down",
        "local x = 1\n\nerror('on three')",
        "line 3: on three",
    ),
    (
        "error inside a function reports the error call's line",
        "local function f()\n  error('deep')\nend\nf()",
        "line 2: deep",
    ),
    (
        "level 0 has no position",
        "error('no position', 0)",
        "no position",
    ),
    (
        "assert with a message",
        "assert(1 == 2, 'numbers differ')",
        "line 1: numbers differ",
    ),
    (
        "assert without a message",
        "assert(false)",
        "line 1: assertion failed!",
    ),
    (
        "indexing nil",
        "local t = nil\nreturn t.x",
        "line 2: attempt to index nil with 'x'",
    ),
    (
        "arithmetic on nil",
        "return { x = nil + 1 }",
        "line 1: attempt to perform arithmetic (add) on nil and number",
    ),
    (
        "calling a missing global",
        "undefined_function()",
        "line 1: attempt to call a nil value",
    ),
    (
        "re-raised error keeps the original line",
        "local ok, e = pcall(function()\n error('inner')\nend)\nerror(e, 0)",
        "line 2: inner",
    ),
];

#[test]
fn runtime_errors_carry_the_message_and_line() {
    check_all(
        ERROR_MESSAGES,
        |case| case.0,
        |(_, script, expected)| match run(script, &[]) {
            Err(LuaError::Runtime { message }) if message == *expected => Ok(()),
            other => Err(format!(
                "expected Runtime {{ {expected:?} }}, got {other:?}"
            )),
        },
    );
}

#[test]
fn runtime_error_display_and_code_are_for_script_authors() {
    let err = run("local a = 1\nerror('bad input')", &[]).expect_err("script fails");
    assert_eq!(err.to_string(), "Lua error: line 2: bad input");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.code(), "LUA_ERROR");
}

#[test]
fn syntax_errors_at_run_time_carry_the_line() {
    let err = run("local x = 1\nlocal y = = 2\nreturn {}", &[]).expect_err("does not compile");
    assert!(
        matches!(&err, LuaError::Syntax { line: Some(2), .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("Lua syntax error at line 2: "),
        "{err}"
    );
}

// ---------------------------------------------------------------- json library

/// (case, script, expected result)
const JSON_LIBRARY: &[(&str, &str, &str)] = &[
    (
        "encode a map",
        "return { s = json.encode({ a = 1 }) }",
        r#"{"s":"{\"a\":1}"}"#,
    ),
    (
        "encode an empty table as an object",
        "return { s = json.encode({}) }",
        r#"{"s":"{}"}"#,
    ),
    (
        "encode json.array() as an array",
        "return { s = json.encode(json.array()) }",
        r#"{"s":"[]"}"#,
    ),
    (
        "encode a sequence",
        "return { s = json.encode({1, 2}) }",
        r#"{"s":"[1,2]"}"#,
    ),
    (
        "encode a string",
        "return { s = json.encode('x') }",
        r#"{"s":"\"x\""}"#,
    ),
    (
        "encode json.null",
        "return { s = json.encode(json.null) }",
        r#"{"s":"null"}"#,
    ),
    (
        "encode nil",
        "return { s = json.encode(nil) }",
        r#"{"s":"null"}"#,
    ),
    (
        "encode a float",
        "return { s = json.encode(0.25) }",
        r#"{"s":"0.25"}"#,
    ),
    (
        "decode null field and null element",
        r#"local v = json.decode('{"a":null,"b":[1,null]}') return { a_nil = v.a == nil, n = #v.b, hole = v.b[2] == json.null }"#,
        r#"{"a_nil":true,"n":2,"hole":true}"#,
    ),
    (
        "decode then encode an empty array",
        "return { s = json.encode(json.decode('[]')) }",
        r#"{"s":"[]"}"#,
    ),
    (
        "decode then encode an empty object",
        "return { s = json.encode(json.decode('{}')) }",
        r#"{"s":"{}"}"#,
    ),
    (
        "decode a string",
        r#"return { v = json.decode('"s"') }"#,
        r#"{"v":"s"}"#,
    ),
    (
        "decode a number",
        "return { v = json.decode('12.5') }",
        r#"{"v":12.5}"#,
    ),
    (
        "decode null is nil",
        "return { none = json.decode('null') == nil }",
        r#"{"none":true}"#,
    ),
    (
        "json.array marks and returns the same table",
        "local t = {1, 2} return { same = json.array(t) == t }",
        r#"{"same":true}"#,
    ),
    (
        "json.array metatable is hidden",
        "return { mt = getmetatable(json.array()) }",
        r#"{"mt":"json.array"}"#,
    ),
    (
        "json.null is a unique value",
        "return { eq = json.null == json.null, t = type(json.null), not_nil = json.null ~= nil }",
        r#"{"eq":true,"t":"userdata","not_nil":true}"#,
    ),
    (
        "pcall gets a plain string message",
        "local ok, e = pcall(json.decode, '{') return { ok = ok, t = type(e) }",
        r#"{"ok":false,"t":"string"}"#,
    ),
];

#[test]
fn json_library_functions_behave_as_documented() {
    check_all(
        JSON_LIBRARY,
        |case| case.0,
        |(_, script, expected)| {
            expect_ok(
                script,
                &[],
                &serde_json::from_str(expected).expect("case output is JSON"),
            )
        },
    );
}

/// (case, script, fragment of the runtime error)
const JSON_LIBRARY_ERRORS: &[(&str, &str, &str)] = &[
    (
        "decode invalid JSON",
        "return json.decode('{bad')",
        "line 1: json.decode: invalid JSON",
    ),
    (
        "decode a non-string",
        "return json.decode(5)",
        "line 1: json.decode expects a string, got number",
    ),
    (
        "encode a function",
        "return json.encode({ f = print })",
        "line 1: json.encode: value.f cannot be converted to JSON",
    ),
    (
        "array of a number",
        "return json.array(1)",
        "line 1: json.array expects a table or nothing, got number",
    ),
    (
        "array with two arguments",
        "return json.array({}, {})",
        "line 1: json.array takes at most one argument",
    ),
    (
        "array of a table with a metatable",
        "return json.array(setmetatable({}, {}))",
        "json.array: the table already has a metatable",
    ),
    (
        "json library is read-only",
        "json.null = 1",
        "line 1: attempt to modify a readonly table",
    ),
];

#[test]
fn json_library_errors_name_the_function_and_line() {
    check_all(
        JSON_LIBRARY_ERRORS,
        |case| case.0,
        |(_, script, fragment)| match run(script, &[]) {
            Err(LuaError::Runtime { message }) if message.contains(fragment) => Ok(()),
            other => Err(format!(
                "expected a runtime error containing {fragment:?}, got {other:?}"
            )),
        },
    );
}

/// `json.decode` must produce the same Lua shapes as injection, and
/// `json.encode` the same JSON as a step result.
#[test]
fn json_decode_matches_injection_and_encode_matches_results() {
    let documents = [
        r#"{"a":[1,null,{"b":null,"c":[]}],"d":{},"e":"é"}"#,
        "[[],[null],{}]",
        r#"{"n":1.25,"big":9007199254740992,"neg":-3}"#,
    ];
    let mut rt = runtime();
    for text in documents {
        let value: Value = serde_json::from_str(text).expect("document is JSON");
        let injected = run_on(&mut rt, "return { v = input }", &[("input", value.clone())]);
        let decoded = run_on(
            &mut rt,
            "return { v = json.decode(doc) }",
            &[("doc", Value::String(text.into()))],
        );
        assert_eq!(
            injected, decoded,
            "decode differs from injection for {text}"
        );

        let encoded = run_on(
            &mut rt,
            "return { s = json.encode(input) }",
            &[("input", value.clone())],
        )
        .expect("encodes");
        let reparsed: Value =
            serde_json::from_str(encoded["s"].as_str().expect("a string")).expect("valid JSON");
        let returned = injected.expect("injects");
        assert_eq!(
            reparsed, returned["v"],
            "encode differs from the result conversion for {text}"
        );
    }
}

// ---------------------------------------------------------------- documented extras

/// Luau features and library functions docs/lua.md promises.
const LUAU_FEATURES: &[(&str, &str, &str)] = &[
    (
        "compound assignment",
        "local n = 1 n += 2 return { n = n }",
        r#"{"n":3}"#,
    ),
    (
        "continue",
        "local n = 0 for i = 1, 5 do if i % 2 == 0 then continue end n += i end return { n = n }",
        r#"{"n":9}"#,
    ),
    (
        "string interpolation",
        "local n = 3 return { s = `{n} items` }",
        r#"{"s":"3 items"}"#,
    ),
    (
        "table.find and table.clone",
        "return { f = table.find({'a', 'b'}, 'b'), c = #table.clone({1, 2}) }",
        r#"{"f":2,"c":2}"#,
    ),
    (
        "table.create",
        "return { n = #table.create(3, 0) }",
        r#"{"n":3}"#,
    ),
    ("bit32", "return { x = bit32.band(12, 10) }", r#"{"x":8}"#),
    ("utf8", "return { n = utf8.len('日本') }", r#"{"n":2}"#),
    (
        "string methods",
        "return { s = ('a,b'):gsub(',', ';') }",
        r#"{"s":"a;b"}"#,
    ),
    (
        "math",
        "return { x = math.max(1, math.ceil(2.1)) }",
        r#"{"x":3}"#,
    ),
    ("typeof", "return { t = typeof({}) }", r#"{"t":"table"}"#),
];

#[test]
fn documented_luau_features_work() {
    check_all(
        LUAU_FEATURES,
        |case| case.0,
        |(_, script, expected)| {
            expect_ok(
                script,
                &[],
                &serde_json::from_str(expected).expect("case output is JSON"),
            )
        },
    );
}

#[test]
fn scripts_in_the_example_workflows_compile() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("examples directory exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let graph: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let mut scripts = Vec::new();
        collect_scripts(&graph, &mut scripts);
        for script in scripts {
            assert_eq!(
                ar_lua::check_syntax(&script),
                Ok(()),
                "{}: {script}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no Lua scripts found under {}", dir.display());
}

/// Every `script` / `while_eval_script` string anywhere in a graph.
fn collect_scripts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("script" | "while_eval_script", Value::String(script)) => {
                        out.push(script.clone())
                    }
                    _ => collect_scripts(field, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_scripts(item, out)),
        _ => {}
    }
}
