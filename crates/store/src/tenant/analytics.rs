//! Read-only aggregates of one project's runs, steps and metered usage for the
//! `/v1/analytics/*` routes (docs/contract.md §14, docs/analytics.md).
//!
//! Every query names one project and a half-open time span, and reads through an index
//! that starts with `project_id` and the time column it filters on (migration 0014), most
//! of them index-only, so a query's cost follows the size of the window it asks about.
//! What counts where:
//! - runs are counted by `created_at` (started, runs-count) or, once terminal, by
//!   `finished_at` (outcomes, durations);
//! - steps are top-level steps (loop items are not steps), counted by `finished_at`;
//!   *executed* means completed without being skipped, or failed;
//! - usage is the metered usage records (`crate::integrations::UsageStore`) by `at`.
//!
//! The SQL is written once for both backends; [`impl_analytics_reads!`] stamps it out like
//! `run_reads` does.

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

/// Implements [`AnalyticsReads`] for `$store` (a struct with a `pool` field).
macro_rules! impl_analytics_reads {
    ($store:ty, $row:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Row;

            use $crate::error::StoreResult;
            use $crate::integrations::UsageTotal;
            use $crate::tenant::{
                AnalyticsReads, BucketCount, Buckets, RunDurations, RunOutcomes, Span,
                StepTypeCount,
            };

            /// The top-level finished steps of project $1 with $2 <= finished_at < $3: the
            /// predicate of the `step_states_analytics` partial index, spelled out so both
            /// planners see that the index applies.
            const STEPS_IN_SPAN: &str = "project_id = $1 AND parent_key IS NULL AND finished_at IS NOT NULL \
                 AND finished_at >= $2 AND finished_at < $3";
            /// Steps that ran: completed without a skip, or failed.
            const EXECUTED: &str = "(status = 'failed' OR (status = 'completed' AND NOT skipped))";

            fn buckets_from_rows(rows: &[$row]) -> StoreResult<Vec<BucketCount>> {
                rows.iter()
                    .map(|row| {
                        Ok(BucketCount {
                            bucket: row.try_get("bucket")?,
                            series: row.try_get("series")?,
                            count: row.try_get("n")?,
                        })
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
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n FROM runs WHERE project_id = $1 AND created_at >= $2 AND created_at < $3",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(row.try_get("n")?)
                }

                async fn run_outcomes(&self, project_id: &str, span: Span) -> StoreResult<RunOutcomes> {
                    let rows = sqlx::query(
                        "SELECT status, COUNT(*) AS n FROM runs WHERE project_id = $1 \
                         AND status IN ('completed', 'failed', 'stopped') \
                         AND finished_at >= $2 AND finished_at < $3 GROUP BY status",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = RunOutcomes::default();
                    for row in &rows {
                        let status: String = row.try_get("status")?;
                        let n: i64 = row.try_get("n")?;
                        match status.as_str() {
                            "completed" => out.completed = n,
                            "failed" => out.failed = n,
                            _ => out.stopped = n,
                        }
                    }
                    Ok(out)
                }

                async fn run_durations(&self, project_id: &str, span: Span) -> StoreResult<RunDurations> {
                    // A run stopped before it started has no started_at: it took no time.
                    let row = sqlx::query(
                        "SELECT CAST(COALESCE(SUM(COALESCE(finished_at - started_at, 0)), 0) AS BIGINT) AS total, \
                         COUNT(*) AS n FROM runs WHERE project_id = $1 \
                         AND status IN ('completed', 'failed', 'stopped') \
                         AND finished_at >= $2 AND finished_at < $3",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(RunDurations {
                        total_ms: row.try_get("total")?,
                        runs: row.try_get("n")?,
                    })
                }

                async fn steps_executed(&self, project_id: &str, span: Span) -> StoreResult<i64> {
                    let sql = format!("SELECT COUNT(*) AS n FROM step_states WHERE {STEPS_IN_SPAN} AND {EXECUTED}");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(project_id)
                        .bind(span.lower())
                        .bind(span.to)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(row.try_get("n")?)
                }

                async fn completed_steps_by_type(
                    &self,
                    project_id: &str,
                    span: Span,
                ) -> StoreResult<Vec<StepTypeCount>> {
                    let sql = format!(
                        "SELECT COALESCE(step_type, 'unknown') AS step_type, COUNT(*) AS n FROM step_states \
                         WHERE {STEPS_IN_SPAN} AND status = 'completed' AND NOT skipped \
                         GROUP BY 1 ORDER BY 1"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(project_id)
                        .bind(span.lower())
                        .bind(span.to)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(StepTypeCount {
                                step_type: row.try_get("step_type")?,
                                completed: row.try_get("n")?,
                            })
                        })
                        .collect()
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
                    let sql = format!(
                        "SELECT ms, rn, n FROM (\
                           SELECT ms, ROW_NUMBER() OVER (ORDER BY ms) AS rn, COUNT(*) OVER () AS n FROM (\
                             SELECT finished_at - started_at AS ms FROM step_states \
                             WHERE {STEPS_IN_SPAN} AND status = 'completed' AND NOT skipped \
                             AND started_at IS NOT NULL AND COALESCE(step_type, 'unknown') = $4 \
                             ORDER BY finished_at DESC LIMIT $5) sample) ranked \
                         WHERE rn IN ({ranks})"
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
                    let row = sqlx::query(
                        "SELECT CAST(COALESCE(-SUM(microcredits), 0) AS BIGINT) AS spent FROM billing_ledger \
                         WHERE project_id = $1 AND run_id IS NOT NULL AND at >= $2 AND at < $3",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(row.try_get("spent")?)
                }

                async fn usage_by_kind(&self, project_id: &str, span: Span) -> StoreResult<Vec<UsageTotal>> {
                    let rows = sqlx::query(
                        "SELECT kind, CAST(SUM(quantity) AS BIGINT) AS total FROM usage_records \
                         WHERE project_id = $1 AND at >= $2 AND at < $3 GROUP BY kind ORDER BY kind",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|row: &$row| {
                            Ok(UsageTotal {
                                kind: row.try_get("kind")?,
                                quantity: row.try_get("total")?,
                            })
                        })
                        .collect()
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
                    let rows = sqlx::query(
                        "SELECT (created_at - $4) / $5 AS bucket, 'started' AS series, COUNT(*) AS n FROM runs \
                         WHERE project_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1 \
                         UNION ALL \
                         SELECT (finished_at - $4) / $5 AS bucket, status AS series, COUNT(*) AS n FROM runs \
                         WHERE project_id = $1 AND status IN ('completed', 'failed', 'stopped') \
                         AND finished_at >= $2 AND finished_at < $3 GROUP BY 1, 2",
                    )
                    .bind(project_id)
                    .bind(span.lower())
                    .bind(span.to)
                    .bind(buckets.origin)
                    .bind(buckets.width)
                    .fetch_all(&self.pool)
                    .await?;
                    buckets_from_rows(&rows)
                }

                async fn usage_buckets(
                    &self,
                    project_id: &str,
                    span: Span,
                    buckets: Buckets,
                ) -> StoreResult<Vec<BucketCount>> {
                    let sql = format!(
                        "SELECT (finished_at - $4) / $5 AS bucket, 'steps_executed' AS series, COUNT(*) AS n \
                         FROM step_states WHERE {STEPS_IN_SPAN} AND {EXECUTED} GROUP BY 1 \
                         UNION ALL \
                         SELECT (at - $4) / $5 AS bucket, kind AS series, CAST(SUM(quantity) AS BIGINT) AS n \
                         FROM usage_records WHERE project_id = $1 AND at >= $2 AND at < $3 \
                         GROUP BY 1, 2 \
                         UNION ALL \
                         SELECT (at - $4) / $5 AS bucket, 'ledger_spent' AS series, CAST(-SUM(microcredits) AS BIGINT) AS n \
                         FROM billing_ledger WHERE project_id = $1 AND run_id IS NOT NULL AND at >= $2 AND at < $3 \
                         GROUP BY 1"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(project_id)
                        .bind(span.lower())
                        .bind(span.to)
                        .bind(buckets.origin)
                        .bind(buckets.width)
                        .fetch_all(&self.pool)
                        .await?;
                    buckets_from_rows(&rows)
                }
            }
        };
    };
}

pub(crate) use impl_analytics_reads;
