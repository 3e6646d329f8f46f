//! Issue 14, item 1 (hosted bodies): `POST /v1/mcp/servers` now also takes the hosted
//! `canonical_url`. The attack: name the platform's own network with the new field, or
//! give both fields and hope the guard checks one while registration uses the other. Each
//! is refused before anything connects, and nothing is registered.

use serde_json::json;

use crate::boundary_support::*;

/// Addresses of the platform's own network, in the hosted field.
const REFUSED: &[&str] = &[
    "http://127.0.0.1:9/mcp",
    "http://169.254.169.254/mcp",
    "http://10.0.0.1/mcp",
    "http://[64:ff9b::7f00:1]:9/mcp",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosted_canonical_url_passes_the_same_ssrf_guard() {
    let served = serve(None, &[]);
    let eve = stranger(served.base(), "eve").await;
    for url in REFUSED {
        let r = eve
            .post(
                "/v1/mcp/servers",
                json!({"name": "internal", "canonical_url": url, "mode": "third_party",
                       "description": "probe", "auth_mode": "none"}),
            )
            .await;
        assert_eq!(r.status, 422, "{url}: {:?}", r.body);
        assert_eq!(r.body["code"], "MCP_URL_REFUSED", "{url}: {:?}", r.body);
    }
    // Two different URLs are refused outright: the guard and registration must not
    // disagree on which one counts.
    for (canonical, plain) in [
        ("http://169.254.169.254/mcp", "https://93.184.216.34/mcp"),
        ("https://93.184.216.34/mcp", "http://169.254.169.254/mcp"),
    ] {
        let r = eve
            .post(
                "/v1/mcp/servers",
                json!({"canonical_url": canonical, "url": plain}),
            )
            .await;
        assert_eq!(r.status, 400, "{canonical} / {plain}: {:?}", r.body);
    }
    let r = eve.get("/v1/mcp/servers").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["servers"],
        json!([]),
        "a refused server was registered"
    );
}
