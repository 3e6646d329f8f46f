//! The nine analytics answers (docs/contract.md §14): which store aggregates each one
//! reads and how it shapes them. The routes (`crate::routes::analytics`) and the benchmark
//! (`ar-bench analytics`) both call [`compute`], so the benchmark times exactly what a
//! request computes. How each number is counted: docs/analytics.md and
//! `ar_store::tenant::AnalyticsReads`.

use std::collections::HashMap;

use ar_store::tenant::{BucketCount, TenantStore};

use crate::analytics::answers::*;
use crate::analytics::period::{AnalyticsQuery, Period, Series};
use crate::error::ApiResult;
use crate::views::Time;

/// Under this many terminal runs the success rate says nothing yet and is `null`.
const MIN_TERMINAL_FOR_RATE: i64 = 3;
/// Percentiles of a step type are taken over its latest this-many completed steps in the
/// period (all of them when fewer): bounded work however long the history.
pub const DURATION_SAMPLE: i64 = 1_000;

/// One `/v1/analytics/{name}` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    LiveRuns,
    SuccessRate,
    ExecutionDuration,
    RunsCount,
    StepsExecuted,
    CreditsConsumed,
    StepsSummary,
    RunsTimeseries,
    UsageTimeseries,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::LiveRuns,
        Metric::SuccessRate,
        Metric::ExecutionDuration,
        Metric::RunsCount,
        Metric::StepsExecuted,
        Metric::CreditsConsumed,
        Metric::StepsSummary,
        Metric::RunsTimeseries,
        Metric::UsageTimeseries,
    ];

    /// The last segment of its route.
    pub fn name(self) -> &'static str {
        match self {
            Metric::LiveRuns => "live-runs",
            Metric::SuccessRate => "success-rate",
            Metric::ExecutionDuration => "execution-duration",
            Metric::RunsCount => "runs-count",
            Metric::StepsExecuted => "steps-executed",
            Metric::CreditsConsumed => "credits-consumed",
            Metric::StepsSummary => "steps-summary",
            Metric::RunsTimeseries => "runs-timeseries",
            Metric::UsageTimeseries => "usage-timeseries",
        }
    }

    /// Time series take `granularity` and answer `{granularity, points}`.
    pub fn is_series(self) -> bool {
        matches!(self, Metric::RunsTimeseries | Metric::UsageTimeseries)
    }
}

/// The answer of `metric` for the project at `now`, with the period echoed (`window`,
/// `from`, `to`). Bad query values are 400s.
pub async fn compute(
    store: &dyn TenantStore,
    metric: Metric,
    project_id: &str,
    q: &AnalyticsQuery,
    now: i64,
) -> ApiResult<AnalyticsAnswer> {
    if !metric.is_series() {
        q.no_granularity()?;
    }
    let period = q.period(now)?;
    match metric {
        Metric::RunsTimeseries | Metric::UsageTimeseries => {
            series(store, metric, project_id, q, &period).await
        }
        _ => scalar(store, metric, project_id, &period).await,
    }
}

/// The routes that answer numbers rather than points.
async fn scalar(
    store: &dyn TenantStore,
    metric: Metric,
    project: &str,
    period: &Period,
) -> ApiResult<AnalyticsAnswer> {
    let span = period.span;
    let echo = period.echo();
    Ok(match metric {
        // Runs not finished now, whatever the period.
        Metric::LiveRuns => AnalyticsAnswer::Count(AnalyticsCount {
            period: echo,
            count: store.live_runs(project).await?,
        }),
        Metric::SuccessRate => {
            let o = store.run_outcomes(project, span).await?;
            let terminal = o.completed + o.failed + o.stopped;
            let rate =
                (terminal >= MIN_TERMINAL_FOR_RATE).then(|| o.completed as f64 / terminal as f64);
            AnalyticsAnswer::SuccessRate(SuccessRate {
                period: echo,
                rate,
                completed: o.completed,
                failed: o.failed,
                stopped: o.stopped,
                terminal,
            })
        }
        Metric::ExecutionDuration => {
            let d = store.run_durations(project, span).await?;
            AnalyticsAnswer::ExecutionDuration(ExecutionDuration {
                period: echo,
                total_ms: d.total_ms,
                runs: d.runs,
            })
        }
        Metric::RunsCount => AnalyticsAnswer::Count(AnalyticsCount {
            period: echo,
            count: store.runs_created(project, span).await?,
        }),
        Metric::StepsExecuted => AnalyticsAnswer::StepsExecuted(StepsExecuted {
            period: echo,
            quantity: store.steps_executed(project, span).await?,
        }),
        // What the ledger debited the project's runs (docs/billing.md), not a re-pricing of
        // metered usage: prices may have changed since, and billing may be off.
        Metric::CreditsConsumed => AnalyticsAnswer::CreditsConsumed(CreditsConsumed {
            period: echo,
            microcredits: store.ledger_spent(project, span).await?,
        }),
        Metric::StepsSummary => {
            let counts = store.completed_steps_by_type(project, span).await?;
            let mut by_type = Vec::with_capacity(counts.len());
            for c in counts {
                let p = store
                    .step_duration_percentiles(
                        project,
                        span,
                        &c.step_type,
                        DURATION_SAMPLE,
                        &[50, 95],
                    )
                    .await?;
                by_type.push(StepTypeSummary {
                    step_type: c.step_type,
                    completed: c.completed,
                    p50_ms: p.first().copied().flatten(),
                    p95_ms: p.get(1).copied().flatten(),
                });
            }
            let usage = store.usage_by_kind(project, span).await?;
            let tokens = |kind: &str| {
                usage
                    .iter()
                    .find(|u| u.kind == kind)
                    .map_or(0, |u| u.quantity)
            };
            AnalyticsAnswer::StepsSummary(StepsSummary {
                period: echo,
                by_type,
                llm_tokens: LlmTokens {
                    tokens_in: tokens("llm.tokens_in"),
                    tokens_out: tokens("llm.tokens_out"),
                },
            })
        }
        Metric::RunsTimeseries | Metric::UsageTimeseries => {
            unreachable!("time series are answered by `series`")
        }
    })
}

/// `runs-timeseries` and `usage-timeseries`: every bucket of the period, empty ones
/// included. `window=all` starts at the project's first run; a project without runs has
/// no points.
async fn series(
    store: &dyn TenantStore,
    metric: Metric,
    project: &str,
    q: &AnalyticsQuery,
    period: &Period,
) -> ApiResult<AnalyticsAnswer> {
    let granularity = q.granularity()?;
    let from = match period.span.from {
        Some(from) => from,
        None => store.first_run_at(project).await?.unwrap_or(period.span.to),
    };
    let series = Series::new(granularity, from, period.span.to)?;
    let rows = match (series.count, metric) {
        (0, _) => Vec::new(),
        (_, Metric::RunsTimeseries) => {
            store
                .run_buckets(project, period.span, series.buckets)
                .await?
        }
        _ => {
            store
                .usage_buckets(project, period.span, series.buckets)
                .await?
        }
    };
    let granularity = granularity.as_str();
    Ok(if metric == Metric::RunsTimeseries {
        let points = points(&series, rows, |t, c| RunsPoint {
            t,
            started: count(c, "started"),
            completed: count(c, "completed"),
            failed: count(c, "failed"),
            stopped: count(c, "stopped"),
        });
        AnalyticsAnswer::RunsSeries(RunsSeries {
            period: period.echo(),
            granularity,
            points,
        })
    } else {
        let points = points(&series, rows, |t, c| UsagePoint {
            t,
            steps_executed: count(c, "steps_executed"),
            llm_tokens_in: count(c, "llm.tokens_in"),
            llm_tokens_out: count(c, "llm.tokens_out"),
            mcp_calls: count(c, "mcp.call"),
            // What the ledger debited, as `credits-consumed` answers: not a re-pricing of
            // the usage at today's prices (docs/billing.md).
            microcredits: count(c, "ledger_spent"),
        });
        AnalyticsAnswer::UsageSeries(UsageSeries {
            period: period.echo(),
            granularity,
            points,
        })
    })
}

/// The points of `series`, each built by `point` from its bucket's start and counts
/// (series name → count; empty for a bucket without rows).
fn points<P>(
    series: &Series,
    rows: Vec<BucketCount>,
    point: impl Fn(Time, &HashMap<String, i64>) -> P,
) -> Vec<P> {
    let mut counts: HashMap<i64, HashMap<String, i64>> = HashMap::new();
    for r in rows {
        *counts
            .entry(r.bucket)
            .or_default()
            .entry(r.series)
            .or_default() += r.count;
    }
    let empty = HashMap::new();
    series
        .indexes()
        .map(|i| point(Time(series.start(i)), counts.get(&i).unwrap_or(&empty)))
        .collect()
}

fn count(counts: &HashMap<String, i64>, series: &str) -> i64 {
    counts.get(series).copied().unwrap_or(0)
}
