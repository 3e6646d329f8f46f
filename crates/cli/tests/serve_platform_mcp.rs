//! The Platform MCP of the real `agentruntime serve` (docs/platform-mcp.md): `/mcp` is on by
//! default, `AR_PLATFORM_MCP_*` choose its groups, rmcp's client (the official SDK) speaks
//! to it in both protocol generations, and SIGTERM ends the server promptly even with an
//! MCP session and its event stream open.

mod serve_support;

use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransport, StreamableHttpClientTransportConfig,
};
use serve_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_offers_the_platform_mcp_and_stops_with_a_session_open() {
    let dir = tempfile::tempdir().expect("dir");
    let mut env = base_env();
    env.push(("AR_PLATFORM_MCP_DISABLED_GROUPS".into(), "vault".into()));
    let server = spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir.path().display().to_string(),
        ],
        &env,
    )
    .expect("serve starts");
    let (pat, project) = owner_pat(&server.base).await;
    let url = format!("{}/mcp", server.base);
    let info = || {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("serve-test", "1"),
        )
    };
    let stateless = info()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_config(
                StreamableHttpClientTransportConfig::with_uri(url.clone()).auth_header(pat.clone()),
            ),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("2026-07-28");
    let names: Vec<String> = stateless
        .peer()
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.iter().any(|n| n == "workflows_execute_command"));
    assert!(!names.iter().any(|n| n.starts_with("vault_")), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "pat_create"),
        "risk is off by default"
    );
    let summary = stateless
        .peer()
        .call_tool(CallToolRequestParams::new("ar_health_summary"))
        .await
        .expect("call");
    assert_ne!(summary.is_error, Some(true), "{summary:?}");
    let summary = summary.structured_content.expect("structured");
    assert_eq!(summary["project"]["id"], project.as_str(), "{summary}");
    assert_eq!(summary["user"]["email"], ADMIN_EMAIL);
    let _ = stateless.cancel().await;

    // A session client of the 2025-06-18 generation, left open.
    let session = info()
        .with_protocol_version(ProtocolVersion::V_2025_06_18)
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_config(
                StreamableHttpClientTransportConfig::with_uri(url).auth_header(pat),
            ),
            ClientLifecycleMode::Initialize,
        )
        .await
        .expect("2025-06-18");
    let listed = session
        .peer()
        .call_tool(CallToolRequestParams::new("workflows_list"))
        .await
        .expect("call");
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    let asked = Instant::now();
    let exited = server.terminate();
    assert_eq!(exited.status.code(), Some(0), "{exited:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "shutdown waited {:?} on the open MCP session",
        asked.elapsed()
    );
    drop(session);
}
