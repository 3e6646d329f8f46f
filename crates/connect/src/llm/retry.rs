//! `Retry-After` parsing and a retry loop that honours it.

use std::time::{Duration, SystemTime};

use rand::Rng as _;
use reqwest::header::HeaderMap;

use super::error::LlmError;

/// Parses a `Retry-After` value: delay-seconds (`"120"`, also `"1.5"`) or an
/// HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the
/// past means "now" (zero). `None` for anything else.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Some(seconds) = parse_non_negative_number(value) {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait a response asks for: `retry-after-ms` (sent by OpenAI, more precise)
/// or else `Retry-After`.
pub fn retry_after_from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(millis) = header("retry-after-ms").and_then(parse_non_negative_number) {
        return Duration::try_from_secs_f64(millis / 1000.0).ok();
    }
    header("retry-after").and_then(|value| parse_retry_after(value, now))
}

/// A plain non-negative decimal (no sign, exponent, `inf` or `NaN`).
fn parse_non_negative_number(text: &str) -> Option<f64> {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().filter(|&c| c == '.').count() <= 1;
    if !plain {
        return None;
    }
    text.parse::<f64>().ok().filter(|number| number.is_finite())
}

/// How often and how long to wait when retrying transient errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = no retry).
    pub max_retries: u32,
    /// Backoff before the first retry when the provider gave no `Retry-After`;
    /// doubled for each further retry, with jitter.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` that is waited for. When a provider asks for more,
    /// the error is returned instead: retrying earlier than asked would only be
    /// refused again, and the caller (or the user) can decide to come back later.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy with `max_retries` and default timings (e.g. from a step's `retry_count`).
    pub fn with_max_retries(max_retries: u32) -> Self {
        Self {
            max_retries,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based) after `error`, or `None` when
    /// the error must be returned: it is permanent, retries are used up, or the
    /// provider's `Retry-After` exceeds [`RetryPolicy::max_retry_after`].
    pub fn delay_before_retry(&self, error: &LlmError, retry: u32) -> Option<Duration> {
        if !error.is_transient() || retry >= self.max_retries {
            return None;
        }
        match error.retry_after() {
            Some(asked) if asked <= self.max_retry_after => Some(asked),
            Some(_) => None,
            None => Some(self.backoff(retry)),
        }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so that
    /// many callers failing together do not retry in lockstep.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rand::rng().random_range(0..=jitter_nanos))
    }
}

/// Runs `attempt` (given the 0-based attempt number) until it succeeds, fails
/// permanently, or [`RetryPolicy::delay_before_retry`] says to stop; sleeps the
/// returned delay between attempts. Dropping the future cancels the wait.
///
/// `attempt` is a closure returning a future (not an async closure) so that the
/// returned future is `Send` whenever the attempts are: async closures lose that
/// through a higher-ranked lifetime, which keeps callers such as the engine's
/// executors (which must be `Send`) from using them.
pub async fn with_retries<T, F>(
    policy: &RetryPolicy,
    mut attempt: impl FnMut(u32) -> F,
) -> Result<T, LlmError>
where
    F: Future<Output = Result<T, LlmError>>,
{
    let mut number = 0;
    loop {
        match attempt(number).await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let Some(delay) = policy.delay_before_retry(&error, number) else {
                    return Err(error);
                };
                tracing::debug!(attempt = number, ?delay, %error, "retrying LLM request");
                tokio::time::sleep(delay).await;
                number += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn retry_after_values_are_parsed() {
        // 1445412480 = Wed, 21 Oct 2015 07:28:00 GMT
        let now = at(1_445_412_480);
        let cases: [(&str, Option<Duration>); 11] = [
            ("0", Some(Duration::ZERO)),
            ("7", Some(Duration::from_secs(7))),
            (" 120 ", Some(Duration::from_secs(120))),
            ("1.5", Some(Duration::from_millis(1500))),
            (
                "Wed, 21 Oct 2015 07:28:30 GMT",
                Some(Duration::from_secs(30)),
            ),
            ("Wed, 21 Oct 2015 07:27:00 GMT", Some(Duration::ZERO)),
            ("-5", None),
            ("soon", None),
            ("", None),
            ("1e3", None),
            ("1.2.3", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), expected, "{value:?}");
        }
    }

    #[test]
    fn retry_after_ms_header_wins_over_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            retry_after_from_headers(&headers, at(0)),
            Some(Duration::from_secs(3))
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(
            retry_after_from_headers(&headers, at(0)),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after_from_headers(&HeaderMap::new(), at(0)), None);
    }

    fn status(code: u16, retry_after: Option<Duration>) -> LlmError {
        LlmError::Status {
            provider: "openai".into(),
            status: code,
            message: "m".into(),
            retry_after,
        }
    }

    #[test]
    fn delay_honours_retry_after_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let cases = [
            (
                status(429, Some(Duration::from_secs(2))),
                0,
                Some(Duration::from_secs(2)),
            ),
            (
                status(503, Some(Duration::from_secs(60))),
                2,
                Some(Duration::from_secs(60)),
            ),
            (status(429, Some(Duration::from_secs(61))), 0, None),
            (status(429, Some(Duration::from_secs(1))), 3, None),
            (status(401, None), 0, None),
            (status(400, Some(Duration::from_secs(1))), 0, None),
        ];
        for (error, retry, expected) in cases {
            assert_eq!(
                policy.delay_before_retry(&error, retry),
                expected,
                "{error:?} #{retry}"
            );
        }
    }

    #[test]
    fn backoff_without_retry_after_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(60),
        };
        let error = status(500, None);
        let bounds = [
            (0, 50, 100),
            (1, 100, 200),
            (2, 200, 400),
            (3, 400, 800),
            (4, 500, 1000),
            (9, 500, 1000),
        ];
        for (retry, low, high) in bounds {
            for _ in 0..50 {
                let delay = policy.delay_before_retry(&error, retry).expect("transient");
                assert!(
                    delay >= Duration::from_millis(low) && delay <= Duration::from_millis(high),
                    "retry {retry}: {delay:?} not in [{low}, {high}] ms"
                );
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn with_retries_waits_retry_after_then_succeeds() {
        let policy = RetryPolicy::default();
        let started = tokio::time::Instant::now();
        let result = with_retries(&policy, |attempt| async move {
            if attempt < 2 {
                Err(status(429, Some(Duration::from_secs(5))))
            } else {
                Ok(attempt)
            }
        })
        .await;
        assert_eq!(result, Ok(2));
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn with_retries_returns_a_permanent_error_at_once() {
        let mut attempts = 0;
        let result: Result<(), _> = with_retries(&RetryPolicy::default(), |_| {
            attempts += 1;
            async { Err(status(401, None)) }
        })
        .await;
        assert_eq!(result, Err(status(401, None)));
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn with_retries_gives_up_after_max_retries() {
        let mut attempts = 0;
        let result: Result<(), _> = with_retries(&RetryPolicy::with_max_retries(2), |_| {
            attempts += 1;
            async { Err(status(503, None)) }
        })
        .await;
        assert!(matches!(result, Err(LlmError::Status { status: 503, .. })));
        assert_eq!(attempts, 3);
    }
}
