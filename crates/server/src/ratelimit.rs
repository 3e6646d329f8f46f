//! Request rate limiting (GCRA token buckets from `governor`), keyed on who is calling
//! (issue 13 item 3):
//!
//! - a request whose bearer token or session cookie authenticates counts against its
//!   user: all of a user's sessions and tokens share one bucket;
//! - every other request — no credential, or one that does not authenticate — counts
//!   against its client address ([`crate::client_addr`]: the peer, or the address a
//!   trusted proxy reports; IPv6 by /64), so made-up credentials buy no bucket of their own;
//! - sign-in and sign-up always count against the address: a session of the attacker's
//!   own must not give their password guesses a bigger bucket.
//!
//! The credential is verified here, once: the handler's `Principal` reuses the outcome.
//! Over the limit: 429 with `Retry-After`.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::principal::{presents_credential, verify};
use crate::client_addr::{TrustedProxies, bucket_key};
use crate::error::ApiError;
use crate::settings::RateLimits;
use crate::state::AppState;

/// Routes counted against the client address even with a valid credential: the ones
/// that check passwords.
const ADDRESS_ONLY_PATHS: [&str; 2] = ["/v1/auth/login", "/v1/auth/signup"];

/// The two keyed limiters and how client addresses are found.
pub struct RateLimiter {
    per_user: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
    proxies: TrustedProxies,
    clock: DefaultClock,
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

impl RateLimiter {
    pub fn new(limits: &RateLimits, proxies: TrustedProxies) -> RateLimiter {
        RateLimiter {
            per_user: DefaultKeyedRateLimiter::keyed(quota(
                limits.per_token_per_minute,
                limits.burst,
            )),
            per_address: DefaultKeyedRateLimiter::keyed(quota(
                limits.per_ip_per_minute,
                limits.burst,
            )),
            proxies,
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds to wait)` when the key is over its limit.
    fn check(&self, key: &RateKey) -> Result<(), u64> {
        let (limiter, k) = match key {
            RateKey::User(k) => (&self.per_user, k),
            RateKey::Address(k) => (&self.per_address, k),
        };
        limiter.check_key(k).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// The bucket of the request's client address.
    fn address_key(&self, parts: &Parts) -> RateKey {
        let key = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| bucket_key(self.proxies.client_ip(peer.ip(), &parts.headers)))
            // Served without connection info (embedding): one shared bucket.
            .unwrap_or_default();
        RateKey::Address(key)
    }

    /// Forgets keys whose buckets are full again (bounded memory under many clients).
    pub fn shrink(&self) {
        self.per_user.retain_recent();
        self.per_address.retain_recent();
    }
}

enum RateKey {
    /// A verified user's id.
    User(String),
    /// A client address (see [`bucket_key`]).
    Address(String),
}

async fn rate_key(state: &AppState, parts: &mut Parts) -> RateKey {
    let address_only = ADDRESS_ONLY_PATHS.contains(&parts.uri.path());
    if !address_only
        && presents_credential(parts)
        && let Ok(principal) = verify(parts, state).await
    {
        return RateKey::User(principal.user.id);
    }
    state.limiter().address_key(parts)
}

/// Middleware: refuses requests over the limit with 429 and `Retry-After`.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let key = rate_key(&state, &mut parts).await;
    match state.limiter().check(&key) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
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
