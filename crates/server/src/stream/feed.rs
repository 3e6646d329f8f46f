//! One subscriber's view of one run: every event after `after_seq`, exactly once, in
//! order. It joins the run's hub *before* reading the backlog, so nothing committed in
//! between is lost: live events it already sent from the backlog are skipped, and a hole
//! between what it sent and a live event is read from the store.

use std::sync::Arc;

use ar_store::Store;
use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, mpsc};

use crate::stream::Streams;
use crate::stream::frame::encode;
use crate::stream::hub::HubMsg;

/// Why a feed stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEnd {
    /// The run is terminal and every event was sent.
    RunEnded { last_seq: i64 },
    /// The subscriber fell further behind than the hub keeps; `last_seq` is the last
    /// event it was handed (it resumes from there).
    Lagged { last_seq: i64 },
    /// The connection is gone.
    Disconnected,
    /// The store could not be read (the message is for logs, not for clients).
    StoreFailed(String),
    /// The server is stopping.
    Shutdown,
}

pub struct RunFeed {
    run_id: String,
    workflow_id: String,
    store: Arc<dyn Store>,
    live: broadcast::Receiver<HubMsg>,
    /// The last sequence number handed to the connection.
    last: i64,
    page: i64,
}

impl RunFeed {
    /// Joins the run's hub and starts after `after_seq`. `known_last_seq` is the run's
    /// `last_seq` as just read from the store (where a new hub starts).
    pub fn new(
        streams: &Streams,
        run_id: &str,
        workflow_id: &str,
        after_seq: i64,
        known_last_seq: i64,
    ) -> RunFeed {
        let live = streams.join_run(run_id, workflow_id, known_last_seq);
        RunFeed {
            run_id: run_id.to_string(),
            workflow_id: workflow_id.to_string(),
            store: streams.store().clone(),
            live,
            last: after_seq.max(0),
            page: streams.config().page.max(1),
        }
    }

    /// Sends the backlog, then live events, until the run ends or the feed must stop.
    pub async fn pump(mut self, out: &mpsc::Sender<Utf8Bytes>) -> FeedEnd {
        if let Err(end) = self.catch_up(out, i64::MAX).await {
            return end;
        }
        loop {
            match self.live.recv().await {
                Ok(HubMsg::Event(event)) => {
                    if event.seq <= self.last {
                        continue;
                    }
                    if event.seq > self.last + 1
                        && let Err(end) = self.catch_up(out, event.seq - 1).await
                    {
                        return end;
                    }
                    if event.seq == self.last + 1 {
                        if out.send(event.text).await.is_err() {
                            return FeedEnd::Disconnected;
                        }
                        self.last = event.seq;
                    }
                }
                Ok(HubMsg::Ended { last_seq }) => {
                    if let Err(end) = self.catch_up(out, last_seq).await {
                        return end;
                    }
                    return FeedEnd::RunEnded {
                        last_seq: self.last,
                    };
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return FeedEnd::Lagged {
                        last_seq: self.last,
                    };
                }
                Err(broadcast::error::RecvError::Closed) => return FeedEnd::Shutdown,
            }
        }
    }

    /// Sends stored events after `self.last`, up to `upto`, page by page.
    async fn catch_up(&mut self, out: &mpsc::Sender<Utf8Bytes>, upto: i64) -> Result<(), FeedEnd> {
        while self.last < upto {
            let limit = self.page.min(upto - self.last);
            let events = self
                .store
                .events(&self.run_id, self.last, limit)
                .await
                .map_err(|e| FeedEnd::StoreFailed(e.to_string()))?;
            let Some(first) = events.first() else {
                return Ok(());
            };
            if first.seq != self.last + 1 {
                return Err(FeedEnd::StoreFailed(format!(
                    "run {} event {} missing from the store",
                    self.run_id,
                    self.last + 1
                )));
            }
            let count = events.len() as i64;
            for event in &events {
                if out.send(encode(&self.workflow_id, event)).await.is_err() {
                    return Err(FeedEnd::Disconnected);
                }
                self.last = event.seq;
            }
            if count < limit {
                return Ok(());
            }
        }
        Ok(())
    }
}
