//! Autopilot, the console copilot (docs/contract.md §13, docs/agents.md "Autopilot"): a
//! model with the platform tools and four of its own, acting with the caller's own
//! permissions, answering in an `autopilot` chat thread, streamed over SSE.
//!
//! - [`settings`]: `[autopilot]` (model, max_rounds, max_repairs);
//! - [`model`]: the model, its key and the metering of its tokens;
//! - [`tools`]: which tools each mode offers; [`actions`]: carrying out a tool use;
//!   [`create`]: `create_workflow`'s write–validate–repair loop;
//! - [`prompt`]: what the models are told;
//! - [`turn`]: one turn; [`live`]: this node's running turns and their replay buffers;
//!   [`sweep`]: failing turns lost to a restart;
//! - the routes: `crate::routes::autopilot`.

pub mod actions;
pub mod create;
pub mod live;
pub mod model;
pub mod prompt;
pub mod settings;
pub mod sweep;
pub mod tools;
pub mod turn;

use std::sync::Arc;

/// The Autopilot's shared parts, in the server state.
pub struct Autopilot {
    pub access: Arc<model::ModelAccess>,
    pub live: live::LiveTurns,
}

impl Autopilot {
    pub fn new(access: model::ModelAccess) -> Autopilot {
        Autopilot {
            access: Arc::new(access),
            live: live::LiveTurns::default(),
        }
    }
}
