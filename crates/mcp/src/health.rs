//! What the pool holds right now: its live connections, how old and how busy, for
//! debug logs and for the metrics of the process that owns the pool.

use std::collections::BTreeMap;
use std::time::Duration;

/// One live connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionHealth {
    /// The target without anything secret ([`crate::McpTarget::redacted`]).
    pub target: String,
    /// `http` or `stdio`.
    pub transport: &'static str,
    /// Since the connection was opened (a connection that is replaced starts again).
    pub age: Duration,
    /// Since its last call began or ended.
    pub idle: Duration,
    /// Calls running on it now.
    pub in_flight: usize,
    /// The child's process id (stdio).
    pub pid: Option<u32>,
}

/// The connections of one transport, summed up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TransportHealth {
    /// Live connections.
    pub connections: usize,
    /// Age of the oldest one (zero when none).
    pub oldest_age: Duration,
}

/// A snapshot of the pool's live connections (see [`crate::McpClientPool::health`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolHealth {
    pub connections: Vec<ConnectionHealth>,
}

impl PoolHealth {
    /// Count and oldest age per transport; `http` and `stdio` are always present, so a
    /// gauge fed from this drops to zero when the last connection closes.
    pub fn by_transport(&self) -> BTreeMap<&'static str, TransportHealth> {
        let mut summary: BTreeMap<&'static str, TransportHealth> = ["http", "stdio"]
            .into_iter()
            .map(|transport| (transport, TransportHealth::default()))
            .collect();
        for connection in &self.connections {
            let entry = summary.entry(connection.transport).or_default();
            entry.connections += 1;
            entry.oldest_age = entry.oldest_age.max(connection.age);
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(transport: &'static str, age_s: u64) -> ConnectionHealth {
        ConnectionHealth {
            target: format!("{transport} target"),
            transport,
            age: Duration::from_secs(age_s),
            idle: Duration::ZERO,
            in_flight: 0,
            pid: None,
        }
    }

    #[test]
    fn summary_counts_and_keeps_the_oldest_age_per_transport() {
        let health = PoolHealth {
            connections: vec![
                connection("http", 5),
                connection("http", 40),
                connection("stdio", 7),
            ],
        };
        let summary = health.by_transport();
        assert_eq!(summary["http"].connections, 2);
        assert_eq!(summary["http"].oldest_age, Duration::from_secs(40));
        assert_eq!(summary["stdio"].connections, 1);
        assert_eq!(summary["stdio"].oldest_age, Duration::from_secs(7));
    }

    #[test]
    fn an_empty_pool_still_reports_both_transports_at_zero() {
        let summary = PoolHealth::default().by_transport();
        assert_eq!(summary.len(), 2);
        assert!(summary.values().all(|t| *t == TransportHealth::default()));
    }
}
