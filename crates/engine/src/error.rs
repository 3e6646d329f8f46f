//! The engine's error type.

use ar_store::StoreError;

/// Why an engine operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No such run (or task). Maps to HTTP 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation contradicts the run's state (task already completed, run not paused,
    /// …). Maps to HTTP 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request itself is wrong (bad params, unknown step id, graph not runnable).
    /// Maps to HTTP 422.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Waiting for a run took longer than allowed.
    #[error("timed out waiting for run {0}")]
    Timeout(String),
    /// The engine was shut down.
    #[error("the engine is shut down")]
    ShutDown,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => EngineError::Conflict(m),
            StoreError::NotFound(m) => EngineError::NotFound(m),
            other => EngineError::Store(other),
        }
    }
}

pub type EngineResult<T> = Result<T, EngineError>;
