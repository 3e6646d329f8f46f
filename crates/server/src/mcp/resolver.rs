//! [`RegistryResolver`]: the server's `mcp_call` target resolver. It resolves the step's
//! reference in the run's project ([`resolve_binding`]), opens the active profile's
//! values in memory (vault secrets decrypted) and puts them into the target: headers for
//! HTTP servers, environment for stdio ones. Nothing opened goes into errors or logs.

use std::collections::BTreeMap;
use std::sync::Arc;

use ar_connect::SecretString;
use ar_engine::{StepCall, StepFailure};
use ar_executors::mcp_target::MCP_SERVER_UNRESOLVED;
use ar_executors::{McpServerRef, McpTargetResolver, ResolvedTarget};
use ar_mcp::{McpTarget, Owner};
use ar_store::integrations::{IntegrationStore, McpProfileRecord, McpServerRecord};
use async_trait::async_trait;

use crate::mcp::env_policy;
use crate::mcp::resolve::{ResolveError, Resolved, resolve_binding};
use crate::mcp::values::{OpenError, ValueKind, connection_values, open_values, parse_values};
use crate::settings::McpCatalogEntry;
use crate::state::{AppState, WeakAppState};

/// The server state, bound by `ar_server::start` once it exists: the resolver is built
/// (with the executors) before it, and needs it to open connection credentials. Holds a
/// weak handle, since the state owns the engine that owns the resolver.
#[derive(Clone, Default)]
pub struct StateSlot(Arc<std::sync::RwLock<Option<WeakAppState>>>);

impl StateSlot {
    /// Binds (or re-binds: a later node on the same stores) the state.
    pub fn bind(&self, state: &AppState) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(state.downgrade());
        }
    }
    pub(crate) fn get(&self) -> Option<AppState> {
        self.0.read().ok()?.as_ref()?.upgrade()
    }
}

/// Resolves `mcp_call` targets through the registry of the run's project.
pub struct RegistryResolver {
    store: Arc<dyn IntegrationStore>,
    catalog: Arc<[McpCatalogEntry]>,
    state: StateSlot,
}

impl RegistryResolver {
    pub fn new(
        store: Arc<dyn IntegrationStore>,
        catalog: Vec<McpCatalogEntry>,
        state: StateSlot,
    ) -> RegistryResolver {
        RegistryResolver {
            store,
            catalog: catalog.into(),
            state,
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

/// A server's target before a profile is applied, with the catalog entry it comes from.
/// A stdio target always has one: only the operator's catalog runs commands, and the entry
/// says which variables a profile may give the command ([`env_policy`]).
pub struct BareTarget<'a> {
    pub target: McpTarget,
    pub catalog_entry: Option<&'a McpCatalogEntry>,
}

/// The target of a registered server, without credentials: its URL, or for a catalog
/// server the operator's URL or command (which must still be in the catalog).
pub fn server_target<'a>(
    catalog: &'a [McpCatalogEntry],
    server: &McpServerRecord,
) -> Result<BareTarget<'a>, String> {
    if server.source == "catalog" {
        let entry = catalog
            .iter()
            .find(|e| e.canonical_url() == server.canonical_url)
            .ok_or_else(|| {
                format!(
                    "the MCP server {} is no longer in the operator's catalog",
                    server.canonical_url
                )
            })?;
        return Ok(BareTarget {
            target: catalog_target(entry),
            catalog_entry: Some(entry),
        });
    }
    Ok(BareTarget {
        target: McpTarget::http(&server.canonical_url),
        catalog_entry: None,
    })
}

#[async_trait]
impl McpTargetResolver for RegistryResolver {
    async fn resolve(
        &self,
        call: &StepCall,
        server: &McpServerRef,
    ) -> Result<ResolvedTarget, StepFailure> {
        let Some(project_id) = call.project_id.as_deref() else {
            // An ad-hoc run outside any project: only the catalog and plain URLs, without
            // credentials, on the connections of no workspace.
            let local = |target| ResolvedTarget {
                owner: Owner::local(),
                target,
            };
            return match (&server.instance_id, server.server_url.as_deref()) {
                (Some(id), _) => Err(unresolved(format!(
                    "instance {id:?} cannot be resolved: the run belongs to no project"
                ))),
                (None, Some(url)) => match self.catalog.iter().find(|e| e.canonical_url() == url) {
                    Some(entry) => Ok(local(catalog_target(entry))),
                    None if url.starts_with("http://") || url.starts_with("https://") => {
                        Ok(local(McpTarget::http(url)))
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
        // The run's workspace owns the connection: no other workspace shares its child
        // process or session.
        let owned = |target| ResolvedTarget {
            owner: Owner::workspace(workspace_id.as_str()),
            target,
        };
        let target = match resolved {
            Resolved::Url(url) => McpTarget::http(url),
            Resolved::Catalog { entry, .. } => catalog_target(&entry),
            Resolved::Instance(r) => {
                let bare = server_target(&self.catalog, &r.server).map_err(unresolved)?;
                match &r.profile {
                    None => bare.target,
                    Some(profile) => {
                        let state = self.state.get().ok_or_else(|| {
                            StepFailure::new(
                                MCP_SERVER_UNRESOLVED,
                                "the server is starting or stopping: profiles cannot be opened now",
                                true,
                            )
                        })?;
                        apply_profile(&state, &workspace_id, project_id, bare, profile)
                            .await
                            .map_err(unresolved)?
                    }
                }
            }
        };
        Ok(owned(target))
    }
}

/// Opens a profile's values and adds them to the target: `headers` to an HTTP target,
/// `env` to a stdio one; the profile's connection's bearer token as `Authorization:
/// Bearer …` (HTTP) or in `connection_env` (stdio). A stdio target gets only the
/// variables its catalog entry declares, whatever the stored profile holds
/// ([`env_policy::keep_declared`]). `project_id` is the instance's project. The error says
/// what is missing, never a value.
pub async fn apply_profile(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    bare: BareTarget<'_>,
    profile: &McpProfileRecord,
) -> Result<McpTarget, String> {
    let BareTarget {
        target,
        catalog_entry,
    } = bare;
    let stdio_entry = match (&target, catalog_entry) {
        (McpTarget::Http { .. }, _) => None,
        (McpTarget::Stdio { .. }, Some(entry)) => Some(entry),
        (McpTarget::Stdio { .. }, None) => {
            return Err("a stdio server must come from the operator's catalog".into());
        }
    };
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
    let failed = |e: OpenError| {
        format!(
            "the active profile {:?} could not be applied: {}",
            profile.name, e.0
        )
    };
    let mut opened: BTreeMap<String, SecretString> =
        open_values(state, workspace_id, project_id, &values)
            .await
            .map_err(failed)?;
    if let Some(connection) = &profile.connection_id {
        let credentials = connection_values(state, workspace_id, project_id, connection)
            .await
            .map_err(failed)?;
        let token = credentials.bearer().ok_or_else(|| {
            format!(
                "connection {connection:?} ({} credentials) has no bearer token to send; bind its values in env/headers instead",
                credentials.auth_type
            )
        })?;
        let (name, value) = match target {
            McpTarget::Http { .. } => (
                "Authorization".to_owned(),
                format!("Bearer {}", token.expose_secret()),
            ),
            McpTarget::Stdio { .. } => (
                profile
                    .connection_env
                    .clone()
                    .or_else(|| stdio_entry.map(|e| e.connection_env().to_owned()))
                    .unwrap_or_else(|| env_policy::DEFAULT_CONNECTION_ENV.to_owned()),
                token.expose_secret().to_owned(),
            ),
        };
        opened.insert(name, SecretString::from(value));
    }
    if let Some(entry) = stdio_entry {
        let (kept, dropped) = env_policy::keep_declared(entry, opened);
        if !dropped.is_empty() {
            tracing::warn!(
                server = %entry.name,
                profile = %profile.id,
                dropped = ?dropped,
                "config profile sets environment variables its catalog entry does not declare; they were not passed to the server"
            );
        }
        opened = kept;
    }
    Ok(opened.into_iter().fold(target, |t, (name, value)| {
        t.with_credential(name, value.expose_secret())
    }))
}
