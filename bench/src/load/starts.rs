//! Phase (a): `clients` concurrent HTTP clients start runs as fast as they can for a fixed
//! time; every start's latency is recorded. Runs execute in the background meanwhile, as
//! they would in production.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::json;

use crate::load::server::LoadServer;
use crate::measure::Samples;

pub struct StartFigures {
    pub starts: usize,
    pub elapsed: Duration,
    pub latencies: Samples,
    /// Run ids started (for draining afterwards).
    pub run_ids: Vec<String>,
}

/// One client's tally.
struct Tally {
    latencies: Vec<Duration>,
    run_ids: Vec<String>,
}

pub async fn measure(
    server: &LoadServer,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<StartFigures> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = Arc::new(server.command_url());
    let pat = Arc::new(server.pat.clone());
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (http, url, pat) = (http.clone(), url.clone(), pat.clone());
        tasks.push(tokio::spawn(async move {
            client(http, &url, &pat, deadline).await
        }));
    }
    let mut latencies = Vec::new();
    let mut run_ids = Vec::new();
    for task in tasks {
        let tally = task.await??;
        latencies.extend(tally.latencies);
        run_ids.extend(tally.run_ids);
    }
    let elapsed = started.elapsed();
    Ok(StartFigures {
        starts: latencies.len(),
        elapsed,
        latencies: Samples::from_durations(latencies),
        run_ids,
    })
}

/// Starts runs one after another until the deadline. Any refusal aborts the benchmark:
/// figures over failed requests would flatter the server.
async fn client(
    http: reqwest::Client,
    url: &str,
    pat: &str,
    deadline: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally {
        latencies: Vec::new(),
        run_ids: Vec::new(),
    };
    let body = json!({"command": "start", "params": {"trigger_payload": {"source": "load"}}});
    while Instant::now() < deadline {
        let sent = Instant::now();
        let response = http.post(url).bearer_auth(pat).json(&body).send().await?;
        let status = response.status();
        let reply: serde_json::Value = response.json().await?;
        let latency = sent.elapsed();
        if !status.is_success() {
            bail!("start refused: {status} {reply}");
        }
        tally.latencies.push(latency);
        if let Some(id) = reply["run_id"].as_str() {
            tally.run_ids.push(id.to_string());
        }
    }
    Ok(tally)
}
