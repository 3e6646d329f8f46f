//! Hourly rollups of the analytics counts (docs/analytics.md "How it stays fast").
//!
//! Every count an analytics answer sums — runs started and ended, run time, executed and
//! completed steps, metered usage, ledger debits — is kept per project and hour in
//! `analytics_hourly` (migration 0020) for the hours that are over. An answer reads the
//! whole hours of its period from there and only the rest from the raw rows: the partial
//! hours at its edges, the hours not rolled up yet, and the rolled-up hours whose rows
//! changed since (`analytics_dirty`). So its cost follows the number of hours, not rows.
//!
//! [`AnalyticsRollups::refresh_analytics_rollups`] keeps them current; the server calls it
//! every minute on every node (concurrent refreshes are safe, each write being a whole
//! recomputation of a project's hours). It closes an hour [`SETTLE_MS`] after it ends,
//! recomputes the last closed hour once more on the next close (a write can commit a
//! little after the time it records), and recomputes the hours that database triggers
//! marked when a write reached an hour already rolled up (a run retried days later).

use async_trait::async_trait;

use crate::error::StoreResult;
use crate::tenant::analytics::{BucketCount, Span};

/// An hour, in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// An hour is rolled up once it ended this long ago: time for the writes it saw to commit.
pub const SETTLE_MS: i64 = 10 * 60_000;
/// Each close recomputes this much before the previous end once more.
pub const RECHECK_MS: i64 = HOUR_MS;
/// Backfills and pending ranges are recomputed a day per transaction, so a long history
/// never holds SQLite's write lock for long.
pub const CHUNK_MS: i64 = 24 * HOUR_MS;
/// Dirty hours recomputed per refresh at most (the rest wait for the next one).
pub const DIRTY_PER_REFRESH: i64 = 1_000;
/// A read that finds more dirty hours than this in its period reads it all raw.
pub const DIRTY_PER_READ: i64 = 200;

/// The start of the hour holding `at`.
pub fn hour_floor(at: i64) -> i64 {
    at - at.rem_euclid(HOUR_MS)
}

/// The first hour start at or after `at`.
pub fn hour_ceil(at: i64) -> i64 {
    let floor = hour_floor(at);
    if floor == at { at } else { floor + HOUR_MS }
}

/// What one refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RollupReport {
    /// Every hour before this is rolled up (apart from dirty ones); `None` before the
    /// first refresh.
    pub rolled_until: Option<i64>,
    /// Project-days recomputed because their hours closed (or a backfill).
    pub chunks: i64,
    /// Dirty project-hours recomputed.
    pub dirty: i64,
}

/// Keeping the hourly rollups current.
#[async_trait]
pub trait AnalyticsRollups: Send + Sync + 'static {
    /// Brings the rollups up to `now`: rolls up the hours that closed (all of the history
    /// on the first call), then recomputes up to [`DIRTY_PER_REFRESH`] dirty hours.
    /// Idempotent, and safe to run on several nodes at once.
    async fn refresh_analytics_rollups(&self, now: i64) -> StoreResult<RollupReport>;
}

/// A group of counts, each read either from the raw rows or from the rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `runs_started`: runs by `created_at`.
    RunsStarted,
    /// `runs_completed`, `runs_failed`, `runs_stopped` and `runs_ms` (their summed
    /// `finished_at - started_at`): terminal runs by `finished_at`.
    RunEnds,
    /// `steps_executed`: top-level steps that completed without a skip or failed.
    StepsExecuted,
    /// `steps_completed:<type>`: completed, not skipped, top-level steps per type.
    StepsCompleted,
    /// `usage:<kind>`: summed metered usage per kind.
    Usage,
    /// `ledger_spent`: microcredits debited to the project's runs.
    Ledger,
}

/// The top-level finished steps of project $1 with $2 <= finished_at < $3: the predicate of
/// the `step_states_analytics` partial index, spelled out so both planners see that the
/// index applies.
pub const STEPS_IN_SPAN: &str = "project_id = $1 AND parent_key IS NULL AND finished_at IS NOT NULL \
     AND finished_at >= $2 AND finished_at < $3";
/// Steps that ran: completed without a skip, or failed.
const EXECUTED: &str = "(status = 'failed' OR (status = 'completed' AND NOT skipped))";
/// Terminal runs of project $1 that finished in [$2, $3).
const RUNS_ENDED: &str = "project_id = $1 AND status IN ('completed', 'failed', 'stopped') \
     AND finished_at >= $2 AND finished_at < $3";

impl Family {
    pub const ALL: [Family; 6] = [
        Family::RunsStarted,
        Family::RunEnds,
        Family::StepsExecuted,
        Family::StepsCompleted,
        Family::Usage,
        Family::Ledger,
    ];

    /// Its name in `analytics_hourly.family`.
    pub fn name(self) -> &'static str {
        match self {
            Family::RunsStarted => "runs_started",
            Family::RunEnds => "run_ends",
            Family::StepsExecuted => "steps_executed",
            Family::StepsCompleted => "steps_completed",
            Family::Usage => "usage",
            Family::Ledger => "ledger",
        }
    }

    /// Its counts from the raw rows of project $1 in [$2, $3), per bucket
    /// `(time - $4) / $5`: rows of `(family, bucket, series, n)`.
    pub fn raw_sql(self) -> String {
        let family = self.name();
        match self {
            Family::RunsStarted => format!(
                "SELECT '{family}' AS family, (created_at - $4) / $5 AS bucket, 'runs_started' AS series, \
                 COUNT(*) AS n FROM runs WHERE project_id = $1 AND created_at >= $2 AND created_at < $3 \
                 GROUP BY 2"
            ),
            // A run stopped before it started has no started_at: it took no time.
            Family::RunEnds => format!(
                "SELECT '{family}' AS family, (finished_at - $4) / $5 AS bucket, 'runs_' || status AS series, \
                 COUNT(*) AS n FROM runs WHERE {RUNS_ENDED} GROUP BY 2, 3 \
                 UNION ALL \
                 SELECT '{family}' AS family, (finished_at - $4) / $5 AS bucket, 'runs_ms' AS series, \
                 CAST(SUM(COALESCE(finished_at - started_at, 0)) AS BIGINT) AS n \
                 FROM runs WHERE {RUNS_ENDED} GROUP BY 2"
            ),
            Family::StepsExecuted => format!(
                "SELECT '{family}' AS family, (finished_at - $4) / $5 AS bucket, 'steps_executed' AS series, \
                 COUNT(*) AS n FROM step_states WHERE {STEPS_IN_SPAN} AND {EXECUTED} GROUP BY 2"
            ),
            Family::StepsCompleted => format!(
                "SELECT '{family}' AS family, (finished_at - $4) / $5 AS bucket, \
                 'steps_completed:' || COALESCE(step_type, 'unknown') AS series, COUNT(*) AS n \
                 FROM step_states WHERE {STEPS_IN_SPAN} AND status = 'completed' AND NOT skipped \
                 GROUP BY 2, 3"
            ),
            Family::Usage => format!(
                "SELECT '{family}' AS family, (at - $4) / $5 AS bucket, 'usage:' || kind AS series, \
                 CAST(SUM(quantity) AS BIGINT) AS n \
                 FROM usage_records WHERE project_id = $1 AND at >= $2 AND at < $3 GROUP BY 2, 3"
            ),
            Family::Ledger => format!(
                "SELECT '{family}' AS family, (at - $4) / $5 AS bucket, 'ledger_spent' AS series, \
                 CAST(-SUM(microcredits) AS BIGINT) AS n \
                 FROM billing_ledger WHERE project_id = $1 AND run_id IS NOT NULL \
                 AND at >= $2 AND at < $3 GROUP BY 2"
            ),
        }
    }
}

/// The raw counts of `families` as one statement (binds: project, from, to, origin, width):
/// rows of `(family, bucket, series, n)`.
pub fn raw_sql(families: &[Family]) -> String {
    families
        .iter()
        .map(|f| f.raw_sql())
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// The rolled-up counts of `families` over the whole hours [$2, $3) of project $1 that are
/// not in `excluded`, per bucket `(hour - $4) / $5`.
pub fn rolled_sql(families: &[Family], excluded: &[i64]) -> String {
    // The family names are ours, never user text.
    let names = families
        .iter()
        .map(|f| format!("'{}'", f.name()))
        .collect::<Vec<_>>()
        .join(", ");
    // The excluded hours are integers of ours, never user text.
    let excluded = if excluded.is_empty() {
        String::new()
    } else {
        let hours = excluded
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        format!(" AND hour NOT IN ({hours})")
    };
    format!(
        "SELECT (hour - $4) / $5 AS bucket, series, CAST(SUM(n) AS BIGINT) AS n FROM analytics_hourly \
         WHERE project_id = $1 AND family IN ({names}) AND hour >= $2 AND hour < $3{excluded} \
         GROUP BY 1, 2"
    )
}

/// Recomputes every family of project $1 over the whole hours [$2, $3) into
/// `analytics_hourly` (after the caller deleted the range). `ON CONFLICT`: another node
/// recomputing the same hours at once writes the same numbers.
pub fn recompute_sql() -> String {
    format!(
        "INSERT INTO analytics_hourly (project_id, family, hour, series, n) \
         SELECT $1, family, bucket * {HOUR_MS}, series, n FROM ({raw}) counted WHERE n <> 0 \
         ON CONFLICT (project_id, family, hour, series) DO UPDATE SET n = excluded.n",
        raw = raw_sql(&Family::ALL)
    )
}

/// Where each part of a period is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPlan {
    /// Whole hours read from the rollups: `[from, to)`, minus `excluded`.
    pub rolled: Option<(i64, i64)>,
    /// Dirty hours inside `rolled`, read raw instead.
    pub excluded: Vec<i64>,
    /// Spans read from the raw rows.
    pub raw: Vec<Span>,
}

impl ReadPlan {
    /// The plan for `span` when every hour before `rolled_to` is rolled up (`None`: none
    /// is) except the `dirty` hours.
    pub fn new(span: Span, rolled_to: Option<i64>, dirty: &[i64]) -> ReadPlan {
        let all_raw = ReadPlan {
            rolled: None,
            excluded: Vec::new(),
            raw: vec![span],
        };
        let Some(rolled_to) = rolled_to else {
            return all_raw;
        };
        let lo = span.from.map_or(i64::MIN, hour_ceil);
        let hi = hour_floor(span.to).min(hour_floor(rolled_to));
        if lo >= hi {
            return all_raw;
        }
        let mut raw = Vec::new();
        if let Some(from) = span.from.filter(|from| *from < lo) {
            raw.push(Span {
                from: Some(from),
                to: lo,
            });
        }
        let mut excluded: Vec<i64> = dirty
            .iter()
            .copied()
            .filter(|h| *h >= lo && *h < hi)
            .collect();
        excluded.sort_unstable();
        excluded.dedup();
        raw.extend(excluded.iter().map(|h| Span {
            from: Some(*h),
            to: h + HOUR_MS,
        }));
        if hi < span.to {
            raw.push(Span {
                from: Some(hi),
                to: span.to,
            });
        }
        ReadPlan {
            rolled: Some((lo, hi)),
            excluded,
            raw,
        }
    }
}

/// Sums counts that name the same bucket and series, sorted by bucket and series; sums of
/// zero are left out (the rollups do not store them either).
pub fn merge(rows: Vec<BucketCount>) -> Vec<BucketCount> {
    let mut sums: std::collections::BTreeMap<(i64, String), i64> = Default::default();
    for row in rows {
        *sums.entry((row.bucket, row.series)).or_default() += row.count;
    }
    sums.into_iter()
        .filter(|(_, count)| *count != 0)
        .map(|((bucket, series), count)| BucketCount {
            bucket,
            series,
            count,
        })
        .collect()
}

/// Implements [`AnalyticsRollups`] for `$store` (a struct with a `pool` field), and its
/// `counts` reader, which [`super::analytics`]'s answers are built on. `$begin` opens a
/// write transaction (`BEGIN IMMEDIATE` on SQLite).
macro_rules! impl_analytics_rollups {
    ($store:ty, $row:ty, $begin:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Row;

            use $crate::error::StoreResult;
            use $crate::tenant::rollups::{
                AnalyticsRollups, CHUNK_MS, DIRTY_PER_READ, DIRTY_PER_REFRESH, Family, HOUR_MS,
                RECHECK_MS, ReadPlan, RollupReport, SETTLE_MS, hour_floor, merge, raw_sql,
                recompute_sql, rolled_sql,
            };
            use $crate::tenant::{BucketCount, Buckets, Span};

            fn bucket_rows(rows: &[$row]) -> StoreResult<Vec<BucketCount>> {
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

            impl $store {
                /// `(rolled_until, pending_from)`, once a refresh has run.
                async fn rollup_state(&self) -> StoreResult<Option<(i64, Option<i64>)>> {
                    let row = sqlx::query(
                        "SELECT rolled_until, pending_from FROM analytics_rollup_state WHERE id = 1",
                    )
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((r.try_get("rolled_until")?, r.try_get("pending_from")?)))
                        .transpose()
                }

                /// The counts of `families` for the project in `span`, per bucket: whole
                /// rolled-up hours from the rollups, the rest from the raw rows.
                pub(crate) async fn counts(
                    &self,
                    project_id: &str,
                    span: Span,
                    buckets: Buckets,
                    families: &[Family],
                ) -> StoreResult<Vec<BucketCount>> {
                    // Hours from `pending_from` on are being recomputed: not yet usable.
                    let rolled_to = self
                        .rollup_state()
                        .await?
                        .map(|(until, pending)| pending.map_or(until, |p| p.min(until)));
                    let mut plan = ReadPlan::new(span, rolled_to, &[]);
                    if let Some((lo, hi)) = plan.rolled {
                        let dirty = sqlx::query(
                            "SELECT hour FROM analytics_dirty WHERE project_id = $1 \
                             AND hour >= $2 AND hour < $3 ORDER BY hour LIMIT $4",
                        )
                        .bind(project_id)
                        .bind(lo)
                        .bind(hi)
                        .bind(DIRTY_PER_READ + 1)
                        .fetch_all(&self.pool)
                        .await?
                        .iter()
                        .map(|r: &$row| r.try_get::<i64, _>("hour"))
                        .collect::<Result<Vec<_>, _>>()?;
                        plan = if dirty.len() as i64 > DIRTY_PER_READ {
                            ReadPlan::new(span, None, &[])
                        } else {
                            ReadPlan::new(span, rolled_to, &dirty)
                        };
                    }
                    let mut rows = Vec::new();
                    if let Some((lo, hi)) = plan.rolled {
                        let sql = rolled_sql(families, &plan.excluded);
                        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(project_id)
                            .bind(lo)
                            .bind(hi)
                            .bind(buckets.origin)
                            .bind(buckets.width)
                            .fetch_all(&self.pool)
                            .await?;
                        rows.extend(bucket_rows(&found)?);
                    }
                    let sql = raw_sql(families);
                    for part in &plan.raw {
                        let found = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                            .bind(project_id)
                            .bind(part.lower())
                            .bind(part.to)
                            .bind(buckets.origin)
                            .bind(buckets.width)
                            .fetch_all(&self.pool)
                            .await?;
                        rows.extend(bucket_rows(&found)?);
                    }
                    Ok(merge(rows))
                }

                /// Recomputes the project's whole hours [from, to) in one transaction,
                /// dropping their dirty marks first (on Postgres that waits for a writer
                /// still holding a mark, so the recomputation then sees its write).
                async fn recompute_hours(&self, project_id: &str, from: i64, to: i64) -> StoreResult<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query("DELETE FROM analytics_dirty WHERE project_id = $1 AND hour >= $2 AND hour < $3")
                        .bind(project_id)
                        .bind(from)
                        .bind(to)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM analytics_hourly WHERE project_id = $1 AND hour >= $2 AND hour < $3")
                        .bind(project_id)
                        .bind(from)
                        .bind(to)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sqlx::AssertSqlSafe(recompute_sql()))
                        .bind(project_id)
                        .bind(from)
                        .bind(to)
                        .bind(0i64)
                        .bind(HOUR_MS)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                /// Recomputes [from, to) of every project with runs, a day at a time,
                /// each project from its first run on.
                async fn recompute_range(&self, from: i64, to: i64) -> StoreResult<i64> {
                    let projects = sqlx::query(
                        "SELECT p.id AS id, (SELECT MIN(created_at) FROM runs r WHERE r.project_id = p.id) AS first \
                         FROM projects p ORDER BY p.id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let mut chunks = 0;
                    for row in &projects {
                        let id: String = row.try_get("id")?;
                        let Some(first) = row.try_get::<Option<i64>, _>("first")? else {
                            continue;
                        };
                        let mut at = from.max(hour_floor(first));
                        while at < to {
                            let end = (at + CHUNK_MS).min(to);
                            self.recompute_hours(&id, at, end).await?;
                            chunks += 1;
                            at = end;
                        }
                    }
                    Ok(chunks)
                }
            }

            #[async_trait]
            impl AnalyticsRollups for $store {
                async fn refresh_analytics_rollups(&self, now: i64) -> StoreResult<RollupReport> {
                    let target = hour_floor(now - SETTLE_MS);
                    // Claim the hours that closed: move `rolled_until` first and mark them
                    // pending, so writes landing in them from now on are marked dirty,
                    // and a refresh that dies half-way leaves them pending for the next.
                    match self.rollup_state().await? {
                        None => {
                            let first = sqlx::query("SELECT MIN(created_at) AS first FROM runs")
                                .fetch_one(&self.pool)
                                .await?
                                .try_get::<Option<i64>, _>("first")?;
                            sqlx::query(
                                "INSERT INTO analytics_rollup_state (id, rolled_until, pending_from) \
                                 VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
                            )
                            .bind(target)
                            .bind(first.map(|f| hour_floor(f).min(target)))
                            .execute(&self.pool)
                            .await?;
                        }
                        Some((until, pending)) if until < target => {
                            let recheck = until - RECHECK_MS;
                            sqlx::query(
                                "UPDATE analytics_rollup_state SET rolled_until = $1, pending_from = $2 \
                                 WHERE id = 1 AND rolled_until = $3",
                            )
                            .bind(target)
                            .bind(pending.map_or(recheck, |p| p.min(recheck)))
                            .bind(until)
                            .execute(&self.pool)
                            .await?;
                        }
                        Some(_) => {}
                    }
                    let mut report = RollupReport::default();
                    let Some((until, pending)) = self.rollup_state().await? else {
                        return Ok(report);
                    };
                    report.rolled_until = Some(until);
                    if let Some(pending) = pending {
                        report.chunks = self.recompute_range(pending, until).await?;
                        // Only if no later refresh claimed more hours meanwhile.
                        sqlx::query(
                            "UPDATE analytics_rollup_state SET pending_from = NULL \
                             WHERE id = 1 AND pending_from = $1 AND rolled_until = $2",
                        )
                        .bind(pending)
                        .bind(until)
                        .execute(&self.pool)
                        .await?;
                    }
                    let dirty = sqlx::query(
                        "SELECT project_id, hour FROM analytics_dirty WHERE hour < $1 \
                         ORDER BY hour, project_id LIMIT $2",
                    )
                    .bind(until)
                    .bind(DIRTY_PER_REFRESH)
                    .fetch_all(&self.pool)
                    .await?;
                    for row in &dirty {
                        let project: String = row.try_get("project_id")?;
                        let hour: i64 = row.try_get("hour")?;
                        self.recompute_hours(&project, hour, hour + HOUR_MS).await?;
                        report.dirty += 1;
                    }
                    Ok(report)
                }
            }
        };
    };
}

pub(crate) use impl_analytics_rollups;

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = HOUR_MS;

    fn span(from: Option<i64>, to: i64) -> Span {
        Span { from, to }
    }

    #[test]
    fn hours_round_down_and_up() {
        assert_eq!(hour_floor(5 * H + 1), 5 * H);
        assert_eq!(hour_floor(5 * H), 5 * H);
        assert_eq!(hour_ceil(5 * H + 1), 6 * H);
        assert_eq!(hour_ceil(5 * H), 5 * H);
    }

    #[test]
    fn without_rollups_everything_is_raw() {
        let s = span(Some(H + 5), 9 * H);
        let plan = ReadPlan::new(s, None, &[]);
        assert_eq!(plan.rolled, None);
        assert_eq!(plan.raw, vec![s]);
    }

    #[test]
    fn whole_rolled_hours_come_from_the_rollups_and_the_edges_from_the_rows() {
        // Rolled up to 7H; the period 1H+5 .. 9H+30.
        let plan = ReadPlan::new(span(Some(H + 5), 9 * H + 30), Some(7 * H), &[]);
        assert_eq!(plan.rolled, Some((2 * H, 7 * H)));
        assert_eq!(
            plan.raw,
            vec![span(Some(H + 5), 2 * H), span(Some(7 * H), 9 * H + 30)]
        );
    }

    #[test]
    fn dirty_hours_inside_the_rolled_range_are_read_raw() {
        let plan = ReadPlan::new(
            span(None, 10 * H),
            Some(8 * H),
            &[3 * H, 3 * H, 9 * H, 5 * H],
        );
        assert_eq!(plan.rolled, Some((i64::MIN, 8 * H)));
        // 9H is past the rolled range: the tail reads it anyway.
        assert_eq!(plan.excluded, vec![3 * H, 5 * H]);
        assert_eq!(
            plan.raw,
            vec![
                span(Some(3 * H), 4 * H),
                span(Some(5 * H), 6 * H),
                span(Some(8 * H), 10 * H)
            ]
        );
    }

    #[test]
    fn a_period_inside_one_hour_is_raw() {
        let s = span(Some(3 * H + 1), 3 * H + 50);
        assert_eq!(ReadPlan::new(s, Some(8 * H), &[]).raw, vec![s]);
        // Ending exactly on the rolled boundary, starting on an hour.
        let plan = ReadPlan::new(span(Some(3 * H), 8 * H), Some(8 * H), &[]);
        assert_eq!(plan.rolled, Some((3 * H, 8 * H)));
        assert!(plan.raw.is_empty());
    }

    #[test]
    fn counts_of_one_bucket_and_series_are_summed() {
        let c = |bucket, series: &str, count| BucketCount {
            bucket,
            series: series.into(),
            count,
        };
        let merged = merge(vec![
            c(1, "a", 2),
            c(0, "a", 1),
            c(1, "a", 3),
            c(1, "b", 4),
            c(2, "a", 0),
        ]);
        assert_eq!(merged, vec![c(0, "a", 1), c(1, "a", 5), c(1, "b", 4)]);
    }
}
