//! Tenancy persistence for the API server: users, sessions, workspaces, memberships,
//! projects, project members, personal access tokens, invites, workflows and their
//! published versions.
//!
//! [`TenantStore`] is separate from the engine's [`crate::Store`]: the engine never needs
//! identities, and the server's tenancy writes are rare, small transactions. Both traits
//! use the same database and migrations. The SQL is written once in [`queries`] and
//! stamped out for each backend ([`SqliteTenantStore`], [`PgTenantStore`]).
//!
//! Every lookup of a tenant-owned object that the API reaches by id takes the workspace
//! (or project) it must belong to, so a caller cannot reach another tenant's object by
//! guessing its id.

mod analytics;
mod postgres;
mod queries;
pub mod rollups;
mod run_reads;
mod sqlite;
mod types;

use async_trait::async_trait;

use crate::error::StoreResult;

pub use analytics::{
    AnalyticsReads, BucketCount, Buckets, RunDurations, RunOutcomes, Span, StepTypeCount,
};
pub use postgres::PgTenantStore;
pub use rollups::{AnalyticsRollups, RollupReport};
pub use sqlite::SqliteTenantStore;
pub use types::*;

/// The API's lists of runs and pending human tasks, filtered to the projects a caller may
/// read (see `run_reads`).
#[async_trait]
pub trait RunReads: Send + Sync + 'static {
    /// Runs matching `query`, newest first (`created_at`, then id, descending).
    async fn list_runs(&self, query: &RunQuery) -> StoreResult<Vec<RunListRecord>>;
    /// Pending human tasks of active runs (running, paused, draining), oldest first.
    async fn pending_tasks(&self, query: &TaskQuery) -> StoreResult<Vec<PendingTaskRecord>>;
    /// How many runs of the projects of the workspace that `project_id` belongs to have not
    /// finished (queued, running — waiting on a human task or a timer included —, paused
    /// or draining): what the per-workspace quota on concurrent runs counts.
    async fn count_active_runs_in_workspace_of(&self, project_id: &str) -> StoreResult<i64>;
}

/// Durable storage of identities, tenancy and workflow definitions.
///
/// Unique-key violations (an email, a workspace slug, a token hash already taken) are
/// reported as [`crate::StoreError::Conflict`].
#[async_trait]
pub trait TenantStore:
    RunReads + AnalyticsReads + AnalyticsRollups + Send + Sync + 'static
{
    // --- users
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn count_users(&self) -> StoreResult<i64>;
    async fn set_password_hash(&self, user_id: &str, password_hash: &str) -> StoreResult<()>;

    // --- sessions
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session with this token hash, whether expired or not (the caller checks).
    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, id: &str) -> StoreResult<()>;
    /// Moves the session's expiry (a sliding idle timeout); false if it is gone.
    async fn set_session_expiry(&self, id: &str, expires_at: i64) -> StoreResult<bool>;
    /// Ends every session of the user except `keep` (after a password change).
    async fn delete_user_sessions(&self, user_id: &str, keep: Option<&str>) -> StoreResult<u64>;

    // --- workspaces and memberships
    /// Creates a workspace, makes `owner_user_id` its owner and creates its first project,
    /// in one transaction.
    async fn create_workspace(
        &self,
        workspace: &WorkspaceRecord,
        owner_user_id: &str,
        first_project: &ProjectRecord,
    ) -> StoreResult<()>;
    async fn workspace_by_id(&self, id: &str) -> StoreResult<Option<WorkspaceRecord>>;
    async fn workspace_by_slug(&self, slug: &str) -> StoreResult<Option<WorkspaceRecord>>;
    /// Renames and/or changes the private-project policy; false if there is no such workspace.
    async fn update_workspace(
        &self,
        workspace_id: &str,
        name: Option<&str>,
        admins_full_access_to_private: Option<bool>,
    ) -> StoreResult<bool>;
    /// The workspaces the user is a member of (active or not), oldest first.
    async fn workspaces_of_user(&self, user_id: &str) -> StoreResult<Vec<UserWorkspace>>;
    async fn membership(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> StoreResult<Option<MembershipRecord>>;
    async fn list_members(&self, workspace_id: &str) -> StoreResult<Vec<MemberRecord>>;
    /// Adds the user to the workspace, or updates the role and reactivates them if present.
    async fn upsert_member(&self, membership: &MembershipRecord) -> StoreResult<()>;
    /// Changes role and/or active flag; false if the user is not a member.
    async fn update_member(
        &self,
        workspace_id: &str,
        user_id: &str,
        role: Option<&str>,
        active: Option<bool>,
    ) -> StoreResult<bool>;
    /// Number of active owners (the last one cannot be demoted or deactivated).
    async fn count_active_owners(&self, workspace_id: &str) -> StoreResult<i64>;

    // --- projects and project members
    async fn create_project(&self, project: &ProjectRecord) -> StoreResult<()>;
    /// The project if it belongs to `workspace_id`.
    async fn project(
        &self,
        workspace_id: &str,
        project_id: &str,
    ) -> StoreResult<Option<ProjectRecord>>;
    async fn list_projects(&self, workspace_id: &str) -> StoreResult<Vec<ProjectRecord>>;
    /// Renames and/or changes visibility; false if the project is not in the workspace.
    async fn update_project(
        &self,
        workspace_id: &str,
        project_id: &str,
        name: Option<&str>,
        visibility: Option<&str>,
    ) -> StoreResult<bool>;
    async fn project_members(&self, project_id: &str) -> StoreResult<Vec<ProjectMemberRecord>>;
    async fn project_role(&self, project_id: &str, user_id: &str) -> StoreResult<Option<String>>;
    /// The user's explicit project roles within one workspace: `(project_id, role)`.
    async fn project_roles_of_user(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<(String, String)>>;
    async fn set_project_member(
        &self,
        project_id: &str,
        user_id: &str,
        role: &str,
        at: i64,
    ) -> StoreResult<()>;
    /// False if the user had no explicit role in the project.
    async fn remove_project_member(&self, project_id: &str, user_id: &str) -> StoreResult<bool>;

    // --- personal access tokens
    async fn create_pat(&self, pat: &PatRecord) -> StoreResult<()>;
    async fn pat_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<PatRecord>>;
    /// The user's tokens for one workspace, newest first.
    async fn list_pats(&self, user_id: &str, workspace_id: &str) -> StoreResult<Vec<PatRecord>>;
    /// Revokes the user's token; false if they have no such token (or it was revoked).
    async fn revoke_pat(&self, user_id: &str, pat_id: &str, at: i64) -> StoreResult<bool>;
    async fn touch_pat(&self, pat_id: &str, at: i64) -> StoreResult<()>;

    // --- invites
    async fn create_invite(&self, invite: &InviteRecord) -> StoreResult<()>;
    async fn invite_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<InviteRecord>>;
    /// Marks the invite accepted and makes the user a member with the invite's role, in
    /// one transaction. [`crate::StoreError::Conflict`] if it was already accepted.
    async fn accept_invite(
        &self,
        invite_id: &str,
        user_id: &str,
        at: i64,
    ) -> StoreResult<MembershipRecord>;

    // --- workflows and versions
    async fn create_workflow(&self, workflow: &WorkflowRecord) -> StoreResult<()>;
    /// The workflow if it belongs to a project of `workspace_id`.
    async fn workflow(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> StoreResult<Option<WorkflowRecord>>;
    /// The project's workflows (archived ones only when asked), newest first.
    async fn list_workflows(
        &self,
        project_id: &str,
        include_archived: bool,
    ) -> StoreResult<Vec<WorkflowRecord>>;
    /// Applies the patch; false if the workflow does not exist.
    async fn update_workflow(
        &self,
        workflow_id: &str,
        patch: &WorkflowPatch,
        at: i64,
    ) -> StoreResult<bool>;
    async fn archive_workflow(&self, workflow_id: &str, at: i64) -> StoreResult<bool>;
    /// Stores the graph (content-addressed) and the next version number, in one
    /// transaction; concurrent publishes get distinct numbers.
    async fn publish_version(&self, version: &NewVersion) -> StoreResult<VersionRecord>;
    /// Versions of the workflow, newest first.
    async fn list_versions(&self, workflow_id: &str) -> StoreResult<Vec<VersionRecord>>;
    async fn version(&self, workflow_id: &str, version: i64) -> StoreResult<Option<VersionRecord>>;
}
