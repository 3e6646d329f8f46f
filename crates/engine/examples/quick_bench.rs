//! A quick engine-time measurement on the benchmark workloads (the full benchmark with peer
//! comparison lives in `bench/`). `cargo run --release -p ar-engine --example quick_bench
//! [DB_URL]` — default: a fresh SQLite file (synchronous=NORMAL) in a temp directory.

use std::time::{Duration, Instant};

use ar_engine::{Engine, EngineConfig, Executors, RunStatus, StartRun};
use serde_json::{Value, json};

fn graph(v: Value) -> ar_model::graph::Graph {
    ar_model::import::parse_graph_value(&v, &Default::default())
        .expect("graph")
        .graph
}

fn chain(n: usize) -> Value {
    let mut steps = vec![json!({"id": "s1", "type": "lua_script", "script": "return { n = 1 }"})];
    for k in 2..=n {
        steps.push(json!({"id": format!("s{k}"), "type": "lua_script", "depends_on": [format!("s{}", k - 1)],
            "script": format!("return {{ n = steps.s{}.result.n + 1 }}", k - 1)}));
    }
    json!({"steps": steps})
}

fn fanout(n: usize) -> Value {
    json!({"steps": [
        {"id": "gen", "type": "lua_script", "script": format!("local t = {{}} for i = 0, {} do t[#t + 1] = i end return {{ items = t }}", n - 1)},
        {"id": "fan", "type": "for_each", "depends_on": ["gen"], "for_each_items": "{{steps.gen.result.items}}", "for_each_max_parallel": 10,
         "for_each_body_steps": [{"id": "double", "type": "lua_script", "script": "return { v = item * 2 }"}]},
        {"id": "sum", "type": "lua_script", "depends_on": ["fan"],
         "script": "local s = 0 for _, r in ipairs(steps.fan.result.results) do s = s + r.result.v end return { sum = s }"},
    ]})
}

async fn timed(engine: &Engine, g: Value) -> (Duration, Value) {
    let t = Instant::now();
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    let done = engine
        .wait_for_run(&run.id, Duration::from_secs(120))
        .await
        .expect("finish");
    let elapsed = t.elapsed();
    assert_eq!(done.status, RunStatus::Completed);
    (elapsed, engine.run_context(&run.id).await.expect("ctx"))
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| dir.path().join("bench.db").display().to_string());
    let store = ar_store::open(&url).await.expect("store");
    let config = EngineConfig::default();
    let engine = Engine::start(
        store,
        config.clone(),
        Executors::with_builtin(config.lua_limits.clone()),
    )
    .await
    .expect("engine");
    for n in [40, 1000] {
        let (t, ctx) = timed(&engine, chain(n)).await;
        assert_eq!(ctx["steps"][format!("s{n}")]["result"]["n"], json!(n));
        println!(
            "chain-{n}: {:.3} s ({:.0} steps/s)",
            t.as_secs_f64(),
            n as f64 / t.as_secs_f64()
        );
    }
    let (t, ctx) = timed(&engine, fanout(1000)).await;
    assert_eq!(ctx["steps"]["sum"]["result"]["sum"], json!(999000));
    println!("fanout-1000: {:.3} s", t.as_secs_f64());
    let hitl = json!({"steps": [
        {"id": "a", "type": "lua_script", "script": "return { x = 1 }"},
        {"id": "h", "type": "human_task", "depends_on": ["a"], "task_payload": {}},
        {"id": "b", "type": "lua_script", "depends_on": ["h"], "script": "return { y = 2 }"},
    ]});
    let mut samples = Vec::new();
    for _ in 0..20 {
        let run = engine
            .start_run(StartRun::new(graph(hitl.clone()), json!({})))
            .await
            .expect("start");
        engine
            .wait_until(&run.id, Duration::from_secs(10), |_| true)
            .await
            .expect("run");
        loop {
            if engine
                .store()
                .human_task(&run.id, "h")
                .await
                .expect("task")
                .is_some()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let mut events = engine.subscribe();
        let t = Instant::now();
        engine
            .complete_task(&run.id, "h", true, None, None)
            .await
            .expect("approve");
        loop {
            let e = events.recv().await.expect("event");
            if e.run_id == run.id && e.kind == "step_completed" && e.step_id.as_deref() == Some("b")
            {
                break;
            }
        }
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "hitl-resume: median {:.3} ms",
        samples[samples.len() / 2].as_secs_f64() * 1000.0
    );
    engine.shutdown().await;
}
