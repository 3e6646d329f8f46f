//! Times `LuaRuntime::execute` on a typical transform: a 10-line script with
//! about 10 KB of injected JSON. Run with
//! `cargo run --release -p ar-lua --example execute_timing [runs]`.

use std::time::{Duration, Instant};

use ar_lua::{LuaLimits, LuaRuntime};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
local out = {}
local total = 0
for i, item in ipairs(input.items) do
    if item.active then
        total += item.score
        table.insert(out, { id = item.id, name = string.upper(item.name) })
    end
end
return { count = #out, total = total, items = out, source = steps.fetch_items.result.source }
"#;

fn injected_input(variant: usize) -> Value {
    let items: Vec<Value> = (0..130)
        .map(|i| {
            json!({ "id": i, "name": format!("item number {i}"), "active": i % 2 == 0,
                    "score": i * 3 + variant, "tags": ["a", "b"] })
        })
        .collect();
    json!({ "items": items })
}

fn time_runs(
    runtime: &mut LuaRuntime,
    inputs: &[Value],
    steps: &Value,
    runs: usize,
) -> Vec<Duration> {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|run| {
            let globals = [("input", &inputs[run % inputs.len()]), ("steps", steps)];
            let start = Instant::now();
            runtime.execute(SCRIPT, &globals, None).expect("timed run");
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples
}

fn report(label: &str, samples: &[Duration]) {
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "{label}: p50 {:?}  p90 {:?}  p99 {:?}",
        pick(0.5),
        pick(0.9),
        pick(0.99)
    );
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(2000);
    let steps = json!({ "fetch-items": { "result": { "source": "crm" } } });
    // Two alternating inputs, so nothing can profit from seeing the same value twice.
    let inputs = [injected_input(0), injected_input(1)];
    println!(
        "injected JSON: {} bytes",
        inputs[0].to_string().len() + steps.to_string().len()
    );

    let mut runtime = LuaRuntime::new(LuaLimits::default()).expect("runtime");
    time_runs(&mut runtime, &inputs, &steps, 200); // warm-up
    report("execute", &time_runs(&mut runtime, &inputs, &steps, runs));

    let start = Instant::now();
    let fresh = LuaRuntime::new(LuaLimits::default()).expect("runtime");
    println!("new runtime: {:?}", start.elapsed());
    drop(fresh);
}
