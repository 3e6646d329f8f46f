//! One hub per watched run: a single task that produces the run's events in sequence
//! order, exactly once, for every subscriber of this node.
//!
//! Inputs are the engine's local events (fast, this node only, may be missed) and polls
//! of the store (every node's events). The hub keeps `next_seq`, the one sequence number
//! it may emit next: an older event is a duplicate and dropped, a newer one means a gap,
//! which is read from the store. Because the store commits events before they are
//! published, a gap read always finds them.
//!
//! A hub ends when the run is terminal and every event up to the run's `last_seq` went
//! out (subscribers then close), or when its last subscriber left.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_store::{EventRecord, Store};
use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::stream::StreamConfig;
use crate::stream::frame::encode;

/// Local events queued for one hub before it has picked them up; beyond this the hub
/// reads them from the store instead.
const LOCAL_QUEUE: usize = 256;

/// An event ready to send: its sequence number and its JSON text (encoded once per hub,
/// shared by every subscriber).
#[derive(Debug, Clone)]
pub struct Encoded {
    pub seq: i64,
    pub text: Utf8Bytes,
}

/// What a hub broadcasts.
#[derive(Debug, Clone)]
pub enum HubMsg {
    Event(Encoded),
    /// The run is terminal; `last_seq` is its final sequence number.
    Ended {
        last_seq: i64,
    },
}

struct RunHub {
    tx: broadcast::Sender<HubMsg>,
    local: mpsc::Sender<EventRecord>,
}

/// The hubs alive on this node, by run id.
#[derive(Clone, Default)]
pub struct Hubs {
    map: Arc<Mutex<HashMap<String, Arc<RunHub>>>>,
}

impl Hubs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RunHub>>> {
        // A panic while holding this lock cannot leave the map inconsistent (single
        // inserts and removes), so a poisoned lock is still usable.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Subscribes to the run's hub, starting one if none runs. Subscribing happens under
    /// the map's lock, so a hub never retires between being found and being joined.
    pub fn join(
        &self,
        run_id: &str,
        workflow_id: &str,
        known_last_seq: i64,
        store: Arc<dyn Store>,
        config: &StreamConfig,
        shutdown: CancellationToken,
    ) -> broadcast::Receiver<HubMsg> {
        let mut map = self.lock();
        if let Some(hub) = map.get(run_id) {
            return hub.tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(config.hub_buffer.max(1));
        let (local, local_rx) = mpsc::channel(LOCAL_QUEUE);
        let hub = Arc::new(RunHub {
            tx: tx.clone(),
            local,
        });
        map.insert(run_id.to_string(), hub.clone());
        let feeder = Feeder {
            hubs: self.clone(),
            hub,
            run_id: run_id.to_string(),
            workflow_id: workflow_id.to_string(),
            store,
            tx,
            local: local_rx,
            next_seq: known_last_seq.max(0) + 1,
            check_end: true,
            page: config.page.max(1),
            poll_min: config.poll_min,
            poll_max: config.poll_max,
        };
        tokio::spawn(feeder.run(shutdown));
        rx
    }

    /// Hands a local event to its run's hub, if the run is watched here. Never blocks.
    pub fn offer(&self, event: EventRecord) {
        let hub = self.lock().get(&event.run_id).cloned();
        if let Some(hub) = hub {
            // A full queue is fine: the hub sees the gap and reads the store.
            let _ = hub.local.try_send(event);
        }
    }

    /// Removes the hub if it is still the registered one and, unless `force`, nobody
    /// listens to it any more. Returns whether it was removed.
    fn retire(&self, run_id: &str, hub: &Arc<RunHub>, force: bool) -> bool {
        let mut map = self.lock();
        let current = map.get(run_id).is_some_and(|h| Arc::ptr_eq(h, hub));
        if current && (force || hub.tx.receiver_count() == 0) {
            map.remove(run_id);
            return true;
        }
        !current
    }
}

struct Feeder {
    hubs: Hubs,
    hub: Arc<RunHub>,
    run_id: String,
    workflow_id: String,
    store: Arc<dyn Store>,
    tx: broadcast::Sender<HubMsg>,
    local: mpsc::Receiver<EventRecord>,
    /// The only sequence number this hub may emit next.
    next_seq: i64,
    /// Whether the run may have ended (checked against the stored run).
    check_end: bool,
    page: i64,
    poll_min: Duration,
    poll_max: Duration,
}

fn is_run_end(kind: &str) -> bool {
    matches!(kind, "run_completed" | "run_failed" | "run_stopped")
}

impl Feeder {
    async fn run(mut self, shutdown: CancellationToken) {
        let mut delay = self.poll_min;
        loop {
            if self.check_end {
                match self.ended().await {
                    Ok(Some(last_seq)) => {
                        self.hubs.retire(&self.run_id, &self.hub, true);
                        let _ = self.tx.send(HubMsg::Ended { last_seq });
                        return;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(run_id = %self.run_id, error = %e, "stream hub: reading the run failed")
                    }
                }
            }
            let progressed = tokio::select! {
                _ = shutdown.cancelled() => {
                    self.hubs.retire(&self.run_id, &self.hub, true);
                    return;
                }
                local = self.local.recv() => match local {
                    Some(event) => self.on_local(event).await,
                    None => return,
                },
                _ = tokio::time::sleep(delay) => self.poll().await,
            };
            delay = match progressed {
                Ok(true) => self.poll_min,
                Ok(false) => (delay * 2).min(self.poll_max),
                Err(e) => {
                    tracing::warn!(run_id = %self.run_id, error = %e, "stream hub: reading events failed");
                    self.poll_max
                }
            };
            if self.hubs.retire(&self.run_id, &self.hub, false) {
                return;
            }
        }
    }

    /// The run's final sequence number, once it is terminal and everything was emitted.
    async fn ended(&mut self) -> ar_store::StoreResult<Option<i64>> {
        let Some(run) = self.store.get_run(&self.run_id).await? else {
            return Ok(Some(self.next_seq - 1));
        };
        if !run.status.is_terminal() {
            self.check_end = false;
            return Ok(None);
        }
        if run.last_seq < self.next_seq {
            return Ok(Some(run.last_seq));
        }
        // Terminal with events still to emit: the next poll reads them.
        Ok(None)
    }

    async fn on_local(&mut self, event: EventRecord) -> ar_store::StoreResult<bool> {
        if event.seq < self.next_seq {
            return Ok(false);
        }
        if event.seq > self.next_seq {
            return self.poll().await;
        }
        self.emit(&event);
        Ok(true)
    }

    /// Reads and emits everything the store has after what was emitted.
    async fn poll(&mut self) -> ar_store::StoreResult<bool> {
        let mut progressed = false;
        loop {
            let events = self
                .store
                .events(&self.run_id, self.next_seq - 1, self.page)
                .await?;
            let full = events.len() as i64 == self.page;
            let mut emitted = false;
            for event in &events {
                if event.seq == self.next_seq {
                    self.emit(event);
                    emitted = true;
                }
            }
            progressed |= emitted;
            // Sequence numbers have no holes, so a page that emitted nothing means the
            // store has nothing newer.
            if !full || !emitted {
                return Ok(progressed);
            }
        }
    }

    fn emit(&mut self, event: &EventRecord) {
        let text = encode(&self.workflow_id, event);
        // No receiver is fine: the hub retires after this round.
        let _ = self.tx.send(HubMsg::Event(Encoded {
            seq: event.seq,
            text,
        }));
        self.next_seq = event.seq + 1;
        if is_run_end(&event.kind) {
            self.check_end = true;
        }
    }
}
