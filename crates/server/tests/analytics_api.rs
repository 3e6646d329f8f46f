//! `/v1/analytics/*` (docs/contract.md §14, docs/analytics.md) through a real listener, over
//! runs made by the real engine: completed, failed, stopped and one still waiting. Every
//! test runs on SQLite and on Postgres.

mod common;

use ar_store::integrations::UsageRecord;
use ar_store::now_ms;
use ar_store::tenant::MembershipRecord;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// One Lua step that fails when asked to.
fn lua_graph() -> Value {
    json!({"steps": [{"id": "work", "type": "lua_script",
        "script": "if input.fail then error('asked to fail') end return { ok = true }"}]})
}

/// One human task: a run that waits until stopped.
fn waiting_graph() -> Value {
    json!({"steps": [{"id": "wait", "type": "human_task", "task_payload": {}}]})
}

const ROUTES: [&str; 9] = [
    "live-runs",
    "success-rate",
    "execution-duration",
    "runs-count",
    "steps-executed",
    "credits-consumed",
    "steps-summary",
    "runs-timeseries",
    "usage-timeseries",
];

struct Fixture {
    s: TestServer,
    ws: Workspace,
    /// When the fixture began: every run was created after it.
    began: i64,
    /// `finished_at - started_at` summed over the terminal runs, from their summaries.
    terminal_ms: i64,
    /// The durations of the three completed Lua steps, from the run contexts, ascending.
    lua_step_ms: Vec<i64>,
}

impl Fixture {
    async fn analytics(&self, who: &Auth, route: &str, query: &str) -> Reply {
        self.s
            .call(Method::GET, format!("/v1/analytics/{route}{query}"))
            .auth(who)
            .tenant(&self.ws.slug)
            .project(&self.ws.project)
            .send()
            .await
    }
    /// As the owner, expecting 200.
    async fn get(&self, route: &str, query: &str) -> Value {
        let r = self.analytics(&self.ws.owner, route, query).await;
        assert_eq!(r.status, 200, "{route}{query}: {:?}", r.body);
        r.body
    }
}

async fn start(s: &TestServer, ws: &Workspace, wf: &str, payload: Value) -> String {
    let r = s
        .call(Method::POST, format!("/v1/workflows/{wf}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "start", "params": {"trigger_payload": payload}}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["run_id"].as_str().expect("run id").to_string()
}

async fn wait_status(s: &TestServer, ws: &Workspace, wf: &str, run: &str, status: &str) -> Value {
    let path = format!("/v1/workflows/{wf}/runs/{run}/summary");
    poll_until(s, &ws.owner, &ws.slug, &path, |b| b["status"] == status).await
}

fn ms(time: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(time.as_str().expect("a time"))
        .expect("RFC 3339")
        .timestamp_millis()
}

/// Workspace `acme` with three completed runs, one failed, one stopped and one waiting
/// (live), and metered LLM usage of 120 tokens in / 30 out.
async fn fixture(backend: Backend) -> Fixture {
    let began = now_ms();
    let s = common::start(backend).await;
    let ws = workspace(&s, "acme").await;
    let lua = published_workflow(&s, &ws, json!({"name": "lua", "graph": lua_graph()})).await;
    let wait = published_workflow(&s, &ws, json!({"name": "wait", "graph": waiting_graph()})).await;
    let mut terminal_ms = 0;
    let mut lua_step_ms = Vec::new();
    for fail in [false, false, false, true] {
        let run = start(&s, &ws, &lua, json!({"fail": fail})).await;
        let status = if fail { "failed" } else { "completed" };
        let summary = wait_status(&s, &ws, &lua, &run, status).await;
        terminal_ms += ms(&summary["finished_at"]) - ms(&summary["started_at"]);
        if !fail {
            let context = s
                .call(
                    Method::GET,
                    format!("/v1/workflows/{lua}/runs/{run}/context"),
                )
                .auth(&ws.owner)
                .tenant(&ws.slug)
                .send()
                .await;
            assert_eq!(context.status, 200, "{:?}", context.body);
            let step = &context.body["steps"]["work"];
            lua_step_ms.push(ms(&step["finished_at"]) - ms(&step["started_at"]));
        }
    }
    lua_step_ms.sort_unstable();
    let stopped = start(&s, &ws, &wait, json!({})).await;
    wait_status(&s, &ws, &wait, &stopped, "running").await;
    let r = s
        .call(Method::POST, format!("/v1/workflows/{wait}/command"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"command": "stop", "params": {"run_id": stopped}}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let summary = wait_status(&s, &ws, &wait, &stopped, "stopped").await;
    terminal_ms += ms(&summary["finished_at"]) - ms(&summary["started_at"]);
    let live = start(&s, &ws, &wait, json!({})).await;
    wait_status(&s, &ws, &wait, &live, "running").await;

    // Metered usage as the llm_call metering records it (crates/server/src/llm/metering.rs).
    let workspace_id = s
        .tenants()
        .workspace_by_slug("acme")
        .await
        .expect("ws")
        .expect("ws")
        .id;
    for (kind, quantity) in [("llm.tokens_in", 120), ("llm.tokens_out", 30)] {
        let recorded = s
            .server
            .state
            .integrations()
            .record_usage(&UsageRecord {
                idempotency_key: format!("{live}:think:{kind}"),
                workspace_id: workspace_id.clone(),
                project_id: Some(ws.project.clone()),
                run_id: live.clone(),
                step_key: "think".into(),
                kind: kind.into(),
                quantity,
                at: now_ms(),
            })
            .await
            .expect("usage");
        assert!(recorded);
    }
    Fixture {
        s,
        ws,
        began,
        terminal_ms,
        lua_step_ms,
    }
}

fn sum(points: &Value, field: &str) -> i64 {
    points
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p[field].as_i64().expect(field))
        .sum()
}

async fn every_number_counts_the_engines_runs(backend: Backend) {
    let f = fixture(backend).await;

    assert_eq!(f.get("live-runs", "").await["count"], 1);
    let rate = f.get("success-rate", "?window=week").await;
    assert_eq!(
        (
            &rate["completed"],
            &rate["failed"],
            &rate["stopped"],
            &rate["terminal"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(5)),
        "{rate}"
    );
    assert_eq!(rate["rate"].as_f64(), Some(0.6), "{rate}");
    assert_eq!(rate["window"], "week");
    assert!(rate["from"].is_string() && rate["to"].is_string(), "{rate}");

    let duration = f.get("execution-duration", "").await;
    assert_eq!(duration["runs"], 5, "{duration}");
    assert_eq!(duration["total_ms"], f.terminal_ms, "{duration}");
    assert_eq!(f.get("runs-count", "").await["count"], 6);
    // Four Lua steps ran (three completed, one failed); the human tasks did not finish
    // executing (one cancelled by the stop, one waiting).
    assert_eq!(f.get("steps-executed", "").await["quantity"], 4);
    // No prices until billing exists (docs/analytics.md).
    assert_eq!(f.get("credits-consumed", "").await["microcredits"], 0);

    let summary = f.get("steps-summary", "").await;
    let by_type = summary["by_type"].as_array().expect("by_type");
    assert_eq!(by_type.len(), 1, "{summary}");
    assert_eq!(by_type[0]["type"], "lua_script");
    assert_eq!(by_type[0]["completed"], 3);
    // Nearest rank over three durations: p50 is the 2nd (ceil 1.5), p95 the 3rd (ceil 2.85).
    assert_eq!(by_type[0]["p50_ms"], f.lua_step_ms[1], "{summary}");
    assert_eq!(by_type[0]["p95_ms"], f.lua_step_ms[2], "{summary}");
    assert_eq!(summary["llm_tokens"], json!({"in": 120, "out": 30}));

    let runs = f
        .get("runs-timeseries", "?window=week&granularity=hour")
        .await;
    assert_eq!(runs["granularity"], "hour");
    let points = &runs["points"];
    let n = points.as_array().expect("points").len();
    assert!((168..=169).contains(&n), "{n} hourly points in a week");
    assert_eq!(
        [
            sum(points, "started"),
            sum(points, "completed"),
            sum(points, "failed"),
            sum(points, "stopped")
        ],
        [6, 3, 1, 1]
    );
    let last = ms(&points[n - 1]["t"]);
    assert!(
        last <= now_ms() && last % 3_600_000 == 0,
        "{}",
        points[n - 1]
    );

    let usage = f.get("usage-timeseries", "").await;
    assert_eq!(usage["granularity"], "day");
    assert_eq!(usage["window"], "month");
    let points = &usage["points"];
    assert_eq!(sum(points, "steps_executed"), 4);
    assert_eq!(sum(points, "llm_tokens_in"), 120);
    assert_eq!(sum(points, "llm_tokens_out"), 30);
    assert_eq!(sum(points, "mcp_calls"), 0);
    assert_eq!(sum(points, "microcredits"), 0);
    f.s.close().await;
}

async fn windows_and_periods_bound_what_is_counted(backend: Backend) {
    let f = fixture(backend).await;
    let t = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("time")
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let around = format!("?from={}&to={}", t(f.began - 1), t(now_ms() + 60_000));
    let before = format!("?from=2020-01-01T00:00:00Z&to={}", t(f.began - 1));
    let all = f.get("runs-count", "?window=all").await;
    assert_eq!((&all["count"], &all["from"]), (&json!(6), &Value::Null));
    assert_eq!(f.get("runs-count", &around).await["count"], 6);
    let echoed = f.get("runs-count", &before).await;
    assert_eq!(echoed["count"], 0);
    assert_eq!(echoed["from"], "2020-01-01T00:00:00.000Z");
    assert_eq!(echoed["window"], Value::Null);
    assert_eq!(f.get("steps-executed", &before).await["quantity"], 0);
    let rate = f.get("success-rate", &before).await;
    assert_eq!(
        (&rate["terminal"], &rate["rate"]),
        (&json!(0), &Value::Null)
    );
    // Live runs are live now, whatever the period.
    assert_eq!(f.get("live-runs", &before).await["count"], 1);

    // A period before the project's runs: all buckets present and empty.
    let empty = f
        .get(
            "runs-timeseries",
            "?from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z&granularity=day",
        )
        .await;
    assert_eq!(
        empty["points"],
        json!([
            {"t": "2020-01-01T00:00:00.000Z", "started": 0, "completed": 0, "failed": 0, "stopped": 0},
            {"t": "2020-01-02T00:00:00.000Z", "started": 0, "completed": 0, "failed": 0, "stopped": 0},
        ])
    );
    // Weeks start on Monday: 2020-01-01 was a Wednesday.
    let weekly = f
        .get(
            "usage-timeseries",
            "?from=2020-01-01T00:00:00Z&to=2020-01-07T00:00:00Z&granularity=week",
        )
        .await;
    assert_eq!(weekly["points"][0]["t"], "2019-12-30T00:00:00.000Z");
    assert_eq!(weekly["points"].as_array().map(Vec::len), Some(2));
    // `all` starts at the first run: everything of today, in one daily bucket or two.
    let all = f.get("runs-timeseries", "?window=all").await;
    let points = &all["points"];
    assert!(
        (1..=2).contains(&points.as_array().map_or(0, Vec::len)),
        "{all}"
    );
    assert_eq!(sum(points, "started"), 6);
    f.s.close().await;
}

async fn bad_parameters_are_clear_400s(backend: Backend) {
    let f = fixture(backend).await;
    let cases = [
        ("runs-count", "?window=year", "window"),
        (
            "runs-count",
            "?window=week&from=2026-01-01T00:00:00Z",
            "window",
        ),
        ("runs-count", "?from=yesterday", "from"),
        ("runs-count", "?to=2026-13-01T00:00:00Z", "to"),
        (
            "runs-count",
            "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        ("runs-count", "?granularity=day", "granularity"),
        ("runs-timeseries", "?granularity=minute", "granularity"),
        ("usage-timeseries", "?nonsense=1", "nonsense"),
        // 26 years of hours is far over 2000 points.
        (
            "runs-timeseries",
            "?from=2000-01-01T00:00:00Z&granularity=hour",
            "2000",
        ),
        (
            "usage-timeseries",
            "?from=2025-01-01T00:00:00Z&granularity=hour",
            "2000",
        ),
    ];
    for (route, query, says) in cases {
        let r = f.analytics(&f.ws.owner, route, query).await;
        assert_eq!(r.status, 400, "{route}{query}: {:?}", r.body);
        assert!(
            r.error().contains(says),
            "{route}{query}: {:?} should name {says}",
            r.body
        );
    }
    // A huge value is refused, not overflowed.
    let huge = f
        .analytics(&f.ws.owner, "runs-count", "?from=99999-01-01T00:00:00Z")
        .await;
    assert_eq!(huge.status, 400, "{:?}", huge.body);
    // Without X-Project-Id there is no project to answer about.
    for route in ROUTES {
        let r =
            f.s.call(Method::GET, format!("/v1/analytics/{route}"))
                .auth(&f.ws.owner)
                .tenant(&f.ws.slug)
                .send()
                .await;
        assert_eq!(r.status, 400, "{route}: {:?}", r.body);
        assert!(r.error().contains("X-Project-Id"), "{:?}", r.body);
    }
    f.s.close().await;
}

async fn contributors_read_viewers_and_other_tenants_do_not(backend: Backend) {
    let f = fixture(backend).await;
    let workspace_id =
        f.s.tenants()
            .workspace_by_slug("acme")
            .await
            .expect("ws")
            .expect("ws")
            .id;
    let mut callers = Vec::new();
    for role in ["project_viewer", "project_contributor"] {
        let (id, cookie) =
            f.s.signup(&format!("{role}@acme.test"), "password-123")
                .await;
        f.s.tenants()
            .upsert_member(&MembershipRecord {
                workspace_id: workspace_id.clone(),
                user_id: id.clone(),
                role: "member".into(),
                active: true,
                created_at: 0,
            })
            .await
            .expect("member");
        f.s.tenants()
            .set_project_member(&f.ws.project, &id, role, 0)
            .await
            .expect("project role");
        callers.push(Auth::Session(cookie));
    }
    let other = workspace(&f.s, "globex").await;
    for route in ROUTES {
        let viewer = f.analytics(&callers[0], route, "").await;
        assert_eq!(viewer.status, 403, "viewer {route}: {:?}", viewer.body);
        let contributor = f.analytics(&callers[1], route, "").await;
        assert_eq!(
            contributor.status, 200,
            "contributor {route}: {:?}",
            contributor.body
        );
        // Another workspace's owner naming acme's project: it does not exist for them.
        let r =
            f.s.call(Method::GET, format!("/v1/analytics/{route}"))
                .auth(&other.owner)
                .tenant(&other.slug)
                .project(&f.ws.project)
                .send()
                .await;
        assert_eq!(r.status, 404, "other tenant {route}: {:?}", r.body);
        // Their own project has nothing of acme's.
        let theirs =
            f.s.call(Method::GET, format!("/v1/analytics/{route}?window=all"))
                .auth(&other.owner)
                .tenant(&other.slug)
                .project(&other.project)
                .send()
                .await;
        assert_eq!(theirs.status, 200, "{route}: {:?}", theirs.body);
        for field in ["count", "quantity", "terminal", "runs", "microcredits"] {
            if let Some(n) = theirs.body.get(field) {
                assert_eq!(n, 0, "{route}: {:?}", theirs.body);
            }
        }
        if let Some(points) = theirs.body.get("points") {
            assert_eq!(points, &json!([]), "{route}");
        }
    }
    f.s.close().await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

on_both_backends!(
    every_number_counts_the_engines_runs,
    windows_and_periods_bound_what_is_counted,
    bad_parameters_are_clear_400s,
    contributors_read_viewers_and_other_tenants_do_not,
);
