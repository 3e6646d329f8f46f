//! TEMPORARY profiling harness (task A); removed before the report.
#[path = "../../../bench/src/foundation/graph_gen.rs"]
#[allow(dead_code)]
mod graph_gen;

use std::time::Instant;
use ar_lua::{LuaLimits, LuaRuntime, SandboxLuaChecker};
use ar_model::graph::StepType;
use ar_model::import::{GraphLimits, parse_graph_bytes};
use ar_model::validate::{ValidateRequest, ValidationContext, validate};
use serde_json::{Value, json};

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

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(20000);
    if what == "compile" {
        let graph = graph_gen::generate(100);
        let scripts: Vec<String> = graph["steps"].as_array().unwrap().iter().filter_map(|s| s["script"].as_str().map(str::to_string)).collect();
        let o: u8 = std::env::args().nth(3).unwrap().parse().unwrap(); let d: u8 = std::env::args().nth(4).unwrap().parse().unwrap();
        for (opt, dbg) in [(o, d)] {
            let c = mlua::chunk::Compiler::new().set_optimization_level(opt).set_debug_level(dbg);
            let t = Instant::now();
            for _ in 0..n { for s in &scripts { c.compile(s).unwrap(); } }
            println!("opt {opt} dbg {dbg}: {:?} per script", t.elapsed() / (n * scripts.len()) as u32);
        }
        return;
    }
    if what == "lua" {
        let orders: Vec<Value> = (0..80).map(|i| json!({
            "id": format!("ord_{i:05}"), "customer": format!("customer number {i}"),
            "status": if i % 3 == 0 { "refunded" } else { "paid" },
            "amount": 10.5 * f64::from(i), "lines": [ { "sku": format!("SKU-{i}"), "qty": 1 } ] })).collect();
        let input = json!({ "status_filter": "paid", "currency": "EUR" });
        let steps = json!({ "fetch-orders": { "result": { "orders": orders, "next_page": null }, "input": { "limit": 80 } } });
        let run = json!({ "id": "0193a6f0-7c2e-7000-8000-000000000001", "workflow_id": "wf_orders", "version": 3 });
        let globals = [("input", &input), ("steps", &steps), ("run", &run)];
        let mut rt = LuaRuntime::new(LuaLimits::default()).unwrap();
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let r = rt.execute(TRANSFORM, &globals, None).unwrap();
            samples.push(t.elapsed());
            assert_eq!(r["matched"], json!(53));
        }
        samples.sort();
        println!("lua p50 {:?} p99 {:?}", samples[n / 2], samples[n * 99 / 100]);
    } else {
        let size: usize = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
        let bytes = serde_json::to_vec(&graph_gen::generate(size / 10)).unwrap();
        let lua = SandboxLuaChecker::new().unwrap();
        let mut samples = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            let parsed = parse_graph_bytes(&bytes, &GraphLimits::default()).unwrap();
            let context = ValidationContext::default().with_lua(&lua).with_executors(&StepType::ALL);
            let r = validate(&parsed, &ValidateRequest::default(), &context);
            samples.push(t.elapsed());
            assert!(r.valid && r.issues.is_empty());
        }
        samples.sort();
        println!("dry-run {size}: median {:?} min {:?}", samples[samples.len() / 2], samples[0]);
    }
}
