//! The writer thread: the one connection that writes a SQLite store.
//!
//! Write commands queue on a channel; the thread takes whatever is queued (up to
//! [`MAX_BATCH`]) and applies it in ONE transaction, each command inside its own savepoint
//! so a refused command (stale lease, conflict) does not undo the others. Replies go out
//! only after the transaction committed, so a caller never acts on state that could still
//! be lost.
//!
//! Why a thread of its own with `rusqlite` rather than a sqlx connection: sqlx's SQLite
//! driver ships every statement to its worker thread and waits for the answer, and a
//! commit is a dozen statements, so a commit was a dozen thread round trips. Here the
//! statements of a whole batch run in-process from the prepared-statement cache: one
//! round trip per batch. (`rusqlite` links the same `libsqlite3-sys` as sqlx.)

use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::{StoreError, StoreResult};
use crate::types::*;

use super::write_ops;

/// Most write commands folded into one transaction.
const MAX_BATCH: usize = 256;

/// Prepared statements kept per connection (the write path uses about thirty).
const STATEMENT_CACHE: usize = 64;

/// A write command and where its answer goes.
pub(super) enum WriteCmd {
    CreateRun(NewRun, oneshot::Sender<StoreResult<CreatedRun>>),
    Commit(Commit, oneshot::Sender<StoreResult<CommitOutcome>>),
    Claim {
        owner: String,
        limit: i64,
        lease_ms: i64,
        reply: oneshot::Sender<StoreResult<Vec<ClaimedWork>>>,
    },
    Extend {
        fences: Vec<WorkFence>,
        expires_at: i64,
        reply: oneshot::Sender<StoreResult<Vec<WorkFence>>>,
    },
    HandBack {
        owner: String,
        work: Vec<HandBack>,
        reply: oneshot::Sender<StoreResult<u64>>,
    },
    ReleaseAll(oneshot::Sender<StoreResult<u64>>),
    /// Stop after the commands queued before this one; answered once the connection closed.
    Shutdown(oneshot::Sender<()>),
}

/// A reply computed inside the batch transaction, sent once the transaction committed.
enum Reply {
    // Boxed: a created run is much larger than the other replies.
    CreateRun(
        oneshot::Sender<StoreResult<CreatedRun>>,
        Box<StoreResult<CreatedRun>>,
    ),
    Commit(
        oneshot::Sender<StoreResult<CommitOutcome>>,
        StoreResult<CommitOutcome>,
    ),
    Claim(
        oneshot::Sender<StoreResult<Vec<ClaimedWork>>>,
        StoreResult<Vec<ClaimedWork>>,
    ),
    Extend(
        oneshot::Sender<StoreResult<Vec<WorkFence>>>,
        StoreResult<Vec<WorkFence>>,
    ),
    /// Hand-backs and releases: a count of rows.
    Count(oneshot::Sender<StoreResult<u64>>, StoreResult<u64>),
}

impl Reply {
    fn is_err(&self) -> bool {
        match self {
            Reply::CreateRun(_, r) => r.is_err(),
            Reply::Commit(_, r) => r.is_err(),
            Reply::Claim(_, r) => r.is_err(),
            Reply::Extend(_, r) => r.is_err(),
            Reply::Count(_, r) => r.is_err(),
        }
    }
    /// Replaces a success by `error` (the batch transaction did not commit).
    fn fail(self, error: &str) -> Reply {
        let e = || StoreError::Invalid(format!("transaction failed to commit: {error}"));
        match self {
            Reply::CreateRun(tx, r) => Reply::CreateRun(tx, Box::new(r.and_then(|_| Err(e())))),
            Reply::Commit(tx, r) => Reply::Commit(tx, r.and_then(|_| Err(e()))),
            Reply::Claim(tx, r) => Reply::Claim(tx, r.and_then(|_| Err(e()))),
            Reply::Extend(tx, r) => Reply::Extend(tx, r.and_then(|_| Err(e()))),
            Reply::Count(tx, r) => Reply::Count(tx, r.and_then(|_| Err(e()))),
        }
    }
    fn send(self) {
        // A caller that went away no longer wants the answer; the write stands regardless.
        let _ = match self {
            Reply::CreateRun(tx, r) => tx.send(*r).map_err(|_| ()),
            Reply::Commit(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::Claim(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::Extend(tx, r) => tx.send(r).map_err(|_| ()),
            Reply::Count(tx, r) => tx.send(r).map_err(|_| ()),
        };
    }
}

/// Starts the writer thread on `conn`.
pub(super) fn spawn(
    conn: Connection,
) -> std::io::Result<(mpsc::UnboundedSender<WriteCmd>, JoinHandle<()>)> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = std::thread::Builder::new()
        .name("ar-sqlite-writer".into())
        .spawn(move || writer_loop(conn, rx))?;
    Ok((tx, handle))
}

fn writer_loop(conn: Connection, mut rx: mpsc::UnboundedReceiver<WriteCmd>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut shutdown = None;
    while shutdown.is_none() {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                WriteCmd::Shutdown(done) => {
                    shutdown = Some(done);
                    break;
                }
                cmd => batch.push(cmd),
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            for reply in run_batch(&conn, batch.drain(..)) {
                reply.send();
            }
        }
    }
    // Close before answering: once `close` returns, the file is no longer held.
    drop(conn);
    if let Some(done) = shutdown {
        let _ = done.send(());
    }
}

/// Runs a transaction-control statement (from the statement cache).
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn run_batch(conn: &Connection, batch: impl Iterator<Item = WriteCmd>) -> Vec<Reply> {
    let batch: Vec<WriteCmd> = batch.collect();
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        return batch
            .into_iter()
            .filter_map(|cmd| error_reply(cmd, &e.to_string()))
            .collect();
    }
    let mut replies = Vec::with_capacity(batch.len());
    if batch.len() == 1 {
        // A lone command needs no savepoint: if it fails, the whole transaction rolls back.
        for cmd in batch {
            let Some(reply) = apply(conn, cmd) else {
                continue;
            };
            if reply.is_err() {
                let _ = control(conn, "ROLLBACK");
                return vec![reply];
            }
            replies.push(reply);
        }
    } else {
        for cmd in batch {
            if let Err(e) = control(conn, "SAVEPOINT cmd") {
                replies.extend(error_reply(cmd, &e.to_string()));
                continue;
            }
            let Some(reply) = apply(conn, cmd) else {
                continue;
            };
            if reply.is_err() {
                // Undo just this command; the rest of the batch stands.
                let _ = control(conn, "ROLLBACK TO SAVEPOINT cmd");
            }
            let _ = control(conn, "RELEASE SAVEPOINT cmd");
            replies.push(reply);
        }
    }
    match control(conn, "COMMIT") {
        Ok(()) => replies,
        Err(e) => {
            let _ = control(conn, "ROLLBACK");
            let msg = e.to_string();
            replies.into_iter().map(|r| r.fail(&msg)).collect()
        }
    }
}

fn error_reply(cmd: WriteCmd, msg: &str) -> Option<Reply> {
    let e = || StoreError::Invalid(format!("could not start a write transaction: {msg}"));
    Some(match cmd {
        WriteCmd::CreateRun(_, tx) => Reply::CreateRun(tx, Box::new(Err(e()))),
        WriteCmd::Commit(_, tx) => Reply::Commit(tx, Err(e())),
        WriteCmd::Claim { reply, .. } => Reply::Claim(reply, Err(e())),
        WriteCmd::Extend { reply, .. } => Reply::Extend(reply, Err(e())),
        WriteCmd::HandBack { reply, .. } => Reply::Count(reply, Err(e())),
        WriteCmd::ReleaseAll(tx) => Reply::Count(tx, Err(e())),
        WriteCmd::Shutdown(_) => return None,
    })
}

fn apply(conn: &Connection, cmd: WriteCmd) -> Option<Reply> {
    Some(match cmd {
        WriteCmd::CreateRun(run, tx) => {
            Reply::CreateRun(tx, Box::new(write_ops::create_run(conn, run)))
        }
        WriteCmd::Commit(c, tx) => Reply::Commit(tx, write_ops::commit(conn, c)),
        WriteCmd::Claim {
            owner,
            limit,
            lease_ms,
            reply,
        } => Reply::Claim(
            reply,
            write_ops::claim(conn, &owner, limit, lease_ms, now_ms()),
        ),
        WriteCmd::Extend {
            fences,
            expires_at,
            reply,
        } => Reply::Extend(reply, write_ops::extend_leases(conn, &fences, expires_at)),
        WriteCmd::HandBack { owner, work, reply } => {
            Reply::Count(reply, write_ops::hand_back(conn, &owner, &work))
        }
        WriteCmd::ReleaseAll(tx) => Reply::Count(tx, write_ops::release_all_leases(conn)),
        // Never queued in a batch: the loop stops at a shutdown.
        WriteCmd::Shutdown(_) => return None,
    })
}
