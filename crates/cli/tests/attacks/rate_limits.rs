//! Item 3: rate limits that a fake credential cannot lift.
//!
//! The attack (worked on main): buckets were keyed on any `Bearer` or cookie string
//! without checking it, so 300 wrong-password logins, each with a made-up cookie, got no
//! 429 (the same without the cookie did). Now only a verified user gets a bucket of their
//! own; everything else shares its client address's, which is the socket peer unless the
//! peer is a trusted proxy (then the right-most untrusted `X-Forwarded-For` address).
//! Failed sign-ins also back off per account, across addresses; Argon2 work is bounded.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::boundary_support::*;
use crate::serve_support::{ADMIN_EMAIL, ADMIN_PASSWORD};

async fn login_as(base: &str, email: &str, password: &str, headers: &[(&str, String)]) -> Answer {
    send(
        base,
        Method::POST,
        "/v1/auth/login",
        headers,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

fn random() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn forwarded_for(address: &str) -> (&'static str, String) {
    ("X-Forwarded-For", address.to_owned())
}

/// Which made-up credential each attack request carries.
#[derive(Debug, Clone, Copy)]
enum Fake {
    Nothing,
    Cookie,
    Bearer,
}

impl Fake {
    fn headers(self) -> Vec<(&'static str, String)> {
        match self {
            Fake::Nothing => vec![],
            Fake::Cookie => vec![("Cookie", format!("ar_session={}", random()))],
            Fake::Bearer => vec![("Authorization", format!("Bearer pat_{}", random()))],
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_credentials_share_the_address_bucket() {
    let limits = [
        ("AR_RATE_LIMIT_PER_IP", "10"),
        ("AR_RATE_LIMIT_BURST", "10"),
        // The per-account throttle would refuse these guesses too: out of the way here.
        ("AR_LOGIN_FREE_FAILURES", "100000"),
    ];
    for fake in [Fake::Nothing, Fake::Cookie, Fake::Bearer] {
        let served = serve(Some(CHEAP_HASHING), &limits);
        let base = served.base();
        // 300 wrong-password sign-ins, each with a new made-up credential.
        let mut limited = 0;
        for _ in 0..300 {
            let r = login_as(base, ADMIN_EMAIL, "wrong-password", &fake.headers()).await;
            assert!(matches!(r.status, 401 | 429), "{fake:?}: {r:?}");
            if r.status == 429 {
                assert!(r.retry_after.is_some_and(|s| s >= 1), "{r:?}");
                limited += 1;
            }
        }
        // 10 at once and one every 6 s: hardly any more pass while the loop runs.
        assert!(limited >= 250, "{fake:?}: only {limited} of 300 got 429");
        // The same with any other route: a credential that does not verify buys nothing.
        let r = send(base, Method::GET, "/v1/workspaces", &fake.headers(), None).await;
        assert_eq!(r.status, 429, "{fake:?}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_user_keeps_a_bucket_of_their_own() {
    let served = serve(
        Some(CHEAP_HASHING),
        &[("AR_RATE_LIMIT_PER_IP", "1"), ("AR_RATE_LIMIT_BURST", "5")],
    );
    let base = served.base();
    let (owner, _) = login(base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Strangers at the same address use up its bucket...
    for _ in 0..10 {
        send(
            base,
            Method::GET,
            "/v1/workspaces",
            &Fake::Bearer.headers(),
            None,
        )
        .await;
    }
    let r = send(base, Method::GET, "/v1/workspaces", &[], None).await;
    assert_eq!(r.status, 429, "{r:?}");
    // ...and the signed-in owner is not held back by them.
    let r = owner.get("/v1/workspaces").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_gets_no_bucket_of_its_own() {
    // No trusted proxies (the default): the header is the client's own words.
    let served = serve(
        None,
        &[("AR_RATE_LIMIT_PER_IP", "1"), ("AR_RATE_LIMIT_BURST", "5")],
    );
    let base = served.base();
    for _ in 0..5 {
        let r = send(base, Method::GET, "/v1/workspaces", &[], None).await;
        assert_eq!(r.status, 401, "{r:?}");
    }
    for n in 0..20 {
        let forged = forwarded_for(&format!("203.0.113.{n}"));
        let r = send(base, Method::GET, "/v1/workspaces", &[forged], None).await;
        assert_eq!(r.status, 429, "a forged X-Forwarded-For got through: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_forwarded_for_is_honoured() {
    let served = serve(
        None,
        &[
            ("AR_RATE_LIMIT_PER_IP", "1"),
            ("AR_RATE_LIMIT_BURST", "5"),
            ("AR_TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ],
    );
    let base = served.base();
    let client_a = || forwarded_for("203.0.113.10");
    for _ in 0..5 {
        let r = send(base, Method::GET, "/v1/workspaces", &[client_a()], None).await;
        assert_eq!(r.status, 401, "{r:?}");
    }
    let r = send(base, Method::GET, "/v1/workspaces", &[client_a()], None).await;
    assert_eq!(r.status, 429, "client A is over its limit: {r:?}");
    // Another client behind the same proxy has its own bucket.
    let client_b = forwarded_for("203.0.113.11");
    let r = send(base, Method::GET, "/v1/workspaces", &[client_b], None).await;
    assert_eq!(r.status, 401, "client B: {r:?}");
    // Client A cannot escape by writing another address in front of the proxy's.
    let forged = forwarded_for("198.51.100.99, 203.0.113.10");
    let r = send(base, Method::GET, "/v1/workspaces", &[forged], None).await;
    assert_eq!(r.status, 429, "{r:?}");
    // The proxy's own requests (no header) are the proxy's.
    let r = send(base, Method::GET, "/v1/workspaces", &[], None).await;
    assert_eq!(r.status, 401, "{r:?}");
}

/// Five sign-ins to `email`, each from another address (behind the trusted proxy): three
/// free failures, the fourth closes the account, then a wrong and a right password while
/// it is closed. Returns the statuses and the `Retry-After` of the last answer.
async fn guess_from_many_addresses(base: &str, email: &str, right: &str) -> (Vec<u16>, u64) {
    let mut statuses = Vec::new();
    for n in 0..4 {
        let from = [forwarded_for(&format!("198.51.100.{n}"))];
        statuses.push(login_as(base, email, "wrong-password", &from).await.status);
    }
    let from = [forwarded_for("198.51.100.200")];
    let wrong = login_as(base, email, "wrong-password", &from).await;
    statuses.push(wrong.status);
    let from = [forwarded_for("198.51.100.201")];
    let right = login_as(base, email, right, &from).await;
    statuses.push(right.status);
    assert!(
        right.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("too many failed sign-ins")),
        "{right:?}"
    );
    (statuses, right.retry_after.expect("Retry-After"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_back_off_per_account_across_addresses() {
    let served = serve(
        Some(CHEAP_HASHING),
        &[
            ("AR_TRUSTED_PROXIES", "127.0.0.1"),
            ("AR_LOGIN_FREE_FAILURES", "3"),
            ("AR_LOGIN_FIRST_DELAY_SECS", "3"),
            ("AR_LOGIN_MAX_DELAY_SECS", "4"),
        ],
    );
    let base = served.base();
    let (owner_statuses, wait) = guess_from_many_addresses(base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Closed after the fourth failure, to the right password too (else it would be an
    // oracle), whatever address the attempts come from.
    assert_eq!(owner_statuses, vec![401, 401, 401, 401, 429, 429]);
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    // An email without an account answers exactly the same: nothing tells them apart.
    let (ghost_statuses, _) =
        guess_from_many_addresses(base, "nobody@example.test", "any-password-1").await;
    assert_eq!(ghost_statuses, owner_statuses);

    // Open again after the wait; the next failure doubles it, up to the cap.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(300)).await;
    let from = [forwarded_for("198.51.100.50")];
    let r = login_as(base, ADMIN_EMAIL, "wrong-password", &from).await;
    assert_eq!(r.status, 401, "{r:?}");
    let r = login_as(base, ADMIN_EMAIL, "wrong-password", &from).await;
    assert_eq!(r.status, 429, "{r:?}");
    let wait = r.retry_after.expect("Retry-After");
    assert!((3..=4).contains(&wait), "doubled, capped at 4 s: {wait}");

    // The owner is delayed, never locked out: after the wait the right password works
    // and the count starts again.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(300)).await;
    let r = login_as(base, ADMIN_EMAIL, ADMIN_PASSWORD, &from).await;
    assert_eq!(r.status, 200, "{r:?}");
    for _ in 0..3 {
        let r = login_as(base, ADMIN_EMAIL, "wrong-password", &from).await;
        assert_eq!(r.status, 401, "free failures again after a success: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_logins_beyond_the_hashing_queue_is_refused_quickly() {
    // A costly hash, one hashing slot and one waiting place.
    let costly = "[password_hashing]\nmemory_kib = 65536\niterations = 6\nparallelism = 1\n";
    let served = serve(
        Some(costly),
        &[
            ("AR_PASSWORD_HASH_SLOTS", "1"),
            ("AR_PASSWORD_HASH_QUEUE", "1"),
        ],
    );
    let base = served.base().to_owned();
    let started = Instant::now();
    let burst = (0..16).map(|n| {
        let base = base.clone();
        tokio::spawn(async move {
            let sent = Instant::now();
            let email = format!("guess-{n}@example.test");
            let r = login_as(&base, &email, "wrong-password", &[]).await;
            (r, sent.elapsed())
        })
    });
    let answers: Vec<(Answer, Duration)> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(|joined| joined.expect("request task"))
        .collect();
    let total = started.elapsed();
    let refused: Vec<&(Answer, Duration)> =
        answers.iter().filter(|(r, _)| r.status == 503).collect();
    let checked = answers.iter().filter(|(r, _)| r.status == 401).count();
    assert_eq!(
        refused.len() + checked,
        answers.len(),
        "only 401 and 503: {answers:?}"
    );
    // At most two can be admitted at a time; while the first hashes, the rest are refused.
    assert!(refused.len() >= 8, "{} refused: {answers:?}", refused.len());
    assert!(checked >= 1, "some are checked: {answers:?}");
    let slowest_refusal = refused
        .iter()
        .map(|(_, took)| *took)
        .max()
        .unwrap_or_default();
    let slowest_check = answers
        .iter()
        .map(|(_, took)| *took)
        .max()
        .unwrap_or_default();
    for (r, _) in &refused {
        assert_eq!(r.retry_after, Some(1), "{r:?}");
    }
    assert!(
        slowest_refusal < Duration::from_secs(5),
        "refusals come at once, not after the queue: {slowest_refusal:?}"
    );
    eprintln!(
        "burst of 16: {} refused (slowest refusal {slowest_refusal:?}), {checked} checked (slowest answer {slowest_check:?}), all in {total:?}",
        refused.len()
    );
}
