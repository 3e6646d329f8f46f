//! The table every workload prints its figures into.

use std::fmt::Write as _;

/// Whether a figure meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// The figure has no target (context only).
    Info,
}

/// One line of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    pub workload: String,
    pub figure: String,
    pub value: String,
    pub target: String,
    pub verdict: Verdict,
}

impl Row {
    /// A figure without a target.
    pub fn info(
        workload: impl Into<String>,
        figure: impl Into<String>,
        value: impl Into<String>,
    ) -> Row {
        Row {
            workload: workload.into(),
            figure: figure.into(),
            value: value.into(),
            target: String::new(),
            verdict: Verdict::Info,
        }
    }

    /// A figure checked against a target described by `target`.
    pub fn checked(
        workload: impl Into<String>,
        figure: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) -> Row {
        Row {
            workload: workload.into(),
            figure: figure.into(),
            value: value.into(),
            target: target.into(),
            verdict: if met { Verdict::Met } else { Verdict::Missed },
        }
    }
}

/// Renders rows as an aligned plain-text table with a header.
pub fn render_table(rows: &[Row]) -> String {
    let header = ["workload", "figure", "value", "target", ""];
    let cells: Vec<[&str; 5]> = rows
        .iter()
        .map(|r| {
            let verdict = match r.verdict {
                Verdict::Met => "ok",
                Verdict::Missed => "MISSED",
                Verdict::Info => "",
            };
            [
                r.workload.as_str(),
                r.figure.as_str(),
                r.value.as_str(),
                r.target.as_str(),
                verdict,
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |row: &[&str; 5]| {
        let mut text = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            // Values are right-aligned so digits line up; the rest reads left to right.
            let _ = if i == 2 {
                write!(text, "{cell:>width$}  ")
            } else {
                write!(text, "{cell:<width$}  ")
            };
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    let rule = widths.map(|w| "-".repeat(w));
    line(&[&rule[0], &rule[1], &rule[2], &rule[3], &rule[4]]);
    for row in &cells {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_and_misses_are_flagged() {
        let rows = [
            Row::checked("lua step", "p50", "40.0 µs", "< 100 µs", true),
            Row::checked("dry-run 1000", "time", "25.00 ms", "< 20 ms", false),
            Row::info("templates", "rate", "1,000/s"),
        ];
        let table = render_table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "header, rule and three rows:\n{table}");
        assert!(lines[2].ends_with("ok"), "{table}");
        assert!(lines[3].ends_with("MISSED"), "{table}");
        let value_end = |l: &str, v: &str| {
            l.find(v)
                .map(|at| l[..at].chars().count() + v.chars().count())
        };
        assert_eq!(
            value_end(lines[2], "40.0 µs"),
            value_end(lines[4], "1,000/s"),
            "values right-aligned:\n{table}"
        );
    }
}
