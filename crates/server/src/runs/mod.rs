//! Runs as the API sees them (docs/contract.md §6, §7, §9): starting a run of a published workflow
//! version, finding the runs and human tasks a caller may see, and their JSON shapes. The
//! route handlers in `routes::{commands, runs, tasks}` are thin wrappers over this module;
//! webhooks and cron triggers start runs through [`start::start_workflow_run`] too, which
//! holds each workspace to its quota of unfinished runs ([`quota`]).

pub mod access;
pub mod params;
pub mod quota;
pub mod start;
pub mod view;

use ar_engine::EngineError;
use axum::http::StatusCode;

use crate::error::ApiError;

/// Engine refusals keep their meaning over HTTP: unknown run or task 404, wrong state 409,
/// bad request content 422; anything else is an internal error (logged, not shown).
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::NotFound(what) => ApiError::not_found(&what),
            EngineError::Conflict(msg) => ApiError::conflict(msg),
            EngineError::InvalidInput(msg) => ApiError::unprocessable(msg),
            EngineError::ShutDown => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down; retry on another node or later",
            ),
            other => ApiError::internal(other),
        }
    }
}
