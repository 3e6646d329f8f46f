//! Which runs belong to which workflow, for workflow-wide streams (no `run_id`).
//!
//! The directory announces each run of a watched workflow once: at once for runs started
//! on this node (from the engine's `run_started` event), and by polling the store for runs
//! started on other nodes. Each poll lists the active runs (queued, running, paused,
//! draining) and, per watched workflow, the runs *created* since the last poll (whatever
//! their status), so a run that starts and ends on another node between two polls is still
//! announced, and its stream sends all of its events. It only works while someone watches
//! a workflow; otherwise it costs nothing.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_store::{RunStatus, Store, now_ms};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

/// Announcements queued for slow workflow watchers before they are closed as lagging.
const ANNOUNCE_BUFFER: usize = 4096;
/// Longest a new watcher waits for the first poll before it starts with what is known.
const FIRST_POLL_WAIT: Duration = Duration::from_secs(5);
/// How far back each poll looks again for runs created on other nodes: covers commits that
/// land after a newer run's (its `created_at` is older than the newest one seen) and clock
/// differences between nodes.
const CREATED_MARGIN_MS: i64 = 2_000;
/// Most runs of one workflow read per poll (the rest come with the next poll).
const CREATED_PAGE: i64 = 5_000;
/// How long an announced run is remembered, to announce it only once (well beyond the
/// re-read margin).
const ANNOUNCED_MEMORY: Duration = Duration::from_secs(60);
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
    /// Runs announced lately: run id → when. A run is announced once.
    announced: HashMap<String, std::time::Instant>,
    /// Watched workflows: workflow id → watchers and how far its runs were read.
    watched: HashMap<String, Watched>,
    polls_started: u64,
}

struct Watched {
    watchers: usize,
    /// The newest `created_at` read for this workflow (or when watching began).
    read_up_to: i64,
    /// The last read filled a whole page: the next one continues from `read_up_to` without
    /// the margin, or a burst of runs inside the margin would be read again and again.
    page_was_full: bool,
}

impl State {
    /// Marks `run_id` announced; false when it already was.
    fn first_announcement(&mut self, run_id: &str) -> bool {
        if self.announced.contains_key(run_id) {
            return false;
        }
        self.announced
            .insert(run_id.to_string(), std::time::Instant::now());
        true
    }
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

struct WatcherGuard {
    directory: Arc<Directory>,
    workflow_id: String,
}

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        let mut state = self.directory.lock();
        if let Some(w) = state.watched.get_mut(&self.workflow_id) {
            w.watchers -= 1;
            if w.watchers == 0 {
                state.watched.remove(&self.workflow_id);
            }
        }
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
            state
                .watched
                .entry(workflow_id.to_string())
                .or_insert(Watched {
                    watchers: 0,
                    // Runs created earlier and already finished are not this watcher's;
                    // the margin is re-read anyway, and those runs are known by then.
                    read_up_to: now_ms(),
                    page_was_full: false,
                })
                .watchers += 1;
            state.polls_started
        };
        let guard = WatcherGuard {
            directory: self.clone(),
            workflow_id: workflow_id.to_string(),
        };
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
        if self.lock().watched.is_empty() {
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

    /// An active run: remembered as such, and announced unless it already was.
    fn record(&self, run_id: String, workflow_id: String) {
        if workflow_id.is_empty() {
            return; // ad-hoc runs belong to no workflow
        }
        let announce = {
            let mut state = self.lock();
            state.active.insert(run_id.clone(), workflow_id.clone());
            state.first_announcement(&run_id)
        };
        if announce {
            let _ = self.announce.send(RunSeen {
                run_id,
                workflow_id,
            });
        }
    }

    /// Polls while anyone watches; idles otherwise.
    pub async fn run(self: Arc<Self>, interval: Duration, shutdown: CancellationToken) {
        loop {
            if self.lock().watched.is_empty() {
                let mut state = self.lock();
                state.active.clear();
                state.announced.clear();
            } else {
                self.poll().await;
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
        self.poll_created().await;
        self.lock()
            .announced
            .retain(|_, at| at.elapsed() < ANNOUNCED_MEMORY);
        self.polls_done.send_replace(number);
    }

    /// Announces the runs of each watched workflow created since its last read (minus the
    /// margin), finished ones included.
    async fn poll_created(&self) {
        let watched: Vec<(String, i64)> = self
            .lock()
            .watched
            .iter()
            .map(|(id, w)| {
                let margin = if w.page_was_full {
                    0
                } else {
                    CREATED_MARGIN_MS
                };
                (id.clone(), w.read_up_to - margin)
            })
            .collect();
        for (workflow_id, since) in watched {
            let runs = match self
                .store
                .runs_of_workflow_since(&workflow_id, since, CREATED_PAGE)
                .await
            {
                Ok(runs) => runs,
                Err(e) => {
                    tracing::warn!(workflow_id, error = %e, "stream directory: listing new runs failed");
                    continue;
                }
            };
            let mut fresh = Vec::new();
            {
                let mut state = self.lock();
                for (run_id, _) in &runs {
                    if state.first_announcement(run_id) {
                        fresh.push(run_id.clone());
                    }
                }
                let newest = runs.iter().map(|(_, at)| *at).max();
                if let Some(w) = state.watched.get_mut(&workflow_id) {
                    if let Some(newest) = newest {
                        w.read_up_to = w.read_up_to.max(newest);
                    }
                    w.page_was_full = runs.len() as i64 >= CREATED_PAGE;
                }
            }
            for run_id in fresh {
                let _ = self.announce.send(RunSeen {
                    run_id,
                    workflow_id: workflow_id.clone(),
                });
            }
        }
    }
}
