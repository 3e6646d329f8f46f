//! `agentruntime run FILE [--input k=v]… [--input-json JSON|@file] [--data-dir DIR] [--json]
//! [--auto-approve]` and `agentruntime run --resume RUN_ID [--data-dir DIR]`: runs a graph
//! on the embedded SQLite store with live progress (docs/contract.md §5–§7). Exit 0 completed,
//! 1 failed, stopped or interrupted, 2 invalid graph or input.

mod input;
mod prepare;
mod progress;
mod watch;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ar_engine::{
    CompiledGraph, Engine, EngineConfig, EngineError, Executors, RunRecord, RunStatus, StartRun,
    Store,
};
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteStore};
use serde_json::json;

use super::test_hooks::TestHooks;
use crate::exit::{Unreadable, Verdict};
use crate::output;
use watch::{Approvals, Ending};

/// The SQLite file inside `--data-dir`.
const DB_FILE: &str = "agentruntime.db";

/// Arguments of `agentruntime run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 the run completed, 1 it failed, was stopped or \
    interrupted, 2 the graph or input is invalid (nothing ran).\n\
    Ctrl-C pauses the run and prints the command that resumes it."
)]
pub struct Args {
    /// The workflow graph: steps-only, canvas ({nodes, edges}) or backend shape.
    #[arg(required_unless_present = "resume", conflicts_with = "resume")]
    pub file: Option<PathBuf>,
    /// One input value, KEY=VALUE (VALUE is JSON when it parses, else a string); repeatable.
    #[arg(long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    /// The whole run input (trigger payload): inline JSON or @path.
    #[arg(long, value_name = "JSON|@FILE")]
    pub input_json: Option<String>,
    /// Where runs are stored (an SQLite database inside; created if missing).
    #[arg(long, value_name = "DIR", default_value = ".ar-data")]
    pub data_dir: PathBuf,
    /// Print the run context (input, every step's result) as JSON on stdout at the end.
    #[arg(long)]
    pub json: bool,
    /// Approve every human task without asking.
    #[arg(long)]
    pub auto_approve: bool,
    /// Continue an interrupted run of this data directory instead of starting one.
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["inputs", "input_json"])]
    pub resume: Option<String>,
    /// Advanced: use this PostgreSQL database instead of `--data-dir` (several
    /// processes may share it; each takes over the work of dead ones).
    #[arg(long, value_name = "URL", hide = true)]
    pub database_url: Option<String>,
    /// Advanced: the PostgreSQL schema to use (created if missing).
    #[arg(long, value_name = "NAME", hide = true, requires = "database_url")]
    pub database_schema: Option<String>,
    /// Advanced: how long a claim on a step lasts before another process may take it
    /// over (PostgreSQL), in milliseconds; extended while the step runs.
    #[arg(long, value_name = "MS", hide = true)]
    pub lease_ms: Option<u64>,
    /// Advanced: this process's name in `step_started` events and on its leases
    /// [default: <hostname>-<pid>].
    #[arg(long, value_name = "NAME", hide = true, env = "AR_NODE_ID")]
    pub node_id: Option<String>,
}

/// Runs (or resumes) the run and follows it to its end.
pub fn run(args: &Args) -> Result<Verdict, Unreadable> {
    let hooks = TestHooks::from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(args, hooks))
}

async fn run_async(args: &Args, hooks: Option<TestHooks>) -> Result<Verdict, Unreadable> {
    let approvals = if args.auto_approve {
        Approvals::Auto
    } else if std::io::stdin().is_terminal() {
        Approvals::Prompt
    } else {
        Approvals::Refuse
    };
    // Everything that can be refused without touching the store is checked first.
    if let Some(id) = &args.node_id {
        ar_engine::check_node_id(id)
            .map_err(|e| Unreadable(format!("--node-id / AR_NODE_ID {id:?}: {e}")))?;
    }
    let new_run = match (&args.resume, &args.file) {
        (None, Some(file)) => {
            let payload = input::payload(args.input_json.as_deref(), &args.inputs)?;
            let (graph, payload) = prepare::load_valid_graph(file, &payload)?;
            refuse_unanswerable(&graph.steps, approvals)?;
            Some(StartRun::new(graph, json!({"trigger_payload": payload})))
        }
        _ => None,
    };
    let store = open_store(args).await?;
    let outcome = drive(args, &store, new_run, approvals, hooks).await;
    store.close().await;
    outcome
}

/// A graph with human tasks cannot run unattended without `--auto-approve`.
fn refuse_unanswerable(
    steps: &[ar_model::graph::Step],
    approvals: Approvals,
) -> Result<(), Unreadable> {
    if approvals == Approvals::Refuse && prepare::has_human_task(steps) {
        return Err(Unreadable(
            "the graph has human_task steps and stdin is not a terminal, so nobody can \
             approve them: pass --auto-approve, or run from a terminal"
                .into(),
        ));
    }
    Ok(())
}

/// Opens the PostgreSQL database of `--database-url`, or the SQLite file in `--data-dir`.
async fn open_store(args: &Args) -> Result<Arc<dyn Store>, Unreadable> {
    if let Some(url) = &args.database_url {
        let mut config = PgConfig::new(url);
        if let Some(schema) = &args.database_schema {
            config = config.with_schema(schema);
        }
        let store = PgStore::open(config)
            .await
            .map_err(|e| Unreadable(format!("cannot open the database: {e}")))?;
        return Ok(Arc::new(store));
    }
    let dir = &args.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        Unreadable(format!(
            "cannot create the data directory `{}`: {e}",
            dir.display()
        ))
    })?;
    let store = SqliteStore::open(SqliteConfig::file(dir.join(DB_FILE)))
        .await
        .map_err(|e| {
            Unreadable(format!(
                "cannot open the run store in `{}` (is it writable?): {e}",
                dir.display()
            ))
        })?;
    Ok(Arc::new(store))
}

fn engine_error(e: EngineError) -> Unreadable {
    Unreadable(e.to_string())
}

/// Starts the engine, starts or resumes the run, follows it, and winds down.
async fn drive(
    args: &Args,
    store: &Arc<dyn Store>,
    new_run: Option<StartRun>,
    approvals: Approvals,
    hooks: Option<TestHooks>,
) -> Result<Verdict, Unreadable> {
    let resumed = match &args.resume {
        Some(run_id) => Some(resumable_run(store, run_id, approvals).await?),
        None => None,
    };
    if let Some(run) = resumed.as_ref().filter(|r| r.status.is_terminal()) {
        output::eprint_styled(&format!(
            "run {} already ended ({}); nothing to resume\n",
            run.id,
            run.status.as_str()
        ));
        return finish(args, store, run, None).await;
    }
    let mut config = EngineConfig::default();
    if let Some(ms) = args.lease_ms {
        config.lease = Duration::from_millis(ms.max(30));
    }
    if let Some(id) = &args.node_id {
        config.node_id = id.clone();
    }
    let mut executors = Executors::with_builtin(config.lua_limits.clone());
    if let Err(e) = ar_executors::register_from_env(&mut executors) {
        output::eprint_styled(&format!(
            "warning: mcp_call and llm_call are unavailable: {e}\n"
        ));
    }
    if let Some(hooks) = hooks {
        hooks.wrap(&mut executors, &["lua_script"]);
    }
    let engine = Engine::start(store.clone(), config, executors)
        .await
        .map_err(engine_error)?;
    let events = engine.subscribe();
    let started = match (resumed, new_run) {
        (Some(run), _) => {
            if run.status == RunStatus::Paused {
                engine.resume(&run.id).await.map_err(engine_error)?;
            }
            output::eprint_styled(&format!("resuming run {}\n", run.id));
            Ok(run)
        }
        (None, Some(start)) => engine.start_run(start).await.inspect(|run| {
            output::eprint_styled(&format!("run {} started\n", run.id));
        }),
        (None, None) => Err(EngineError::InvalidInput(
            "no graph file and no --resume".into(),
        )),
    };
    let run = match started {
        Ok(run) => run,
        Err(e) => {
            engine.shutdown().await;
            return Err(engine_error(e));
        }
    };
    let ending = watch::watch(&engine, &run.id, events, approvals).await;
    let verdict = match ending {
        Ok(Ending::Finished(record)) => finish(args, store, &record, Some(&engine)).await,
        Ok(Ending::Interrupted) => {
            interrupt(args, &engine, &run.id, "interrupted").await;
            Ok(Verdict::No)
        }
        Ok(Ending::Unanswerable(why)) => {
            interrupt(args, &engine, &run.id, &why).await;
            Ok(Verdict::No)
        }
        Err(e) => Err(engine_error(e)),
    };
    engine.shutdown().await;
    verdict
}

/// The run to resume, refused when it does not exist or cannot be answered.
async fn resumable_run(
    store: &Arc<dyn Store>,
    run_id: &str,
    approvals: Approvals,
) -> Result<RunRecord, Unreadable> {
    let run = store
        .get_run(run_id)
        .await
        .map_err(|e| Unreadable(e.to_string()))?
        .ok_or_else(|| Unreadable(format!("no run {run_id} in this store")))?;
    if !run.status.is_terminal() {
        let graph = store
            .get_graph(&run.graph_hash)
            .await
            .map_err(|e| Unreadable(e.to_string()))?
            .ok_or_else(|| Unreadable(format!("the graph of run {run_id} is missing")))?;
        let compiled = CompiledGraph::from_value(&run.graph_hash, &graph).map_err(engine_error)?;
        refuse_unanswerable(&compiled.graph.steps, approvals)?;
    }
    Ok(run)
}

/// Pauses the run, leaving it resumable, and says how to resume it.
async fn interrupt(args: &Args, engine: &Engine, run_id: &str, why: &str) {
    // A run that is not `running` (already paused, just ended) needs no pause.
    if let Err(e) = engine.pause(run_id).await
        && !matches!(e, EngineError::Conflict(_))
    {
        output::eprint_styled(&format!("warning: could not pause run {run_id}: {e}\n"));
    }
    output::eprint_styled(&format!(
        "{why}: run {run_id} is paused; resume it with:\n  {}\n",
        resume_command(args, run_id)
    ));
}

/// The exact command that resumes `run_id` with the same store.
fn resume_command(args: &Args, run_id: &str) -> String {
    match &args.database_url {
        Some(url) => {
            let schema = args
                .database_schema
                .as_ref()
                .map(|s| format!(" --database-schema {s}"))
                .unwrap_or_default();
            format!("agentruntime run --resume {run_id} --database-url '{url}'{schema}")
        }
        None => format!(
            "agentruntime run --resume {run_id} --data-dir '{}'",
            args.data_dir.display()
        ),
    }
}

/// Reports a finished run (and prints its context with `--json`).
async fn finish(
    args: &Args,
    store: &Arc<dyn Store>,
    run: &RunRecord,
    engine: Option<&Engine>,
) -> Result<Verdict, Unreadable> {
    let took = match (run.started_at, run.finished_at) {
        (Some(a), Some(b)) => format!(" in {:.2} s", (b - a) as f64 / 1000.0),
        _ => String::new(),
    };
    let why = match (&run.failure_code, &run.error) {
        (Some(code), Some(error)) => format!(": [{code}] {error}"),
        (None, Some(error)) => format!(": {error}"),
        (Some(code), None) => format!(": [{code}]"),
        (None, None) => String::new(),
    };
    output::eprint_styled(&format!(
        "run {} {}{took}{why}\n",
        run.id,
        run.status.as_str()
    ));
    if args.json {
        let context = match engine {
            Some(engine) => engine.run_context(&run.id).await.map_err(engine_error)?,
            None => {
                let steps = store
                    .step_states(&run.id, None)
                    .await
                    .map_err(|e| Unreadable(e.to_string()))?;
                ar_engine::build_context(run, &steps)
            }
        };
        let text = serde_json::to_string_pretty(&context)
            .map_err(|e| Unreadable(format!("cannot encode the run context: {e}")))?;
        output::print_plain(&format!("{text}\n"));
    }
    Ok(if run.status == RunStatus::Completed {
        Verdict::Yes
    } else {
        Verdict::No
    })
}
