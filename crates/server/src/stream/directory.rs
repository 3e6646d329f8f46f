//! Which runs belong to which workflow, for workflow-wide streams (no `run_id`).
//!
//! The directory knows the active runs (queued, running, paused, draining) and announces
//! each one once when it first sees it: at once for runs started on this node (from the
//! engine's `run_started` event), by polling the store for runs started on other nodes.
//! It only works while someone watches a workflow; otherwise it costs nothing.
//!
//! Limit: a run that starts *and* ends on another node between two polls is never seen
//! by a workflow-wide stream on this node; a stream of one `run_id` has no such gap.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_store::{RunStatus, Store};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

/// Announcements queued for slow workflow watchers before they are closed as lagging.
const ANNOUNCE_BUFFER: usize = 4096;
/// Longest a new watcher waits for the first poll before it starts with what is known.
const FIRST_POLL_WAIT: Duration = Duration::from_secs(5);
const ACTIVE: [RunStatus; 4] = [
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Paused,
    RunStatus::Draining,
];

/// A run the directory saw for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSeen {
    pub run_id: String,
    pub workflow_id: String,
}

#[derive(Default)]
struct State {
    /// Active runs known here: run id → workflow id.
    active: HashMap<String, String>,
    watchers: usize,
    polls_started: u64,
}

pub struct Directory {
    store: Arc<dyn Store>,
    announce: broadcast::Sender<RunSeen>,
    state: Mutex<State>,
    wake: Notify,
    polls_done: watch::Sender<u64>,
}

/// A watcher's start: the workflow's runs active now, then announcements of new ones.
/// Dropping it stops counting the watcher.
pub struct WorkflowWatch {
    pub active: Vec<String>,
    pub announcements: broadcast::Receiver<RunSeen>,
    _guard: WatcherGuard,
}

struct WatcherGuard(Arc<Directory>);

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        self.0.lock().watchers -= 1;
    }
}

impl Directory {
    pub fn new(store: Arc<dyn Store>) -> Directory {
        Directory {
            store,
            announce: broadcast::channel(ANNOUNCE_BUFFER).0,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            polls_done: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts watching `workflow_id`: waits for a poll that began after this call, so the
    /// active list includes runs of every node.
    pub async fn watch(self: &Arc<Self>, workflow_id: &str) -> WorkflowWatch {
        let announcements = self.announce.subscribe();
        let after = {
            let mut state = self.lock();
            state.watchers += 1;
            state.polls_started
        };
        let guard = WatcherGuard(self.clone());
        self.wake.notify_one();
        let mut done = self.polls_done.subscribe();
        let _ = tokio::time::timeout(FIRST_POLL_WAIT, done.wait_for(|n| *n > after)).await;
        let active = self
            .lock()
            .active
            .iter()
            .filter(|(_, wf)| *wf == workflow_id)
            .map(|(run, _)| run.clone())
            .collect();
        WorkflowWatch {
            active,
            announcements,
            _guard: guard,
        }
    }

    /// A run started on this node (its `run_started` event): announce it without waiting
    /// for the next poll.
    pub fn local_run_started(self: &Arc<Self>, run_id: &str) {
        if self.lock().watchers == 0 {
            return;
        }
        let this = self.clone();
        let run_id = run_id.to_string();
        tokio::spawn(async move {
            match this.store.get_run(&run_id).await {
                Ok(Some(run)) => this.record(run.id, run.workflow_id),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(run_id, error = %e, "stream directory: reading a run failed")
                }
            }
        });
    }

    fn record(&self, run_id: String, workflow_id: String) {
        if workflow_id.is_empty() {
            return; // ad-hoc runs belong to no workflow
        }
        let new = self
            .lock()
            .active
            .insert(run_id.clone(), workflow_id.clone())
            .is_none();
        if new {
            let _ = self.announce.send(RunSeen {
                run_id,
                workflow_id,
            });
        }
    }

    /// Polls while anyone watches; idles otherwise.
    pub async fn run(self: Arc<Self>, interval: Duration, shutdown: CancellationToken) {
        loop {
            if self.lock().watchers > 0 {
                self.poll().await;
            } else {
                self.lock().active.clear();
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    async fn poll(&self) {
        let number = {
            let mut state = self.lock();
            state.polls_started += 1;
            state.polls_started
        };
        match self.store.runs_with_status(&ACTIVE).await {
            Ok(ids) => {
                let unknown: Vec<String> = {
                    let state = self.lock();
                    ids.iter()
                        .filter(|id| !state.active.contains_key(*id))
                        .cloned()
                        .collect()
                };
                for id in unknown {
                    match self.store.get_run(&id).await {
                        Ok(Some(run)) => self.record(run.id, run.workflow_id),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(run_id = %id, error = %e, "stream directory: reading a run failed")
                        }
                    }
                }
                let current: HashSet<&String> = ids.iter().collect();
                self.lock().active.retain(|id, _| current.contains(id));
            }
            Err(e) => tracing::warn!(error = %e, "stream directory: listing active runs failed"),
        }
        self.polls_done.send_replace(number);
    }
}
