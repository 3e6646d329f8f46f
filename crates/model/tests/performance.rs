//! Dry-run cost: 1,000 steps within budget, and growth no worse than about n·log n on a
//! 10,000-step chain where every step reads its predecessor (and one far ancestor).

mod common;

use std::time::{Duration, Instant};

use ar_model::import::{GraphLimits, ParsedGraph, parse_graph_value};
use ar_model::validate::{ValidateRequest, ValidationContext, validate};
use common::FakeLua;
use serde_json::{Value, json};

/// A chain: step i depends on i-1; its prompt reads steps.<i-1> and steps.s0 (a transitive
/// ancestor found only by search), every fifth step is a Lua script.
fn chain(n: usize) -> ParsedGraph {
    let steps: Vec<Value> = (0..n)
        .map(|i| {
            let deps: Vec<String> = if i == 0 { vec![] } else { vec![format!("s{}", i - 1)] };
            if i % 5 == 0 {
                json!({"id": format!("s{i}"), "type": "lua_script", "script": "return {}", "depends_on": deps})
            } else {
                let prev = format!("s{}", i - 1);
                json!({"id": format!("s{i}"), "type": "llm_call", "model": "m", "depends_on": deps,
                       "prompt": format!("{{{{steps.{prev}.result.text}}}} and {{{{steps.s0.result | \"-\"}}}} for {{{{input.topic}}}}")})
            }
        })
        .collect();
    let graph = json!({"input_schema": {"type": "object", "properties": {"topic": {"type": "string"}}}, "steps": steps});
    parse_graph_value(&graph, &GraphLimits::default()).expect("readable")
}

/// Fastest of three runs, to keep a busy machine from deciding the result.
fn time_validate(parsed: &ParsedGraph) -> Duration {
    let ctx = ValidationContext::default().with_lua(&FakeLua);
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let response = validate(parsed, &ValidateRequest::default(), &ctx);
            let took = start.elapsed();
            assert!(response.valid, "{:?}", response.issues.first());
            took
        })
        .min()
        .unwrap_or_default()
}

#[test]
fn validation_time_grows_no_worse_than_n_log_n() {
    let small = time_validate(&chain(1_000));
    let large = time_validate(&chain(10_000));
    // n·log n predicts ×13.3 from 1,000 to 10,000 steps; quadratic would be ×100.
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 30.0,
        "1,000 steps: {small:?}, 10,000 steps: {large:?} (×{ratio:.1})"
    );
    // The 20 ms budget holds for optimized builds; unoptimized test builds get 10×.
    let budget = if cfg!(debug_assertions) {
        Duration::from_millis(200)
    } else {
        Duration::from_millis(20)
    };
    assert!(
        small < budget,
        "1,000 steps took {small:?}, budget {budget:?}"
    );
    eprintln!("1,000 steps: {small:?}; 10,000 steps: {large:?}");
}

#[test]
fn far_ancestor_reads_in_a_wide_graph_stay_fast() {
    // 2,000 steps in 20 parallel chains of 100, each step reading the head of its chain.
    let steps: Vec<Value> = (0..2_000)
        .map(|i| {
            let (chain, pos) = (i % 20, i / 20);
            let deps: Vec<String> = if pos == 0 { vec![] } else { vec![format!("s{}", i - 20)] };
            json!({"id": format!("s{i}"), "type": "llm_call", "model": "m", "depends_on": deps,
                   "prompt": if pos == 0 { "start".to_string() } else { format!("{{{{steps.s{chain}.result}}}}") }})
        })
        .collect();
    let parsed =
        parse_graph_value(&json!({ "steps": steps }), &GraphLimits::default()).expect("readable");
    let took = time_validate(&parsed);
    assert!(took < Duration::from_secs(2), "{took:?}");
}
