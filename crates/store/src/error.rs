//! The store's error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The run (or task, or row) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation contradicts the current state (a task completed twice, a run not in the
    /// expected status, …). Maps to HTTP 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A commit carried a lease whose fencing token is no longer current: another worker
    /// owns that work now (or it was cancelled). Nothing of the commit was written.
    #[error("stale lease on work item {work_id}: the work was reclaimed or cancelled")]
    StaleLease { work_id: i64 },
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store was closed (its writer thread stopped).
    #[error("the store is closed")]
    Closed,
    /// The caller passed something the store cannot hold (bad URL, value not serializable).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl StoreError {
    /// True for [`StoreError::StaleLease`]: the caller lost its lease and must drop the work.
    pub fn is_stale_lease(&self) -> bool {
        matches!(self, StoreError::StaleLease { .. })
    }
    /// True for [`StoreError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
    /// True when the database is out of space (SQLite `SQLITE_FULL`, the file at its size
    /// cap or the disk full; Postgres `disk_full`): retrying the same write cannot help.
    pub fn is_storage_full(&self) -> bool {
        const SQLITE_FULL: &str = "13";
        const PG_DISK_FULL: &str = "53100";
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some(SQLITE_FULL | PG_DISK_FULL))
            }
            _ => false,
        }
    }
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;
