//! Phase (b): `subscribers` WebSocket clients watch the workflow's stream (every run of
//! it) while `starters` clients start runs for a fixed time. Every subscriber must receive
//! every event of every run; the figures are the events delivered per second across all
//! subscribers and the delivery lag (receive time minus the event's commit time `at`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::load::server::LoadServer;
use crate::measure::Samples;

/// Longest the phase waits for runs to finish and subscribers to catch up.
const DRAIN: Duration = Duration::from_secs(60);

pub struct StreamFigures {
    pub subscribers: usize,
    pub runs: usize,
    /// Events of those runs (each subscriber should receive all of them).
    pub events_per_subscriber: u64,
    pub delivered: u64,
    /// From the first start to the last delivery.
    pub elapsed: Duration,
    pub lag: Samples,
    /// Subscribers the server closed (e.g. as too slow) before they had everything.
    pub closed_early: usize,
}

/// What one subscriber received.
struct Received {
    events: u64,
    lags: Vec<Duration>,
    last_at: Option<Instant>,
    closed_early: bool,
}

pub async fn measure(
    server: &LoadServer,
    subscribers: usize,
    starters: usize,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<StreamFigures> {
    let stop = Arc::new(AtomicBool::new(false));
    // Events each subscriber must receive; known once the runs have finished.
    let target = Arc::new(AtomicU64::new(u64::MAX));
    let mut sockets = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let mut request = server.stream_url().into_client_request()?;
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {}", server.pat).parse()?);
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .context("opening a stream")?;
        sockets.push(socket);
    }
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(read(socket, stop.clone(), target.clone())))
        .collect();
    // Let the workflow streams finish their first look at active runs.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let began = Instant::now();
    let run_ids = start_runs(server, starters, rate, began + duration).await?;
    let engine = server.server.state.engine();
    let mut events_per_subscriber = 0u64;
    for run_id in &run_ids {
        let run = engine
            .wait_for_run(run_id, DRAIN)
            .await
            .with_context(|| format!("run {run_id} did not finish"))?;
        events_per_subscriber += run.last_seq as u64;
    }
    // Subscribers that have everything stop; the rest get until the drain deadline.
    target.store(events_per_subscriber, Ordering::Relaxed);
    let drain_end = Instant::now() + DRAIN;
    let mut figures = StreamFigures {
        subscribers,
        runs: run_ids.len(),
        events_per_subscriber,
        delivered: 0,
        elapsed: Duration::ZERO,
        lag: Samples::from_durations(Vec::new()),
        closed_early: 0,
    };
    let mut lags = Vec::new();
    let mut last = began;
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(drain_end.into()).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    for reader in readers {
        let received = reader.await?;
        figures.delivered += received.events;
        figures.closed_early += usize::from(received.closed_early);
        lags.extend(received.lags);
        if let Some(at) = received.last_at {
            last = last.max(at);
        }
    }
    watcher.abort();
    figures.elapsed = last - began;
    figures.lag = Samples::from_durations(lags);
    if figures.delivered < events_per_subscriber * subscribers as u64 {
        eprintln!(
            "warning: {} of {} events delivered",
            figures.delivered,
            events_per_subscriber * subscribers as u64
        );
    }
    Ok(figures)
}

/// Starts runs until `deadline`: each starter one after another, all together at most
/// `rate` runs per second (0 = as fast as they go).
async fn start_runs(
    server: &LoadServer,
    starters: usize,
    rate: f64,
    deadline: Instant,
) -> anyhow::Result<Vec<String>> {
    let http = reqwest::Client::new();
    let body = json!({"command": "start", "params": {}});
    let starters = starters.max(1);
    // Each starter keeps its own pace; their ticks are staggered to spread the starts.
    let period = (rate > 0.0).then(|| Duration::from_secs_f64(starters as f64 / rate));
    let mut tasks = Vec::new();
    for index in 0..starters {
        let mut pace = period.map(|p| {
            let first = tokio::time::Instant::now() + p.mul_f64(index as f64 / starters as f64);
            let mut interval = tokio::time::interval_at(first, p);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval
        });
        let (http, url, pat, body) = (
            http.clone(),
            server.command_url(),
            server.pat.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            while Instant::now() < deadline {
                if let Some(pace) = pace.as_mut() {
                    pace.tick().await;
                }
                let response = http.post(&url).bearer_auth(&pat).json(&body).send().await?;
                let status = response.status();
                let reply: Value = response.json().await?;
                if !status.is_success() {
                    bail!("start refused: {status} {reply}");
                }
                ids.push(reply["run_id"].as_str().context("run_id")?.to_string());
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await??);
    }
    Ok(ids)
}

/// Reads one stream until it has `target` events or `stop` is set (checked between
/// frames and every 100 ms).
async fn read(
    mut socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    stop: Arc<AtomicBool>,
    target: Arc<AtomicU64>,
) -> Received {
    let mut received = Received {
        events: 0,
        lags: Vec::new(),
        last_at: None,
        closed_early: false,
    };
    while !stop.load(Ordering::Relaxed) && received.events < target.load(Ordering::Relaxed) {
        let frame = match tokio::time::timeout(Duration::from_millis(100), socket.next()).await {
            Err(_) => continue,
            Ok(frame) => frame,
        };
        match frame {
            Some(Ok(Message::Text(text))) => {
                let now = Instant::now();
                received.events += 1;
                received.last_at = Some(now);
                if let Some(lag) = lag_of(&text) {
                    received.lags.push(lag);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => {
                received.closed_early = true;
                break;
            }
        }
    }
    received
}

/// Now minus the event's `at` (RFC 3339, millisecond precision).
fn lag_of(text: &str) -> Option<Duration> {
    let event: Value = serde_json::from_str(text).ok()?;
    let at = chrono::DateTime::parse_from_rfc3339(event["at"].as_str()?).ok()?;
    let lag_ms = chrono::Utc::now().timestamp_millis() - at.timestamp_millis();
    Some(Duration::from_millis(lag_ms.max(0) as u64))
}
