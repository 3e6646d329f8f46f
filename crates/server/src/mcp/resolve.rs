//! Which server a step's `instance_id` / `server_url` means in a project (docs/contract.md §11
//! "Resolution"). One function, [`resolve_binding`], serves the `mcp_call` executor (with
//! auto-creation) and dry-run (without: validation has no side effects). It opens no
//! secret: it returns records, and the resolver opens the active profile afterwards.
//!
//! Rules, in order:
//! 1. `instance_id` → that instance, which must belong to the project (another project's
//!    or workspace's instance is "not found", never used);
//! 2. `server_url` only → the project's instance of that server: its custom server of
//!    that URL, else the operator catalog's server of that URL (the oldest instance when
//!    there are several). With none: a catalog server marked `auto_instance` gets one
//!    (when creating is allowed); another catalog server is used without an instance
//!    (no profile); any other http(s) URL is used as written;
//! 3. nothing → unresolved.

use ar_mcp::ToolInfo;
use ar_store::StoreError;
use ar_store::integrations::{
    IntegrationStore, McpInstanceRecord, McpProfileRecord, McpServerRecord,
};
use ar_store::now_ms;

use crate::auth::tokens::new_id;
use crate::mcp::discovery::tools_json;
use crate::settings::McpCatalogEntry;

/// An instance with its server and active profile (no secret opened).
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedInstance {
    pub instance: McpInstanceRecord,
    pub server: McpServerRecord,
    /// `None` when the instance has no profile yet (calls carry no credentials).
    pub profile: Option<McpProfileRecord>,
}

/// What a step's server reference resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Instance(Box<ResolvedInstance>),
    /// A catalog server used without an instance. `auto_instance` says one would be
    /// created at run time (dry-run resolves without creating); `server` is the
    /// workspace's record of it, if discovered already.
    Catalog {
        entry: Box<McpCatalogEntry>,
        server: Option<Box<McpServerRecord>>,
        auto_instance: bool,
    },
    /// An http(s) URL that is no registered server: used as written.
    Url(String),
}

/// Why a reference does not resolve.
#[derive(Debug)]
pub enum ResolveError {
    /// The message names the reference and says what to do.
    Unresolved(String),
    Store(StoreError),
}

impl From<StoreError> for ResolveError {
    fn from(e: StoreError) -> Self {
        ResolveError::Store(e)
    }
}

/// Who auto-created instances are recorded as created by.
pub const AUTO_CREATOR: &str = "system:auto-instance";

/// Resolves a step's server reference in `project_id` (of `workspace_id`). With
/// `auto_create`, a catalog server marked `auto_instance` gets the project's instance.
pub async fn resolve_binding(
    store: &dyn IntegrationStore,
    catalog: &[McpCatalogEntry],
    workspace_id: &str,
    project_id: &str,
    server_url: Option<&str>,
    instance_id: Option<&str>,
    auto_create: bool,
) -> Result<Resolved, ResolveError> {
    if let Some(id) = instance_id {
        let instance = store
            .mcp_instance(workspace_id, id)
            .await?
            .filter(|i| i.project_id == project_id)
            .ok_or_else(|| {
                ResolveError::Unresolved(format!(
                    "MCP instance {id:?} does not exist in this run's project; use an instance of the project (GET /v1/mcp/instances)"
                ))
            })?;
        return Ok(Resolved::Instance(Box::new(
            complete(store, instance).await?,
        )));
    }
    let Some(url) = server_url else {
        return Err(ResolveError::Unresolved(
            "the step names no MCP server: set instance_id or server_url".into(),
        ));
    };
    let custom = store
        .mcp_server_by_url(workspace_id, Some(project_id), url)
        .await?;
    let entry = catalog.iter().find(|e| e.canonical_url() == url);
    let catalog_server = match (&custom, entry) {
        (None, Some(_)) => store.mcp_server_by_url(workspace_id, None, url).await?,
        _ => None,
    };
    if let Some(server) = custom.as_ref().or(catalog_server.as_ref()) {
        let instances = store
            .mcp_instances_of_server(project_id, &server.id)
            .await?;
        if let Some(instance) = instances.into_iter().next() {
            return Ok(Resolved::Instance(Box::new(
                complete(store, instance).await?,
            )));
        }
    }
    if let Some(entry) = entry.filter(|_| custom.is_none()) {
        if entry.auto_instance && auto_create {
            let server = match catalog_server {
                Some(s) => s,
                None => {
                    materialize_catalog_server(store, workspace_id, entry, None, AUTO_CREATOR)
                        .await?
                }
            };
            let instance = auto_instance(store, workspace_id, project_id, &server).await?;
            return Ok(Resolved::Instance(Box::new(
                complete(store, instance).await?,
            )));
        }
        return Ok(Resolved::Catalog {
            entry: Box::new(entry.clone()),
            server: catalog_server.map(Box::new),
            auto_instance: entry.auto_instance,
        });
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Resolved::Url(url.to_owned()));
    }
    Err(ResolveError::Unresolved(format!(
        "server_url {url:?} is neither an http(s) URL nor a server of the operator's catalog"
    )))
}

/// The instance with its server and active profile.
async fn complete(
    store: &dyn IntegrationStore,
    instance: McpInstanceRecord,
) -> Result<ResolvedInstance, ResolveError> {
    let server = store
        .mcp_server(&instance.workspace_id, &instance.server_id)
        .await?
        .ok_or_else(|| {
            ResolveError::Store(StoreError::NotFound(format!(
                "MCP server {} of instance {}",
                instance.server_id, instance.id
            )))
        })?;
    let profile = store.active_mcp_profile(&instance.id).await?;
    Ok(ResolvedInstance {
        instance,
        server,
        profile,
    })
}

/// The workspace's record of a catalog server, created on first use. `tools` are the
/// discovered tools when the caller discovered them (version 1); without, the record
/// starts at version 0 with no tools until re-discovered (`POST …/versions`).
pub async fn materialize_catalog_server(
    store: &dyn IntegrationStore,
    workspace_id: &str,
    entry: &McpCatalogEntry,
    tools: Option<&[ToolInfo]>,
    created_by: &str,
) -> Result<McpServerRecord, StoreError> {
    let url = entry.canonical_url();
    if let Some(existing) = store.mcp_server_by_url(workspace_id, None, &url).await? {
        return Ok(existing);
    }
    let now = now_ms();
    let record = McpServerRecord {
        id: new_id(),
        workspace_id: workspace_id.to_owned(),
        project_id: None,
        name: entry.name.clone(),
        description: entry.description.clone(),
        canonical_url: url.clone(),
        transport: entry.transport().to_owned(),
        auth_mode: entry.auth_mode.clone(),
        source: "catalog".into(),
        tools: tools
            .map(tools_json)
            .unwrap_or_else(|| serde_json::json!([])),
        current_version: i64::from(tools.is_some()),
        validation: None,
        created_by: created_by.to_owned(),
        created_at: now,
        updated_at: now,
    };
    match store.create_server(&record).await {
        Ok(()) => Ok(record),
        // Another request materialized it meanwhile: use that one.
        Err(StoreError::Conflict(_)) => store
            .mcp_server_by_url(workspace_id, None, &url)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("catalog server {url}"))),
        Err(e) => Err(e),
    }
}

/// Creates the project's instance of a catalog server (named like it); when a
/// concurrent step created it first, returns that one.
async fn auto_instance(
    store: &dyn IntegrationStore,
    workspace_id: &str,
    project_id: &str,
    server: &McpServerRecord,
) -> Result<McpInstanceRecord, ResolveError> {
    let now = now_ms();
    let instance = McpInstanceRecord {
        id: new_id(),
        workspace_id: workspace_id.to_owned(),
        project_id: project_id.to_owned(),
        server_id: server.id.clone(),
        name: server.name.clone(),
        created_by: AUTO_CREATOR.into(),
        created_at: now,
        updated_at: now,
    };
    match store.create_mcp_instance(&instance).await {
        Ok(()) => Ok(instance),
        Err(StoreError::Conflict(_)) => store
            .mcp_instances_of_server(project_id, &server.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                ResolveError::Unresolved(format!(
                    "the project has an instance named {:?} of another server, so the catalog server {} cannot get its automatic instance; rename that instance",
                    server.name, server.canonical_url
                ))
            }),
        Err(e) => Err(e.into()),
    }
}
