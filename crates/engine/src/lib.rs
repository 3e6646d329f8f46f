//! `ar-engine`: durable execution of workflow graphs (docs/contract.md §5–§7).
//!
//! A run is rows in the store: step states, events, and queue rows for ready work. An
//! [`Engine`] node claims ready work with a lease, runs it through a [`StepExecutor`], and
//! commits the result, its events and the newly ready dependants in one transaction (a
//! commit with a stale lease is refused, so a result is committed once). Loops are parents
//! whose items/iterations are their own queue rows; human tasks park with no lease; pause
//! and stop are run-level flags honoured by claim. On start, a node continues whatever a
//! crashed process left in flight. User guide: `docs/engine.md`.
//!
//! ```no_run
//! # async fn demo(graph: ar_model::graph::Graph) -> Result<(), ar_engine::EngineError> {
//! use std::time::Duration;
//! use ar_engine::{Engine, EngineConfig, Executors, StartRun};
//! let store = ar_store::open("sqlite::memory:").await?;
//! let config = EngineConfig::default();
//! let engine = Engine::start(store, config.clone(), Executors::with_builtin(config.lua_limits.clone())).await?;
//! let run = engine.start_run(StartRun::new(graph, serde_json::json!({"n": 1}))).await?;
//! let done = engine.wait_for_run(&run.id, Duration::from_secs(10)).await?;
//! println!("{}", engine.run_context(&done.id).await?);
//! engine.shutdown().await;
//! # Ok(()) }
//! ```

mod cache;
mod compiled;
mod config;
mod context;
mod engine;
mod error;
mod executor;
mod lease;
mod params;
mod progress;
mod step_events;
mod takeovers;
pub mod telemetry;
mod worker;

pub use ar_store::{RunRecord, RunStatus, StepStatus, Store};
pub use compiled::CompiledGraph;
pub use config::{EngineConfig, check_node_id, default_node_id};
pub use context::build_context;
pub use engine::{Engine, StartRun, StopMode};
pub use error::{EngineError, EngineResult};
pub use executor::{
    EXECUTOR_UNAVAILABLE, Executors, LuaExecutor, StepCall, StepExecutor, StepFailure,
};
pub use params::StartParams;
pub use progress::StepEvents;
pub use worker::STORE_FULL;
