//! `agentruntime serve [--listen ADDR] [--data-dir DIR] [--database-url URL] [--config FILE]
//! [--log-format text|json]`: runs the API server (`ar_server::serve`) until Ctrl-C or
//! SIGTERM, then shuts down gracefully.
//!
//! Settings are layered: the TOML file (`--config` / `AR_CONFIG`), then `AR_*` variables,
//! then the flags here, so a flag always wins. Exit 0 after a graceful shutdown, 2 when the
//! server cannot start (bad settings, insecure master key file, unreachable database,
//! address in use).

use std::net::SocketAddr;
use std::path::PathBuf;

use ar_server::Settings;
use ar_server::otel::TraceExport;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use super::test_hooks::TestHooks;
use crate::exit::{Unreadable, Verdict};

/// The variable holding the log filter (`tracing` directives, e.g. `info,ar_engine=debug`).
const LOG_FILTER_ENV: &str = "AR_LOG";
const DEFAULT_LOG_FILTER: &str = "info";

/// How log lines are written (on stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Arguments of `agentruntime serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every setting can also come from the TOML file (--config) or an \
    AR_* environment variable (see docs/server.md); flags win over the environment, which \
    wins over the file.\nExit status: 0 after a graceful shutdown (Ctrl-C or SIGTERM), 2 when \
    the server cannot start."
)]
pub struct Args {
    /// Address and port to listen on [env: AR_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Directory of the embedded SQLite database and the master key file
    /// [env: AR_DATA_DIR] [default: ./agentruntime-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to share one database among several servers [env: AR_DATABASE_URL].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A TOML settings file.
    #[arg(long, value_name = "FILE", env = "AR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log line format; the filter comes from AR_LOG (default `info`).
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "AR_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

/// Runs the server until a shutdown signal.
pub fn run(args: &Args) -> Result<Verdict, Unreadable> {
    let settings = settings(args)?;
    let hooks = TestHooks::from_env()?;
    let traces = TraceExport::start(&settings.tracing).map_err(Unreadable)?;
    init_logging(
        args.log_format,
        std::env::var(LOG_FILTER_ENV).ok(),
        traces.as_ref(),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))?;
    let served = runtime
        .block_on(async {
            // Signal handlers first, so a SIGTERM right after start-up is graceful too.
            let shutdown = ar_server::shutdown_signal();
            ar_server::serve_with(settings, shutdown, |executors| {
                if let Some(hooks) = hooks {
                    // Around the metered steps too, outside their metering: the failpoint
                    // then lands between a step's debit and its commit (docs/billing.md
                    // "The ledger and exactly-once").
                    hooks.wrap(executors, &["lua_script", "llm_call", "mcp_call"]);
                }
            })
            .await
        })
        // `{:#}` prints the whole cause chain on one line (e.g. which file, then why).
        .map_err(|e| Unreadable(format!("{e:#}")));
    drop(runtime);
    // Spans still buffered (the last runs' steps) go out before the process ends.
    if let Some(traces) = traces {
        traces.shutdown();
    }
    served?;
    Ok(Verdict::Yes)
}

/// The file, then the environment, then the flags.
fn settings(args: &Args) -> Result<Settings, Unreadable> {
    let mut settings =
        Settings::load(args.config.as_deref()).map_err(|e| Unreadable(e.to_string()))?;
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if let Some(dir) = &args.data_dir {
        settings.data_dir = dir.clone();
    }
    if let Some(url) = &args.database_url {
        settings.database_url = Some(url.clone());
    }
    Ok(settings)
}

/// Installs the global `tracing` subscriber: log lines on stderr (`filter`, default
/// `info`; text or JSON), and, when traces are exported, our spans at `info` and above to
/// OpenTelemetry whatever the log filter says.
fn init_logging(
    format: LogFormat,
    filter: Option<String>,
    traces: Option<&TraceExport>,
) -> Result<(), Unreadable> {
    let filter = match filter {
        Some(directives) => EnvFilter::try_new(&directives).map_err(|e| {
            Unreadable(format!(
                "environment variable {LOG_FILTER_ENV}={directives:?}: {e}"
            ))
        })?,
        None => EnvFilter::new(DEFAULT_LOG_FILTER),
    };
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines.json().boxed(),
    };
    // rmcp's own spans (a pooled connection's lifetime) would hang off whichever call
    // opened the connection: not part of a run's story.
    let span_filter = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("rmcp", LevelFilter::WARN);
    let spans = traces.map(|t| t.layer().with_filter(span_filter));
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(spans)
        .try_init()
        .map_err(|e| Unreadable(format!("cannot install the logger: {e}")))
}
