//! `ar-bench cli`: the whole process as a user runs it. The built `agentruntime` binary
//! runs a one-step graph and chain-1000 again and again, each time on a fresh data
//! directory, so that every figure includes start-up, store creation (migrations),
//! validation, the run and exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::engine::chain_graph;
use crate::foundation::Report;
use crate::measure::{Samples, format_duration};
use crate::report::{Row, Verdict, render_table};

/// Options of `ar-bench cli`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// The `agentruntime` binary to run [default: the one beside this bench binary, i.e.
    /// `cargo build --release --workspace --bin agentruntime`].
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Timed runs of each graph (after one untimed run).
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

/// One measured graph: its name, the graph, and the median wall time it should stay under.
struct Workload {
    name: &'static str,
    graph: Value,
    target: Duration,
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "one-step",
            graph: json!({"steps": [
                {"id": "hello", "type": "lua_script", "script": "return { n = 1 }"}
            ]}),
            target: Duration::from_millis(40),
        },
        Workload {
            name: "chain-1000",
            graph: chain_graph(1_000),
            target: Duration::from_millis(350),
        },
    ]
}

/// Runs every workload `--runs` times and renders median, p95 and min wall time.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let binary = match &options.binary {
        Some(path) => path.clone(),
        None => beside_this_binary()?,
    };
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut rows = Vec::new();
    for workload in workloads() {
        let file = scratch.path().join(format!("{}.json", workload.name));
        std::fs::write(&file, serde_json::to_vec(&workload.graph)?)?;
        let mut fresh = 0usize;
        let mut run_once = || {
            fresh += 1;
            let data_dir = scratch.path().join(format!("{}-{fresh}", workload.name));
            run_binary(&binary, &file, &data_dir)
        };
        let samples = Samples::collect(1, options.runs.max(1), &mut run_once)
            .with_context(|| format!("{}: `agentruntime run` failed", workload.name))?;
        let median = samples.p50();
        rows.push(Row::checked(
            workload.name,
            format!("wall, median of {}", options.runs.max(1)),
            format_duration(median),
            format!("< {}", format_duration(workload.target)),
            median < workload.target,
        ));
        rows.push(Row::info(
            workload.name,
            "wall, p95",
            format_duration(samples.percentile(0.95)),
        ));
        rows.push(Row::info(
            workload.name,
            "wall, min",
            format_duration(samples.percentile(0.0)),
        ));
    }
    let all_targets_met = rows.iter().all(|r| r.verdict != Verdict::Missed);
    let mut text = format!("binary: {}\n", binary.display());
    text.push_str(&render_table(&rows));
    Ok(Report {
        text,
        all_targets_met,
    })
}

/// `agentruntime` in the directory of the running bench binary (both built by cargo into
/// the same profile directory).
fn beside_this_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("cannot locate this binary")?;
    let binary = me.with_file_name("agentruntime");
    if !binary.is_file() {
        bail!(
            "{} does not exist: build it with `cargo build --release --workspace --bin \
             agentruntime`, or pass --binary",
            binary.display()
        );
    }
    Ok(binary)
}

/// One `agentruntime run FILE --data-dir DIR`, output discarded; an error unless it exits 0.
fn run_binary(binary: &Path, file: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let output = Command::new(binary)
        .arg("run")
        .arg(file)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    if !output.status.success() {
        bail!(
            "exit {} after {}: {}",
            output.status,
            format_duration(started.elapsed()),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
