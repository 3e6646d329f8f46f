//! A `rusqlite` error presented as a sqlx database error, so the writer thread's failures
//! reach callers as [`crate::StoreError::Database`] like every other database failure.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use rusqlite::ffi;
use sqlx::error::{DatabaseError, ErrorKind};

/// An error of the writer thread's SQLite connection.
#[derive(Debug)]
pub(crate) struct SqliteError(pub rusqlite::Error);

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl StdError for SqliteError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

impl SqliteError {
    fn extended_code(&self) -> Option<i32> {
        match &self.0 {
            rusqlite::Error::SqliteFailure(e, _) => Some(e.extended_code),
            _ => None,
        }
    }
}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        match &self.0 {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
            _ => "SQLite error",
        }
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.extended_code().map(|c| Cow::Owned(c.to_string()))
    }

    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.extended_code() {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                ErrorKind::UniqueViolation
            }
            Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
            Some(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
            Some(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure_of(sql: &str) -> SqliteError {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; \
             CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE); \
             CREATE TABLE c (p_id INTEGER NOT NULL REFERENCES p(id)); \
             INSERT INTO p (id, name) VALUES (1, 'a');",
        )
        .expect("schema");
        SqliteError(conn.execute_batch(sql).expect_err("statement must fail"))
    }

    #[test]
    fn constraint_failures_map_to_their_sqlx_error_kinds() {
        let cases = [
            (
                "INSERT INTO p (id, name) VALUES (2, 'a')",
                ErrorKind::UniqueViolation,
            ),
            (
                "INSERT INTO p (id, name) VALUES (1, 'b')",
                ErrorKind::UniqueViolation,
            ),
            (
                "INSERT INTO c (p_id) VALUES (9)",
                ErrorKind::ForeignKeyViolation,
            ),
            (
                "INSERT INTO p (id, name) VALUES (3, NULL)",
                ErrorKind::NotNullViolation,
            ),
            ("SELECT * FROM missing_table", ErrorKind::Other),
        ];
        for (sql, kind) in cases {
            assert_eq!(failure_of(sql).kind(), kind, "{sql}");
        }
    }

    #[test]
    fn message_is_sqlites_own_text() {
        let e = failure_of("SELECT * FROM missing_table");
        assert!(e.message().contains("missing_table"), "{}", e.message());
    }
}
