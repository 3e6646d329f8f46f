//! Sign-in throttling per account (issue 13 item 3).
//!
//! Address-keyed rate limits do not stop a guesser who spreads their attempts over many
//! addresses, so failures are also counted per email, whatever address they come from.
//! After `free_failures` of them, each failure closes sign-in to that email for twice as
//! long as the one before, up to `max_delay_secs`; while closed every attempt is answered
//! 429 with `Retry-After` without checking the password (so it costs no Argon2 work and
//! tells nothing). Past the free failures only one attempt at a time is checked, so
//! concurrent guesses cannot all slip in before the first failure closes the account. A
//! success resets the count.
//!
//! The same happens for emails without an account, so the throttle does not tell which
//! exist. The cap bounds what an attacker can do to an owner: delay their sign-in by at
//! most `max_delay_secs`, never lock them out. Counts live in this node's memory (a
//! bounded table, keyed by the email's SHA-256); with several nodes each counts its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::settings::LoginThrottleSettings;

/// Accounts tracked at most; past it the one whose last failure is oldest is forgotten.
const MAX_TRACKED: usize = 100_000;
/// A count is forgotten this long after the account's last failure.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

type AccountKey = [u8; 32];

/// Failed sign-ins per account on this node.
pub struct LoginThrottle {
    settings: LoginThrottleSettings,
    accounts: Mutex<HashMap<AccountKey, Record>>,
}

#[derive(Debug)]
struct Record {
    failures: u32,
    /// Sign-in is closed until then.
    closed_until: Option<Instant>,
    last_failure: Option<Instant>,
    /// Attempts being checked right now.
    in_flight: u32,
}

/// Why an attempt may not be checked now: the seconds to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    pub retry_after_secs: u64,
}

/// One sign-in attempt being checked. Say how it ended with [`Attempt::failed`] or
/// [`Attempt::succeeded`]; dropped without either (an error before the password was
/// checked), it counts as nothing.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    key: AccountKey,
}

fn key_of(email: &str) -> AccountKey {
    Sha256::digest(email.as_bytes()).into()
}

fn ceil_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl LoginThrottle {
    pub fn new(settings: LoginThrottleSettings) -> LoginThrottle {
        LoginThrottle {
            settings,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<AccountKey, Record>> {
        // A panic while holding the lock leaves counts that are still usable.
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts an attempt to sign in as `email` (normalized), or says how long to wait.
    pub fn begin(&self, email: &str) -> Result<Attempt<'_>, Closed> {
        let key = key_of(email);
        let now = Instant::now();
        let mut accounts = self.accounts();
        if !accounts.contains_key(&key) && accounts.len() >= MAX_TRACKED {
            forget_oldest(&mut accounts, now);
        }
        let record = accounts.entry(key).or_insert(Record {
            failures: 0,
            closed_until: None,
            last_failure: None,
            in_flight: 0,
        });
        if let Some(until) = record.closed_until
            && until > now
        {
            return Err(Closed {
                retry_after_secs: ceil_secs(until - now),
            });
        }
        if record.failures >= self.settings.free_failures && record.in_flight > 0 {
            return Err(Closed {
                retry_after_secs: 1,
            });
        }
        record.in_flight += 1;
        Ok(Attempt {
            throttle: self,
            key,
        })
    }

    /// How long sign-in closes after the `failures`-th failure in a row.
    fn delay_after(&self, failures: u32) -> Option<Duration> {
        let past_free = failures.checked_sub(self.settings.free_failures)?;
        if past_free == 0 {
            return None;
        }
        let doublings = (past_free - 1).min(63);
        let secs = self
            .settings
            .first_delay_secs
            .saturating_mul(1u64 << doublings)
            .min(self.settings.max_delay_secs);
        Some(Duration::from_secs(secs))
    }

    /// Forgets counts that are stale (called now and then, like the rate limiter's).
    pub fn shrink(&self) {
        let now = Instant::now();
        self.accounts().retain(|_, r| !is_stale(r, now));
    }
}

fn is_stale(record: &Record, now: Instant) -> bool {
    record.in_flight == 0
        && record.closed_until.is_none_or(|until| until <= now)
        && record
            .last_failure
            .is_none_or(|at| now.duration_since(at) >= FORGET_AFTER)
}

/// Makes room: the stale records, else the one whose last failure is oldest.
fn forget_oldest(accounts: &mut HashMap<AccountKey, Record>, now: Instant) {
    accounts.retain(|_, r| !is_stale(r, now));
    if accounts.len() < MAX_TRACKED {
        return;
    }
    let oldest = accounts
        .iter()
        .filter(|(_, r)| r.in_flight == 0)
        .min_by_key(|(_, r)| r.last_failure)
        .map(|(k, _)| *k);
    if let Some(key) = oldest {
        accounts.remove(&key);
    }
}

impl Attempt<'_> {
    /// The password was wrong (or the account does not exist).
    pub fn failed(self) {
        let now = Instant::now();
        let mut accounts = self.throttle.accounts();
        if let Some(record) = accounts.get_mut(&self.key) {
            record.failures = record.failures.saturating_add(1);
            record.last_failure = Some(now);
            if let Some(delay) = self.throttle.delay_after(record.failures) {
                record.closed_until = Some(now + delay);
            }
        }
    }

    /// The password was right: the count starts again.
    pub fn succeeded(self) {
        let mut accounts = self.throttle.accounts();
        if let Some(record) = accounts.get_mut(&self.key) {
            record.failures = 0;
            record.closed_until = None;
            record.last_failure = None;
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut accounts = self.throttle.accounts();
        if let Some(record) = accounts.get_mut(&self.key) {
            record.in_flight = record.in_flight.saturating_sub(1);
            if record.in_flight == 0 && record.failures == 0 {
                accounts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(free: u32, first: u64, max: u64) -> LoginThrottle {
        LoginThrottle::new(LoginThrottleSettings {
            free_failures: free,
            first_delay_secs: first,
            max_delay_secs: max,
        })
    }

    #[test]
    fn delays_double_after_the_free_failures_up_to_the_cap() {
        let t = throttle(5, 1, 900);
        let delays: Vec<Option<u64>> = (1..=17)
            .map(|n| t.delay_after(n).map(|d| d.as_secs()))
            .collect();
        let mut want = vec![None; 5];
        want.extend(
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
                .into_iter()
                .map(Some),
        );
        assert_eq!(delays, want);
        assert_eq!(t.delay_after(u32::MAX), Some(Duration::from_secs(900)));
    }

    #[test]
    fn failures_close_the_account_and_a_success_reopens_it() {
        let t = throttle(2, 60, 900);
        for _ in 0..2 {
            t.begin("a@x.test").expect("free attempt").failed();
        }
        // The third failure closes sign-in for a minute.
        t.begin("a@x.test").expect("third attempt").failed();
        let closed = t.begin("a@x.test").err().expect("closed");
        assert!((59..=60).contains(&closed.retry_after_secs), "{closed:?}");
        // Another account is not affected.
        t.begin("b@x.test").expect("other account").failed();
        // Once open again, a success resets the count.
        t.accounts()
            .get_mut(&key_of("a@x.test"))
            .expect("record")
            .closed_until = None;
        t.begin("a@x.test").expect("open again").succeeded();
        for _ in 0..2 {
            t.begin("a@x.test").expect("free again").failed();
        }
        assert!(t.begin("a@x.test").is_ok());
    }

    #[test]
    fn past_the_free_failures_one_attempt_at_a_time() {
        let t = throttle(1, 1, 900);
        let first = t.begin("a@x.test").expect("first");
        // Within the free failures, attempts run side by side.
        let second = t.begin("a@x.test").expect("second, concurrent");
        first.failed();
        drop(second); // ended before its password was checked: counts nothing
        t.accounts()
            .get_mut(&key_of("a@x.test"))
            .expect("record")
            .closed_until = None;
        let checking = t.begin("a@x.test").expect("one at a time");
        assert_eq!(
            t.begin("a@x.test").err(),
            Some(Closed {
                retry_after_secs: 1
            })
        );
        drop(checking);
        assert!(t.begin("a@x.test").is_ok());
    }

    #[test]
    fn attempts_that_end_well_leave_nothing_behind() {
        let t = throttle(5, 1, 900);
        t.begin("a@x.test").expect("attempt").succeeded();
        drop(t.begin("b@x.test").expect("attempt"));
        assert!(t.accounts().is_empty());
        t.begin("c@x.test").expect("attempt").failed();
        assert_eq!(t.accounts().len(), 1);
        t.shrink();
        assert_eq!(t.accounts().len(), 1, "a recent failure is kept");
    }
}
