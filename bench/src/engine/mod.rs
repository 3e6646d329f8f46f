//! `ar-bench engine`: the engine on the peers' four workloads (chain-40, chain-1000,
//! fanout-1000, hitl-resume), on SQLite and Postgres, optionally side by side with the
//! peer engines run in the same sitting (`--peers`), plus a memory-flatness mode.
//!
//! Every (workload, backend) pair runs in a fresh child process of this binary (the hidden
//! `engine-worker` subcommand), so that each peak RSS is that workload's alone.

mod backend;
mod child;
mod memory;
mod peers;
mod table;
mod timing;
mod workloads;

use std::collections::HashMap;
use std::process::Command;

use anyhow::{Context, bail};

use crate::foundation::Report;
use crate::measure::{format_duration, format_rate};
use backend::Backend;
use child::{Job, Measurement};
use workloads::Workload;
/// The chain workload's graph, also run through the CLI by `ar-bench cli`.
pub(crate) use workloads::chain as chain_graph;

/// Which backends to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// SQLite file, synchronous=NORMAL (the store's default).
    Sqlite,
    /// SQLite file, synchronous=FULL.
    SqliteFull,
    /// Postgres at 127.0.0.1:5432, database test, a fresh schema.
    Postgres,
    /// All three.
    All,
}

impl BackendChoice {
    fn backends(self) -> Vec<Backend> {
        match self {
            BackendChoice::Sqlite => vec![Backend::Sqlite],
            BackendChoice::SqliteFull => vec![Backend::SqliteFull],
            BackendChoice::Postgres => vec![Backend::Postgres],
            BackendChoice::All => vec![Backend::Sqlite, Backend::SqliteFull, Backend::Postgres],
        }
    }
}

/// Options of `ar-bench engine`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Store backend(s) to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::All)]
    backend: BackendChoice,
    /// Timed runs per chain/fan-out workload (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Timed approvals for hitl-resume (the median is reported).
    #[arg(long, default_value_t = 20)]
    hitl_runs: usize,
    /// Only these workloads (repeatable; default: all five).
    #[arg(long = "workload", value_enum)]
    workloads: Vec<Workload>,
    /// Also run the peer engines (bench/peers.sh, LangGraph by default) in this sitting and
    /// print peer time / our time against the fastest peer per workload.
    #[arg(long)]
    peers: bool,
    /// Peers for bench/peers.sh (repeatable: langgraph, prefect, n8n; default langgraph).
    #[arg(long = "peer")]
    peer_names: Vec<String>,
    /// Also run the memory mode: chain-40 runs back to back on one engine, resident set
    /// printed after 10 %, 50 % and all of them.
    #[arg(long)]
    memory: bool,
    /// Runs in the memory mode.
    #[arg(long, default_value_t = 2_000)]
    memory_runs: usize,
}

/// Options of the hidden `engine-worker` subcommand (one measurement in this process).
#[derive(Debug, clap::Args)]
pub struct WorkerOptions {
    #[arg(long, value_enum)]
    backend: Backend,
    /// The workload; without it, the memory mode.
    #[arg(long, value_enum)]
    workload: Option<Workload>,
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// Runs one measurement in this process and prints it as one JSON line.
pub fn worker(options: &WorkerOptions) -> anyhow::Result<Report> {
    let job = match options.workload {
        Some(workload) => Job::Workload(workload, options.runs.max(1)),
        None => Job::Memory {
            total: options.runs.max(1),
        },
    };
    let measurement = child::run(job, options.backend)?;
    let mut text = serde_json::to_string(&measurement)?;
    text.push('\n');
    Ok(Report {
        text,
        all_targets_met: true,
    })
}

/// Runs every selected (workload, backend) pair in a child process, the peers if asked,
/// and renders the tables.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let workloads = if options.workloads.is_empty() {
        Workload::ALL.to_vec()
    } else {
        options.workloads.clone()
    };
    let backends = options.backend.backends();
    // Peers first: a missing peer install fails the command before the long part.
    let fastest_peers = if options.peers {
        Some(peers::fastest(&peers::run(&options.peer_names)?))
    } else {
        None
    };
    let mut results: Vec<(Workload, Backend, Measurement)> = Vec::new();
    for &workload in &workloads {
        for &backend in &backends {
            let runs = if workload == Workload::HitlResume {
                options.hitl_runs
            } else {
                options.runs
            };
            eprintln!("engine: {workload} on {backend}, {runs} runs");
            let measurement = spawn_worker(backend, Some(workload), runs)?;
            results.push((workload, backend, measurement));
        }
    }
    let mut memory_results = Vec::new();
    if options.memory {
        for &backend in &backends {
            eprintln!(
                "engine: memory mode on {backend}, {} chain-40 runs",
                options.memory_runs
            );
            memory_results.push((backend, spawn_worker(backend, None, options.memory_runs)?));
        }
    }
    let mut text = main_table(&results, fastest_peers.as_ref());
    if !memory_results.is_empty() {
        text.push('\n');
        text.push_str(&memory_table(&memory_results));
    }
    text.push('\n');
    text.push_str(&notes(&backends));
    Ok(Report {
        text,
        all_targets_met: true,
    })
}

/// Runs `engine-worker` in a child process and reads its JSON line.
fn spawn_worker(
    backend: Backend,
    workload: Option<Workload>,
    runs: usize,
) -> anyhow::Result<Measurement> {
    let exe = std::env::current_exe().context("locating the bench binary")?;
    let mut command = Command::new(exe);
    command
        .args(["engine-worker", "--backend", backend.name(), "--runs"])
        .arg(runs.to_string());
    if let Some(workload) = workload {
        command.args(["--workload", workload.name()]);
    }
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("starting the engine-worker child")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "engine-worker ({backend}, {workload:?}) failed: {}",
            output.status
        );
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("engine-worker printed no result")?;
    serde_json::from_str(line).context("engine-worker result is not valid JSON")
}

fn main_table(
    results: &[(Workload, Backend, Measurement)],
    fastest_peers: Option<&HashMap<String, peers::PeerFigure>>,
) -> String {
    let mut header = vec![
        "workload",
        "backend",
        "runs",
        "wall (median)",
        "steps/s",
        "overhead p50",
        "overhead p99",
        "peak RSS",
    ];
    if fastest_peers.is_some() {
        header.extend(["fastest peer", "peer time", "peer/ours"]);
    }
    let dash = || "—".to_string();
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(workload, backend, m)| {
            let wall = table::median(&m.wall_ns);
            let mut row = vec![
                workload.name().to_string(),
                backend.name().to_string(),
                m.wall_ns.len().to_string(),
                wall.map(format_duration).unwrap_or_else(dash),
                wall.filter(|w| !w.is_zero())
                    .map(|w| format_rate(workload.steps() as f64 / w.as_secs_f64()))
                    .unwrap_or_else(dash),
                table::percentile(&m.overhead_ns, 0.50)
                    .map(format_duration)
                    .unwrap_or_else(dash),
                table::percentile(&m.overhead_ns, 0.99)
                    .map(format_duration)
                    .unwrap_or_else(dash),
                m.rss
                    .map(|r| memory::format_kb(r.peak_kb))
                    .unwrap_or_else(dash),
            ];
            if let Some(fastest) = fastest_peers {
                match (fastest.get(workload.name()), wall) {
                    (Some(peer), Some(ours)) if !ours.is_zero() => row.extend([
                        peer.peer.clone(),
                        format_duration(std::time::Duration::from_secs_f64(peer.wall_seconds)),
                        format!("{:.1}×", peer.wall_seconds / ours.as_secs_f64()),
                    ]),
                    _ => row.extend([dash(), dash(), dash()]),
                }
            }
            row
        })
        .collect();
    table::render(&header, &[2, 3, 4, 5, 6, 7, 9, 10], &rows)
}

fn memory_table(results: &[(Backend, Measurement)]) -> String {
    let mut header: Vec<String> = vec!["backend".into()];
    let mut rows = Vec::new();
    for (backend, m) in results {
        if header.len() == 1 {
            header.extend(
                m.memory_points
                    .iter()
                    .map(|p| format!("VmRSS after {}", p.runs)),
            );
            header.push("VmHWM".into());
        }
        let mut row = vec![backend.name().to_string()];
        row.extend(
            m.memory_points
                .iter()
                .map(|p| memory::format_kb(p.rss.current_kb)),
        );
        row.push(
            m.rss
                .map(|r| memory::format_kb(r.peak_kb))
                .unwrap_or_else(|| "—".into()),
        );
        rows.push(row);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right: Vec<usize> = (1..header.len()).collect();
    let mut out = String::from("memory mode: chain-40 runs back to back on one engine\n");
    out.push_str(&table::render(&header, &right, &rows));
    out
}

fn notes(backends: &[Backend]) -> String {
    let mut out = String::new();
    for backend in backends {
        out.push_str(&format!("{}: {}\n", backend.name(), backend.durability()));
    }
    out.push_str(
        "wall: start_run → run_completed event received (hitl-resume: approval → B's step_completed), \
         after one untimed chain-3 warm-up run in the same process.\n\
         overhead: executor-side timing — time from one lua_script executor call returning to the next \
         call entering on the same lane (chain: the run; fan-out: the tokio task; hitl-resume: approval \
         latency minus B's executor time).\n\
         peak RSS: VmHWM of the child process that ran the workload.\n",
    );
    out
}
