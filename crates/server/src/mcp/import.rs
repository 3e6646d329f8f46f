//! Importing a graph from elsewhere (docs/contract.md §11 "Import"): `instance_id`s name instances
//! of the workspace the graph came from, which mean nothing here. Each `mcp_call` step is
//! pointed at an instance of *this* project:
//!
//! 1. an explicit mapping given with the import (`instance_map`: a foreign instance id or a
//!    server URL → an instance id of this project) wins;
//! 2. an `instance_id` of this project is kept;
//! 3. otherwise the step's `server_url` is resolved in this project like a run would
//!    ([`resolve_binding`], creating the instance when the operator catalog allows): an
//!    instance found there replaces the foreign id; a server without an instance (a catalog
//!    server, a URL used as written) keeps the `server_url` and drops the foreign id;
//! 4. a foreign `instance_id` without a `server_url` cannot be mapped: it is kept, reported
//!    as `unresolved`, and dry-run flags it (`mcp_instance_unresolved`).
//!
//! Every step's outcome is reported back, so the importer sees what happened.

use std::collections::BTreeMap;

use ar_model::graph::{Graph, Step, StepConfig};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::mcp::resolve::{ResolveError, Resolved, resolve_binding};
use crate::state::AppState;

/// What happened to one `mcp_call` step's binding.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InstanceMapping {
    pub step_id: String,
    #[schema(required = true)]
    pub server_url: Option<String>,
    /// The `instance_id` the imported graph carried.
    #[schema(required = true)]
    pub from_instance_id: Option<String>,
    /// The `instance_id` the step has now.
    #[schema(required = true)]
    pub instance_id: Option<String>,
    /// `kept` (already this project's), `mapped` (by the given `instance_map`),
    /// `resolved` (by `server_url`), `server_url` (no instance: the URL is used),
    /// `unresolved` (nothing here matches; fix it in the editor).
    #[schema(schema_with = mapping_status)]
    pub status: &'static str,
}

fn mapping_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some([
            "kept",
            "mapped",
            "resolved",
            "server_url",
            "unresolved",
        ]))
        .build()
}

/// Rewrites the graph's `mcp_call` bindings for `project_id`. Returns one entry per
/// `mcp_call` step; the graph changed if any entry's `instance_id` differs from its
/// `from_instance_id`.
pub async fn remap_instances(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    graph: &mut Graph,
    instance_map: &BTreeMap<String, String>,
) -> ApiResult<Vec<InstanceMapping>> {
    for (from, to) in instance_map {
        let ours = state
            .integrations()
            .mcp_instance(workspace_id, to)
            .await?
            .is_some_and(|i| i.project_id == project_id);
        if !ours {
            return Err(ApiError::bad_request(format!(
                "instance_map maps {from:?} to {to:?}, which is no MCP instance of this project; list them with GET /v1/mcp/instances"
            )));
        }
    }
    let mut mappings = Vec::new();
    let mut pending: Vec<&mut Step> = Vec::new();
    collect_mcp_steps(&mut graph.steps, &mut pending);
    for step in pending {
        let step_id = step.id.clone();
        let StepConfig::McpCall(call) = &mut step.config else {
            continue;
        };
        let from = call.instance_id.clone();
        let url = call.server_url.clone();
        let explicit = from
            .as_ref()
            .and_then(|id| instance_map.get(id))
            .or_else(|| url.as_ref().and_then(|u| instance_map.get(u)));
        let status = if let Some(to) = explicit {
            call.instance_id = Some(to.clone());
            "mapped"
        } else if let Some(id) = &from
            && state
                .integrations()
                .mcp_instance(workspace_id, id)
                .await?
                .is_some_and(|i| i.project_id == project_id)
        {
            "kept"
        } else if let Some(u) = &url {
            match resolve_binding(
                state.integrations(),
                &state.settings().mcp_catalog,
                workspace_id,
                project_id,
                Some(u),
                None,
                true,
            )
            .await
            {
                Ok(Resolved::Instance(i)) => {
                    call.instance_id = Some(i.instance.id);
                    "resolved"
                }
                Ok(Resolved::Catalog { .. } | Resolved::Url(_)) => {
                    call.instance_id = None;
                    "server_url"
                }
                Err(ResolveError::Unresolved(_)) => "unresolved",
                Err(ResolveError::Store(e)) => return Err(e.into()),
            }
        } else if from.is_some() {
            "unresolved"
        } else {
            // Neither field: nothing to map (dry-run reports the missing binding).
            continue;
        };
        mappings.push(InstanceMapping {
            step_id,
            server_url: url,
            from_instance_id: from,
            instance_id: call.instance_id.clone(),
            status,
        });
    }
    Ok(mappings)
}

/// The `mcp_call` steps of `steps` and of every loop body within, depth first.
fn collect_mcp_steps<'a>(steps: &'a mut [Step], out: &mut Vec<&'a mut Step>) {
    for step in steps {
        if matches!(step.config, StepConfig::McpCall(_)) {
            out.push(step);
            continue;
        }
        match &mut step.config {
            StepConfig::ForEach(f) => collect_mcp_steps(&mut f.body, out),
            StepConfig::While(w) => collect_mcp_steps(&mut w.body, out),
            _ => {}
        }
    }
}
