//! `GET /metrics`: who may scrape, then the Prometheus text.
//!
//! A scrape is allowed from a loopback client, or from anywhere with
//! `Authorization: Bearer <metrics.token>`. The client is the one the rate limiter sees
//! ([`crate::client_addr`]): when the peer is a trusted proxy, the address it reports in
//! `X-Forwarded-For` — a reverse proxy on the same host is a loopback peer, but the
//! internet clients it relays are not loopback. A loopback peer that is not a trusted
//! proxy and still carries a `Forwarded` / `X-Forwarded-For` header is relaying someone
//! else's request (a proxy the operator did not list), so it is not loopback either; nor
//! is a `Forwarded` header ever taken as local, since only `X-Forwarded-For` is read.
//! Nothing in the output is secret, but it describes the deployment's load, so it is not
//! public by default.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::client_addr::TrustedProxies;
use crate::error::ApiError;
use crate::state::AppState;

/// The route of the Prometheus scrape.
pub const PATH: &str = "/metrics";

/// Prometheus text exposition format 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`
pub async fn scrape(State(state): State<AppState>, request: Request) -> Response {
    let settings = &state.settings().metrics;
    if !settings.enabled {
        return ApiError::not_found("route").into_response();
    }
    // Absent only when the router is served without connection info (embedding).
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    let client = Client {
        peer,
        proxies: state.trusted_proxies(),
    };
    if let Err(refusal) = allowed(client, request.headers(), settings.token.as_deref()) {
        return refusal.into_response();
    }
    let scrape = state.metrics();
    scrape.queue.refresh().await;
    super::mcp_pool::refresh(&scrape.mcp_pool);
    scrape.handle.run_upkeep();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        scrape.handle.render(),
    )
        .into_response()
}

/// Where a request comes from: the socket peer and the proxies allowed to speak for others.
#[derive(Clone, Copy)]
struct Client<'a> {
    peer: Option<SocketAddr>,
    proxies: &'a TrustedProxies,
}

impl Client<'_> {
    /// Whether the request was sent from this host (see the module doc).
    fn is_loopback(&self, headers: &HeaderMap) -> bool {
        let Some(peer) = self.peer else {
            return false;
        };
        if headers.contains_key(header::FORWARDED) {
            return false;
        }
        if self.proxies.trusts(peer.ip()) {
            return self.proxies.client_ip(peer.ip(), headers).is_loopback();
        }
        peer.ip().to_canonical().is_loopback() && !headers.contains_key("x-forwarded-for")
    }
}

/// The access rule (see the module doc).
fn allowed(client: Client<'_>, headers: &HeaderMap, token: Option<&str>) -> Result<(), ApiError> {
    if client.is_loopback(headers) {
        return Ok(());
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (token, presented) {
        (Some(expected), Some(given))
            if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) =>
        {
            Ok(())
        }
        (Some(_), Some(_)) => Err(ApiError::unauthorized("the metrics token is not valid")),
        (Some(_), None) => Err(ApiError::unauthorized(
            "metrics need `Authorization: Bearer <metrics token>`",
        )),
        (None, _) => Err(ApiError::forbidden(
            "metrics are served to loopback clients only; set metrics.token (AR_METRICS_TOKEN) to scrape from elsewhere",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NO_PROXIES: std::sync::LazyLock<TrustedProxies> =
        std::sync::LazyLock::new(TrustedProxies::default);
    static LOCAL_PROXY: std::sync::LazyLock<TrustedProxies> = std::sync::LazyLock::new(|| {
        TrustedProxies::parse(&["127.0.0.1".to_string()]).expect("proxies")
    });

    fn addr(s: &str) -> Client<'static> {
        Client {
            peer: Some(s.parse().expect("addr")),
            proxies: &NO_PROXIES,
        }
    }

    fn via_local_proxy(s: &str) -> Client<'static> {
        Client {
            peer: Some(s.parse().expect("addr")),
            proxies: &LOCAL_PROXY,
        }
    }

    fn with(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    #[test]
    fn loopback_peers_scrape_without_a_token() {
        assert!(allowed(addr("127.0.0.1:5000"), &HeaderMap::new(), None).is_ok());
        assert!(allowed(addr("[::1]:5000"), &HeaderMap::new(), Some("t")).is_ok());
    }

    #[test]
    fn a_proxy_on_the_same_host_does_not_make_remote_clients_local() {
        for header in [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ] {
            let err = allowed(addr("127.0.0.1:5000"), &with(&[header]), None).expect_err("relayed");
            assert_eq!(err.status, StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn behind_a_trusted_proxy_the_reported_client_decides() {
        let from_internet = with(&[("x-forwarded-for", "203.0.113.9")]);
        let err = allowed(via_local_proxy("127.0.0.1:5000"), &from_internet, None)
            .expect_err("an internet client relayed by a local proxy");
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        // A forged loopback entry left of the proxy's own does not help.
        let forged = with(&[("x-forwarded-for", "127.0.0.1, 203.0.113.9")]);
        assert!(allowed(via_local_proxy("127.0.0.1:5000"), &forged, None).is_err());
        // Neither does a `Forwarded` header, which is not read.
        let forwarded = with(&[("forwarded", "for=127.0.0.1")]);
        assert!(allowed(via_local_proxy("127.0.0.1:5000"), &forwarded, None).is_err());
        // A scraper on the proxy's host, relayed by it, is local.
        let local = with(&[("x-forwarded-for", "127.0.0.1")]);
        assert!(allowed(via_local_proxy("127.0.0.1:5000"), &local, None).is_ok());
        assert!(allowed(via_local_proxy("127.0.0.1:5000"), &HeaderMap::new(), None).is_ok());
        // With the token, the internet client is accepted.
        let with_token = with(&[
            ("authorization", "Bearer s3cret"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert!(
            allowed(
                via_local_proxy("127.0.0.1:5000"),
                &with_token,
                Some("s3cret")
            )
            .is_ok()
        );
    }

    #[test]
    fn remote_peers_need_the_token_and_a_wrong_one_is_refused() {
        let remote = addr("198.51.100.7:4000");
        let none = allowed(remote, &HeaderMap::new(), None).expect_err("no token configured");
        assert_eq!(none.status, StatusCode::FORBIDDEN);
        let missing = allowed(remote, &HeaderMap::new(), Some("s3cret")).expect_err("missing");
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        let wrong = allowed(
            remote,
            &with(&[("authorization", "Bearer nope")]),
            Some("s3cret"),
        )
        .expect_err("wrong");
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(
            !format!("{wrong:?}").contains("s3cret"),
            "the error never shows the token"
        );
        assert!(
            allowed(
                remote,
                &with(&[("authorization", "Bearer s3cret")]),
                Some("s3cret")
            )
            .is_ok()
        );
        // Relayed through a proxy with the token: allowed.
        let relayed = with(&[
            ("authorization", "Bearer s3cret"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert!(allowed(addr("127.0.0.1:1"), &relayed, Some("s3cret")).is_ok());
    }
}
