//! Timing helpers shared by every workload: latency samples with percentiles, and
//! throughput over a fixed wall-clock budget.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Latencies of repeated runs of one operation, sorted ascending.
#[derive(Debug, Clone)]
pub struct Samples {
    sorted: Vec<Duration>,
}

impl Samples {
    /// Runs `op` `warmup` times untimed, then `count` times timed one by one.
    /// Stops at the first error, which is returned.
    pub fn collect<T, E>(
        warmup: usize,
        count: usize,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<Samples, E> {
        for _ in 0..warmup {
            black_box(op()?);
        }
        let mut sorted = Vec::with_capacity(count);
        for _ in 0..count {
            let start = Instant::now();
            let out = op()?;
            sorted.push(start.elapsed());
            black_box(out);
        }
        sorted.sort_unstable();
        Ok(Samples { sorted })
    }

    /// Samples measured elsewhere (e.g. by concurrent clients).
    pub fn from_durations(mut sorted: Vec<Duration>) -> Samples {
        sorted.sort_unstable();
        Samples { sorted }
    }

    /// The latency below which a fraction `q` (0.0–1.0) of the samples fall (nearest rank).
    pub fn percentile(&self, q: f64) -> Duration {
        if self.sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = (q.clamp(0.0, 1.0) * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.saturating_sub(1).min(self.sorted.len() - 1)]
    }

    pub fn p50(&self) -> Duration {
        self.percentile(0.50)
    }

    pub fn p99(&self) -> Duration {
        self.percentile(0.99)
    }
}

/// How many times per second `op` completes, measured over at least `budget` of wall
/// time (after a short warm-up). Stops at the first error, which is returned.
pub fn per_second<T, E>(budget: Duration, mut op: impl FnMut() -> Result<T, E>) -> Result<f64, E> {
    let warmup_end = Instant::now() + budget / 10;
    while Instant::now() < warmup_end {
        black_box(op()?);
    }
    // Check the clock every batch rather than every call: a call can be ~100 ns.
    const BATCH: u64 = 256;
    let start = Instant::now();
    let mut done: u64 = 0;
    loop {
        for _ in 0..BATCH {
            black_box(op()?);
        }
        done += BATCH;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return Ok(done as f64 / elapsed.as_secs_f64());
        }
    }
}

/// A duration in the unit that reads best: `850 ns`, `42.1 µs`, `3.20 ms`, `1.50 s`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 {
        format!("{nanos} ns")
    } else if nanos < 1_000_000 {
        format!("{:.1} µs", nanos as f64 / 1e3)
    } else if nanos < 1_000_000_000 {
        format!("{:.2} ms", nanos as f64 / 1e6)
    } else {
        format!("{:.2} s", nanos as f64 / 1e9)
    }
}

/// A rate with thousands separators: `1,234,567/s`.
pub fn format_rate(per_second: f64) -> String {
    let whole = per_second.round() as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str("/s");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples_of_millis(ms: &[u64]) -> Samples {
        let mut sorted: Vec<Duration> = ms.iter().map(|m| Duration::from_millis(*m)).collect();
        sorted.sort_unstable();
        Samples { sorted }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let s = samples_of_millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(s.p50(), Duration::from_millis(50));
        assert_eq!(s.p99(), Duration::from_millis(99));
        assert_eq!(s.percentile(1.0), Duration::from_millis(100));
        assert_eq!(s.percentile(0.0), Duration::from_millis(1));
    }

    #[test]
    fn percentile_of_no_samples_is_zero() {
        assert_eq!(samples_of_millis(&[]).p50(), Duration::ZERO);
    }

    #[test]
    fn durations_are_printed_in_a_readable_unit() {
        let cases = [
            (Duration::from_nanos(850), "850 ns"),
            (Duration::from_nanos(42_100), "42.1 µs"),
            (Duration::from_micros(3_200), "3.20 ms"),
            (Duration::from_millis(1_500), "1.50 s"),
        ];
        for (d, expected) in cases {
            assert_eq!(format_duration(d), expected);
        }
    }

    #[test]
    fn rates_get_thousands_separators() {
        let cases = [
            (0.4, "0/s"),
            (999.0, "999/s"),
            (1_000.0, "1,000/s"),
            (1_234_567.2, "1,234,567/s"),
        ];
        for (rate, expected) in cases {
            assert_eq!(format_rate(rate), expected);
        }
    }
}
