//! The SSRF guard on real resolution and real connections.

mod common;

use std::sync::Arc;
use std::time::Duration;

use ar_mcp::{
    CallOptions, ConnectOptions, GuardedResolver, HostAllowlist, McpClientPool, McpError,
    McpTarget, PoolConfig, ProtocolPreference, SsrfError, check_url,
};
use serde_json::json;

#[tokio::test]
async fn loopback_metadata_and_private_dns_names_are_refused() {
    let empty = HostAllowlist::empty();
    let cases = [
        ("http://127.0.0.1:8080/mcp", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://localhost:9000/mcp", "loopback"),
        ("http://[::1]/mcp", "loopback"),
        ("http://10.0.0.5/mcp", "private"),
        ("http://0.0.0.0:80/", "unspecified"),
    ];
    for (url, expected) in cases {
        match check_url(url, &empty).await {
            Err(SsrfError::Refused { reason, .. }) => assert_eq!(reason, expected, "{url}"),
            other => panic!("{url}: expected a refusal, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_allowlist_lets_operators_reach_local_servers() {
    let by_addr = HostAllowlist::parse("127.0.0.1").expect("valid");
    assert_eq!(
        check_url("http://127.0.0.1:8080/mcp", &by_addr).await,
        Ok(())
    );
    assert!(
        check_url("http://169.254.169.254/", &by_addr)
            .await
            .is_err()
    );
    let by_name = HostAllowlist::parse("localhost").expect("valid");
    assert_eq!(
        check_url("http://localhost:8080/mcp", &by_name).await,
        Ok(())
    );
    let by_cidr = HostAllowlist::parse("127.0.0.0/8, ::1").expect("valid");
    assert_eq!(
        check_url("http://localhost:8080/mcp", &by_cidr).await,
        Ok(())
    );
}

#[tokio::test]
async fn the_pool_refuses_a_loopback_server_unless_allowlisted() {
    let server = common::start_everything_http();
    let guarded = McpClientPool::new(PoolConfig::default());
    let error = guarded
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            "echo",
            json!({"message": "x"}),
            &CallOptions::with_timeout(Duration::from_secs(20)),
        )
        .await
        .expect_err("refused");
    assert_eq!(error.code(), "MCP_URL_REFUSED");
    assert!(!error.is_transient());
    assert!(
        error.to_string().contains("AR_MCP_ALLOWED_HOSTS"),
        "{error}"
    );

    let allowed = common::loopback_pool(ProtocolPreference::Auto, Duration::from_secs(60));
    let echo = allowed
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http(&server.url),
            "echo",
            json!({"message": "x"}),
            &CallOptions::with_timeout(Duration::from_secs(20)),
        )
        .await
        .expect("allowlisted 127.0.0.1");
    assert_eq!(echo, json!({"text": "Echo: x"}));
}

#[tokio::test]
async fn connect_time_resolution_is_checked_again() {
    // Simulates DNS rebinding: the up-front check passed (here: skipped), but the
    // name resolves to loopback when the connection is made. The guarded resolver
    // refuses it, so no socket to 127.0.0.1 is opened.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let client = reqwest::Client::builder()
        .dns_resolver(GuardedResolver::new(Arc::new(HostAllowlist::empty())))
        .no_proxy()
        .build()
        .expect("client");
    let error = client
        .get(format!("http://localhost:{port}/"))
        .send()
        .await
        .expect_err("the resolver refuses loopback");
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut refused = false;
    while let Some(cause) = source {
        refused |= matches!(
            cause.downcast_ref::<SsrfError>(),
            Some(SsrfError::Refused { .. })
        );
        source = cause.source();
    }
    assert!(refused, "expected an SSRF refusal in {error:?}");
}

#[tokio::test]
async fn the_pool_refuses_a_dns_name_resolving_to_loopback() {
    let pool = McpClientPool::new(PoolConfig {
        connect: ConnectOptions {
            allowlist: Arc::new(HostAllowlist::empty()),
            ..ConnectOptions::default()
        },
        idle_timeout: Duration::from_secs(60),
        ..PoolConfig::default()
    });
    let error = pool
        .call_tool(
            &ar_mcp::Owner::local(),
            &McpTarget::http("http://localhost:1/mcp"),
            "t",
            json!({}),
            &CallOptions::with_timeout(Duration::from_secs(10)),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(error, McpError::UrlRefused(SsrfError::Refused { .. })),
        "{error:?}"
    );
}
