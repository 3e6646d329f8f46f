//! The leases this node holds, and the heartbeat that keeps them.
//!
//! Every piece of work is held from the moment it is leased to this node (claimed by the
//! scheduler, or taken by a commit that made it ready) until its processing ends: whatever
//! it runs — a top-level step, a loop item's whole body, a `while` iteration and its
//! condition, a loop's finalisation — the heartbeat extends its lease every third of the
//! lease, so work that outlives one lease is not handed to another worker. Work whose lease
//! was lost (taken over after a stall) has its `lost` token cancelled: its calls stop, and
//! work that had not started yet is skipped. On a graceful shutdown, what is still held is
//! handed back to the queue (see [`Leases::hand_backs`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ar_store::{ClaimedWork, HandBack, WorkFence};
use tokio_util::sync::CancellationToken;

use crate::engine::Inner;

/// One lease held by this node.
struct Held {
    fence: WorkFence,
    attempt: i64,
    /// Processing began: the work may have executed (a hand-back makes it the next attempt).
    started: bool,
    /// Cancelled when the lease is found lost.
    lost: CancellationToken,
}

/// The leases of this node's work, by work id.
#[derive(Default)]
pub(crate) struct Leases {
    held: Mutex<HashMap<i64, Held>>,
}

impl Leases {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<i64, Held>) -> T) -> T {
        // A panic while holding this lock cannot leave the map inconsistent (each change is
        // one insert or remove), so a poisoned lock is used as is.
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut held)
    }

    /// Starts holding freshly leased work.
    pub fn hold(&self, work: &[ClaimedWork]) {
        if work.is_empty() {
            return;
        }
        self.with(|held| {
            for w in work {
                let fresh = Held {
                    fence: w.fence(),
                    attempt: w.attempt,
                    started: false,
                    lost: CancellationToken::new(),
                };
                // This node re-leased work it still held under an older fence (that lease
                // expired during a stall): the older holder has lost it.
                if let Some(older) = held.insert(w.id, fresh) {
                    older.lost.cancel();
                }
            }
        });
    }

    /// Marks work as being processed; `false` when its lease was already lost (or it is not
    /// held), so it must not run.
    pub fn start(&self, work: &ClaimedWork) -> bool {
        self.with(|held| match held.get_mut(&work.id) {
            Some(h) if h.fence == work.fence() && !h.lost.is_cancelled() => {
                h.started = true;
                true
            }
            _ => false,
        })
    }

    /// Cancelled when the lease of `fence` is lost (already cancelled when it is not held).
    pub fn lost_token(&self, fence: WorkFence) -> CancellationToken {
        self.with(|held| match held.get(&fence.work_id) {
            Some(h) if h.fence == fence => h.lost.clone(),
            _ => {
                let gone = CancellationToken::new();
                gone.cancel();
                gone
            }
        })
    }

    /// Stops holding work (processed, or dropped); a newer lease of the same row is kept.
    pub fn release(&self, work: &ClaimedWork) {
        self.with(|held| {
            if held.get(&work.id).is_some_and(|h| h.fence == work.fence()) {
                held.remove(&work.id);
            }
        });
    }

    /// The leases to extend (not those already lost).
    fn live(&self) -> Vec<WorkFence> {
        self.with(|held| {
            held.values()
                .filter(|h| !h.lost.is_cancelled())
                .map(|h| h.fence)
                .collect()
        })
    }

    /// Cancels the work of leases found lost.
    fn mark_lost(&self, lost: &[WorkFence]) {
        self.with(|held| {
            for fence in lost {
                if let Some(h) = held.get(&fence.work_id).filter(|h| h.fence == *fence) {
                    h.lost.cancel();
                }
            }
        });
    }

    /// What a stopping node gives back: every lease still held, as the next attempt when
    /// the work started (it may have executed), as the same attempt when it never did.
    pub fn hand_backs(&self) -> Vec<HandBack> {
        self.with(|held| {
            held.values()
                .filter(|h| !h.lost.is_cancelled())
                .map(|h| HandBack {
                    fence: h.fence,
                    attempt: if h.started { h.attempt + 1 } else { h.attempt },
                })
                .collect()
        })
    }
}

/// Extends the leases of held work every third of the lease; work whose lease was lost is
/// cancelled, since its commit would be refused anyway.
pub(crate) async fn heartbeat(inner: Arc<Inner>) {
    let period = inner.config.lease / 3;
    loop {
        tokio::select! {
            _ = inner.shutdown.cancelled() => break,
            _ = tokio::time::sleep(period) => {}
        }
        let fences = inner.leases.live();
        if fences.is_empty() {
            continue;
        }
        match inner.store.extend_leases(&fences, inner.config.lease).await {
            Ok(lost) => {
                if !lost.is_empty() {
                    crate::telemetry::leases_lost(lost.len());
                }
                inner.leases.mark_lost(&lost);
            }
            Err(e) => tracing::warn!(error = %e, "lease extension failed"),
        }
    }
}
