//! Dry-run's view of the registry: the `mcp_bindings` check (docs/contract.md §8) runs in the pure
//! model crate, synchronously, so the server resolves every `mcp_call` binding of the graph
//! up front — with the same [`resolve_binding`] the executor uses, but never creating an
//! instance and never calling a server — and hands the model a snapshot.

use std::collections::HashMap;

use ar_mcp::ToolInfo;
use ar_model::graph::{Graph, StepConfig};
use ar_model::validate::{BindingResolver, McpBinding, ResolvedServer, ToolSpec};
use ar_store::integrations::McpServerRecord;

use crate::error::{ApiError, ApiResult};
use crate::mcp::resolve::{ResolveError, Resolved, resolve_binding};
use crate::state::AppState;

/// A binding as written in a step: `(instance_id, server_url)`.
type BindingKey = (Option<String>, Option<String>);

/// The resolved bindings of one graph in one project.
#[derive(Debug, Default)]
pub struct BindingSnapshot {
    resolved: HashMap<BindingKey, Option<ResolvedServer>>,
}

impl BindingSnapshot {
    /// Resolves each distinct binding of the graph's `mcp_call` steps (loop bodies
    /// included) in `project_id`.
    pub async fn load(
        state: &AppState,
        workspace_id: &str,
        project_id: &str,
        graph: &Graph,
    ) -> ApiResult<BindingSnapshot> {
        let mut snapshot = BindingSnapshot::default();
        for (_, step) in graph.all_steps() {
            let StepConfig::McpCall(call) = &step.config else {
                continue;
            };
            let key = (call.instance_id.clone(), call.server_url.clone());
            if key == (None, None) || snapshot.resolved.contains_key(&key) {
                continue;
            }
            let resolved = match resolve_binding(
                state.integrations(),
                &state.settings().mcp_catalog,
                workspace_id,
                project_id,
                key.1.as_deref(),
                key.0.as_deref(),
                false,
            )
            .await
            {
                Ok(resolved) => Some(ResolvedServer {
                    tools: known_tools(&resolved),
                }),
                Err(ResolveError::Unresolved(_)) => None,
                Err(ResolveError::Store(e)) => return Err(ApiError::from(e)),
            };
            snapshot.resolved.insert(key, resolved);
        }
        Ok(snapshot)
    }
}

impl BindingResolver for BindingSnapshot {
    fn resolve(&self, binding: McpBinding<'_>) -> Option<ResolvedServer> {
        let key = (
            binding.instance_id.map(str::to_owned),
            binding.server_url.map(str::to_owned),
        );
        self.resolved.get(&key).cloned().flatten()
    }
}

/// The tools dry-run can check against: a registered server's discovered list. A URL used
/// as written, or a catalog server not discovered yet, has no known list (the tool checks
/// are skipped rather than guessed).
fn known_tools(resolved: &Resolved) -> Option<Vec<ToolSpec>> {
    let server = match resolved {
        Resolved::Instance(i) => Some(&i.server),
        Resolved::Catalog { server, .. } => server.as_deref(),
        Resolved::Url(_) => None,
    }?;
    tool_specs(server)
}

fn tool_specs(server: &McpServerRecord) -> Option<Vec<ToolSpec>> {
    if server.current_version == 0 {
        return None;
    }
    let tools: Vec<ToolInfo> = serde_json::from_value(server.tools.clone()).ok()?;
    Some(
        tools
            .into_iter()
            .map(|t| ToolSpec {
                name: t.name,
                input_schema: Some(t.input_schema),
            })
            .collect(),
    )
}
