//! Dry-run validation time for generated graphs of 100, 1,000 and 10,000 steps, with the
//! growth between sizes compared against n·log n.

use std::time::Duration;

use anyhow::Context as _;
use ar_cli::lua_checker::SandboxLuaChecker;
use ar_model::graph::StepType;
use ar_model::import::{GraphLimits, parse_graph_bytes};
use ar_model::validate::{ValidateRequest, ValidateResponse, ValidationContext, validate};

use super::graph_gen::{BLOCK, generate};
use crate::measure::{Samples, format_duration};
use crate::report::Row;

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const TARGET_1000: Duration = Duration::from_millis(20);

/// The rows plus a paragraph on how time grows with size.
pub struct DryRunFigures {
    pub rows: Vec<Row>,
    pub growth_note: String,
}

/// One dry run as the API does it: bytes in, response out, every check selected, Lua
/// compiled by the sandbox, every executor available (as on a configured server).
fn dry_run(bytes: &[u8], lua: &SandboxLuaChecker) -> anyhow::Result<ValidateResponse> {
    let parsed = parse_graph_bytes(bytes, &GraphLimits::default())?;
    let context = ValidationContext::default()
        .with_lua(lua)
        .with_executors(&StepType::ALL);
    Ok(validate(&parsed, &ValidateRequest::default(), &context))
}

pub fn run(repeats: usize) -> anyhow::Result<DryRunFigures> {
    let lua = SandboxLuaChecker::new().context("creating the Lua sandbox")?;
    let mut medians = Vec::with_capacity(SIZES.len());
    let mut rows = Vec::new();
    for size in SIZES {
        let bytes = serde_json::to_vec(&generate(size.div_ceil(BLOCK)))?;
        // The generated graph must be valid, or we would be timing an early exit.
        let response = dry_run(&bytes, &lua)?;
        anyhow::ensure!(
            response.valid && response.issues.is_empty(),
            "the generated {size}-step graph does not validate cleanly: {:?}",
            response.issues.iter().take(3).collect::<Vec<_>>()
        );
        let samples = Samples::collect(1, repeats, || dry_run(&bytes, &lua))
            .with_context(|| format!("dry run of {size} steps"))?;
        let median = samples.p50();
        medians.push(median);
        let workload = format!("dry-run: {size} steps ({} KB)", bytes.len() / 1024);
        rows.push(if size == 1_000 {
            Row::checked(
                &workload,
                "median",
                format_duration(median),
                "< 20 ms",
                median < TARGET_1000,
            )
        } else {
            Row::info(&workload, "median", format_duration(median))
        });
    }
    let growth_note = growth_note(&SIZES, &medians);
    Ok(DryRunFigures { rows, growth_note })
}

/// For each step up in size: how much the time grew, against what n and n·log n predict.
fn growth_note(sizes: &[usize], times: &[Duration]) -> String {
    let mut note =
        String::from("dry-run growth (time ratio vs size ratio; n·log n is the ceiling):\n");
    for (s, t) in sizes.windows(2).zip(times.windows(2)) {
        let (n0, n1) = (s[0] as f64, s[1] as f64);
        let time_ratio = t[1].as_secs_f64() / t[0].as_secs_f64().max(1e-9);
        let nlogn_ratio = (n1 * n1.ln()) / (n0 * n0.ln());
        let verdict = if time_ratio <= nlogn_ratio {
            "within n·log n"
        } else {
            "WORSE than n·log n"
        };
        note.push_str(&format!(
            "  {} -> {} steps: time x{time_ratio:.1}, size x{:.0}, n·log n x{nlogn_ratio:.1}: {verdict}\n",
            s[0],
            s[1],
            n1 / n0
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_graphs_validate_without_any_issue() {
        let lua = SandboxLuaChecker::new().expect("sandbox");
        let bytes = serde_json::to_vec(&generate(20)).expect("encodes");
        let response = dry_run(&bytes, &lua).expect("parses");
        assert!(response.valid, "{:?}", response.issues);
        assert_eq!(response.issues, vec![]);
        assert_eq!(
            response
                .check_results
                .get(&ar_model::validate::CheckName::LuaSyntax),
            Some(&ar_model::validate::CheckStatus::Passed)
        );
    }

    #[test]
    fn growth_note_flags_only_superlinear_log_growth() {
        let ms = Duration::from_millis;
        let note = growth_note(&[100, 1_000], &[ms(1), ms(12)]);
        assert!(note.contains("within n·log n"), "{note}");
        let note = growth_note(&[100, 1_000], &[ms(1), ms(100)]);
        assert!(note.contains("WORSE than n·log n"), "{note}");
    }
}
