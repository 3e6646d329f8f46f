//! Live event streams (docs/contract.md §7, §9): `GET /v1/workflows/{id}/stream`.
//!
//! The store is the source of truth: every event is committed with its per-run sequence
//! number before anyone hears about it. The engine's local broadcast only makes delivery
//! fast on the node that executes the run; on Postgres the run may execute on another
//! node, so a stream never depends on it alone.
//!
//! - [`hub`]: one [`hub::RunHub`] per watched run and node, shared by every subscriber of
//!   that run (100 subscribers, one poller). It turns local events and store polls into one
//!   gap-free, duplicate-free sequence and says when the run has ended.
//! - [`feed`]: what one subscriber sees of one run: the backlog after its `after_seq` read
//!   from the store, then the hub's live events, with any hole filled from the store.
//! - [`directory`]: which runs belong to a workflow, for workflow-wide streams (runs
//!   started on this node are announced at once, others are found by polling).
//! - [`access`]: an open stream's right to stay open, re-checked while it is open.
//! - [`frame`]: the JSON object of one event, as in the events list of docs/contract.md §9.
//!
//! Memory is bounded everywhere: a hub keeps at most `hub_buffer` events for slow
//! subscribers (a subscriber that falls further behind is closed and resumes by `seq`),
//! and a connection queues at most `connection_buffer` frames.

pub mod access;
pub mod directory;
pub mod feed;
pub mod frame;
pub mod hub;
pub mod workflow;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ar_engine::Engine;
use ar_store::Store;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::stream::directory::Directory;
use crate::stream::hub::{HubMsg, Hubs};

/// Stream tuning. `Default` suits production; tests may shorten the timings.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Shortest interval between store polls of a run hub (cross-node events and local
    /// events the hub missed); the interval doubles while the run is quiet...
    pub poll_min: Duration,
    /// ...up to this.
    pub poll_max: Duration,
    /// Events a hub keeps for subscribers that fall behind.
    pub hub_buffer: usize,
    /// Frames queued per connection.
    pub connection_buffer: usize,
    /// Events read from the store per query (backlog and gap reads).
    pub page: i64,
    /// How often the server pings a connection; a client silent for three intervals
    /// (no pong, no frame) is disconnected.
    pub ping_interval: Duration,
    /// Longest a single frame may take to send before the client counts as gone.
    pub send_timeout: Duration,
    /// How often workflow-wide streams look for runs started on other nodes.
    pub discovery_interval: Duration,
    /// How often an open stream re-checks that its caller may still read it (token not
    /// revoked or expired, session not ended, still a member with access to the project).
    /// Half a second, so a revocation closes the stream within a second on every node.
    pub access_recheck: Duration,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            poll_min: Duration::from_millis(100),
            poll_max: Duration::from_secs(1),
            hub_buffer: 1024,
            connection_buffer: 256,
            page: 500,
            ping_interval: Duration::from_secs(20),
            send_timeout: Duration::from_secs(10),
            discovery_interval: Duration::from_millis(500),
            access_recheck: Duration::from_millis(500),
        }
    }
}

/// This node's stream machinery. Cheap to clone.
#[derive(Clone)]
pub struct Streams {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    config: StreamConfig,
    hubs: Hubs,
    directory: Arc<Directory>,
    /// The background tasks start with the first subscriber (a server nobody watches
    /// pays nothing).
    started: OnceLock<()>,
    shutdown: CancellationToken,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Streams {
    pub fn new(engine: Engine, config: StreamConfig) -> Streams {
        let directory = Arc::new(Directory::new(engine.store().clone()));
        Streams {
            inner: Arc::new(Inner {
                engine,
                config,
                hubs: Hubs::default(),
                directory,
                started: OnceLock::new(),
                shutdown: CancellationToken::new(),
                tasks: Mutex::new(Vec::new()),
            }),
        }
    }

    pub fn config(&self) -> &StreamConfig {
        &self.inner.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        self.inner.engine.store()
    }

    /// Cancelled when the server stops; connections close with "going away".
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Stops the background tasks and every hub; open connections close.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        let tasks: Vec<_> = self
            .inner
            .tasks
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for t in tasks {
            let _ = t.await;
        }
    }

    /// Subscribes to the live sequence of `run_id` (of `workflow_id`). A new hub starts
    /// after `known_last_seq`, a sequence number the caller just read from the store.
    pub fn join_run(
        &self,
        run_id: &str,
        workflow_id: &str,
        known_last_seq: i64,
    ) -> broadcast::Receiver<HubMsg> {
        self.ensure_started();
        self.inner.hubs.join(
            run_id,
            workflow_id,
            known_last_seq,
            self.store().clone(),
            &self.inner.config,
            self.inner.shutdown.clone(),
        )
    }

    pub fn directory(&self) -> &Arc<Directory> {
        self.ensure_started();
        &self.inner.directory
    }

    /// Hubs currently alive on this node (for tests and metrics).
    pub fn hub_count(&self) -> usize {
        self.inner.hubs.len()
    }

    fn ensure_started(&self) {
        self.inner.started.get_or_init(|| {
            let dispatch = tokio::spawn(dispatch(
                self.inner.engine.subscribe(),
                self.inner.hubs.clone(),
                self.inner.directory.clone(),
                self.inner.shutdown.clone(),
            ));
            let discover = tokio::spawn(self.inner.directory.clone().run(
                self.inner.config.discovery_interval,
                self.inner.shutdown.clone(),
            ));
            if let Ok(mut tasks) = self.inner.tasks.lock() {
                tasks.push(dispatch);
                tasks.push(discover);
            }
        });
    }
}

/// Hands this node's live events to the hubs of their runs and tells the directory about
/// runs that start here. Never waits on a hub: a hub whose queue is full catches up from
/// the store, and so does everyone if this task itself lags the engine's broadcast.
async fn dispatch(
    mut events: broadcast::Receiver<ar_store::EventRecord>,
    hubs: Hubs,
    directory: Arc<Directory>,
    shutdown: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            e = events.recv() => e,
        };
        match event {
            Ok(event) => {
                if event.kind == "run_started" {
                    directory.local_run_started(&event.run_id);
                }
                hubs.offer(event);
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::debug!(
                    missed,
                    "stream dispatcher lagged; hubs catch up from the store"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
