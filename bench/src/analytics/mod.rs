//! `ar-bench analytics`: the `/v1/analytics/*` answers over a large history. Seeds one
//! project with 1,000,000 steps (and their 100,000 runs and 1,000,000 usage records) into
//! a fresh SQLite file and a fresh Postgres schema, rolls it up as a server would (timed),
//! then computes every answer again and
//! again through `ar_server::analytics::metrics::compute` — exactly what a request
//! computes after authorization — and reports p50/p99 per answer, window and backend.

mod seed;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ar_server::analytics::metrics::{Metric, compute};
use ar_server::analytics::period::AnalyticsQuery;
use ar_store::tenant::{PgTenantStore, SqliteTenantStore, TenantStore};
use ar_store::{PgConfig, PgStore, now_ms};
use serde_json::Value;

use crate::foundation::Report;
use crate::measure::{Samples, format_duration};
use crate::report::{Row, render_table};
use seed::{History, PROJECT};

/// Where the Postgres backend connects (a fresh schema, dropped at the end).
const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Every answer's p99 should stay under this.
const TARGET_P99: Duration = Duration::from_millis(100);

/// A store backend of this benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Options of `ar-bench analytics`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Backends to measure.
    #[arg(long, value_enum, num_args = 1.., default_values_t = [Backend::Sqlite, Backend::Postgres])]
    backend: Vec<Backend>,
    /// Step rows to seed (10 per run).
    #[arg(long, default_value_t = 1_000_000)]
    steps: i64,
    /// Days the history spans, up to now.
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// Timed computations of each answer (after two untimed ones).
    #[arg(long, default_value_t = 30)]
    repeats: usize,
}

/// A seeded store and what to remove afterwards.
struct Seeded {
    store: Box<dyn TenantStore>,
    cleanup: Option<(String, PgStore)>,
    _dir: Option<tempfile::TempDir>,
    seconds: f64,
}

/// Rolls the seeded history up as a server's first refresh would (the whole history at
/// once), then refreshes again with nothing to do; the info rows say how long each took.
async fn roll_up(store: &dyn TenantStore, name: &str, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let started = Instant::now();
    let first = store.refresh_analytics_rollups(now_ms()).await?;
    let backfill = started.elapsed();
    let started = Instant::now();
    let second = store.refresh_analytics_rollups(now_ms()).await?;
    let steady = started.elapsed();
    if second.chunks != 0 {
        bail!(
            "{name}: the second refresh recomputed {} project-days",
            second.chunks
        );
    }
    rows.push(Row::info(
        name.to_string(),
        "rollup",
        format!(
            "backfill {:.2} s ({} project-days); a refresh with nothing to do {}",
            backfill.as_secs_f64(),
            first.chunks,
            format_duration(steady)
        ),
    ));
    Ok(())
}

async fn open_and_seed(backend: Backend, history: &History) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let statements = history.statements();
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir()?;
            let store = SqliteTenantStore::open(dir.path().join("bench.db"))
                .await
                .context("opening SQLite")?;
            let mut tx = store.pool().begin().await?;
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await
                    .context("seeding SQLite")?;
            }
            tx.commit().await?;
            Ok(Seeded {
                store: Box::new(store),
                cleanup: None,
                _dir: Some(dir),
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        Backend::Postgres => {
            let schema = format!("ar_bench_analytics_{}", std::process::id());
            let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                .await
                .with_context(|| format!("opening Postgres at {PG_URL}"))?;
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(pg.pool())
                    .await
                    .context("seeding Postgres")?;
            }
            // What autovacuum would have done by the time such a history exists.
            sqlx::query("ANALYZE").execute(pg.pool()).await?;
            let store = PgTenantStore::from_pool(pg.pool().clone());
            Ok(Seeded {
                store: Box::new(store),
                cleanup: Some((schema, pg)),
                _dir: None,
                seconds: started.elapsed().as_secs_f64(),
            })
        }
    }
}

/// `metric` of the seeded project now, as a request computes and serializes it.
async fn answer(
    store: &dyn TenantStore,
    metric: Metric,
    q: &AnalyticsQuery,
) -> anyhow::Result<Value> {
    let answer = compute(store, metric, PROJECT, q, now_ms())
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e:?}", metric.name()))?;
    Ok(serde_json::to_value(answer)?)
}

/// The windows measured: the last week (hourly series) and the whole history (daily).
fn queries(metric: Metric) -> Vec<(&'static str, AnalyticsQuery)> {
    let q = |window: &str, granularity: &str| AnalyticsQuery {
        window: Some(window.into()),
        granularity: metric.is_series().then(|| granularity.into()),
        ..AnalyticsQuery::default()
    };
    vec![("week", q("week", "hour")), ("all", q("all", "day"))]
}

async fn measure(
    backend: Backend,
    seeded: &Seeded,
    history: &History,
    repeats: usize,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let store = seeded.store.as_ref();
    let name = format!("{backend:?}").to_lowercase();
    roll_up(store, &name, rows).await?;
    // The seeded history is what the answers count.
    let all = AnalyticsQuery {
        window: Some("all".into()),
        ..AnalyticsQuery::default()
    };
    let check = |v: &Value, field: &str, want: i64| -> anyhow::Result<()> {
        if v[field].as_i64() != Some(want) {
            bail!("{name}: expected {field} = {want}, got {v}");
        }
        Ok(())
    };
    let runs = answer(store, Metric::RunsCount, &all).await?;
    check(&runs, "count", history.runs)?;
    let steps = answer(store, Metric::StepsExecuted, &all).await?;
    check(&steps, "quantity", history.expected_steps_executed())?;
    let live = answer(store, Metric::LiveRuns, &all).await?;
    check(&live, "count", seed::LIVE_RUNS)?;

    for metric in Metric::ALL {
        for (window, q) in queries(metric) {
            for _ in 0..2 {
                answer(store, metric, &q).await?;
            }
            let mut times = Vec::with_capacity(repeats);
            for _ in 0..repeats {
                let start = Instant::now();
                let answer = answer(store, metric, &q).await?;
                times.push(start.elapsed());
                std::hint::black_box(answer);
            }
            let samples = Samples::from_durations(times);
            let p99 = samples.p99();
            rows.push(Row::checked(
                format!("{name} {}", metric.name()),
                format!("window={window}, p50 / p99"),
                format!(
                    "{} / {}",
                    format_duration(samples.p50()),
                    format_duration(p99)
                ),
                format!("p99 < {}", format_duration(TARGET_P99)),
                p99 < TARGET_P99,
            ));
        }
    }
    Ok(())
}

/// Seeds each backend, measures every answer, renders the table.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    if options.steps < seed::STEPS_PER_RUN * (seed::LIVE_RUNS + 1) {
        bail!(
            "--steps must be at least {}",
            seed::STEPS_PER_RUN * (seed::LIVE_RUNS + 1)
        );
    }
    let history = History {
        runs: options.steps / seed::STEPS_PER_RUN,
        days: options.days.max(1),
        now: now_ms(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    for &backend in &options.backend {
        let seeded = rt.block_on(open_and_seed(backend, &history))?;
        rows.push(Row::info(
            format!("{backend:?}").to_lowercase(),
            "seed",
            format!(
                "{} runs, {} steps, {} usage rows in {:.1} s",
                history.runs,
                history.runs * seed::STEPS_PER_RUN,
                history.runs * 10,
                seeded.seconds
            ),
        ));
        let outcome = rt.block_on(measure(
            backend,
            &seeded,
            &history,
            options.repeats.max(1),
            &mut rows,
        ));
        if let Some((schema, pg)) = &seeded.cleanup {
            // The name is ours (letters, digits and underscores), not input.
            rt.block_on(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(pg.pool()),
            )
            .with_context(|| format!("dropping schema {schema}"))?;
        }
        outcome?;
    }
    let all_targets_met = rows
        .iter()
        .all(|r| r.verdict != crate::report::Verdict::Missed);
    Ok(Report {
        text: render_table(&rows),
        all_targets_met,
    })
}
