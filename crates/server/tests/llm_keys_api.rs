//! Workspace LLM provider keys, end to end on SQLite and Postgres: a tenant admin adds keys
//! (sealed in the vault), a published workflow's `llm_call` pays with the workspace key (or
//! the step's `llm_credential_id`), which is what the fake OpenAI-compatible provider
//! receives; no key appears in an answer, an event, the run context or a log line; the
//! step's tokens are metered once.

mod common;
/// ar-connect's fake provider and reply bodies in the providers' wire formats.
#[path = "../../connect/tests/support/mod.rs"]
mod llm;
#[path = "vault/support.rs"]
mod vault_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use ar_engine::{StepCall, StepExecutor, StepFailure};
use ar_server::llm::metering::{Meter, Metered};
use ar_server::settings::LlmProviderSettings;
use common::*;
use llm::wire::openai;
use llm::{FakeProvider, Reply};
use reqwest::Method;
use serde_json::{Value, json};
use vault_support::{captured_logs, init_capture};

const WORKSPACE_KEY: &str = "sk-workspace-LLM-KEY-5d21";
const STEP_KEY: &str = "sk-step-credential-LLM-KEY-9e07";
const SYSTEM_KEY: &str = "sk-system-LLM-KEY-0b3f";

fn settings_for(provider: &FakeProvider, system_key: Option<&str>) -> ar_server::Settings {
    let mut providers = BTreeMap::new();
    providers.insert(
        "openai".to_owned(),
        LlmProviderSettings {
            api_key: system_key.map(str::to_owned),
            base_url: Some(provider.base_url("/v1")),
        },
    );
    let mut settings = test_settings();
    settings.llm.providers = providers;
    settings
}

fn llm_graph(credential: Option<&str>) -> Value {
    let mut step = json!({
        "id": "ask", "type": "llm_call", "model_ref": "direct.openai.gpt-4o-mini",
        "prompt": "Capital of France?"
    });
    if let Some(id) = credential {
        step["llm_credential_id"] = json!(id);
    }
    json!({"steps": [step]})
}

struct Fixture {
    s: TestServer,
    ws: Workspace,
}

impl Fixture {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply2 {
        let mut c = self
            .s
            .call(method, path)
            .auth(&self.ws.owner)
            .tenant(&self.ws.slug)
            .project(&self.ws.project);
        if let Some(b) = body {
            c = c.json(b);
        }
        let r = c.send().await;
        Reply2 {
            status: r.status,
            body: r.body,
        }
    }

    /// Publishes a workflow with `graph`, starts a run, waits for it to end.
    /// `POST /v1/llm/resolve` for the OpenAI model the tests' graphs use.
    async fn resolve_openai(&self) -> Reply2 {
        self.call(
            Method::POST,
            "/v1/llm/resolve",
            Some(json!({"model_ref": "direct.openai.gpt-4o-mini"})),
        )
        .await
    }

    async fn run(&self, name: &str, graph: Value) -> (String, String, Value) {
        run_in(&self.s, &self.ws, name, graph).await
    }
}

/// Publishes a workflow with `graph` in `ws`, starts a run, waits for it to end.
async fn run_in(
    s: &TestServer,
    ws: &Workspace,
    name: &str,
    graph: Value,
) -> (String, String, Value) {
    let wf = published_workflow(s, ws, json!({"name": name, "graph": graph})).await;
    let r = s
        .call(Method::POST, format!("/v1/workflows/{wf}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "start", "params": {}}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let run = r.body["run_id"].as_str().expect("run id").to_string();
    let path = format!("/v1/workflows/{wf}/runs/{run}");
    let done = poll_until(s, &ws.owner, &ws.slug, &path, |r| {
        r["status"] == "completed" || r["status"] == "failed"
    })
    .await;
    (wf, run, done)
}

struct Reply2 {
    status: u16,
    body: Value,
}

fn assert_no_key(what: &str, text: &str) {
    for key in [WORKSPACE_KEY, STEP_KEY, SYSTEM_KEY] {
        assert!(!text.contains(key), "{what} holds a key: {text}");
    }
}

async fn workspace_keys_pay_for_llm_steps(backend: Backend) {
    init_capture();
    let provider = FakeProvider::start(vec![
        Reply::json(200, openai::completion("Paris", 11, 3)),
        Reply::json(200, openai::completion("Paris", 7, 2)),
    ])
    .await;
    let s = start_with(backend, settings_for(&provider, None)).await;
    let ws = workspace(&s, "llm-keys").await;
    let f = Fixture { s, ws };
    let mut answers: Vec<String> = Vec::new();

    // No key anywhere yet.
    let r = f.resolve_openai().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            &r.body["source"],
            &r.body["provider"],
            &r.body["model"],
            &r.body["key_source"]
        ),
        (
            &json!("direct"),
            &json!("openai"),
            &json!("gpt-4o-mini"),
            &Value::Null
        )
    );
    // Bad input: 400s that say what to fix.
    for (body, says) in [
        (
            json!({"provider": "nope", "api_key": "k"}),
            "unknown provider",
        ),
        (
            json!({"provider": "openai", "api_key": "  "}),
            "must not be empty",
        ),
        (
            json!({"provider": "openai", "api_key": "k", "base_url": "http://x"}),
            "base_url",
        ),
        (json!({"provider": "openai"}), "api_key"),
    ] {
        let r = f
            .call(Method::POST, "/v1/llm-provider-keys", Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(
            r.body["error"].as_str().unwrap_or("").contains(says),
            "{body}: {}",
            r.body
        );
    }
    for body in [
        json!({}),
        json!({"model_ref": "direct.openai.x", "model": "y"}),
        json!({"model_ref": "nowhere.openai.x"}),
    ] {
        let r = f
            .call(Method::POST, "/v1/llm/resolve", Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
    }
    let r = f
        .call(Method::DELETE, "/v1/llm-provider-keys/no-such-key", None)
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (404, Some("LLM provider key not found"))
    );

    // The step credential (older key) and the workspace key (the newest of the provider).
    let r = f
        .call(
            Method::POST,
            "/v1/llm-provider-keys",
            Some(json!({"provider": "openai", "api_key": STEP_KEY, "label": "team A"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    answers.push(r.body.to_string());
    let step_key_id = r.body["id"].as_str().expect("id").to_string();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = f
        .call(
            Method::POST,
            "/v1/llm-provider-keys",
            Some(json!({"provider": "openai", "api_key": WORKSPACE_KEY})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    answers.push(r.body.to_string());
    let r = f.call(Method::GET, "/v1/llm-provider-keys", None).await;
    assert_eq!(
        r.body["llm_provider_keys"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.body
    );
    answers.push(r.body.to_string());
    let r = f
        .call(Method::GET, "/v1/llm-provider-keys/catalog", None)
        .await;
    let openai_entry = r.body["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["name"] == "openai")
        .expect("openai")
        .clone();
    assert_eq!(
        (&openai_entry["workspace_key"], &openai_entry["system_key"]),
        (&json!(true), &json!(false)),
        "{openai_entry}"
    );
    answers.push(r.body.to_string());
    let r = f
        .call(
            Method::POST,
            "/v1/llm/resolve",
            Some(json!({"model": "gpt-4o-mini"})),
        )
        .await;
    assert_eq!(r.body["key_source"], "workspace", "{}", r.body);

    // A run pays with the workspace key; one with llm_credential_id with that key.
    let (wf, run, done) = f.run("uses the workspace key", llm_graph(None)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let (wf2, run2, done2) = f
        .run("uses the step credential", llm_graph(Some(&step_key_id)))
        .await;
    assert_eq!(done2["status"], "completed", "{done2}");
    let seen: Vec<String> = provider
        .requests()
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        seen,
        [
            format!("Bearer {WORKSPACE_KEY}"),
            format!("Bearer {STEP_KEY}")
        ]
    );

    // No key in the run's answers, events or context, nor in any other answer or the logs.
    for (wf, run) in [(&wf, &run), (&wf2, &run2)] {
        for tail in ["", "/events?limit=1000", "/context", "/summary"] {
            let r = f
                .call(
                    Method::GET,
                    &format!("/v1/workflows/{wf}/runs/{run}{tail}"),
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "{tail}: {}", r.body);
            answers.push(r.body.to_string());
        }
    }
    for text in &answers {
        assert_no_key("an answer", text);
    }
    assert_no_key("the logs", &captured_logs());

    // Metering: each run's step recorded once.
    let usage =
        f.s.server
            .state
            .integrations()
            .usage_of_run(&run)
            .await
            .expect("usage");
    let kinds: Vec<(&str, i64)> = usage
        .iter()
        .map(|u| (u.kind.as_str(), u.quantity))
        .collect();
    assert_eq!(
        kinds,
        [
            ("llm.tokens_in", 11),
            ("llm.tokens_out", 3),
            ("workflow.step.execute", 1)
        ],
        "{usage:?}"
    );
    assert!(
        usage
            .iter()
            .all(|u| u.step_key == "ask" && u.project_id.as_deref() == Some(f.ws.project.as_str()))
    );

    // The project's usage, summed per dimension (both runs).
    let billing = |query: &str| {
        f.s.call(Method::GET, format!("/v1/billing/usage-dimensions{query}"))
            .auth(&f.ws.owner)
            .tenant(&f.ws.slug)
            .project(&f.ws.project)
            .send()
    };
    let r = billing("").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["dimensions"],
        json!([
            {"action": "llm.tokens_in", "quantity": 18, "unit": "token"},
            {"action": "llm.tokens_out", "quantity": 5, "unit": "token"},
            {"action": "workflow.step.execute", "quantity": 2, "unit": "step"}
        ]),
        "{}",
        r.body
    );
    let r = billing("?to=2000-01-01T00:00:00Z").await;
    assert_eq!(r.body["dimensions"], json!([]), "{}", r.body);
    let r = billing("?from=yesterday").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error().contains("RFC 3339"), "{}", r.body);

    // An unknown credential id fails the step with a message saying so.
    let (_, _, failed) = f
        .run("unknown credential", llm_graph(Some("no-such-key")))
        .await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed
            .to_string()
            .contains("not an LLM key of this workspace"),
        "{failed}"
    );

    // Another workspace naming this workspace's key fails exactly like an unknown id,
    // and the provider is not called.
    let other = workspace(&f.s, "llm-other").await;
    let (_, _, foreign) = run_in(
        &f.s,
        &other,
        "foreign credential",
        llm_graph(Some(&step_key_id)),
    )
    .await;
    assert_eq!(foreign["status"], "failed", "{foreign}");
    assert!(
        foreign
            .to_string()
            .contains("not an LLM key of this workspace"),
        "{foreign}"
    );
    assert_eq!(
        provider.requests().len(),
        2,
        "no call was made with another workspace's key"
    );

    // Deleting the workspace key: the older key is now the workspace key.
    let newest = f
        .call(Method::GET, "/v1/llm-provider-keys", None)
        .await
        .body["llm_provider_keys"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        f.call(
            Method::DELETE,
            &format!("/v1/llm-provider-keys/{newest}"),
            None
        )
        .await
        .status,
        204
    );
    let r = f.call(Method::GET, "/v1/llm-provider-keys", None).await;
    assert_eq!(r.body["llm_provider_keys"][0]["id"], step_key_id.as_str());
    f.s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_keys_pay_for_llm_steps_on_sqlite() {
    workspace_keys_pay_for_llm_steps(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_keys_pay_for_llm_steps_on_postgres() {
    workspace_keys_pay_for_llm_steps(Backend::Postgres).await;
}

/// Without a workspace key the settings' system key pays, and the catalog and resolve say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_key_from_the_settings_is_the_fallback() {
    let provider =
        FakeProvider::start(vec![Reply::json(200, openai::completion("Paris", 4, 1))]).await;
    let mut settings = settings_for(&provider, Some(SYSTEM_KEY));
    settings.llm.system_key_workspaces = vec!["llm-system".into()];
    let s = start_with(Backend::Sqlite, settings).await;
    let ws = workspace(&s, "llm-system").await;
    let f = Fixture { s, ws };
    let r = f.resolve_openai().await;
    assert_eq!(r.body["key_source"], "system", "{}", r.body);
    let r = f
        .call(Method::GET, "/v1/llm-provider-keys/catalog", None)
        .await;
    assert_no_key("the catalog", &r.body.to_string());
    let (_, _, done) = f.run("system key", llm_graph(None)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let auth = provider.requests()[0].headers.get("authorization").cloned();
    assert_eq!(
        auth.and_then(|v| v.to_str().ok().map(str::to_owned)),
        Some(format!("Bearer {SYSTEM_KEY}"))
    );
    f.s.close().await;
}

/// Regression (issue 13): the operator's system key paid for every workspace, so anyone
/// who signed up spent it. A workspace the operator does not list gets no system key: the
/// catalog and resolve say so, and its step fails without reaching the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_key_is_only_for_the_workspaces_the_operator_allows() {
    let provider =
        FakeProvider::start(vec![Reply::json(200, openai::completion("Paris", 4, 1))]).await;
    // The default list: the first-start workspace `default` only.
    let settings = settings_for(&provider, Some(SYSTEM_KEY));
    assert_eq!(settings.llm.system_key_workspaces, ["default"]);
    let s = start_with(Backend::Sqlite, settings).await;
    let ws = workspace(&s, "llm-stranger").await;
    let f = Fixture { s, ws };
    let r = f.resolve_openai().await;
    assert_eq!(r.body["key_source"], Value::Null, "{}", r.body);
    let r = f
        .call(Method::GET, "/v1/llm-provider-keys/catalog", None)
        .await;
    let openai_entry = r.body["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "openai"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(openai_entry["system_key"], false, "{}", r.body);
    let (_, _, done) = f.run("no system key", llm_graph(None)).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        provider.requests().is_empty(),
        "the step reached the provider: {:?}",
        provider.requests().len()
    );
    // The workspace's own key still works.
    let r = f
        .call(
            Method::POST,
            "/v1/llm-provider-keys",
            Some(json!({"provider": "openai", "api_key": WORKSPACE_KEY})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, _, done) = f.run("own key", llm_graph(None)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let auth = provider.requests()[0].headers.get("authorization").cloned();
    assert_eq!(
        auth.and_then(|v| v.to_str().ok().map(str::to_owned)),
        Some(format!("Bearer {WORKSPACE_KEY}"))
    );
    f.s.close().await;
}

/// Answers like a successful `llm_call`.
struct Answers;

#[async_trait::async_trait]
impl StepExecutor for Answers {
    async fn execute(&self, _call: StepCall) -> Result<Value, StepFailure> {
        Ok(json!({"model": "m", "text": "t", "tokens_in": 5, "tokens_out": 2, "latency_ms": 1}))
    }
}

/// A step retried (attempt 2) or re-run after a crash (attempt 1 again) is metered once.
async fn a_retried_step_is_metered_once(backend: Backend) {
    let db = vault_support::Db::open(backend).await;
    let s = db.start().await;
    let ws = workspace(&s, "meter-once").await;
    let store = s.server.state.integrations();
    let integrations = db.stores.integrations.clone();
    let metered = Metered::new(Arc::new(Answers), Meter::Llm, integrations);
    let call = |attempt: u32, step: &str| StepCall {
        run_id: "run-1".into(),
        workflow_id: "wf".into(),
        project_id: Some(ws.project.clone()),
        step_id: step.into(),
        step_type: "llm_call".into(),
        attempt,
        idempotency_key: format!("run-1:{step}:{attempt}"),
        inputs: json!({}),
        globals: Arc::new(serde_json::Map::new()),
        timeout: None,
        cancel: tokio_util::sync::CancellationToken::new(),
        events: Default::default(),
    };
    for attempt in [1, 2, 1] {
        metered.execute(call(attempt, "ask")).await.expect("ok");
    }
    metered.execute(call(1, "loop#0/ask")).await.expect("ok");
    let usage = store.usage_of_run("run-1").await.expect("usage");
    let rows: Vec<(&str, &str, i64)> = usage
        .iter()
        .map(|u| (u.step_key.as_str(), u.kind.as_str(), u.quantity))
        .collect();
    assert_eq!(
        rows,
        [
            ("ask", "llm.tokens_in", 5),
            ("ask", "llm.tokens_out", 2),
            ("ask", "workflow.step.execute", 1),
            ("loop#0/ask", "llm.tokens_in", 5),
            ("loop#0/ask", "llm.tokens_out", 2),
            ("loop#0/ask", "workflow.step.execute", 1),
        ]
    );
    let ws_id = usage[0].workspace_id.clone();
    let totals = store
        .usage_totals(&ws_id, None, 0, i64::MAX)
        .await
        .expect("totals");
    let totals: Vec<(&str, i64)> = totals
        .iter()
        .map(|t| (t.kind.as_str(), t.quantity))
        .collect();
    assert_eq!(
        totals,
        [
            ("llm.tokens_in", 10),
            ("llm.tokens_out", 4),
            ("workflow.step.execute", 2)
        ]
    );
    let other = store
        .usage_totals(&ws_id, Some("another-project"), 0, i64::MAX)
        .await
        .expect("totals");
    assert!(other.is_empty(), "{other:?}");
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_step_is_metered_once_on_sqlite() {
    a_retried_step_is_metered_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_step_is_metered_once_on_postgres() {
    a_retried_step_is_metered_once(Backend::Postgres).await;
}
