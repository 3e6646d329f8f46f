//! Per-credential and per-IP rate limiting (GCRA token buckets from `governor`).
//!
//! A request carrying a bearer token or a session cookie is counted against that
//! credential (keyed by the hash of the secret, so the secret is not kept in memory);
//! anything else against the client's IP address. Over the limit: 429 with `Retry-After`.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::session::session_cookie;
use crate::auth::tokens::hash_secret;
use crate::error::ApiError;
use crate::settings::RateLimits;
use crate::state::AppState;

/// The two keyed limiters.
pub struct RateLimiter {
    per_credential: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

impl RateLimiter {
    pub fn new(limits: &RateLimits) -> RateLimiter {
        RateLimiter {
            per_credential: DefaultKeyedRateLimiter::keyed(quota(
                limits.per_token_per_minute,
                limits.burst,
            )),
            per_ip: DefaultKeyedRateLimiter::keyed(quota(limits.per_ip_per_minute, limits.burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds to wait)` when the key is over its limit.
    fn check(&self, key: &RateKey) -> Result<(), u64> {
        let (limiter, k) = match key {
            RateKey::Credential(k) => (&self.per_credential, k),
            RateKey::Ip(k) => (&self.per_ip, k),
        };
        limiter.check_key(k).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets keys whose buckets are full again (bounded memory under many clients).
    pub fn shrink(&self) {
        self.per_credential.retain_recent();
        self.per_ip.retain_recent();
    }
}

enum RateKey {
    Credential(String),
    Ip(String),
}

fn rate_key(req: &Request) -> RateKey {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer.or_else(|| session_cookie(req.headers())) {
        return RateKey::Credential(hash_secret(token));
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    RateKey::Ip(ip)
}

/// Middleware: refuses requests over the limit with 429 and `Retry-After`.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.limiter().check(&rate_key(&req)) {
        Ok(()) => next.run(req).await,
        Err(retry_after) => {
            let mut e = ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate limit exceeded; retry later",
            );
            e.retry_after = Some(retry_after.max(1));
            e.into_response()
        }
    }
}
