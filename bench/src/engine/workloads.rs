//! The engine workloads — the four the peer setups also run, and a large fan-out of ours
//! (see bench/README.md): their graphs and the check that a finished run did the work.

use std::fmt;

use anyhow::{Context, bail};
use ar_model::graph::Graph;
use serde_json::{Value, json};

/// One benchmark workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// 40 sequential Lua steps; step k turns `{n: k-1}` into `{n: k}`.
    #[value(name = "chain-40")]
    Chain40,
    /// The same chain with 1,000 steps.
    #[value(name = "chain-1000")]
    Chain1000,
    /// 1,000 integers fanned out (10 in flight), each doubled, then summed (999000).
    #[value(name = "fanout-1000")]
    Fanout1000,
    /// 10,000 integers fanned out (100 in flight), each doubled, then summed: ours only
    /// (the peers' setups stop at 1,000), for the peak memory of a large fan-out.
    #[value(name = "fanout-10000")]
    Fanout10000,
    /// Step A, a human approval, step B: the time from approving to B finished.
    #[value(name = "hitl-resume")]
    HitlResume,
}

/// Items of the fan-out workload; their doubles sum to `FANOUT_SUM`.
const FANOUT_ITEMS: u64 = 1_000;
/// Σ 2·i for i in 0..1000.
const FANOUT_SUM: u64 = 999_000;
/// Items of the large fan-out; their doubles sum to `LARGE_FANOUT_SUM`.
const LARGE_FANOUT_ITEMS: u64 = 10_000;
/// Σ 2·i for i in 0..10000.
const LARGE_FANOUT_SUM: u64 = 99_990_000;

impl Workload {
    /// Every workload, in the order the table prints them.
    pub const ALL: [Workload; 5] = [
        Workload::Chain40,
        Workload::Chain1000,
        Workload::Fanout1000,
        Workload::Fanout10000,
        Workload::HitlResume,
    ];

    /// The name the peers' scripts use.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Chain40 => "chain-40",
            Workload::Chain1000 => "chain-1000",
            Workload::Fanout1000 => "fanout-1000",
            Workload::Fanout10000 => "fanout-10000",
            Workload::HitlResume => "hitl-resume",
        }
    }

    /// Steps one run counts, as the peers count them: the chain's steps; for the fan-out
    /// the producer, the 1,000 items and the sum (the loop container is not a step of
    /// work); for hitl-resume the one step B that the figure waits for.
    pub fn steps(self) -> u64 {
        match self {
            Workload::Chain40 => 40,
            Workload::Chain1000 => 1_000,
            Workload::Fanout1000 => FANOUT_ITEMS + 2,
            Workload::Fanout10000 => LARGE_FANOUT_ITEMS + 2,
            Workload::HitlResume => 1,
        }
    }

    /// The workload's graph.
    pub fn graph(self) -> anyhow::Result<Graph> {
        let value = match self {
            Workload::Chain40 => chain(40),
            Workload::Chain1000 => chain(1_000),
            Workload::Fanout1000 => fanout(FANOUT_ITEMS, 10),
            Workload::Fanout10000 => fanout(LARGE_FANOUT_ITEMS, 100),
            Workload::HitlResume => hitl(),
        };
        parse(&value)
    }

    /// Checks the run context of a completed run: the chain's last `n`, the fan-out's sum,
    /// B's result.
    pub fn check(self, context: &Value) -> anyhow::Result<()> {
        let (step, field, expected) = match self {
            Workload::Chain40 => ("s40".to_string(), "n", json!(40)),
            Workload::Chain1000 => ("s1000".to_string(), "n", json!(1_000)),
            Workload::Fanout1000 => ("sum".to_string(), "sum", json!(FANOUT_SUM)),
            Workload::Fanout10000 => ("sum".to_string(), "sum", json!(LARGE_FANOUT_SUM)),
            Workload::HitlResume => ("b".to_string(), "y", json!(2)),
        };
        let got = &context["steps"][&step]["result"][field];
        if *got != expected {
            bail!("{self}: steps.{step}.result.{field} is {got}, expected {expected}");
        }
        Ok(())
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A short chain run before timing, so that the first timed run does not pay for
/// connections, Lua states and prepared statements.
pub fn warmup_graph() -> anyhow::Result<Graph> {
    parse(&chain(3))
}

fn parse(value: &Value) -> anyhow::Result<Graph> {
    let imported = ar_model::import::parse_graph_value(value, &Default::default())
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .context("benchmark graph does not parse")?;
    Ok(imported.graph)
}

/// `n` Lua steps in a row: `s1` returns `{n = 1}`, `s{k}` returns `steps.s{k-1}.n + 1`.
pub(crate) fn chain(n: usize) -> Value {
    let mut steps =
        vec![json!({"id": "s1", "type": "lua_script", "script": "return { n = 0 + 1 }"})];
    for k in 2..=n {
        steps.push(json!({
            "id": format!("s{k}"),
            "type": "lua_script",
            "depends_on": [format!("s{}", k - 1)],
            "script": format!("return {{ n = steps.s{}.result.n + 1 }}", k - 1),
        }));
    }
    json!({ "steps": steps })
}

/// A producer of `0..items`, a `for_each` doubling each (`parallel` in flight), a summing
/// step.
fn fanout(items: u64, parallel: u64) -> Value {
    json!({"steps": [
        {"id": "gen", "type": "lua_script",
         "script": format!("local t = {{}} for i = 0, {} do t[#t + 1] = i end return {{ items = t }}", items - 1)},
        {"id": "fan", "type": "for_each", "depends_on": ["gen"],
         "for_each_items": "{{steps.gen.result.items}}", "for_each_max_parallel": parallel,
         "for_each_body_steps": [{"id": "double", "type": "lua_script", "script": "return { v = item * 2 }"}]},
        {"id": "sum", "type": "lua_script", "depends_on": ["fan"],
         "script": "local s = 0 for _, r in ipairs(steps.fan.result.results) do s = s + r.result.v end return { sum = s }"},
    ]})
}

/// Step `a`, human task `h`, step `b`.
fn hitl() -> Value {
    json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return { x = 1 }"},
        {"id": "h", "type": "human_task", "depends_on": ["a"], "task_payload": {}},
        {"id": "b", "type": "lua_script", "depends_on": ["h"], "script": "return { y = 2 }"},
    ]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_graph_parses_with_the_expected_step_count() {
        // Top-level steps in the graph (the fan-out's body step is inside `fan`).
        let cases = [
            (Workload::Chain40, 40),
            (Workload::Chain1000, 1_000),
            (Workload::Fanout1000, 3),
            (Workload::Fanout10000, 3),
            (Workload::HitlResume, 3),
        ];
        for (workload, top_level) in cases {
            let graph = workload.graph().expect("graph parses");
            assert_eq!(graph.steps.len(), top_level, "{workload}");
        }
    }

    #[test]
    fn check_accepts_the_right_result_and_rejects_a_wrong_one() {
        let cases = [
            (Workload::Chain40, "s40", "n", json!(40)),
            (Workload::Chain1000, "s1000", "n", json!(1000)),
            (Workload::Fanout1000, "sum", "sum", json!(999000)),
            (Workload::Fanout10000, "sum", "sum", json!(99990000)),
            (Workload::HitlResume, "b", "y", json!(2)),
        ];
        for (workload, step, field, right) in cases {
            let good = json!({"steps": {step: {"result": {field: right}}}});
            assert!(workload.check(&good).is_ok(), "{workload}");
            let bad = json!({"steps": {step: {"result": {field: 7}}}});
            assert!(workload.check(&bad).is_err(), "{workload}");
            assert!(
                workload.check(&json!({})).is_err(),
                "{workload}: missing step"
            );
        }
    }

    #[test]
    fn fanout_sum_is_twice_the_sum_of_the_items() {
        assert_eq!(FANOUT_SUM, 2 * (0..FANOUT_ITEMS).sum::<u64>());
        assert_eq!(LARGE_FANOUT_SUM, 2 * (0..LARGE_FANOUT_ITEMS).sum::<u64>());
    }
}
