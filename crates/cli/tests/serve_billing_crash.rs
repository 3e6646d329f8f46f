//! Exactly-once metering under kill -9 (docs/billing.md "The ledger and exactly-once"):
//! 20 runs of three metered `llm_call` steps against a slow, sometimes failing
//! OpenAI-compatible model and one `mcp_call` of a slow tool, while `agentruntime serve` is SIGKILLed at random moments
//! (seeded; `AR_TEST_SEED=N` replays a seed) and restarted — one node on SQLite, two
//! nodes on one Postgres schema killed one or both at a time. Afterwards, read straight
//! from the store: every completed step is charged exactly once per priced action, under
//! an attempt that ran its call and committed no failure; nothing else is charged; no key
//! twice; the balances equal the per-bucket sums of the ledger.
//!
//! Plus the deterministic case of the window between a step's debit and its commit
//! (`AR_FAILPOINT=after_execute:b`): the re-run after the crash is a new attempt, and is
//! not charged again.

mod crash_support;
mod ops_support;
mod serve_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ar_store::integrations::{IntegrationStore, LedgerEntry};
use ar_store::tenant::TenantStore;
use ar_store::{RunStatus, StepStatus, Store};
use reqwest::Method;
use serde_json::{Value, json};
use serve_support::*;

const RUNS: usize = 20;
/// What the fake model reports per call; with the prices below each `llm_call` costs
/// 1_000_000 + 10*2 + 3*8 microcredits, each `mcp_call` 1_000_000 + 100_000.
const TOKENS_IN: i64 = 10;
const TOKENS_OUT: i64 = 3;
const PRICES: &str =
    "workflow.step.execute=1000000,llm.tokens_in=2,llm.tokens_out=8,mcp.call=100000";
const LLM: &[(&str, i64)] = &[
    ("workflow.step.execute", 1_000_000),
    ("llm.tokens_in", TOKENS_IN * 2),
    ("llm.tokens_out", TOKENS_OUT * 8),
];
const MCP: &[(&str, i64)] = &[("workflow.step.execute", 1_000_000), ("mcp.call", 100_000)];
/// The steps of a run and what each costs per priced action.
const STEPS: [(&str, &[(&str, i64)]); 4] = [("a", LLM), ("b", LLM), ("c", LLM), ("t", MCP)];
const GRANT: i64 = 1_000_000_000;
const SHARED_MASTER_KEY: &str = "dHdvLW5vZGVzLXNoYXJlLW9uZS1tYXN0ZXIta2V5ISE=";
/// Kills per backend: enough to land in calls, between calls and during recovery, few
/// enough to stay well under 90 s on two busy cores.
const KILLS: usize = 10;
const ALL_DONE: Duration = Duration::from_secs(80);

/// A small seeded generator (xorshift64*): the kill schedule replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    std::env::var("AR_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos() as u64
                | 1
        })
}

/// The fake model: answers after 400–1600 ms (so kills land mid-call); the prompts of
/// step `b` of every third run get three 500s in a row (the provider's own retries are
/// used up, the step fails transiently and is retried by the engine).
async fn model_server(fail: bool) -> String {
    let calls: Arc<Mutex<BTreeMap<String, u32>>> = Arc::default();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let calls = calls.clone();
            async move {
                let prompt = body["messages"]
                    .as_array()
                    .and_then(|m| m.last())
                    .and_then(|m| m["content"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                let n = {
                    let mut calls = calls.lock().expect("lock");
                    let n = calls.entry(prompt.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                let mut rng = Rng(prompt.bytes().fold(0x9E37_79B9_7F4A_7C15, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
                }) ^ u64::from(n));
                tokio::time::sleep(Duration::from_millis(400 + rng.below(1200))).await;
                let run: u64 = prompt
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if fail && prompt.ends_with("step b") && run.is_multiple_of(3) && n <= 3 {
                    let mut r = axum::response::IntoResponse::into_response((
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        axum::Json(
                            json!({"error": {"message": "overloaded", "type": "server_error"}}),
                        ),
                    ));
                    r.headers_mut()
                        .insert("retry-after-ms", axum::http::HeaderValue::from_static("10"));
                    return r;
                }
                axum::response::IntoResponse::into_response(axum::Json(json!({
                    "id": format!("chatcmpl-{n}"), "object": "chat.completion",
                    "created": 1_700_000_000, "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "ok"}}],
                    "usage": {"prompt_tokens": TOKENS_IN, "completion_tokens": TOKENS_OUT,
                              "total_tokens": TOKENS_IN + TOKENS_OUT}
                })))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}/v1")
}

/// `a → b → c`, three metered model calls with engine retries, and beside `b` and `c`
/// the tool call `t` (the MCP fixture's `sleep`, so kills land in it too).
fn graph(mcp_url: &str) -> Value {
    let step = |id: &str, deps: &[&str]| {
        json!({"id": id, "type": "llm_call", "model_ref": "direct.openai.gpt-4o-mini",
               "prompt": format!("run {{{{input.n}}}} step {id}"), "depends_on": deps,
               "retry_count": 30})
    };
    let tool = json!({"id": "t", "type": "mcp_call", "depends_on": ["a"],
        "server_url": mcp_url, "tool_name": "sleep", "tool_args": {"seconds": 0.5},
        "retry_count": 30});
    json!({"steps": [step("a", &[]), step("b", &["a"]), step("c", &["b"]), tool]})
}

/// Where the nodes keep their data: one SQLite data dir, or one Postgres schema.
enum Backend {
    Sqlite,
    Postgres { schema: String },
}

struct Cluster {
    backend: Backend,
    /// The MCP fixture every node calls (over HTTP: it outlives the nodes' kills).
    mcp: ops_support::McpFixture,
    dir: tempfile::TempDir,
    model: String,
    nodes: Vec<Option<Server>>,
    /// Starts so far (names each incarnation's execution log).
    starts: usize,
    extra: Vec<(String, String)>,
}

impl Cluster {
    fn new(backend: Backend, nodes: usize, model: String, extra: &[(&str, &str)]) -> Cluster {
        let mut c = Cluster {
            backend,
            mcp: ops_support::mcp_fixture(),
            dir: tempfile::tempdir().expect("dir"),
            model,
            nodes: (0..nodes).map(|_| None).collect(),
            starts: 0,
            extra: extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        for i in 0..nodes {
            c.start(i);
        }
        c
    }

    fn env(&self, node: usize) -> Vec<(String, String)> {
        let data = self.dir.path().join(format!("node{node}"));
        let log = self
            .dir
            .path()
            .join(format!("start{}.executions", self.starts));
        let mut env = base_env();
        let mut add = |k: &str, v: &str| env.push((k.to_owned(), v.to_owned()));
        add("AR_BILLING_ENABLED", "true");
        add("AR_BILLING_PRICES", PRICES);
        add("AR_OPENAI_BASE_URL", &self.model);
        add("AR_OPENAI_API_KEY", "sk-meter-test");
        // A dead node's leases are taken over soon after.
        add("AR_LEASE_MS", "1000");
        add("AR_MCP_ALLOWED_HOSTS", "127.0.0.1");
        add("AR_TEST_EXECUTION_LOG", &log.display().to_string());
        match &self.backend {
            Backend::Sqlite => {
                add("AR_DATA_DIR", &self.data_dir().display().to_string());
            }
            Backend::Postgres { schema } => {
                add("AR_DATABASE_URL", PG_URL);
                add("AR_DATABASE_SCHEMA", schema);
                add("AR_MASTER_KEY", SHARED_MASTER_KEY);
                add("AR_DATA_DIR", &data.display().to_string());
            }
        }
        env.extend(self.extra.iter().cloned());
        env
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start(&mut self, node: usize) {
        let env = self.env(node);
        self.starts += 1;
        let server = spawn(&["--listen", "127.0.0.1:0"], &env)
            .unwrap_or_else(|e| panic!("node {node} starts: {e:?}"));
        self.nodes[node] = Some(server);
    }

    /// SIGKILLs a node; returns its output.
    fn kill(&mut self, node: usize) -> Exited {
        self.nodes[node].take().expect("running").kill()
    }

    fn client(&self, pat: &str) -> Client {
        let node = self.nodes.iter().flatten().next().expect("a live node");
        Client::with_pat(&node.base, pat)
    }

    fn stop_all(&mut self) {
        for node in self.nodes.iter_mut() {
            if let Some(server) = node.take() {
                server.terminate();
            }
        }
    }
}

/// Per step of a run: its status and attempt.
type Steps = BTreeMap<String, (StepStatus, i64)>;

/// What the store holds after the test, read with the store's own API.
struct Books {
    ledger: Vec<LedgerEntry>,
    balances: ar_store::integrations::Balances,
    /// Per run: its status and per step its status and attempt.
    runs: BTreeMap<String, (RunStatus, Steps)>,
    /// Per (run, step): the attempts whose failure was committed (`step_failed`).
    failed_attempts: BTreeMap<(String, String), BTreeSet<i64>>,
}

async fn read_books(
    runs_store: Arc<dyn Store>,
    tenants: Arc<dyn TenantStore>,
    integrations: Arc<dyn IntegrationStore>,
    run_ids: &[String],
) -> Books {
    let ws = tenants
        .workspace_by_slug("default")
        .await
        .expect("workspace")
        .expect("the default workspace");
    let ledger = integrations
        .billing_ledger_all(&ws.id)
        .await
        .expect("ledger");
    let balances = integrations
        .billing_balances(&ws.id)
        .await
        .expect("balances");
    let mut runs = BTreeMap::new();
    let mut failed_attempts: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
    for id in run_ids {
        let snap = crash_support::snapshot(&runs_store, id, &[]).await;
        let steps = snap
            .units
            .iter()
            .map(|(k, r)| (k.clone(), (r.status(), r.attempt)))
            .collect();
        for e in snap.events.iter().filter(|e| e.kind == "step_failed") {
            if let (Some(step), Some(attempt)) = (&e.step_id, e.data["attempt"].as_i64()) {
                failed_attempts
                    .entry((id.clone(), step.clone()))
                    .or_default()
                    .insert(attempt);
            }
        }
        runs.insert(id.clone(), (snap.run.status, steps));
    }
    runs_store.close().await;
    Books {
        ledger,
        balances,
        runs,
        failed_attempts,
    }
}

async fn books(cluster: &Cluster, run_ids: &[String]) -> Books {
    use ar_store::integrations::{PgIntegrationStore, SqliteIntegrationStore};
    use ar_store::tenant::{PgTenantStore, SqliteTenantStore};
    match &cluster.backend {
        Backend::Sqlite => {
            let path = cluster.data_dir().join("agentruntime.db");
            let path = path.to_str().expect("utf-8 path");
            let runs = ar_store::open(path).await.expect("open store");
            let tenants = SqliteTenantStore::open(path).await.expect("tenants");
            let integrations = Arc::new(SqliteIntegrationStore::from_pool(tenants.pool().clone()));
            read_books(runs, Arc::new(tenants), integrations, run_ids).await
        }
        Backend::Postgres { schema } => {
            let pg = ar_store::PgStore::open(ar_store::PgConfig::new(PG_URL).with_schema(schema))
                .await
                .expect("Postgres must be reachable at 127.0.0.1:5432 (database test)");
            let tenants = Arc::new(PgTenantStore::from_pool(pg.pool().clone()));
            let integrations = Arc::new(PgIntegrationStore::from_pool(pg.pool().clone()));
            read_books(Arc::new(pg), tenants, integrations, run_ids).await
        }
    }
}

/// The assertions of exactly-once: see the module's comment. `what` names the case (with
/// its seed) in every failure.
fn assert_exactly_once(what: &str, books: &Books) {
    let sums = |bucket: &str| -> i64 {
        books
            .ledger
            .iter()
            .filter(|e| e.bucket == bucket)
            .map(|e| e.microcredits)
            .sum()
    };
    assert_eq!(
        (
            books.balances.trial,
            books.balances.included,
            books.balances.payg
        ),
        (sums("trial"), sums("included"), sums("payg")),
        "{what}: balances vs the ledger's per-bucket sums"
    );
    let debits: Vec<&LedgerEntry> = books.ledger.iter().filter(|e| e.run_id.is_some()).collect();
    // Keys written twice (the unique index should make this impossible).
    let mut keys = BTreeSet::new();
    for d in &debits {
        let key = (&d.run_id, &d.step_id, d.attempt, &d.action, &d.bucket);
        assert!(keys.insert(key), "{what}: ledger key twice: {d:?}");
    }
    // Per (run, step, action): the attempts charged.
    let mut charged: BTreeMap<(String, String, String), Vec<&LedgerEntry>> = BTreeMap::new();
    for d in &debits {
        let run = d.run_id.clone().expect("run");
        let step = d.step_id.clone().unwrap_or_default();
        charged
            .entry((run, step, d.action.clone()))
            .or_default()
            .push(d);
    }
    let mut expected = BTreeSet::new();
    for (run, (status, steps)) in &books.runs {
        assert_eq!(*status, RunStatus::Completed, "{what}: run {run}");
        for (step, prices) in STEPS {
            let (status, attempt) = steps
                .get(step)
                .unwrap_or_else(|| panic!("{what}: {run} has no step {step}"));
            assert_eq!(*status, StepStatus::Completed, "{what}: {run}/{step}");
            for &(action, price) in prices {
                let key = (run.clone(), step.to_owned(), action.to_owned());
                let rows = charged.get(&key).map(Vec::as_slice).unwrap_or_default();
                assert_eq!(
                    rows.len(),
                    1,
                    "{what}: {run}/{step} (completed as attempt {attempt}) has {} debits of {action}: {rows:?}",
                    rows.len()
                );
                let row = rows[0];
                assert_eq!(row.microcredits, -price, "{what}: {row:?}");
                let charged_attempt = row.attempt.expect("attempt");
                assert!(
                    charged_attempt <= *attempt,
                    "{what}: {run}/{step} charged attempt {charged_attempt} after its completed attempt {attempt}"
                );
                let failed = books
                    .failed_attempts
                    .get(&(run.clone(), step.to_owned()))
                    .is_some_and(|f| f.contains(&charged_attempt));
                assert!(
                    !failed,
                    "{what}: {run}/{step} charged attempt {charged_attempt}, whose failure was committed"
                );
                expected.insert(key);
            }
        }
    }
    let unexpected: Vec<_> = charged.keys().filter(|k| !expected.contains(*k)).collect();
    assert!(
        unexpected.is_empty(),
        "{what}: debits of nothing that completed: {unexpected:?}"
    );
}

/// Signs in, grants the credits, publishes the workflow and starts the runs.
async fn set_up(cluster: &Cluster, runs: usize) -> (String, String, Vec<String>) {
    let node = cluster.nodes.iter().flatten().next().expect("a node");
    let (pat, project) = owner_pat(&node.base).await;
    let client = Client::with_pat(&node.base, &pat);
    let granted = client
        .send(
            Method::POST,
            "/v1/billing/credits/grant",
            Some(&project),
            Some(json!({"microcredits": GRANT, "note": "meterkill"})),
        )
        .await;
    assert!(
        granted.status == 200 || granted.status == 201,
        "{}",
        granted.body
    );
    let workflow = published_workflow(&client, &project, graph(&cluster.mcp.url)).await;
    let mut ids = Vec::new();
    for n in 0..runs {
        ids.push(start_run(&client, &workflow, json!({"n": n})).await);
    }
    (pat, workflow, ids)
}

/// Whether every run is terminal, asked of a live node (`None` when it did not answer:
/// it may have just been killed).
async fn all_terminal(client: &Client, workflow: &str, runs: &[String]) -> Option<bool> {
    for run in runs {
        let reply = client
            .http
            .get(format!(
                "{}/v1/workflows/{workflow}/runs/{run}",
                client.base
            ))
            .header("X-Tenant-Id", "default")
            .bearer_auth(client.pat.as_deref().unwrap_or_default())
            .send()
            .await
            .ok()?;
        let body: Value = reply.json().await.ok()?;
        if !matches!(
            body["status"].as_str(),
            Some("completed" | "failed" | "stopped")
        ) {
            return Some(false);
        }
    }
    Some(true)
}

/// The kill loop, then the books. One node: it is killed; two: one or both at random.
async fn kill_at_random_until_done(backend: Backend, nodes: usize) {
    let seed = seed();
    let what = format!("seed {seed} (replay with AR_TEST_SEED={seed})");
    println!("{what}");
    let mut rng = Rng(seed);
    let began = Instant::now();
    let model = model_server(true).await;
    let mut cluster = Cluster::new(backend, nodes, model, &[]);
    let (pat, workflow, runs) = set_up(&cluster, RUNS).await;
    let mut kills = Vec::new();
    loop {
        let client = cluster.client(&pat);
        if all_terminal(&client, &workflow, &runs).await == Some(true) {
            break;
        }
        assert!(
            began.elapsed() < ALL_DONE,
            "{what}: the runs did not all end within {ALL_DONE:?}"
        );
        if kills.len() >= KILLS {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        tokio::time::sleep(Duration::from_millis(150 + rng.below(1200))).await;
        let victims: Vec<usize> = match nodes {
            1 => vec![0],
            _ => match rng.below(3) {
                0 => vec![0],
                1 => vec![1],
                _ => (0..nodes).collect(),
            },
        };
        for &v in &victims {
            cluster.kill(v);
        }
        kills.push((began.elapsed().as_millis(), victims.clone()));
        for &v in &victims {
            cluster.start(v);
        }
    }
    cluster.stop_all();
    let books = books(&cluster, &runs).await;
    let debits = books.ledger.iter().filter(|e| e.run_id.is_some()).count();
    let retried = books
        .runs
        .values()
        .flat_map(|(_, steps)| steps.values())
        .filter(|(_, attempt)| *attempt > 1)
        .count();
    // Steps whose debit is under an earlier attempt than the completed one, not a
    // committed failure: cut off between their debit and their commit by a kill.
    let cut_off: BTreeSet<(&String, &String)> = books
        .ledger
        .iter()
        .filter_map(|e| {
            let (run, step) = (e.run_id.as_ref()?, e.step_id.as_ref()?);
            let completed = books.runs.get(run)?.1.get(step)?.1;
            (e.attempt? < completed).then_some((run, step))
        })
        .collect();
    println!(
        "{what}: kills at (ms, nodes) {kills:?}; {debits} debit rows; {retried} of {} steps completed after attempt 1, {} of them charged under an earlier attempt cut off before its commit; {:.1} s",
        RUNS * STEPS.len(),
        cut_off.len(),
        began.elapsed().as_secs_f64()
    );
    assert_exactly_once(&what, &books);
    assert_eq!(books.runs.len(), RUNS);
    let per_run = |f: fn(&(&str, i64)) -> i64| -> i64 {
        STEPS.iter().flat_map(|(_, p)| p.iter()).map(f).sum()
    };
    assert_eq!(debits as i64, RUNS as i64 * per_run(|_| 1), "{what}");
    assert_eq!(
        books.balances.total(),
        GRANT - RUNS as i64 * per_run(|(_, price)| *price),
        "{what}"
    );
    if let Backend::Postgres { schema } = &cluster.backend {
        drop_schema(schema).await;
    }
}

async fn drop_schema(schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(PG_URL)
        .await
        .expect("connect to postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("drop schema");
}

fn pg_schema(tag: &str) -> String {
    format!("meterkill_{tag}_{}", uuid::Uuid::now_v7().simple())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_on_sqlite_charges_each_completed_step_once() {
    kill_at_random_until_done(Backend::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_on_two_postgres_nodes_charges_each_completed_step_once() {
    kill_at_random_until_done(
        Backend::Postgres {
            schema: pg_schema("two"),
        },
        2,
    )
    .await;
}

/// The window between a step's debit and its commit, hit on purpose: the node aborts
/// right after `b`'s metered call returned (debit written, nothing committed); the
/// restarted node runs `b` again as attempt 2, which must not be charged again.
async fn abort_between_debit_and_commit(backend: Backend) {
    let model = model_server(false).await;
    let mut cluster = Cluster::new(backend, 1, model, &[("AR_FAILPOINT", "after_execute:b")]);
    let (pat, workflow, runs) = set_up(&cluster, 1).await;
    // The node aborts by itself once `b` has been called and charged.
    let deadline = Instant::now() + Duration::from_secs(60);
    let exited = loop {
        let node = cluster.nodes[0].as_mut().expect("node");
        if let Some(status) = node.exited() {
            break status;
        }
        assert!(Instant::now() < deadline, "the failpoint was not reached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!exited.status.success(), "{exited:?}");
    assert!(
        exited
            .stderr
            .contains("aborting after executing b (attempt 1)"),
        "{}",
        exited.stderr
    );
    cluster.nodes[0] = None;
    cluster.extra.clear();
    cluster.start(0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while all_terminal(&cluster.client(&pat), &workflow, &runs).await != Some(true) {
        assert!(Instant::now() < deadline, "the run did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cluster.stop_all();
    let books = books(&cluster, &runs).await;
    let (_, steps) = &books.runs[&runs[0]];
    assert_eq!(steps["b"].1, 2, "b completed as attempt 2: {:?}", steps);
    assert_exactly_once("abort after b's debit", &books);
    let mut b: Vec<_> = books
        .ledger
        .iter()
        .filter(|e| e.step_id.as_deref() == Some("b"))
        .map(|e| (e.attempt, e.action.as_str()))
        .collect();
    b.sort();
    assert_eq!(
        b,
        [
            (Some(1), "llm.tokens_in"),
            (Some(1), "llm.tokens_out"),
            (Some(1), "workflow.step.execute")
        ],
        "b is charged once, under the attempt whose call was paid first"
    );
    if let Backend::Postgres { schema } = &cluster.backend {
        drop_schema(schema).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_crash_between_debit_and_commit_is_not_charged_again_on_sqlite() {
    abort_between_debit_and_commit(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_crash_between_debit_and_commit_is_not_charged_again_on_postgres() {
    abort_between_debit_and_commit(Backend::Postgres {
        schema: pg_schema("abort"),
    })
    .await;
}
