//! TEMPORARY probe (perf task): time spent in store calls during chain/fanout.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use ar_engine::{Engine, EngineConfig, Executors, StartRun};
use ar_store::*;
use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::broadcast;

#[derive(Default)]
struct T { commit: AtomicU64, ncommit: AtomicU64, claim: AtomicU64, nclaim: AtomicU64, reads: AtomicU64, nreads: AtomicU64 }
struct P { s: Arc<dyn Store>, t: Arc<T> }
macro_rules! rd { ($self:ident, $e:expr) => {{ let t0 = Instant::now(); let r = $e.await; $self.t.reads.fetch_add(t0.elapsed().as_micros() as u64, Relaxed); $self.t.nreads.fetch_add(1, Relaxed); r }} }
#[async_trait]
impl Store for P {
    fn backend(&self) -> Backend { self.s.backend() }
    async fn create_run(&self, run: NewRun) -> StoreResult<CreatedRun> { self.s.create_run(run).await }
    async fn commit(&self, c: Commit) -> StoreResult<CommitOutcome> { let t0 = Instant::now(); let r = self.s.commit(c).await; self.t.commit.fetch_add(t0.elapsed().as_micros() as u64, Relaxed); self.t.ncommit.fetch_add(1, Relaxed); r }
    async fn claim(&self, o: &str, l: usize, d: Duration) -> StoreResult<Vec<ClaimedWork>> { let t0 = Instant::now(); let r = self.s.claim(o, l, d).await; self.t.claim.fetch_add(t0.elapsed().as_micros() as u64, Relaxed); self.t.nclaim.fetch_add(1, Relaxed); r }
    async fn extend_leases(&self, f: &[WorkFence], d: Duration) -> StoreResult<Vec<WorkFence>> { self.s.extend_leases(f, d).await }
    async fn release_all_leases(&self) -> StoreResult<u64> { self.s.release_all_leases().await }
    async fn next_wakeup(&self) -> StoreResult<Option<i64>> { rd!(self, self.s.next_wakeup()) }
    async fn get_run(&self, id: &str) -> StoreResult<Option<RunRecord>> { rd!(self, self.s.get_run(id)) }
    async fn runs_with_status(&self, s: &[RunStatus]) -> StoreResult<Vec<String>> { self.s.runs_with_status(s).await }
    async fn get_graph(&self, h: &str) -> StoreResult<Option<Value>> { self.s.get_graph(h).await }
    async fn step_states(&self, r: &str, p: Option<&str>) -> StoreResult<Vec<StepRecord>> { rd!(self, self.s.step_states(r, p)) }
    async fn step_state(&self, r: &str, k: &str) -> StoreResult<Option<StepRecord>> { rd!(self, self.s.step_state(r, k)) }
    async fn events(&self, r: &str, a: i64, l: i64) -> StoreResult<Vec<EventRecord>> { self.s.events(r, a, l).await }
    async fn human_task(&self, r: &str, s: &str) -> StoreResult<Option<HumanTaskRecord>> { rd!(self, self.s.human_task(r, s)) }
    async fn pending_human_tasks(&self, l: i64) -> StoreResult<Vec<HumanTaskRecord>> { self.s.pending_human_tasks(l).await }
    fn wakeups(&self) -> Option<broadcast::Receiver<Wakeup>> { self.s.wakeups() }
    async fn broadcast_cancel(&self, r: &str) -> StoreResult<()> { self.s.broadcast_cancel(r).await }
    async fn close(&self) { self.s.close().await }
}
fn graph(v: Value) -> ar_model::graph::Graph { ar_model::import::parse_graph_value(&v, &Default::default()).expect("graph").graph }
fn chain(n: usize) -> Value {
    let mut steps = vec![json!({"id": "s1", "type": "lua_script", "script": "return { n = 1 }"})];
    for k in 2..=n { steps.push(json!({"id": format!("s{k}"), "type": "lua_script", "depends_on": [format!("s{}", k - 1)], "script": format!("return {{ n = steps.s{}.result.n + 1 }}", k - 1)})); }
    json!({"steps": steps})
}
fn fanout(n: usize) -> Value {
    json!({"steps": [
        {"id": "gen", "type": "lua_script", "script": format!("local t = {{}} for i = 0, {} do t[#t + 1] = i end return {{ items = t }}", n - 1)},
        {"id": "fan", "type": "for_each", "depends_on": ["gen"], "for_each_items": "{{steps.gen.result.items}}", "for_each_max_parallel": 10,
         "for_each_body_steps": [{"id": "double", "type": "lua_script", "script": "return { v = item * 2 }"}]},
        {"id": "sum", "type": "lua_script", "depends_on": ["fan"], "script": "local s = 0 for _, r in ipairs(steps.fan.result.results) do s = s + r.result.v end return { sum = s }"},
    ]})
}
#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("p.db").display().to_string();
    let t = Arc::new(T::default());
    let store: Arc<dyn Store> = Arc::new(P { s: ar_store::open(&url).await.unwrap(), t: t.clone() });
    let config = EngineConfig::default();
    let engine = Engine::start(store, config.clone(), Executors::with_builtin(config.lua_limits.clone())).await.unwrap();
    for (name, g) in [("chain-1000", chain(1000)), ("fanout-1000", fanout(1000))] {
        for x in [&t.commit, &t.ncommit, &t.claim, &t.nclaim, &t.reads, &t.nreads] { x.store(0, Relaxed); }
        let t0 = Instant::now();
        let run = engine.start_run(StartRun::new(graph(g), json!({}))).await.unwrap();
        engine.wait_for_run(&run.id, Duration::from_secs(60)).await.unwrap();
        let el = t0.elapsed();
        println!("{name}: {:.3}s commits {} in {:.3}s, claims {} in {:.3}s, reads {} in {:.3}s", el.as_secs_f64(),
            t.ncommit.load(Relaxed), t.commit.load(Relaxed) as f64 / 1e6, t.nclaim.load(Relaxed), t.claim.load(Relaxed) as f64 / 1e6,
            t.nreads.load(Relaxed), t.reads.load(Relaxed) as f64 / 1e6);
    }
    engine.shutdown().await;
}
