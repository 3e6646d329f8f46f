//! A workflow-wide stream: the events of every run of one workflow, merged. Each run is
//! its own [`RunFeed`] (so each run's events stay in sequence order); runs active when the
//! stream opens are followed from their current point, runs that start later from their
//! first event. The stream stays open when runs end.

use std::collections::{HashMap, HashSet};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinSet;

use crate::stream::Streams;
use crate::stream::feed::{FeedEnd, RunFeed};

/// Follows every run of `workflow_id` until the connection goes or a run's feed fails.
pub async fn pump(
    streams: &Streams,
    workflow_id: &str,
    opened_at: i64,
    out: &mpsc::Sender<Utf8Bytes>,
) -> FeedEnd {
    let mut watch = streams.directory().watch(workflow_id).await;
    // Run id → the last sequence sent, for runs whose feed ended (a run announced again,
    // e.g. after a retry, continues from there instead of repeating events).
    let mut finished: HashMap<String, i64> = HashMap::new();
    let mut following: HashSet<String> = HashSet::new();
    let mut feeds: JoinSet<(String, FeedEnd)> = JoinSet::new();
    for run_id in std::mem::take(&mut watch.active) {
        if let Some(last) = start_point(streams, &run_id, opened_at).await {
            follow(
                streams,
                &mut feeds,
                &mut following,
                run_id,
                workflow_id,
                last,
                out,
            );
        }
    }
    loop {
        tokio::select! {
            seen = watch.announcements.recv() => match seen {
                Ok(seen) if seen.workflow_id == workflow_id && !following.contains(&seen.run_id) => {
                    let after = finished.get(&seen.run_id).copied().unwrap_or(0);
                    follow(streams, &mut feeds, &mut following, seen.run_id, workflow_id, after, out);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => return FeedEnd::Lagged { last_seq: 0 },
                Err(broadcast::error::RecvError::Closed) => return FeedEnd::Shutdown,
            },
            Some(done) = feeds.join_next() => {
                let Ok((run_id, end)) = done else { return FeedEnd::Shutdown };
                following.remove(&run_id);
                match end {
                    FeedEnd::RunEnded { last_seq } => {
                        finished.insert(run_id, last_seq);
                    }
                    other => return other,
                }
            }
        }
    }
}

/// Where to follow an active run from: its current point, or its first event when it was
/// created after the stream was opened (it only looks active because the stream was still
/// starting up).
async fn start_point(streams: &Streams, run_id: &str, opened_at: i64) -> Option<i64> {
    match streams.store().get_run(run_id).await {
        Ok(run) => run.map(|r| {
            if r.created_at >= opened_at {
                0
            } else {
                r.last_seq
            }
        }),
        Err(e) => {
            tracing::warn!(run_id, error = %e, "workflow stream: reading a run failed");
            None
        }
    }
}

fn follow(
    streams: &Streams,
    feeds: &mut JoinSet<(String, FeedEnd)>,
    following: &mut HashSet<String>,
    run_id: String,
    workflow_id: &str,
    after_seq: i64,
    out: &mpsc::Sender<Utf8Bytes>,
) {
    let feed = RunFeed::new(streams, &run_id, workflow_id, after_seq, after_seq);
    let out = out.clone();
    following.insert(run_id.clone());
    feeds.spawn(async move { (run_id, feed.pump(&out).await) });
}
