//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use ar_lua::{LuaError, LuaLimits, LuaRuntime};
use serde_json::{Map, Value, json};

/// A runtime with the default limits.
pub fn runtime() -> LuaRuntime {
    LuaRuntime::new(LuaLimits::default()).expect("runtime builds")
}

/// Runs `script` with `globals` on a fresh runtime.
pub fn run(script: &str, globals: &[(&str, Value)]) -> Result<Map<String, Value>, LuaError> {
    run_on(&mut runtime(), script, globals)
}

/// Runs `script` with `globals` on `runtime`.
pub fn run_on(
    runtime: &mut LuaRuntime,
    script: &str,
    globals: &[(&str, Value)],
) -> Result<Map<String, Value>, LuaError> {
    let borrowed: Vec<(&str, &Value)> =
        globals.iter().map(|(name, value)| (*name, value)).collect();
    runtime.execute(script, &borrowed, Some(Duration::from_secs(5)))
}

/// The JSON object a successful run must produce.
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("expected a JSON object in the test table, got {other}"),
    }
}

/// Checks that `runtime` still runs an ordinary script correctly (used after
/// every limit and escape attempt).
pub fn assert_still_works(runtime: &mut LuaRuntime) {
    let input = json!({ "items": [1, 2, 3] });
    let result = run_on(
        runtime,
        "local sum = 0 for _, n in ipairs(input.items) do sum += n end return { sum = sum, up = string.upper('ok') }",
        &[("input", input)],
    );
    assert_eq!(
        result,
        Ok(object(json!({ "sum": 6, "up": "OK" }))),
        "runtime unusable afterwards"
    );
}
