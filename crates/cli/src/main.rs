//! `agentruntime`: the command-line interface. One module per subcommand under
//! [`commands`]: `validate`, `run`, `serve`, `admin` and `mcp`.

mod commands;
mod exit;
mod output;
mod source;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// agentruntime: run AI-agent workflows (DAGs of MCP tool calls, LLM calls, Lua
/// transforms, loops and human approvals).
#[derive(Debug, Parser)]
#[command(name = "agentruntime", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Dry-run validate a workflow graph file (no tool or model is called).
    Validate(commands::validate::Args),
    /// Run a workflow graph locally (embedded SQLite store) with live progress.
    Run(commands::run::Args),
    /// Run the API server (embedded SQLite by default, or PostgreSQL for several nodes).
    Serve(commands::serve::Args),
    /// Operator tasks beside the servers (master-key rotation, backup and restore).
    Admin(commands::admin::Args),
    /// Bridge a stdio MCP client to the server's MCP endpoint (/mcp), authenticated by a
    /// personal access token.
    Mcp(commands::mcp_bridge::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Admin(args) => commands::admin::run(&args),
        Command::Mcp(args) => commands::mcp_bridge::run(&args),
    };
    exit::finish(outcome)
}
