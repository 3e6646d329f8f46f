//! JSON shapes of API objects (field names as docs/contract.md §9 fixes them).

use ar_store::tenant::*;
use serde_json::{Value, json};

/// Unix milliseconds as RFC 3339 (UTC, millisecond precision).
pub fn time(ms: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
        .unwrap_or(Value::Null)
}

pub fn opt_time(ms: Option<i64>) -> Value {
    ms.map(time).unwrap_or(Value::Null)
}

pub fn user(u: &UserRecord) -> Value {
    json!({ "id": u.id, "email": u.email, "name": u.name })
}

pub fn workspace(w: &WorkspaceRecord, role: &str) -> Value {
    json!({
        "id": w.id, "slug": w.slug, "name": w.name, "product_code": w.product_code,
        "role": role, "admins_full_access_to_private": w.admins_full_access_to_private,
        "created_at": time(w.created_at),
    })
}

/// A project with the caller's effective role in it.
pub fn project(p: &ProjectRecord, role: &str) -> Value {
    json!({ "id": p.id, "name": p.name, "visibility": p.visibility, "role": role, "created_at": time(p.created_at) })
}

pub fn member(m: &MemberRecord) -> Value {
    json!({
        "user_id": m.membership.user_id, "email": m.email, "name": m.name,
        "role": m.membership.role, "active": m.membership.active, "joined_at": time(m.membership.created_at),
    })
}

pub fn project_member(m: &ProjectMemberRecord) -> Value {
    json!({ "user_id": m.user_id, "email": m.email, "name": m.name, "role": m.role })
}

/// A token's metadata; the token itself is never shown again after creation.
pub fn pat(p: &PatRecord) -> Value {
    json!({
        "id": p.id, "name": p.name, "display_name": p.name, "scopes": p.scopes,
        "workspace_id": p.workspace_id,
        "expires_at": opt_time(p.expires_at), "revoked_at": opt_time(p.revoked_at),
        "last_used_at": opt_time(p.last_used_at), "created_at": time(p.created_at),
    })
}

/// `draft`, `published` (has a version) or `archived`.
pub fn workflow_status(w: &WorkflowRecord) -> &'static str {
    if w.archived {
        "archived"
    } else if w.latest_version.is_some() {
        "published"
    } else {
        "draft"
    }
}

/// A workflow in a list (no graph).
pub fn workflow_summary(w: &WorkflowRecord) -> Value {
    json!({
        "id": w.id, "name": w.name, "description": w.description, "status": workflow_status(w),
        "project_id": w.project_id, "latest_version": w.latest_version,
        "created_at": time(w.created_at), "updated_at": time(w.updated_at),
    })
}

/// A workflow with its draft graph and run setup.
pub fn workflow(w: &WorkflowRecord) -> Value {
    let mut v = workflow_summary(w);
    v["graph"] = w.draft_graph.clone();
    v["run_setup"] = w.run_setup.clone().unwrap_or(Value::Null);
    v
}

/// A version in a list (no graph).
pub fn version_summary(v: &VersionRecord) -> Value {
    json!({
        "version": v.version, "workflow_id": v.workflow_id, "published_at": time(v.created_at),
        "changelog": v.changelog, "graph_hash": v.graph_hash,
    })
}

/// A version with its immutable graph snapshot.
pub fn version(v: &VersionRecord) -> Value {
    let mut out = version_summary(v);
    out["graph_snapshot"] = v.graph.clone();
    out["run_setup"] = v.run_setup.clone().unwrap_or(Value::Null);
    out
}
