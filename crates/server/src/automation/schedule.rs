//! Cron schedules read in an IANA time zone (docs/contract.md §10). Parsing is `croner` (standard
//! five-field expressions, `@daily`-style aliases, `L`/`W`/`#`), zones are `chrono-tz`.
//! Times are computed in the zone's wall clock, so `0 9 * * *` in `Europe/Berlin` is 09:00
//! local time in winter and in summer; a time skipped by a DST jump runs at the first
//! instant after the gap, and a time repeated by a DST fall-back runs once.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    zone: Tz,
}

/// Longest accepted expression (well above any real one; bounds parser work).
const MAX_CRON_LEN: usize = 256;

impl Schedule {
    /// Parses `cron` in `timezone`; the error says which field is wrong and why.
    pub fn parse(cron: &str, timezone: &str) -> Result<Schedule, String> {
        let expression = cron.trim();
        if expression.is_empty() || expression.len() > MAX_CRON_LEN {
            return Err(format!(
                "`cron` must be a cron expression of 1 to {MAX_CRON_LEN} characters, e.g. `0 9 * * 1-5`"
            ));
        }
        let cron = Cron::from_str(expression).map_err(|e| {
            format!("`cron` {expression:?} is not a valid cron expression ({e}); use five fields: minute hour day-of-month month day-of-week, e.g. `0 9 * * 1-5`")
        })?;
        let zone = Tz::from_str(timezone.trim()).map_err(|_| {
            format!("`timezone` {timezone:?} is not an IANA time zone name, e.g. `UTC` or `Europe/Berlin`")
        })?;
        let schedule = Schedule { cron, zone };
        // An expression that never matches (`0 0 30 2 *`) is refused now rather than
        // leaving a trigger that silently never fires.
        if schedule.next_after(Utc::now().timestamp_millis()).is_none() {
            return Err(format!("`cron` {expression:?} never matches a future time"));
        }
        Ok(schedule)
    }

    /// The first scheduled instant strictly after `after_ms` (unix ms), if any.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let after = DateTime::<Utc>::from_timestamp_millis(after_ms)?.with_timezone(&self.zone);
        self.cron
            .find_next_occurrence(&after, false)
            .ok()
            .map(|t| t.timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("time")
            .timestamp_millis()
    }

    fn show(ms: Option<i64>) -> String {
        ms.and_then(DateTime::<Utc>::from_timestamp_millis)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default()
    }

    #[test]
    fn next_fire_is_read_in_the_zone_across_dst() {
        let s = Schedule::parse("0 9 * * *", "Europe/Berlin").expect("valid");
        // Winter: CET is UTC+1.
        assert_eq!(
            show(s.next_after(at("2026-01-10T12:00:00Z"))),
            "2026-01-11T08:00:00+00:00"
        );
        // Summer: CEST is UTC+2 (DST began 2026-03-29).
        assert_eq!(
            show(s.next_after(at("2026-03-28T12:00:00Z"))),
            "2026-03-29T07:00:00+00:00"
        );
    }

    #[test]
    fn a_time_skipped_by_spring_forward_runs_once_after_the_gap() {
        // 02:30 does not exist in Berlin on 2026-03-29 (02:00 jumps to 03:00 CEST).
        let s = Schedule::parse("30 2 * * *", "Europe/Berlin").expect("valid");
        let first = s.next_after(at("2026-03-28T12:00:00Z"));
        assert_eq!(show(first), "2026-03-29T01:00:00+00:00", "03:00 CEST");
        assert_eq!(
            show(s.next_after(first.expect("first"))),
            "2026-03-30T00:30:00+00:00",
            "then back to 02:30 CEST"
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_runs_once() {
        // 02:30 happens twice in Berlin on 2026-10-25.
        let s = Schedule::parse("30 2 * * *", "Europe/Berlin").expect("valid");
        let first = s.next_after(at("2026-10-24T12:00:00Z")).expect("first");
        assert_eq!(show(Some(first)), "2026-10-25T00:30:00+00:00");
        assert_eq!(
            show(s.next_after(first)),
            "2026-10-26T01:30:00+00:00",
            "not again an hour later"
        );
    }

    #[test]
    fn bad_expressions_and_zones_are_refused_with_a_reason() {
        for (cron, tz, needle) in [
            ("", "UTC", "`cron`"),
            ("61 * * * *", "UTC", "not a valid cron expression"),
            ("every day", "UTC", "not a valid cron expression"),
            ("0 9 * * *", "Mars/Olympus", "not an IANA time zone"),
            ("0 9 * * *", "", "not an IANA time zone"),
            ("0 0 30 2 *", "UTC", "never matches"),
        ] {
            let err = Schedule::parse(cron, tz).expect_err(cron);
            assert!(err.contains(needle), "{cron} {tz}: {err}");
        }
        assert!(Schedule::parse("@hourly", "UTC").is_ok());
        assert!(Schedule::parse("*/15 8-18 * * MON-FRI", "America/New_York").is_ok());
    }
}
