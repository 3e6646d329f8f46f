//! `ar-bench`: agentruntime's benchmark programs, one subcommand per workload family.
//!
//! ```text
//! cargo run --release -p ar-bench -- foundation
//! ```
//!
//! See `bench/README.md` for what each figure means. Engine workloads (chain-40,
//! chain-1000, fanout-1000, hitl-resume) join as further subcommands.

mod agent;
mod analytics;
mod cli;
mod engine;
mod foundation;
mod load;
mod mcp;
mod measure;
mod platform_mcp;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Benchmarks for agentruntime. Build with `--release`: debug figures mean nothing.
#[derive(Debug, Parser)]
#[command(name = "ar-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Templates, one Lua step and dry-run validation (issue 2 figures).
    Foundation(foundation::Options),
    /// The engine on chain-40, chain-1000, fanout-1000 and hitl-resume, on SQLite and
    /// Postgres, optionally beside the peer engines (bench/README.md, engine section).
    Engine(engine::Options),
    /// MCP call overhead: 1,000 sequential `echo` calls through engine + `mcp_call` vs.
    /// the Python `mcp` client on the same server (docs/integrations.md, benchmark).
    Mcp(mcp::Options),
    /// The API server under load: run starts over HTTP (50 clients) and events delivered
    /// to 200 WebSocket subscribers, on SQLite and Postgres (bench/README.md, load section).
    Load(load::Options),
    /// The platform's MCP endpoint against REST: `runs_get_summary` over `/mcp` (both
    /// protocol eras) beside `GET …/summary`, p50/p99 and the overhead (bench/README.md).
    PlatformMcp(platform_mcp::Options),
    /// The whole process: the built `agentruntime` binary runs a one-step graph and
    /// chain-1000 on fresh data directories; median / p95 wall (bench/README.md, cli).
    Cli(cli::Options),
    /// The `/v1/analytics/*` answers over 1,000,000 seeded steps, on SQLite and Postgres:
    /// p50/p99 per answer and window (bench/README.md, analytics section).
    Analytics(analytics::Options),
    /// One tool round of an `agent_call` turn: engine wall beside the same model requests
    /// and tool calls made directly; overhead per round (bench/README.md, agent section).
    Agent(agent::Options),
    /// One engine measurement in this process (run by `engine` in child processes).
    #[command(hide = true)]
    EngineWorker(engine::WorkerOptions),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Agent(options) => agent::run(&options),
        Command::Analytics(options) => analytics::run(&options),
        Command::Foundation(options) => foundation::run(&options),
        Command::Cli(options) => cli::run(&options),
        Command::Engine(options) => engine::run(&options),
        Command::EngineWorker(options) => engine::worker(&options),
        Command::Load(options) => load::run(&options),
        Command::Mcp(options) => mcp::run(&options),
        Command::PlatformMcp(options) => platform_mcp::run(&options),
    };
    match outcome {
        Ok(report) => {
            print!("{}", report.text);
            if report.all_targets_met {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("ar-bench: {error:#}");
            ExitCode::from(2)
        }
    }
}
