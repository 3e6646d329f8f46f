//! `ar-bench load`: the API server under load, in this process, over real HTTP and
//! WebSocket connections (bench/README.md, load section).
//!
//! (a) `clients` concurrent clients start runs of a published two-step Lua workflow with
//!     `POST /v1/workflows/{id}/command` for `seconds`: run starts per second and p50/p99
//!     start latency. Targets on SQLite: ≥ 1,000 starts/s, p99 < 50 ms.
//! (b) `subscribers` WebSocket clients watch the workflow's stream while runs start:
//!     events per second delivered across all subscribers, and delivery lag.

pub(crate) mod server;
mod starts;
mod streams;

use std::time::Duration;

use anyhow::Context;

use crate::foundation::Report;
use crate::measure::{format_duration, format_rate};
use crate::report::{Row, render_table};
use server::{Backend, LoadServer};

const TARGET_STARTS_PER_SECOND: f64 = 1_000.0;
const TARGET_START_P99: Duration = Duration::from_millis(50);

/// Which backends to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    All,
}

/// Options of `ar-bench load`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Store backend(s) to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::All)]
    backend: BackendChoice,
    /// Length of each phase, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients starting runs in phase (a).
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// WebSocket subscribers in phase (b).
    #[arg(long, default_value_t = 200)]
    subscribers: usize,
    /// Clients starting runs (one after another each) while phase (b) streams.
    #[arg(long, default_value_t = 2)]
    starters: usize,
    /// Runs started per second in phase (b), all starters together (0 = as fast as the
    /// starters go, which measures overload rather than delivery).
    #[arg(long, default_value_t = 25.0)]
    stream_rate: f64,
}

pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let backends = match options.backend {
        BackendChoice::Sqlite => vec![Backend::Sqlite],
        BackendChoice::Postgres => vec![Backend::Postgres],
        BackendChoice::All => vec![Backend::Sqlite, Backend::Postgres],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    let mut all_met = true;
    for backend in backends {
        let (backend_rows, met) = runtime
            .block_on(measure(backend, options))
            .with_context(|| format!("load benchmark on {}", backend.name()))?;
        rows.extend(backend_rows);
        all_met &= met;
    }
    let mut text = render_table(&rows);
    text.push_str(&format!(
        "\nphase (a): {} clients, {} s; phase (b): {} subscribers of the workflow stream, {} starters at {} runs/s together, {} s.\n\
         Server and clients share this process and machine; rate limits are lifted.\n",
        options.clients,
        options.seconds,
        options.subscribers,
        options.starters,
        options.stream_rate,
        options.seconds
    ));
    Ok(Report {
        text,
        all_targets_met: all_met,
    })
}

async fn measure(backend: Backend, options: &Options) -> anyhow::Result<(Vec<Row>, bool)> {
    let duration = Duration::from_secs(options.seconds.max(1));
    let name = format!("load/{}", backend.name());
    let server = LoadServer::start(backend).await?;

    let a = starts::measure(&server, options.clients.max(1), duration).await?;
    let rate = a.starts as f64 / a.elapsed.as_secs_f64();
    let p50 = a.latencies.p50();
    let p99 = a.latencies.p99();
    // Targets apply to the embedded default (SQLite); Postgres figures are context.
    let checked = backend == Backend::Sqlite;
    let mut rows = vec![
        Row::info(&name, "run starts", a.starts.to_string()),
        if checked {
            Row::checked(
                &name,
                "run starts/s",
                format_rate(rate),
                "≥ 1,000/s",
                rate >= TARGET_STARTS_PER_SECOND,
            )
        } else {
            Row::info(&name, "run starts/s", format_rate(rate))
        },
        Row::info(&name, "start latency p50", format_duration(p50)),
        if checked {
            Row::checked(
                &name,
                "start latency p99",
                format_duration(p99),
                "< 50 ms",
                p99 < TARGET_START_P99,
            )
        } else {
            Row::info(&name, "start latency p99", format_duration(p99))
        },
    ];
    let met = !checked || (rate >= TARGET_STARTS_PER_SECOND && p99 < TARGET_START_P99);
    // Let the phase (a) runs finish so phase (b) measures streaming, not their backlog.
    drain(&server, &a.run_ids).await?;

    let b = streams::measure(
        &server,
        options.subscribers,
        options.starters,
        options.stream_rate,
        duration,
    )
    .await?;
    let expected = b.events_per_subscriber * b.subscribers as u64;
    rows.extend([
        Row::info(&name, "stream subscribers", b.subscribers.to_string()),
        Row::info(&name, "runs watched", b.runs.to_string()),
        Row::info(
            &name,
            "events delivered",
            format!("{} of {expected}", b.delivered),
        ),
        Row::info(
            &name,
            "events/s delivered",
            format_rate(b.delivered as f64 / b.elapsed.as_secs_f64().max(1e-9)),
        ),
        Row::info(&name, "delivery lag p50", format_duration(b.lag.p50())),
        Row::info(&name, "delivery lag p99", format_duration(b.lag.p99())),
        Row::info(
            &name,
            "subscribers closed early",
            b.closed_early.to_string(),
        ),
    ]);
    server.stop().await?;
    Ok((rows, met))
}

/// Waits for runs started by a phase to finish.
async fn drain(server: &LoadServer, run_ids: &[String]) -> anyhow::Result<()> {
    let engine = server.server.state.engine();
    for id in run_ids {
        engine
            .wait_for_run(id, Duration::from_secs(120))
            .await
            .with_context(|| format!("run {id} did not finish"))?;
    }
    Ok(())
}
