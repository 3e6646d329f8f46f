//! Records of the tenancy tables, as the [`super::TenantStore`] reads and writes them.
//!
//! Roles, scopes and visibility are kept as the strings the API uses (`owner`,
//! `project_viewer`, `workflow:read`, `private`); the server parses them with
//! `ar_model::authz` so the store does not need to know the permission model.

use serde_json::Value;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    /// Stored lower-cased by the server; unique.
    pub email: String,
    pub name: Option<String>,
    /// PHC string (argon2id); `None` for an account that cannot sign in with a password.
    pub password_hash: Option<String>,
    pub created_at: i64,
}

/// A browser session. Only the SHA-256 of the cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub csrf_token: String,
    /// When the session ends unless used again; the server moves it forward on use (its
    /// idle timeout), never past `created_at` plus the session lifetime.
    pub expires_at: i64,
    pub created_at: i64,
}

/// A workspace (tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceRecord {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub product_code: String,
    /// Policy: workspace admins get full access to private projects they are not in.
    pub admins_full_access_to_private: bool,
    pub created_at: i64,
}

/// A user's membership in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRecord {
    pub workspace_id: String,
    pub user_id: String,
    /// `member`, `admin` or `owner`.
    pub role: String,
    /// False once deactivated: the user keeps nothing but what they created.
    pub active: bool,
    pub created_at: i64,
}

/// A workspace member with their user details, for member lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub membership: MembershipRecord,
    pub email: String,
    pub name: Option<String>,
}

/// A workspace the user belongs to, with their membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWorkspace {
    pub workspace: WorkspaceRecord,
    pub membership: MembershipRecord,
}

/// A project of a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// `public` or `private`.
    pub visibility: String,
    pub created_at: i64,
}

/// An explicit project membership with the user's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMemberRecord {
    pub project_id: String,
    pub user_id: String,
    /// `project_viewer`, `project_contributor` or `project_admin`.
    pub role: String,
    pub email: String,
    pub name: Option<String>,
    pub created_at: i64,
}

/// A personal access token. Only the SHA-256 of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatRecord {
    pub id: String,
    pub user_id: String,
    pub workspace_id: String,
    pub name: String,
    pub token_hash: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
}

/// A workspace invite. Only the SHA-256 of the one-time token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    /// The workspace role the invite grants.
    pub role: String,
    pub token_hash: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub created_at: i64,
}

/// A workflow: its editable draft and metadata. Versions are separate, immutable rows.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRecord {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub description: String,
    pub draft_graph: Value,
    pub run_setup: Option<Value>,
    pub archived: bool,
    pub created_by: Option<String>,
    /// The highest published version number, if any.
    pub latest_version: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A change to a workflow's draft; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub draft_graph: Option<Value>,
    /// `Some(None)` clears the run setup.
    pub run_setup: Option<Option<Value>>,
}

/// A version to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub workflow_id: String,
    /// The canonical graph hash (content address in the `graphs` table).
    pub graph_hash: String,
    pub graph: Value,
    pub changelog: Option<String>,
    pub run_setup: Option<Value>,
    pub created_at: i64,
}

/// An immutable published version of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    pub workflow_id: String,
    pub version: i64,
    pub graph_hash: String,
    pub graph: Value,
    pub changelog: Option<String>,
    pub run_setup: Option<Value>,
    pub created_at: i64,
}

/// Which runs to list (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// Only runs of these projects (the ones the caller may read); empty lists nothing.
    pub project_ids: Vec<String>,
    pub workflow_id: Option<String>,
    /// A run status (`running`, `completed`, …).
    pub status: Option<String>,
    /// Only runs created at or after this time (unix ms).
    pub since: Option<i64>,
    /// Only runs after this one in the newest-first order (the previous page's last run).
    pub before: Option<RunCursor>,
    pub limit: i64,
}

/// A position in the newest-first run order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCursor {
    pub created_at: i64,
    pub id: String,
}

/// A run as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunListRecord {
    pub id: String,
    pub workflow_id: String,
    /// `None` when the workflow row is gone (or for ad-hoc runs).
    pub workflow_name: Option<String>,
    pub version: Option<i64>,
    pub project_id: Option<String>,
    pub status: String,
    pub failure_code: Option<String>,
    pub client_run_id: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// A human task of the run is waiting for completion.
    pub awaiting_human: bool,
}

/// Which pending human tasks to list (oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    /// Only tasks of runs in these projects; empty lists nothing.
    pub project_ids: Vec<String>,
    /// Only the tasks of this run.
    pub run_id: Option<String>,
    pub limit: i64,
}

/// A pending human task with what the inbox shows of its run and workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTaskRecord {
    pub run_id: String,
    pub step_id: String,
    pub task_type: String,
    /// The resolved `task_payload`.
    pub payload: Value,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub workflow_id: String,
    pub workflow_name: Option<String>,
    pub project_id: Option<String>,
}
