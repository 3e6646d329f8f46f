//! The MCP server registry (docs/contract.md §11) on the server side.
//!
//! - [`values`]: the JSON of a config profile's `env`/`headers` values (literal text or a
//!   binding to a vault secret or a connection credential), their checks, the API's view
//!   of them (references, never values) and opening them in memory at call time;
//! - [`env_policy`]: the only environment variables a profile may give a stdio server
//!   (those its catalog entry declares), checked at write time and filtered at spawn;
//! - [`discovery`]: tool discovery and validation of a server through ar-mcp, behind the
//!   SSRF guard with the operator allowlist;
//! - [`resolve`]: which instance a step's `instance_id`/`server_url` means in a project
//!   (one function for the executor and for dry-run);
//! - [`dry_run`]: the graph's bindings resolved up front for the `mcp_bindings` check;
//! - [`import`]: an imported graph's foreign `instance_id`s and `server_url`s pointed at
//!   this project's instances;
//! - [`resolver`]: [`resolver::RegistryResolver`], the `mcp_call` executor's target
//!   resolver: resolve, open the active profile, build the target;
//! - [`pool`]: the node's one connection pool (keyed by workspace, stdio children
//!   capped per workspace and overall), shared by the executor and discovery;
//! - [`view`]: what the API shows of a registered server.
//!
//! Routes: `crates/server/src/routes/mcp.rs`. User guide: `docs/mcp.md` ("Registry").

pub mod discovery;
pub mod dry_run;
pub mod env_policy;
pub mod import;
pub mod pool;
pub mod resolve;
pub mod resolver;
pub mod values;
pub mod view;

pub use discovery::Discovery;
pub use pool::{McpShared, SharedPool};
pub use resolve::{ResolveError, Resolved, ResolvedInstance, resolve_binding};
pub use resolver::{RegistryResolver, StateSlot};
