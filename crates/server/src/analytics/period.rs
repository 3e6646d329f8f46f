//! The period an analytics request asks about (docs/contract.md §14): `window=week|month|all`
//! or RFC 3339 `from`/`to` (read as UTC), and for time series the `granularity`
//! (`hour|day|week`) and the buckets it cuts the period into. Every malformed or
//! contradictory value is a 400 saying which parameter is wrong.

use ar_store::tenant::{Buckets, Span};
use serde::Deserialize;

use crate::analytics::answers::PeriodEcho;
use crate::error::{ApiError, ApiResult};
use crate::views::Time;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const WEEK_MS: i64 = 7 * DAY_MS;
/// `window=month` is the last 30 days.
const MONTH_MS: i64 = 30 * DAY_MS;
/// Weeks start on Monday 00:00 UTC; the first Monday after the Unix epoch (a Thursday).
const FIRST_MONDAY_MS: i64 = 4 * DAY_MS;

/// The most points one time series answers; a longer one is refused (400) rather than
/// built, so a request cannot make the server fill millions of empty buckets.
pub const MAX_POINTS: i64 = 2_000;

/// The query string every analytics route takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// `week`, `month` or `all`.
    #[serde(default)]
    pub window: Option<String>,
    /// RFC 3339, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// `hour`, `day` or `week` (time series only).
    #[serde(default)]
    pub granularity: Option<String>,
}

/// A resolved period: `[from, to)`, and the window it was named by, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub window: Option<&'static str>,
    pub span: Span,
}

impl Period {
    /// `window`, `from` and `to` as answered with every result (`from: null` = no lower
    /// bound).
    pub fn echo(&self) -> PeriodEcho {
        PeriodEcho {
            window: self.window,
            from: Time::opt(self.span.from),
            to: Time(self.span.to),
        }
    }
}

fn time(name: &str, text: &str) -> ApiResult<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            ApiError::bad_request(format!(
                "`{name}` is not an RFC 3339 time (like 2026-01-31T00:00:00Z): {e}"
            ))
        })
}

impl AnalyticsQuery {
    /// The period asked for at `now`; `window=month` when nothing is given.
    pub fn period(&self, now: i64) -> ApiResult<Period> {
        if let Some(window) = &self.window {
            if self.from.is_some() || self.to.is_some() {
                return Err(ApiError::bad_request(
                    "give either `window` or `from`/`to`, not both",
                ));
            }
            let (name, from) = match window.as_str() {
                "week" => ("week", Some(now - WEEK_MS)),
                "month" => ("month", Some(now - MONTH_MS)),
                "all" => ("all", None),
                _ => {
                    return Err(ApiError::bad_request(
                        "`window` must be `week`, `month` or `all`",
                    ));
                }
            };
            return Ok(Period {
                window: Some(name),
                span: Span { from, to: now },
            });
        }
        if self.from.is_none() && self.to.is_none() {
            return Ok(Period {
                window: Some("month"),
                span: Span {
                    from: Some(now - MONTH_MS),
                    to: now,
                },
            });
        }
        let from = self.from.as_deref().map(|t| time("from", t)).transpose()?;
        let to = match &self.to {
            Some(t) => time("to", t)?,
            None => now,
        };
        if from.is_some_and(|from| from >= to) {
            return Err(ApiError::bad_request("`from` must be before `to`"));
        }
        Ok(Period {
            window: None,
            span: Span { from, to },
        })
    }

    /// For the routes that answer one number: `granularity` means nothing there.
    pub fn no_granularity(&self) -> ApiResult<()> {
        match self.granularity {
            Some(_) => Err(ApiError::bad_request(
                "`granularity` applies only to the time series routes",
            )),
            None => Ok(()),
        }
    }

    /// The time series' granularity; `day` when not given.
    pub fn granularity(&self) -> ApiResult<Granularity> {
        match self.granularity.as_deref() {
            None | Some("day") => Ok(Granularity::Day),
            Some("hour") => Ok(Granularity::Hour),
            Some("week") => Ok(Granularity::Week),
            Some(_) => Err(ApiError::bad_request(
                "`granularity` must be `hour`, `day` or `week`",
            )),
        }
    }
}

/// How wide a time series' buckets are. Hours and days start on the hour and at 00:00
/// UTC, weeks on Monday 00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Hour,
    Day,
    Week,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
        }
    }

    fn buckets(self) -> Buckets {
        let (origin, width) = match self {
            Granularity::Hour => (0, HOUR_MS),
            Granularity::Day => (0, DAY_MS),
            Granularity::Week => (FIRST_MONDAY_MS, WEEK_MS),
        };
        Buckets { origin, width }
    }
}

/// The buckets of one time series: `count` of them, the first numbered `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub buckets: Buckets,
    pub first: i64,
    pub count: i64,
}

impl Series {
    /// The buckets from the one holding `from` to the one holding the last millisecond
    /// before `to`; refused when more than [`MAX_POINTS`].
    pub fn new(granularity: Granularity, from: i64, to: i64) -> ApiResult<Series> {
        let buckets = granularity.buckets();
        let index = |at: i64| (at - buckets.origin).div_euclid(buckets.width);
        let first = index(from);
        let count = if to > from {
            index(to - 1) - first + 1
        } else {
            0
        };
        if count > MAX_POINTS {
            return Err(ApiError::bad_request(format!(
                "this period has {count} {} points, more than the {MAX_POINTS} a time series \
                 answers: choose a shorter period or a coarser granularity",
                granularity.as_str()
            )));
        }
        Ok(Series {
            buckets,
            first,
            count,
        })
    }

    /// The start of bucket `index`.
    pub fn start(&self, index: i64) -> i64 {
        self.buckets.origin + index * self.buckets.width
    }

    /// Every bucket number in order.
    pub fn indexes(&self) -> std::ops::Range<i64> {
        self.first..self.first + self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000; // 2026-05-28T20:26:40Z

    fn q(pairs: &[(&str, &str)]) -> AnalyticsQuery {
        let mut q = AnalyticsQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "window" => q.window = v,
                "from" => q.from = v,
                "to" => q.to = v,
                "granularity" => q.granularity = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn windows_reach_back_from_now() {
        let p = q(&[("window", "week")]).period(NOW).unwrap();
        assert_eq!(
            p.span,
            Span {
                from: Some(NOW - WEEK_MS),
                to: NOW
            }
        );
        let p = q(&[("window", "all")]).period(NOW).unwrap();
        assert_eq!(
            p.span,
            Span {
                from: None,
                to: NOW
            }
        );
        assert_eq!(q(&[]).period(NOW).unwrap().window, Some("month"));
    }

    #[test]
    fn from_and_to_are_read_as_utc() {
        let p = q(&[
            ("from", "2026-01-01T01:00:00+01:00"),
            ("to", "2026-01-02T00:00:00Z"),
        ])
        .period(NOW)
        .unwrap();
        assert_eq!(p.window, None);
        assert_eq!(p.span.from, Some(1_767_225_600_000));
        assert_eq!(p.span.to, 1_767_312_000_000);
        let echo = serde_json::to_value(p.echo()).unwrap();
        assert_eq!(echo["from"], "2026-01-01T00:00:00.000Z");
    }

    #[test]
    fn bad_periods_are_refused() {
        for bad in [
            q(&[("window", "year")]),
            q(&[("window", "week"), ("from", "2026-01-01T00:00:00Z")]),
            q(&[("from", "yesterday")]),
            q(&[
                ("from", "2026-01-02T00:00:00Z"),
                ("to", "2026-01-01T00:00:00Z"),
            ]),
            q(&[
                ("from", "2026-01-01T00:00:00Z"),
                ("to", "2026-01-01T00:00:00Z"),
            ]),
        ] {
            assert!(bad.period(NOW).is_err(), "{bad:?}");
        }
        assert!(q(&[("granularity", "minute")]).granularity().is_err());
        assert!(q(&[("granularity", "day")]).no_granularity().is_err());
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-01-07 is a Wednesday; its week starts on Monday 2026-01-05.
        let wed = 1_767_744_000_000;
        let s = Series::new(Granularity::Week, wed, wed + 1).unwrap();
        assert_eq!(s.count, 1);
        assert_eq!(s.start(s.first), 1_767_571_200_000);
    }

    #[test]
    fn a_series_covers_the_partial_buckets_at_both_ends() {
        let from = 10 * DAY_MS + 5 * HOUR_MS;
        let s = Series::new(Granularity::Day, from, from + 2 * DAY_MS).unwrap();
        assert_eq!(s.count, 3);
        assert_eq!(s.start(s.first), 10 * DAY_MS);
        // a `to` on a bucket boundary does not open the next bucket
        let s = Series::new(Granularity::Day, 10 * DAY_MS, 12 * DAY_MS).unwrap();
        assert_eq!(s.count, 2);
    }

    #[test]
    fn too_many_points_are_refused() {
        assert!(Series::new(Granularity::Hour, 0, MAX_POINTS * HOUR_MS).is_ok());
        assert!(Series::new(Granularity::Hour, 0, MAX_POINTS * HOUR_MS + 1).is_err());
    }
}
