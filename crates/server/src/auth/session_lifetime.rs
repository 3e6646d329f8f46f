//! How long a session lasts: an idle timeout that activity slides forward, within an
//! absolute lifetime counted from sign-in (issue 13 item 8, docs/security.md "Defaults").
//!
//! A session's stored `expires_at` is the moment it ends unless used again: the earlier of
//! its last use plus the idle timeout and its sign-in plus `session_ttl_hours`. A use moves
//! it forward, but the store is written only when that gains at least
//! [`extension_step_ms`], so a busy session costs one write a minute, not one per request.

use ar_store::tenant::SessionRecord;

use crate::settings::Settings;

/// The store is written at most this often per session (ms) to extend it.
const EXTENSION_STEP_MS: i64 = 60_000;

/// A session's idle timeout and absolute lifetime, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle_ms: i64,
    pub ttl_ms: i64,
}

/// What a request does to the session it presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionUse {
    /// Idle too long, or past its lifetime: refuse and delete it.
    Ended,
    /// Valid; the stored expiry is recent enough.
    Keep,
    /// Valid; store this new expiry.
    Extend(i64),
}

impl SessionLifetime {
    pub fn of(settings: &Settings) -> SessionLifetime {
        SessionLifetime {
            idle_ms: i64::from(settings.session_idle_seconds) * 1000,
            ttl_ms: i64::from(settings.session_ttl_hours) * 3_600_000,
        }
    }

    /// The expiry of a session signed in at `now`.
    pub fn first_expiry(&self, now: i64) -> i64 {
        now + self.idle_ms.min(self.ttl_ms)
    }

    /// Decides a use of `session` at `now`.
    pub fn on_use(&self, session: &SessionRecord, now: i64) -> SessionUse {
        if session.expires_at <= now {
            return SessionUse::Ended;
        }
        let deadline = (now + self.idle_ms).min(session.created_at + self.ttl_ms);
        if deadline <= now {
            return SessionUse::Ended;
        }
        // Shrinking (a session from before the idle timeout, or a shortened setting) is
        // written at once; growing only in steps.
        if deadline < session.expires_at
            || deadline - session.expires_at >= self.extension_step_ms()
        {
            SessionUse::Extend(deadline)
        } else {
            SessionUse::Keep
        }
    }

    /// The smallest extension worth a write: a minute, or a quarter of a shorter idle
    /// timeout (so a session in use never lapses between two writes).
    pub fn extension_step_ms(&self) -> i64 {
        EXTENSION_STEP_MS.min(self.idle_ms / 4).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;

    fn session(created_at: i64, expires_at: i64) -> SessionRecord {
        SessionRecord {
            id: "s".into(),
            user_id: "u".into(),
            token_hash: "h".into(),
            csrf_token: "c".into(),
            expires_at,
            created_at,
        }
    }

    const EIGHT_HOURS: SessionLifetime = SessionLifetime {
        idle_ms: 8 * HOUR,
        ttl_ms: 14 * 24 * HOUR,
    };

    #[test]
    fn a_new_session_ends_after_the_idle_timeout_unless_used() {
        let l = EIGHT_HOURS;
        let s = session(0, l.first_expiry(0));
        assert_eq!(s.expires_at, 8 * HOUR);
        assert_eq!(l.on_use(&s, 8 * HOUR), SessionUse::Ended);
        assert_eq!(l.on_use(&s, 9 * HOUR), SessionUse::Ended);
    }

    #[test]
    fn use_extends_it_but_writes_at_most_once_a_minute() {
        let l = EIGHT_HOURS;
        let s = session(0, l.first_expiry(0));
        assert_eq!(
            l.on_use(&s, 30_000),
            SessionUse::Keep,
            "30 s later: no write"
        );
        assert_eq!(l.on_use(&s, MIN), SessionUse::Extend(8 * HOUR + MIN));
        let s = session(0, 8 * HOUR + MIN);
        assert_eq!(
            l.on_use(&s, 8 * HOUR),
            SessionUse::Extend(16 * HOUR),
            "still valid at the first expiry, thanks to the use"
        );
    }

    #[test]
    fn the_absolute_lifetime_still_ends_a_busy_session() {
        let l = EIGHT_HOURS;
        let end = 14 * 24 * HOUR;
        let s = session(0, end - MIN);
        assert_eq!(l.on_use(&s, end - 2 * MIN), SessionUse::Extend(end));
        let s = session(0, end);
        assert_eq!(l.on_use(&s, end - MIN), SessionUse::Keep);
        assert_eq!(l.on_use(&s, end), SessionUse::Ended);
    }

    #[test]
    fn an_older_longer_expiry_is_cut_to_the_idle_timeout_at_once() {
        let l = EIGHT_HOURS;
        let s = session(0, 14 * 24 * HOUR);
        assert_eq!(l.on_use(&s, HOUR), SessionUse::Extend(9 * HOUR));
    }

    #[test]
    fn a_short_idle_timeout_extends_in_quarter_steps() {
        let l = SessionLifetime {
            idle_ms: 4_000,
            ttl_ms: HOUR,
        };
        assert_eq!(l.extension_step_ms(), 1_000);
        let s = session(0, l.first_expiry(0));
        assert_eq!(l.on_use(&s, 500), SessionUse::Keep);
        assert_eq!(l.on_use(&s, 1_000), SessionUse::Extend(5_000));
        assert_eq!(l.on_use(&s, 4_000), SessionUse::Ended);
    }
}
