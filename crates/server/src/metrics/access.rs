//! `GET /metrics`: who may scrape, then the Prometheus text.
//!
//! A scrape is allowed from a loopback peer that is not relaying someone else's request
//! (no `Forwarded` / `X-Forwarded-For` header: a reverse proxy on the same host is a
//! loopback peer too), or from anywhere with `Authorization: Bearer <metrics.token>`.
//! Nothing in the output is secret, but it describes the deployment's load, so it is not
//! public by default.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

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
    if let Err(refusal) = allowed(peer, request.headers(), settings.token.as_deref()) {
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

/// The access rule (see the module doc).
fn allowed(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<(), ApiError> {
    let relayed =
        headers.contains_key(header::FORWARDED) || headers.contains_key("x-forwarded-for");
    if peer.is_some_and(|p| p.ip().is_loopback()) && !relayed {
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

    fn addr(s: &str) -> Option<SocketAddr> {
        Some(s.parse().expect("addr"))
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
