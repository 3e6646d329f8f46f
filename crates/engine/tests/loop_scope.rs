//! What a `for_each` item's body sees: the steps its body steps name or depend on, and
//! not the loop's own sources (the items list is rendered once when the loop starts, and
//! copying it into every item's scope made each item cost as much as the whole list).

use std::time::Duration;

use ar_engine::{Engine, EngineConfig, Executors, RunStatus, StartRun};
use serde_json::{Value, json};

fn graph(v: Value) -> ar_model::graph::Graph {
    ar_model::import::parse_graph_value(&v, &Default::default())
        .expect("graph")
        .graph
}

#[tokio::test]
async fn for_each_body_sees_the_steps_it_names_but_not_the_loops_item_source() {
    let store = ar_store::open("sqlite::memory:").await.expect("store");
    let config = EngineConfig::default();
    let engine = Engine::start(
        store,
        config.clone(),
        Executors::with_builtin(config.lua_limits.clone()),
    )
    .await
    .expect("engine");
    let g = json!({"steps": [
        {"id": "gen", "type": "lua_script", "script": "return { items = {1, 2, 3} }"},
        {"id": "cfg", "type": "lua_script", "script": "return { k = 10 }"},
        {"id": "fan", "type": "for_each", "depends_on": ["gen", "cfg"],
         "for_each_items": "{{steps.gen.result.items}}", "for_each_max_parallel": 2,
         "for_each_body_steps": [{"id": "mul", "type": "lua_script",
            "script": "return { v = item * steps.cfg.result.k, sees_source = rawget(steps, 'ge' .. 'n') ~= nil }"}]},
    ]});
    let run = engine
        .start_run(StartRun::new(graph(g), json!({})))
        .await
        .expect("start");
    let done = engine
        .wait_for_run(&run.id, Duration::from_secs(20))
        .await
        .expect("finish");
    assert_eq!(done.status, RunStatus::Completed, "{done:?}");
    let ctx = engine.run_context(&run.id).await.expect("context");
    let results = ctx["steps"]["fan"]["result"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let values: Vec<Value> = results.iter().map(|r| r["result"]["v"].clone()).collect();
    assert_eq!(values, vec![json!(10), json!(20), json!(30)]);
    for r in &results {
        assert_eq!(r["result"]["sees_source"], json!(false), "{r}");
    }
    engine.shutdown().await;
}
