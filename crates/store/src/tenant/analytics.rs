//! Read-only aggregates of one project's runs, steps and metered usage for the
//! `/v1/analytics/*` routes (docs/contract.md §14, docs/analytics.md).
//!
//! Every answer names one project and a half-open time span. The counts come from the
//! hourly rollups for the span's whole, closed hours and from the raw rows for the rest
//! (`super::rollups`), so an answer's cost follows the number of hours it covers, not the
//! rows in them; the raw reads go through indexes that start with `project_id` and the time
//! column they filter on (migrations 0014 and 0020). What counts where:
//! - runs are counted by `created_at` (started, runs-count) or, once terminal, by
//!   `finished_at` (outcomes, durations);
//! - steps are top-level steps (loop items are not steps), counted by `finished_at`;
//!   *executed* means completed without being skipped, or failed;
//! - usage is the metered usage records (`crate::integrations::UsageStore`) by `at`.
//!
//! The SQL is written once for both backends (`super::rollups::Family` holds the counting
//! queries); [`impl_analytics_reads!`] stamps it out like `run_reads` does.

use async_trait::async_trait;

use crate::error::StoreResult;
use crate::integrations::UsageTotal;

/// `[from, to)` in unix milliseconds; `from: None` reaches back to the beginning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Option<i64>,
    pub to: i64,
}

impl Span {
    /// The lower bound as a number every row's time is at or above when unbounded.
    pub fn lower(&self) -> i64 {
        self.from.unwrap_or(i64::MIN)
    }
}

/// Fixed-width time buckets: a time `at` falls in bucket `(at - origin) / width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    pub origin: i64,
    pub width: i64,
}

impl Buckets {
    /// One bucket (0) holding every time from 1970 on: totals over a span.
    pub const WHOLE: Buckets = Buckets {
        origin: 0,
        width: i64::MAX,
    };
}

/// Terminal runs by how they ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunOutcomes {
    pub completed: i64,
    pub failed: i64,
    pub stopped: i64,
}

/// The summed wall-clock time of terminal runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunDurations {
    pub total_ms: i64,
    pub runs: i64,
}

/// Completed (not skipped) steps of one type; `step_type` is `unknown` for steps
/// recorded before types were stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTypeCount {
    pub step_type: String,
    pub completed: i64,
}

/// One bucket's count of one series (`series` is what was counted: a run status,
/// `started`, a usage kind, `steps_executed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketCount {
    pub bucket: i64,
    pub series: String,
    pub count: i64,
}

/// The aggregates behind `/v1/analytics/*`, all of one project.
#[async_trait]
pub trait AnalyticsReads: Send + Sync + 'static {
    /// Runs not finished now (queued, running, paused, draining).
    async fn live_runs(&self, project_id: &str) -> StoreResult<i64>;
    /// Runs created in `span`.
    async fn runs_created(&self, project_id: &str, span: Span) -> StoreResult<i64>;
    /// Runs that ended in `span`, by outcome.
    async fn run_outcomes(&self, project_id: &str, span: Span) -> StoreResult<RunOutcomes>;
    /// Runs that ended in `span` and the sum of their `finished_at - started_at`.
    async fn run_durations(&self, project_id: &str, span: Span) -> StoreResult<RunDurations>;
    /// Top-level steps that finished in `span` having executed (completed without a skip,
    /// or failed).
    async fn steps_executed(&self, project_id: &str, span: Span) -> StoreResult<i64>;
    /// Completed, not skipped, top-level steps that finished in `span`, per type.
    async fn completed_steps_by_type(
        &self,
        project_id: &str,
        span: Span,
    ) -> StoreResult<Vec<StepTypeCount>>;
    /// Nearest-rank percentiles (each of `percentiles` in 1..=100) of the durations
    /// (`finished_at - started_at`, ms) of the latest `sample` completed steps of
    /// `step_type` that finished in `span`: for each, the smallest duration such that at
    /// least p % of the sample is at or below it; `None` when there is no such step.
    /// Ranked in the database, so only the answers leave it.
    async fn step_duration_percentiles(
        &self,
        project_id: &str,
        span: Span,
        step_type: &str,
        sample: i64,
        percentiles: &[u32],
    ) -> StoreResult<Vec<Option<i64>>>;
    /// What the billing ledger debited the project's runs in `span`, in microcredits
    /// (docs/billing.md; 0 when billing is off).
    async fn ledger_spent(&self, project_id: &str, span: Span) -> StoreResult<i64>;
    /// Metered usage recorded in `span`, summed per kind.
    async fn usage_by_kind(&self, project_id: &str, span: Span) -> StoreResult<Vec<UsageTotal>>;
    /// When the project's first run was created, if it has one.
    async fn first_run_at(&self, project_id: &str) -> StoreResult<Option<i64>>;
    /// Per bucket: runs created (`started`) and runs ended (`completed`, `failed`,
    /// `stopped`) in `span`. Empty buckets are absent.
    async fn run_buckets(
        &self,
        project_id: &str,
        span: Span,
        buckets: Buckets,
    ) -> StoreResult<Vec<BucketCount>>;
    /// Per bucket: executed steps (`steps_executed`), metered usage per kind in `span`, and
    /// what the billing ledger debited the project's runs (`ledger_spent`, microcredits;
    /// docs/billing.md). Empty buckets are absent.
    async fn usage_buckets(
        &self,
        project_id: &str,
        span: Span,
        buckets: Buckets,
    ) -> StoreResult<Vec<BucketCount>>;
}

/// Implements [`AnalyticsReads`] for `$store` (a struct with a `pool` field and the
/// `counts` reader of `super::rollups::impl_analytics_rollups!`).
macro_rules! impl_analytics_reads {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Row;

            use $crate::error::StoreResult;
            use $crate::integrations::UsageTotal;
            use $crate::tenant::rollups::Family;
            use $crate::tenant::{
                AnalyticsReads, BucketCount, Buckets, RunDurations, RunOutcomes, Span,
                StepTypeCount,
            };

            /// The count of `series` in totals over a span (0 when absent).
            fn total(counts: &[BucketCount], series: &str) -> i64 {
                counts.iter().filter(|c| c.series == series).map(|c| c.count).sum()
            }

            /// The counts whose series start with `prefix`, the prefix removed.
            fn with_prefix<'a>(
                counts: &'a [BucketCount],
                prefix: &'a str,
            ) -> impl Iterator<Item = (&'a str, i64)> + 'a {
                counts
                    .iter()
                    .filter_map(move |c| c.series.strip_prefix(prefix).map(|s| (s, c.count)))
            }

            /// Renames (or drops, for `None`) each count's series.
            fn renamed(
                counts: Vec<BucketCount>,
                name: impl Fn(&str) -> Option<String>,
            ) -> Vec<BucketCount> {
                counts
                    .into_iter()
                    .filter_map(|c| {
                        name(&c.series).map(|series| BucketCount { series, ..c })
                    })
                    .collect()
            }

            #[async_trait]
            impl AnalyticsReads for $store {
                async fn live_runs(&self, project_id: &str) -> StoreResult<i64> {
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n FROM runs WHERE project_id = $1 \
                         AND status IN ('queued', 'running', 'paused', 'draining')",
                    )
                    .bind(project_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(row.try_get("n")?)
                }

                async fn runs_created(&self, project_id: &str, span: Span) -> StoreResult<i64> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::RunsStarted])
                        .await?;
                    Ok(total(&counts, "runs_started"))
                }

                async fn run_outcomes(&self, project_id: &str, span: Span) -> StoreResult<RunOutcomes> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::RunEnds])
                        .await?;
                    Ok(RunOutcomes {
                        completed: total(&counts, "runs_completed"),
                        failed: total(&counts, "runs_failed"),
                        stopped: total(&counts, "runs_stopped"),
                    })
                }

                async fn run_durations(&self, project_id: &str, span: Span) -> StoreResult<RunDurations> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::RunEnds])
                        .await?;
                    Ok(RunDurations {
                        total_ms: total(&counts, "runs_ms"),
                        runs: total(&counts, "runs_completed")
                            + total(&counts, "runs_failed")
                            + total(&counts, "runs_stopped"),
                    })
                }

                async fn steps_executed(&self, project_id: &str, span: Span) -> StoreResult<i64> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::StepsExecuted])
                        .await?;
                    Ok(total(&counts, "steps_executed"))
                }

                async fn completed_steps_by_type(
                    &self,
                    project_id: &str,
                    span: Span,
                ) -> StoreResult<Vec<StepTypeCount>> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::StepsCompleted])
                        .await?;
                    // `counts` is sorted by series, so by type.
                    Ok(with_prefix(&counts, "steps_completed:")
                        .map(|(step_type, completed)| StepTypeCount {
                            step_type: step_type.to_string(),
                            completed,
                        })
                        .collect())
                }

                async fn step_duration_percentiles(
                    &self,
                    project_id: &str,
                    span: Span,
                    step_type: &str,
                    sample: i64,
                    percentiles: &[u32],
                ) -> StoreResult<Vec<Option<i64>>> {
                    let percentiles: Vec<u32> = percentiles.iter().map(|p| (*p).clamp(1, 100)).collect();
                    if percentiles.is_empty() {
                        return Ok(Vec::new());
                    }
                    // rank = ceil(p * n / 100), in integers; the values are ours (1..=100).
                    let ranks = percentiles
                        .iter()
                        .map(|p| format!("(n * {p} + 99) / 100"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    // Steps recorded before types were stored report as `unknown`. The
                    // predicate is the one of the `step_states_analytics_type` index, which
                    // walks one type's latest steps backwards from `to`.
                    let of_type = if step_type == "unknown" {
                        "(step_type = $4 OR step_type IS NULL)"
                    } else {
                        "step_type = $4"
                    };
                    let sql = format!(
                        "SELECT ms, rn, n FROM (\
                           SELECT ms, ROW_NUMBER() OVER (ORDER BY ms) AS rn, COUNT(*) OVER () AS n FROM (\
                             SELECT finished_at - started_at AS ms FROM step_states \
                             WHERE {STEPS_IN_SPAN} AND status = 'completed' AND NOT skipped \
                             AND {of_type} AND started_at IS NOT NULL \
                             ORDER BY finished_at DESC LIMIT $5) sample) ranked \
                         WHERE rn IN ({ranks})",
                        STEPS_IN_SPAN = $crate::tenant::rollups::STEPS_IN_SPAN,
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(project_id)
                        .bind(span.lower())
                        .bind(span.to)
                        .bind(step_type)
                        .bind(sample)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut by_rank = std::collections::HashMap::new();
                    let mut n = 0i64;
                    for row in &rows {
                        let rn: i64 = row.try_get("rn")?;
                        let ms: i64 = row.try_get("ms")?;
                        n = row.try_get("n")?;
                        by_rank.insert(rn, ms);
                    }
                    Ok(percentiles
                        .iter()
                        .map(|p| by_rank.get(&((n * i64::from(*p) + 99) / 100)).copied())
                        .collect())
                }

                async fn ledger_spent(&self, project_id: &str, span: Span) -> StoreResult<i64> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::Ledger])
                        .await?;
                    Ok(total(&counts, "ledger_spent"))
                }

                async fn usage_by_kind(&self, project_id: &str, span: Span) -> StoreResult<Vec<UsageTotal>> {
                    let counts = self
                        .counts(project_id, span, Buckets::WHOLE, &[Family::Usage])
                        .await?;
                    Ok(with_prefix(&counts, "usage:")
                        .map(|(kind, quantity)| UsageTotal {
                            kind: kind.to_string(),
                            quantity,
                        })
                        .collect())
                }

                async fn first_run_at(&self, project_id: &str) -> StoreResult<Option<i64>> {
                    let row = sqlx::query("SELECT MIN(created_at) AS first FROM runs WHERE project_id = $1")
                        .bind(project_id)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(row.try_get("first")?)
                }

                async fn run_buckets(
                    &self,
                    project_id: &str,
                    span: Span,
                    buckets: Buckets,
                ) -> StoreResult<Vec<BucketCount>> {
                    let counts = self
                        .counts(project_id, span, buckets, &[Family::RunsStarted, Family::RunEnds])
                        .await?;
                    Ok(renamed(counts, |series| match series {
                        "runs_started" => Some("started".into()),
                        "runs_ms" => None,
                        other => other.strip_prefix("runs_").map(str::to_string),
                    }))
                }

                async fn usage_buckets(
                    &self,
                    project_id: &str,
                    span: Span,
                    buckets: Buckets,
                ) -> StoreResult<Vec<BucketCount>> {
                    let families = [Family::StepsExecuted, Family::Usage, Family::Ledger];
                    let counts = self.counts(project_id, span, buckets, &families).await?;
                    Ok(renamed(counts, |series| {
                        Some(series.strip_prefix("usage:").unwrap_or(series).to_string())
                    }))
                }
            }
        };
    };
}

pub(crate) use impl_analytics_reads;
