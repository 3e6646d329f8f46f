//! Which MCP server a `mcp_call` step talks to, with which credentials.
//!
//! The executor asks a [`McpTargetResolver`]. The server will plug in one that reads
//! the project's instances, their active profile and its connections (docs/contract.md §11);
//! [`UrlResolver`] is the resolver for deployments without that registry (the CLI,
//! the first server release): `server_url` is used as written, except when it names a
//! server of the operator's catalog, which may be a local stdio command and may
//! carry credentials the operator configured.

use std::collections::HashMap;

use ar_engine::{StepCall, StepFailure};
use ar_mcp::{McpTarget, Owner};
use async_trait::async_trait;

/// Failure code of a step whose server cannot be determined.
pub const MCP_SERVER_UNRESOLVED: &str = "MCP_SERVER_UNRESOLVED";

/// The server a step names (its resolved `server_url` and `instance_id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpServerRef {
    pub server_url: Option<String>,
    pub instance_id: Option<String>,
}

/// A step's server as the pool connects to it: the target with its credentials, and
/// whose connection it is (the pool never shares one between owners).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTarget {
    pub owner: Owner,
    pub target: McpTarget,
}

/// Turns a step's server reference into a connectable target with its credentials.
///
/// `call` identifies the run (`run_id`), the step and the attempt: a resolver that
/// needs the project or workspace looks the run up by its id. Credentials go into the
/// returned target only (headers for HTTP, environment for stdio); a resolver must not
/// put them into its errors. The owner is the run's workspace wherever there is one.
#[async_trait]
pub trait McpTargetResolver: Send + Sync + 'static {
    async fn resolve(
        &self,
        call: &StepCall,
        server: &McpServerRef,
    ) -> Result<ResolvedTarget, StepFailure>;
}

/// `server_url` as the target, or the operator catalog's entry of that name; the
/// connections are the local owner's (this resolver knows no workspaces).
///
/// The SSRF guard is not repeated here: the pool checks every URL, with the operator
/// allowlist, when it opens the connection and again at DNS resolution, so no resolver
/// can skip it. A URL that is refused fails the step with `MCP_URL_REFUSED`.
#[derive(Debug, Clone, Default)]
pub struct UrlResolver {
    catalog: HashMap<String, McpTarget>,
}

impl UrlResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an operator catalog server: a step whose `server_url` is `canonical_url`
    /// (for a local command, a name such as `stdio:filesystem`) is sent to `target`,
    /// with the credentials the operator put in it.
    pub fn with_catalog_server(
        mut self,
        canonical_url: impl Into<String>,
        target: McpTarget,
    ) -> Self {
        self.catalog.insert(canonical_url.into(), target);
        self
    }
}

#[async_trait]
impl McpTargetResolver for UrlResolver {
    async fn resolve(
        &self,
        _call: &StepCall,
        server: &McpServerRef,
    ) -> Result<ResolvedTarget, StepFailure> {
        let local = |target| ResolvedTarget {
            owner: Owner::local(),
            target,
        };
        let Some(url) = server.server_url.as_deref() else {
            let reason = match &server.instance_id {
                Some(id) => format!(
                    "instance {id:?} cannot be resolved here: this deployment has no MCP \
                     instance registry; give the step a server_url"
                ),
                None => "the step names no server: set server_url or instance_id".to_owned(),
            };
            return Err(StepFailure::permanent(MCP_SERVER_UNRESOLVED, reason));
        };
        if let Some(target) = self.catalog.get(url) {
            return Ok(local(target.clone()));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(StepFailure::permanent(
                MCP_SERVER_UNRESOLVED,
                format!(
                    "server_url {url:?} is neither an http(s) URL nor a server of the \
                     operator's catalog"
                ),
            ));
        }
        Ok(local(McpTarget::http(url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn call() -> StepCall {
        StepCall {
            workflow_id: String::new(),
            project_id: None,
            run_id: "r".into(),
            step_id: "s".into(),
            step_type: "mcp_call".into(),
            attempt: 1,
            idempotency_key: "r:s:1".into(),
            inputs: json!({}),
            globals: Arc::new(serde_json::Map::new()),
            timeout: None,
            cancel: Default::default(),
            events: Default::default(),
        }
    }

    fn server(url: Option<&str>, instance: Option<&str>) -> McpServerRef {
        McpServerRef {
            server_url: url.map(str::to_owned),
            instance_id: instance.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn urls_pass_through_and_catalog_names_map_to_their_target() {
        let local = McpTarget::stdio("node", ["server.js"]).with_credential("TOKEN", "t0p");
        let resolver = UrlResolver::new().with_catalog_server("stdio:tools", local.clone());
        let http = resolver
            .resolve(
                &call(),
                &server(Some("https://tools.example.com/mcp"), None),
            )
            .await
            .expect("an http URL");
        assert_eq!(
            http.target,
            McpTarget::http("https://tools.example.com/mcp")
        );
        assert_eq!(http.owner, Owner::local());
        let stdio = resolver
            .resolve(&call(), &server(Some("stdio:tools"), Some("ignored")))
            .await
            .expect("a catalog server");
        assert_eq!(stdio.target, local);
    }

    #[tokio::test]
    async fn unresolvable_servers_fail_permanently_with_the_reason() {
        let resolver = UrlResolver::new();
        let cases = [
            (server(None, Some("inst-1")), "instance \"inst-1\""),
            (server(None, None), "names no server"),
            (server(Some("stdio:unknown"), None), "operator's catalog"),
            (server(Some("file:///etc/passwd"), None), "http(s) URL"),
        ];
        for (reference, expected) in cases {
            let failure = resolver
                .resolve(&call(), &reference)
                .await
                .expect_err("unresolvable");
            assert_eq!(failure.code, MCP_SERVER_UNRESOLVED);
            assert!(!failure.transient);
            assert!(failure.message.contains(expected), "{}", failure.message);
        }
    }
}
