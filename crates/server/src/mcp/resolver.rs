//! [`RegistryResolver`]: the server's `mcp_call` target resolver. It resolves the step's
//! reference in the run's project ([`resolve_binding`]), opens the active profile's
//! values in memory (vault secrets decrypted) and puts them into the target: headers for
//! HTTP servers, environment for stdio ones. Nothing opened goes into errors or logs.

use std::collections::BTreeMap;
use std::sync::Arc;

use ar_connect::SecretString;
use ar_engine::{StepCall, StepFailure};
use ar_executors::mcp_target::MCP_SERVER_UNRESOLVED;
use ar_executors::{McpServerRef, McpTargetResolver};
use ar_mcp::McpTarget;
use ar_store::integrations::{IntegrationStore, McpProfileRecord, McpServerRecord};
use async_trait::async_trait;

use crate::mcp::resolve::{ResolveError, Resolved, resolve_binding};
use crate::mcp::values::{ValueKind, open_values, parse_values};
use crate::settings::McpCatalogEntry;
use crate::vault::WorkspaceVault;

/// Resolves `mcp_call` targets through the registry of the run's project.
pub struct RegistryResolver {
    store: Arc<dyn IntegrationStore>,
    vault: WorkspaceVault,
    catalog: Arc<[McpCatalogEntry]>,
}

impl RegistryResolver {
    pub fn new(
        store: Arc<dyn IntegrationStore>,
        vault: WorkspaceVault,
        catalog: Vec<McpCatalogEntry>,
    ) -> RegistryResolver {
        RegistryResolver {
            store,
            vault,
            catalog: catalog.into(),
        }
    }
}

fn unresolved(message: impl Into<String>) -> StepFailure {
    StepFailure::permanent(MCP_SERVER_UNRESOLVED, message)
}

/// A database hiccup: worth the step's retries.
fn store_failure(e: impl std::fmt::Display) -> StepFailure {
    StepFailure::new(
        MCP_SERVER_UNRESOLVED,
        format!("the MCP registry could not be read: {e}"),
        true,
    )
}

/// The target of a catalog entry, without credentials.
pub fn catalog_target(entry: &McpCatalogEntry) -> McpTarget {
    match (&entry.url, &entry.command) {
        (Some(url), _) => McpTarget::http(url),
        (None, Some(command)) => McpTarget::stdio(command, entry.args.iter()),
        (None, None) => McpTarget::http(entry.canonical_url()),
    }
}

/// The target of a registered server, without credentials: its URL, or for a catalog
/// stdio server the operator's command (which must still be in the catalog).
pub fn server_target(
    catalog: &[McpCatalogEntry],
    server: &McpServerRecord,
) -> Result<McpTarget, String> {
    if server.source == "catalog" {
        return catalog
            .iter()
            .find(|e| e.canonical_url() == server.canonical_url)
            .map(catalog_target)
            .ok_or_else(|| {
                format!(
                    "the MCP server {} is no longer in the operator's catalog",
                    server.canonical_url
                )
            });
    }
    Ok(McpTarget::http(&server.canonical_url))
}

#[async_trait]
impl McpTargetResolver for RegistryResolver {
    async fn resolve(
        &self,
        call: &StepCall,
        server: &McpServerRef,
    ) -> Result<McpTarget, StepFailure> {
        let Some(project_id) = call.project_id.as_deref() else {
            // An ad-hoc run outside any project: only the catalog and plain URLs.
            return match (&server.instance_id, server.server_url.as_deref()) {
                (Some(id), _) => Err(unresolved(format!(
                    "instance {id:?} cannot be resolved: the run belongs to no project"
                ))),
                (None, Some(url)) => match self.catalog.iter().find(|e| e.canonical_url() == url) {
                    Some(entry) => Ok(catalog_target(entry)),
                    None if url.starts_with("http://") || url.starts_with("https://") => {
                        Ok(McpTarget::http(url))
                    }
                    None => Err(unresolved(format!(
                        "server_url {url:?} is neither an http(s) URL nor a server of the operator's catalog"
                    ))),
                },
                (None, None) => Err(unresolved(
                    "the step names no MCP server: set instance_id or server_url",
                )),
            };
        };
        let workspace_id = self
            .store
            .mcp_project_workspace(project_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| {
                unresolved(format!("the run's project {project_id} no longer exists"))
            })?;
        let resolved = resolve_binding(
            self.store.as_ref(),
            &self.catalog,
            &workspace_id,
            project_id,
            server.server_url.as_deref(),
            server.instance_id.as_deref(),
            true,
        )
        .await
        .map_err(|e| match e {
            ResolveError::Unresolved(message) => unresolved(message),
            ResolveError::Store(e) => store_failure(e),
        })?;
        match resolved {
            Resolved::Url(url) => Ok(McpTarget::http(url)),
            Resolved::Catalog { entry, .. } => Ok(catalog_target(&entry)),
            Resolved::Instance(r) => {
                let target = server_target(&self.catalog, &r.server).map_err(unresolved)?;
                match &r.profile {
                    None => Ok(target),
                    Some(profile) => apply_profile(
                        self.store.as_ref(),
                        &self.vault,
                        &workspace_id,
                        target,
                        profile,
                    )
                    .await
                    .map_err(unresolved),
                }
            }
        }
    }
}

/// Opens a profile's values and adds them to the target: `headers` to an HTTP target,
/// `env` to a stdio one. The error says what is missing, never a value.
pub async fn apply_profile(
    store: &dyn IntegrationStore,
    vault: &WorkspaceVault,
    workspace_id: &str,
    target: McpTarget,
    profile: &McpProfileRecord,
) -> Result<McpTarget, String> {
    let (kind, stored) = match target {
        McpTarget::Http { .. } => (ValueKind::Headers, &profile.headers),
        McpTarget::Stdio { .. } => (ValueKind::Env, &profile.env),
    };
    let values = parse_values(kind, stored).map_err(|e| {
        format!(
            "the active profile {:?} is invalid: {}",
            profile.name, e.message
        )
    })?;
    if let Some(connection) = &profile.connection_id {
        return Err(format!(
            "the active profile {:?} uses connection {connection:?}, but this server has no connections registry yet",
            profile.name
        ));
    }
    let opened: BTreeMap<String, SecretString> = open_values(store, vault, workspace_id, &values)
        .await
        .map_err(|e| {
            format!(
                "the active profile {:?} could not be applied: {}",
                profile.name, e.0
            )
        })?;
    Ok(opened.into_iter().fold(target, |t, (name, value)| {
        t.with_credential(name, value.expose_secret())
    }))
}
