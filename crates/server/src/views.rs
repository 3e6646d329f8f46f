//! JSON shapes of API objects (field names as docs/contract.md §9 fixes them).
//!
//! The typed shapes (`#[derive(Serialize, ToSchema)]`) are what the handlers answer, so the
//! OpenAPI document's response schemas are derived from exactly what is serialized
//! (docs/server.md "Typed responses").

use std::borrow::Cow;

use ar_store::tenant::*;
use serde::{Serialize, Serializer};
use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Unix milliseconds as RFC 3339 (UTC, millisecond precision).
pub fn time(ms: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
        .unwrap_or(Value::Null)
}

pub fn opt_time(ms: Option<i64>) -> Value {
    ms.map(time).unwrap_or(Value::Null)
}

/// A point in time (unix milliseconds) answered as [`time`] writes it: an RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub i64);

impl Time {
    pub fn opt(ms: Option<i64>) -> Option<Time> {
        ms.map(Time)
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        time(self.0).serialize(s)
    }
}

impl PartialSchema for Time {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl ToSchema for Time {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Time")
    }
}

/// A user account (never its password).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
}

pub fn user(u: &UserRecord) -> User {
    User {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
    }
}

/// A workspace with the caller's role in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Workspace {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub product_code: String,
    /// The caller's role: `member`, `admin` or `owner` (`none` without one).
    pub role: String,
    pub admins_full_access_to_private: bool,
    pub created_at: Time,
}

pub fn workspace(w: &WorkspaceRecord, role: &str) -> Workspace {
    Workspace {
        id: w.id.clone(),
        slug: w.slug.clone(),
        name: w.name.clone(),
        product_code: w.product_code.clone(),
        role: role.to_owned(),
        admins_full_access_to_private: w.admins_full_access_to_private,
        created_at: Time(w.created_at),
    }
}

/// A project with the caller's effective role in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    /// `public` or `private`.
    #[schema(schema_with = crate::openapi::field::visibility)]
    pub visibility: String,
    /// The caller's effective role: `project_viewer`, `project_contributor`,
    /// `project_admin`, or `read_only` (a workspace admin's view of a private project).
    pub role: String,
    pub created_at: Time,
}

pub fn project(p: &ProjectRecord, role: &str) -> Project {
    Project {
        id: p.id.clone(),
        name: p.name.clone(),
        visibility: p.visibility.clone(),
        role: role.to_owned(),
        created_at: Time(p.created_at),
    }
}

/// A workspace member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
    /// `member`, `admin` or `owner`.
    #[schema(schema_with = crate::openapi::field::workspace_role)]
    pub role: String,
    pub active: bool,
    pub joined_at: Time,
}

impl From<&MemberRecord> for Member {
    fn from(m: &MemberRecord) -> Self {
        Member {
            user_id: m.membership.user_id.clone(),
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.membership.role.clone(),
            active: m.membership.active,
            joined_at: Time(m.membership.created_at),
        }
    }
}

/// An explicit member of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectMember {
    pub user_id: String,
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
    /// `project_viewer`, `project_contributor` or `project_admin`.
    #[schema(schema_with = crate::openapi::field::project_role)]
    pub role: String,
}

impl From<&ProjectMemberRecord> for ProjectMember {
    fn from(m: &ProjectMemberRecord) -> Self {
        ProjectMember {
            user_id: m.user_id.clone(),
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role.clone(),
        }
    }
}

/// A token's metadata; the token itself is never shown again after creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pat {
    pub id: String,
    pub name: String,
    /// The same as `name` (the console's label).
    pub display_name: String,
    pub scopes: Vec<String>,
    pub workspace_id: String,
    #[schema(required = true)]
    pub expires_at: Option<Time>,
    #[schema(required = true)]
    pub revoked_at: Option<Time>,
    #[schema(required = true)]
    pub last_used_at: Option<Time>,
    pub created_at: Time,
}

impl From<&PatRecord> for Pat {
    fn from(p: &PatRecord) -> Self {
        Pat {
            id: p.id.clone(),
            name: p.name.clone(),
            display_name: p.name.clone(),
            scopes: p.scopes.clone(),
            workspace_id: p.workspace_id.clone(),
            expires_at: Time::opt(p.expires_at),
            revoked_at: Time::opt(p.revoked_at),
            last_used_at: Time::opt(p.last_used_at),
            created_at: Time(p.created_at),
        }
    }
}

/// `draft`, `published` (has a version) or `archived`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    Draft,
    Published,
    Archived,
}

pub fn workflow_status(w: &WorkflowRecord) -> WorkflowStatus {
    if w.archived {
        WorkflowStatus::Archived
    } else if w.latest_version.is_some() {
        WorkflowStatus::Published
    } else {
        WorkflowStatus::Draft
    }
}

/// A workflow in a list (no graph).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkflowSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: WorkflowStatus,
    pub project_id: String,
    /// The newest published version's number; `null` while a draft.
    #[schema(required = true)]
    pub latest_version: Option<i64>,
    pub created_at: Time,
    pub updated_at: Time,
}

impl From<&WorkflowRecord> for WorkflowSummary {
    fn from(w: &WorkflowRecord) -> Self {
        WorkflowSummary {
            id: w.id.clone(),
            name: w.name.clone(),
            description: w.description.clone(),
            status: workflow_status(w),
            project_id: w.project_id.clone(),
            latest_version: w.latest_version,
            created_at: Time(w.created_at),
            updated_at: Time(w.updated_at),
        }
    }
}

/// A workflow with its draft graph and run setup.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Workflow {
    #[serde(flatten)]
    pub summary: WorkflowSummary,
    /// The draft graph (docs/contract.md §9), as saved.
    pub graph: Value,
    /// Saved run-setup defaults (docs/contract.md §7); `null` when none.
    #[schema(required = true)]
    pub run_setup: Option<Value>,
}

impl From<&WorkflowRecord> for Workflow {
    fn from(w: &WorkflowRecord) -> Self {
        Workflow {
            summary: w.into(),
            graph: w.draft_graph.clone(),
            run_setup: w.run_setup.clone(),
        }
    }
}

/// A version in a list (no graph).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    pub workflow_id: String,
    pub published_at: Time,
    #[schema(required = true)]
    pub changelog: Option<String>,
    pub graph_hash: String,
}

impl From<&VersionRecord> for VersionSummary {
    fn from(v: &VersionRecord) -> Self {
        VersionSummary {
            version: v.version,
            workflow_id: v.workflow_id.clone(),
            published_at: Time(v.created_at),
            changelog: v.changelog.clone(),
            graph_hash: v.graph_hash.clone(),
        }
    }
}

/// A version with its immutable graph snapshot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Version {
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub graph_snapshot: Value,
    /// The run setup the version was published with; `null` when none.
    #[schema(required = true)]
    pub run_setup: Option<Value>,
}

impl From<&VersionRecord> for Version {
    fn from(v: &VersionRecord) -> Self {
        Version {
            summary: v.into(),
            graph_snapshot: v.graph.clone(),
            run_setup: v.run_setup.clone(),
        }
    }
}
