//! Plain-text tables with a header, a rule and aligned columns, and the statistics their
//! cells print.

use std::time::Duration;

/// Renders `rows` under `header`; columns listed in `right` are right-aligned (figures),
/// the others left-aligned. Rows shorter than the header get empty cells.
pub fn render(header: &[&str], right: &[usize], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, width) in widths.iter().enumerate() {
            let cell = cells.next().unwrap_or("");
            let pad = width.saturating_sub(cell.chars().count());
            if right.contains(&i) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
            text.push_str("  ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut rule.iter().map(String::as_str));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// The nearest-rank percentile `q` (0.0–1.0) of nanosecond samples; `None` when empty.
pub fn percentile(samples: &[u64], q: f64) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.saturating_sub(1).min(sorted.len().checked_sub(1)?);
    sorted.get(index).map(|n| Duration::from_nanos(*n))
}

/// The median of nanosecond samples (lower middle for an even count); `None` when empty.
pub fn median(samples: &[u64]) -> Option<Duration> {
    percentile(samples, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u64> = (1..=100).rev().collect();
        let cases = [(0.5, 50), (0.99, 99), (1.0, 100), (0.0, 1)];
        for (q, expected) in cases {
            assert_eq!(
                percentile(&samples, q),
                Some(Duration::from_nanos(expected)),
                "q={q}"
            );
        }
        assert_eq!(median(&[30, 10, 20]), Some(Duration::from_nanos(20)));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn columns_line_up_and_figures_are_right_aligned() {
        let rows = vec![
            vec!["chain-40".to_string(), "1.5 ms".to_string()],
            vec!["fanout-1000".to_string(), "120.00 ms".to_string()],
            vec!["short".to_string()],
        ];
        let table = render(&["workload", "wall"], &[1], &rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert_eq!(
            lines[2].chars().count(),
            lines[3].chars().count(),
            "{table}"
        );
        assert!(lines[2].ends_with("   1.5 ms"), "{table}");
        assert_eq!(lines[4], "short", "{table}");
    }
}
