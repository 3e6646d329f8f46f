//! The peer engines' figures, from `bench/peers.sh` run in the same sitting.
//!
//! `peers.sh` runs `run-all.sh` of the peer scripts, which prints one line per (peer,
//! workload): `peer workload wall_seconds steps_per_second notes…`, `#` lines being
//! comments and failed pairs saying `FAILED`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

/// One peer's median in-engine time on one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerFigure {
    /// The label `run-all.sh` printed (`langgraph`, `langgraph-async`, `prefect`, …).
    pub peer: String,
    pub workload: String,
    pub wall_seconds: f64,
}

/// Parses `run-all.sh` output; comment, failed and malformed lines are skipped.
pub fn parse(output: &str) -> Vec<PeerFigure> {
    output
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let peer = fields.next()?;
            let workload = fields.next()?;
            let wall_seconds = fields.next()?.parse::<f64>().ok()?;
            (wall_seconds.is_finite() && wall_seconds > 0.0).then(|| PeerFigure {
                peer: peer.to_string(),
                workload: workload.to_string(),
                wall_seconds,
            })
        })
        .collect()
}

/// The fastest peer per workload.
pub fn fastest(figures: &[PeerFigure]) -> HashMap<String, PeerFigure> {
    let mut best: HashMap<String, PeerFigure> = HashMap::new();
    for figure in figures {
        let faster = best
            .get(&figure.workload)
            .is_none_or(|b| figure.wall_seconds < b.wall_seconds);
        if faster {
            best.insert(figure.workload.clone(), figure.clone());
        }
    }
    best
}

/// Runs `bench/peers.sh` (peers as arguments; it defaults to LangGraph), echoing its
/// output to stderr, and returns its figures.
pub fn run(peers: &[String]) -> anyhow::Result<Vec<PeerFigure>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers.sh");
    eprintln!("running {} {}", script.display(), peers.join(" "));
    let output = Command::new("bash")
        .arg(&script)
        .args(peers)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    eprint!("{text}");
    if !output.status.success() {
        bail!("{} failed ({})", script.display(), output.status);
    }
    let figures = parse(&text);
    if figures.is_empty() {
        bail!("{} printed no peer figures", script.display());
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
# 2026-11-28T14:00:00+00:00 Linux x86_64 nproc=2 load=0.5
# peer workload wall_seconds steps_per_second notes
langgraph chain-40 0.1400 285.7 n=3/3 engine_s=0.14[0.13-0.15]
langgraph chain-1000 4.0000 250.0 n=3/3
langgraph-async chain-40 0.1200 333.3 n=3/3
langgraph-async chain-1000 4.5000 222.2 n=3/3
prefect fanout-1000 FAILED - n=0/3 run0:timeout>900s
langgraph fanout-1000 1.2300 814.6 n=3/3
# summary written to results/summary.txt
";

    #[test]
    fn comment_and_failed_lines_are_skipped() {
        let figures = parse(OUTPUT);
        assert_eq!(figures.len(), 5);
        assert!(figures.iter().all(|f| f.peer.starts_with("langgraph")));
    }

    #[test]
    fn the_fastest_peer_is_picked_per_workload() {
        let best = fastest(&parse(OUTPUT));
        let cases = [
            ("chain-40", "langgraph-async", 0.12),
            ("chain-1000", "langgraph", 4.0),
            ("fanout-1000", "langgraph", 1.23),
        ];
        assert_eq!(best.len(), cases.len());
        for (workload, peer, seconds) in cases {
            let figure = &best[workload];
            assert_eq!((figure.peer.as_str(), figure.wall_seconds), (peer, seconds));
        }
    }
}
