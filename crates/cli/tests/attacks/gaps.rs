//! Issue 13, last gaps of the tenant boundary: the password-change route is throttled
//! like sign-in, and `/metrics` behind a trusted reverse proxy judges "loopback" by the
//! client the proxy reports, not by the proxy's own loopback address.

use reqwest::Method;
use serde_json::json;

use crate::boundary_support::*;
use crate::serve_support::{ADMIN_EMAIL, ADMIN_PASSWORD};

/// `POST /v1/auth/password` from a (stolen) session.
async fn change_password(session: &Api, current: &str) -> Answer {
    let Credential::Session(cookie) = &session.credential else {
        panic!("a session caller");
    };
    let headers = [("Cookie", cookie.clone()), ("Origin", session.base.clone())];
    let body = json!({"current_password": current, "new_password": "a-brand-new-password-9"});
    send(
        &session.base,
        Method::POST,
        "/v1/auth/password",
        &headers,
        Some(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_session_cannot_guess_the_current_password_at_full_speed() {
    let served = serve(
        Some(CHEAP_HASHING),
        &[
            ("AR_TRUSTED_PROXIES", "127.0.0.1"),
            ("AR_LOGIN_FREE_FAILURES", "5"),
            ("AR_LOGIN_FIRST_DELAY_SECS", "60"),
            ("AR_LOGIN_MAX_DELAY_SECS", "60"),
        ],
    );
    let base = served.base();
    let (stolen, _) = login(base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Five free guesses, then the sixth wrong one closes the account.
    for n in 0..6 {
        let r = change_password(&stolen, &format!("guess-number-{n}")).await;
        assert_eq!(r.status, 403, "guess {n}: {r:?}");
    }
    // Closed: even the right password is not checked (else the answer would be an oracle).
    let r = change_password(&stolen, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 429, "{r:?}");
    let wait = r.retry_after.expect("Retry-After");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("wait before trying again")),
        "{r:?}"
    );
    // The same account count closes sign-in, from any address.
    let elsewhere = [("X-Forwarded-For", "198.51.100.77".to_owned())];
    let body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let r = send(base, Method::POST, "/v1/auth/login", &elsewhere, Some(body)).await;
    assert_eq!(r.status, 429, "sign-in from another address: {r:?}");
    assert!(r.retry_after.is_some_and(|s| s >= 1), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_through_a_trusted_local_proxy_need_the_token() {
    let token = "metrics-token-for-the-attack";
    let served = serve(
        None,
        &[
            ("AR_TRUSTED_PROXIES", "127.0.0.1"),
            ("AR_METRICS_TOKEN", token),
        ],
    );
    let base = served.base();
    // The proxy's host itself scrapes without a token (so the refusals below are about
    // the relayed client, not a closed endpoint).
    let r = send(base, Method::GET, "/metrics", &[], None).await;
    assert_eq!(r.status, 200, "{r:?}");
    // An internet client relayed by the local proxy is not loopback...
    let relayed = ("X-Forwarded-For", "203.0.113.9".to_owned());
    let r = send(
        base,
        Method::GET,
        "/metrics",
        std::slice::from_ref(&relayed),
        None,
    )
    .await;
    assert_eq!(r.status, 401, "{r:?}");
    // ...nor when it writes a loopback address in front of the proxy's entry.
    let forged = ("X-Forwarded-For", "127.0.0.1, 203.0.113.9".to_owned());
    let r = send(base, Method::GET, "/metrics", &[forged], None).await;
    assert_eq!(r.status, 401, "{r:?}");
    // A wrong token is refused; the right one lets it in.
    let wrong = ("Authorization", "Bearer not-the-token".to_owned());
    let r = send(
        base,
        Method::GET,
        "/metrics",
        &[relayed.clone(), wrong],
        None,
    )
    .await;
    assert_eq!(r.status, 401, "{r:?}");
    let right = ("Authorization", format!("Bearer {token}"));
    let r = send(base, Method::GET, "/metrics", &[relayed, right], None).await;
    assert_eq!(r.status, 200, "{r:?}");
}
