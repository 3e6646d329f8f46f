//! Latency of one `lua_script` step: inject ~10 KB of scopes, run a 10-line transform,
//! convert the returned table to JSON.

use anyhow::Context as _;
use ar_lua::{LuaLimits, LuaRuntime};
use serde_json::{Value, json};

use crate::measure::{Samples, format_duration};
use crate::report::Row;

/// The per-step target from issue 2.
const STEP_P50_TARGET_MICROS: u128 = 100;

/// A 10-line transform of the kind workflows run between tool calls.
const TRANSFORM: &str = r#"local out = json.array()
local total = 0
for i, order in ipairs(steps.fetch_orders.result.orders) do
  if order.status == input.status_filter then
    total += order.amount
    table.insert(out, { id = order.id, customer = string.upper(order.customer), amount = order.amount })
  end
end
local average = if #out > 0 then total / #out else 0
return { matched = #out, total = total, average = average, orders = out, run_id = run.id }
"#;

/// Scopes of about 10 KB of JSON, as the engine injects them.
struct Scopes {
    input: Value,
    steps: Value,
    run: Value,
}

impl Scopes {
    fn typical() -> Scopes {
        let orders: Vec<Value> = (0..80)
            .map(|i| {
                json!({
                    "id": format!("ord_{i:05}"),
                    "customer": format!("customer number {i}"),
                    "status": if i % 3 == 0 { "refunded" } else { "paid" },
                    "amount": 10.5 * f64::from(i),
                    "lines": [ { "sku": format!("SKU-{i}"), "qty": 1 } ]
                })
            })
            .collect();
        Scopes {
            input: json!({ "status_filter": "paid", "currency": "EUR" }),
            steps: json!({ "fetch-orders": { "result": { "orders": orders, "next_page": null }, "input": { "limit": 80 } } }),
            run: json!({ "id": "0193a6f0-7c2e-7000-8000-000000000001", "workflow_id": "wf_orders", "version": 3 }),
        }
    }

    fn json_bytes(&self) -> usize {
        [&self.input, &self.steps, &self.run]
            .iter()
            .map(|v| v.to_string().len())
            .sum()
    }

    fn globals(&self) -> [(&str, &Value); 3] {
        [
            ("input", &self.input),
            ("steps", &self.steps),
            ("run", &self.run),
        ]
    }
}

/// Measures the three costs a Lua step can have and returns their table rows.
pub fn run(samples: usize) -> anyhow::Result<Vec<Row>> {
    let scopes = Scopes::typical();
    let globals = scopes.globals();
    let workload = format!(
        "lua step ({} B scopes, 10-line transform)",
        scopes.json_bytes()
    );
    let mut rows = Vec::new();

    // What the engine does per step: a reused runtime, a fresh environment per execution,
    // the compiled chunk taken from the runtime's cache.
    let mut runtime = LuaRuntime::new(LuaLimits::default()).context("creating the Lua runtime")?;
    let result = runtime
        .execute(TRANSFORM, &globals, None)
        .context("the benchmark transform failed")?;
    anyhow::ensure!(
        result.get("matched") == Some(&json!(53)),
        "the benchmark transform returned {result:?}"
    );
    let reused = Samples::collect(samples / 10, samples, || {
        runtime.execute(TRANSFORM, &globals, None)
    })?;
    let p50_met = reused.p50().as_micros() < STEP_P50_TARGET_MICROS;
    rows.push(Row::checked(
        &workload,
        "execute, reused runtime: p50",
        format_duration(reused.p50()),
        "< 100 µs",
        p50_met,
    ));
    rows.push(Row::info(
        &workload,
        "execute, reused runtime: p99",
        format_duration(reused.p99()),
    ));

    // The same step when its source was never compiled by this runtime (first run of a
    // script, or after it left the chunk cache): a comment makes every source unique.
    let mut serial = 0u64;
    let uncached = Samples::collect(samples / 10, samples, || {
        serial += 1;
        runtime.execute(&format!("-- {serial}\n{TRANSFORM}"), &globals, None)
    })?;
    rows.push(Row::info(
        &workload,
        "execute, uncompiled source: p50",
        format_duration(uncached.p50()),
    ));
    rows.push(Row::info(
        &workload,
        "execute, uncompiled source: p99",
        format_duration(uncached.p99()),
    ));

    // A brand-new sandboxed state, what a step would cost without runtime reuse (on top of
    // the execution itself).
    let fresh = Samples::collect(samples / 100, samples / 4, || {
        LuaRuntime::new(LuaLimits::default())
    })?;
    rows.push(Row::info(
        "lua: new LuaRuntime",
        "create: p50",
        format_duration(fresh.p50()),
    ));
    rows.push(Row::info(
        "lua: new LuaRuntime",
        "create: p99",
        format_duration(fresh.p99()),
    ));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_injected_scopes_are_about_ten_kilobytes() {
        let bytes = Scopes::typical().json_bytes();
        assert!(
            (8_000..=12_000).contains(&bytes),
            "scopes are {bytes} bytes"
        );
    }

    #[test]
    fn the_transform_is_ten_lines_and_filters_paid_orders() {
        assert_eq!(TRANSFORM.lines().count(), 10);
        let scopes = Scopes::typical();
        let mut runtime = LuaRuntime::new(LuaLimits::default()).expect("runtime");
        let result = runtime
            .execute(TRANSFORM, &scopes.globals(), None)
            .expect("runs");
        // 80 orders, every third (0, 3, …, 78: 27 of them) refunded.
        assert_eq!(result["matched"], json!(53));
        assert_eq!(result["orders"].as_array().map(Vec::len), Some(53));
        assert_eq!(
            result["run_id"],
            json!("0193a6f0-7c2e-7000-8000-000000000001")
        );
    }
}
