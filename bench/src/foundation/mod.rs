//! The `foundation` workload: the pure building blocks every step goes through —
//! template rendering, one Lua step, dry-run validation.

mod dry_run;
mod graph_gen;
mod lua;
mod templates;

use std::time::Duration;

use crate::report::{Row, Verdict, render_table};

/// Options of `ar-bench foundation`.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Timed executions of the Lua step (the new-runtime figure uses a quarter of them).
    #[arg(long, default_value_t = 5_000)]
    lua_samples: usize,
    /// Seconds spent rendering templates.
    #[arg(long, default_value_t = 2.0)]
    template_seconds: f64,
    /// Dry-run repetitions per graph size (the median is reported).
    #[arg(long, default_value_t = 15)]
    dry_run_repeats: usize,
}

/// What a workload hands back to `main`: the printed table and whether every target held.
pub struct Report {
    pub text: String,
    pub all_targets_met: bool,
}

/// Runs the three measurements and renders their table.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful figures");
    }
    let mut rows: Vec<Row> = Vec::new();
    let budget = Duration::from_secs_f64(options.template_seconds.max(0.1));
    rows.extend(templates::run(budget)?);
    rows.extend(lua::run(options.lua_samples.max(100))?);
    let dry_run = dry_run::run(options.dry_run_repeats.max(1))?;
    rows.extend(dry_run.rows);
    let all_targets_met = rows.iter().all(|r| r.verdict != Verdict::Missed);
    let mut text = render_table(&rows);
    text.push('\n');
    text.push_str(&dry_run.growth_note);
    text.push('\n');
    Ok(Report {
        text,
        all_targets_met,
    })
}
