//! `agentruntime mcp --url URL --token TOKEN`: the platform's MCP endpoint (`/mcp`,
//! docs/contract.md §12) for clients that can only launch a local command and talk to
//! it over stdio (Claude Desktop style; setup in docs/platform-mcp-clients.md).
//!
//! It relays newline-delimited JSON-RPC from stdin to the server's Streamable HTTP
//! endpoint and writes every response and notification to stdout, one per line. The
//! HTTP side is rmcp's Streamable HTTP client transport used message by message, so
//! sessions (`Mcp-Session-Id`), the `MCP-Protocol-Version` header, the routing headers
//! of the stateless revision, JSON and `text/event-stream` answers all follow the SDK
//! rather than code of ours. What this module adds: the endpoint URL, the Bearer token,
//! and failures turned into a JSON-RPC error for the client plus an actionable line on
//! stderr (stdout belongs to the protocol). The token is never printed.
//!
//! Exit 0 when stdin ends, 2 when the arguments are unusable.

mod endpoint;
mod failure;
mod relay;

use std::io::{BufRead, Write};

use tokio::sync::mpsc;

use crate::exit::{Unreadable, Verdict};

/// Arguments of `agentruntime mcp`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Reads JSON-RPC messages, one per line, on stdin and writes the server's \
    answers, one per line, on stdout; diagnostics go to stderr. Point an MCP client that \
    launches local commands at `agentruntime mcp` with AGENTRUNTIME_URL and \
    AGENTRUNTIME_TOKEN in its environment (see docs/platform-mcp-clients.md).\nExit status: \
    0 when stdin ends, 2 when the arguments are unusable."
)]
pub struct Args {
    /// The agentruntime server: its base URL (`https://ar.example.com`) or the full
    /// MCP endpoint URL (`…/mcp`).
    #[arg(long, value_name = "URL", env = "AGENTRUNTIME_URL")]
    pub url: String,
    /// A personal access token (`pat_…`). Prefer the environment variable: a command
    /// line is visible to every local user.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AGENTRUNTIME_TOKEN",
        hide_env_values = true
    )]
    pub token: Token,
}

/// A bearer token whose `Debug` never shows it (clap's and ours).
#[derive(Clone)]
pub struct Token(String);

impl std::str::FromStr for Token {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if value.is_empty() {
            return Err("the token is empty".into());
        }
        // It goes into an HTTP header: refuse what a header cannot carry, without
        // echoing the value.
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the token holds characters a token never has (spaces, control \
                 or non-ASCII characters)"
                    .into(),
            );
        }
        Ok(Self(value.to_owned()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

pub fn run(args: &Args) -> Result<Verdict, Unreadable> {
    let endpoint = endpoint::mcp_endpoint(&args.url).map_err(Unreadable)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))?;
    let (input, lines_in) = mpsc::unbounded_channel();
    let (lines_out, output) = mpsc::unbounded_channel();
    // Plain threads own stdin and stdout; the relay sees lines.
    std::thread::spawn(move || read_lines(input));
    let writer = std::thread::spawn(move || write_lines(output));
    let relayed = runtime.block_on(relay::relay(
        endpoint,
        args.token.0.clone(),
        lines_in,
        lines_out,
    ));
    // The relay dropped its sender: the writer ends once the last line is out.
    let written = writer
        .join()
        .map_err(|_| Unreadable("the stdout writer failed".into()))?;
    relayed.map_err(Unreadable)?;
    written.map_err(|e| Unreadable(format!("cannot write to stdout: {e}")))?;
    Ok(Verdict::Yes)
}

/// Stdin lines until EOF; a read error ends the input the same way (nothing more can
/// come).
fn read_lines(input: mpsc::UnboundedSender<String>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if input.send(line).is_err() {
            break;
        }
    }
}

/// One line per message, flushed at once: the client waits for each answer.
fn write_lines(mut output: mpsc::UnboundedReceiver<String>) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    while let Some(line) = output.blocking_recv() {
        stdout.write_all(line.as_bytes())?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
    }
    Ok(())
}
