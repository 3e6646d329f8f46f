//! Item 10: SSRF guard gaps.
//!
//! The attack (worked on main): the guard judged IPv6 addresses by their IPv6 class only,
//! so a server URL of `http://[64:ff9b::7f00:1]:PORT/` (NAT64 of 127.0.0.1), its 6to4 or
//! IPv4-compatible twins, or an address of 198.18.0.0/15, 240.0.0.0/4 or 192.0.0.0/24
//! passed the check and the server connected to it: on a network with NAT64 or 6to4
//! that reaches the platform's own loopback or private network. Now each is refused before
//! anything connects (422 `MCP_URL_REFUSED`, naming the embedded address). The OAuth
//! client refuses the same, and reads the operator's allowlist from the settings file like
//! the MCP client (on main it read only `AR_MCP_ALLOWED_HOSTS`), and ignores proxy
//! variables of the server's environment (on main `HTTP_PROXY` carried its token
//! exchanges, out of the guard's reach).

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::boundary_support::*;

/// Addresses that lead to the platform's own network, with what the refusal names.
const REFUSED: &[(&str, &str)] = &[
    (
        "http://[64:ff9b::7f00:1]:9/mcp",
        "NAT64 address of 127.0.0.1",
    ),
    (
        "http://[64:ff9b::a9fe:a9fe]/mcp",
        "NAT64 address of 169.254.169.254",
    ),
    ("http://[64:ff9b:1::a00:1]/mcp", "local-use NAT64"),
    (
        "http://[::7f00:1]:9/mcp",
        "IPv4-compatible address of 127.0.0.1",
    ),
    (
        "http://[::ffff:0:a00:1]/mcp",
        "IPv4-translated address of 10.0.0.1",
    ),
    ("http://[2002:7f00:1::1]:9/mcp", "6to4 address of 127.0.0.1"),
    (
        "http://[2001:0:a00:1::808:808]/mcp",
        "Teredo server address of 10.0.0.1",
    ),
    ("http://198.18.0.1/mcp", "benchmarking"),
    ("http://240.0.0.1/mcp", "reserved"),
    ("http://192.0.0.170/mcp", "IETF protocol assignment"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_and_special_purpose_addresses_are_refused() {
    let served = serve(None, &[]);
    let eve = stranger(served.base(), "eve").await;
    for (url, named) in REFUSED {
        for path in ["/v1/mcp/servers", "/v1/mcp/servers/discover"] {
            let r = eve.post(path, json!({"url": url})).await;
            assert_eq!(r.status, 422, "{path} {url}: {:?}", r.body);
            assert_eq!(
                r.body["code"], "MCP_URL_REFUSED",
                "{path} {url}: {:?}",
                r.body
            );
            let error = r.body["error"].as_str().unwrap_or_default();
            assert!(error.contains(named), "{path} {url}: {error}");
        }
        // The OAuth client's endpoints pass the same guard.
        let r = eve
            .post(
                "/v1/connections/oauth/start",
                json!({"display_name": "x", "provider": "x", "client_id": "x",
                       "authorization_url": "https://93.184.216.34/authorize",
                       "token_url": url}),
            )
            .await;
        assert_eq!(r.status, 400, "oauth {url}: {:?}", r.body);
        let error = r.body["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("token_url") && error.contains(named),
            "oauth {url}: {error}"
        );
    }
    let r = eve.get("/v1/mcp/servers").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        !r.body.to_string().contains("ff9b"),
        "a refused server was registered: {}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_client_reads_the_operators_allowlist_from_the_settings() {
    // The operator allows a token endpoint on loopback in the settings file.
    let served = serve(Some("mcp_allowed_hosts = \"127.0.0.1\"\n"), &[]);
    let eve = stranger(served.base(), "eve").await;
    let start = |token_url: &str| {
        json!({"display_name": "x", "provider": "x", "client_id": "x",
               "authorization_url": "https://93.184.216.34/authorize",
               "token_url": token_url})
    };
    let r = eve
        .post(
            "/v1/connections/oauth/start",
            start("http://127.0.0.1:9/token"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["authorize_url"].is_string(), "{:?}", r.body);
    // What the operator did not allow stays refused.
    let r = eve
        .post(
            "/v1/connections/oauth/start",
            start("http://127.0.0.2:9/token"),
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
}

/// A stand-in proxy: records the first bytes of every connection it gets, answers 502.
async fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 4096];
            let read = socket.read(&mut buffer).await.unwrap_or(0);
            if let Ok(mut all) = log.lock() {
                all.push(String::from_utf8_lossy(&buffer[..read]).into_owned());
            }
            let _ = socket
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    (format!("http://{addr}"), received)
}

/// The OAuth client's token requests never go through a proxy of the server's
/// environment: a proxy resolves and connects to the host itself, out of the guard's
/// reach (on main, `HTTP_PROXY` took every token exchange).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_client_ignores_proxy_variables() {
    let (proxy, seen) = recording_proxy().await;
    let served = serve(
        None,
        &[
            ("HTTP_PROXY", &proxy),
            ("http_proxy", &proxy),
            ("HTTPS_PROXY", &proxy),
            ("https_proxy", &proxy),
            ("ALL_PROXY", &proxy),
            ("all_proxy", &proxy),
        ],
    );
    let eve = stranger(served.base(), "eve").await;
    // A public token endpoint (an IP literal: no DNS needed to pass the guard).
    let r = eve
        .post(
            "/v1/connections/oauth/start",
            json!({"display_name": "x", "provider": "x", "client_id": "x",
                   "authorization_url": "https://93.184.216.34/authorize",
                   "token_url": "http://93.184.216.34/token"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let state = r.body["state"].as_str().expect("state").to_owned();
    // The provider's redirect back: the server exchanges the code at the token endpoint.
    let r = eve
        .without_project()
        .get(&format!(
            "/v1/connections/oauth/callback?code=c0de&state={state}"
        ))
        .await;
    assert_ne!(r.status, 201, "{:?}", r.body);
    let seen = seen.lock().expect("proxy log").clone();
    assert!(
        seen.is_empty(),
        "the token request went through the proxy: {seen:?}"
    );
}
