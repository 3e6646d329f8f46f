//! Roles, token scopes, and the one permission table every API route is checked against
//! (docs/contract.md §1).
//!
//! Every route names an [`Action`]; [`authorize`] decides it from the caller's workspace
//! role, their access to the project (if the action is project-scoped) and the scopes of
//! the token they used. No handler checks roles by hand. The table is an exhaustive
//! `match`, so adding an action without deciding who may do it does not compile, and
//! [`Action::ALL`] lets tests generate the full permission matrix from it.

use serde::{Deserialize, Serialize};

/// A user's role in a workspace. `admin` and `owner` together are the API's `tenant_admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceRole {
    Member,
    Admin,
    Owner,
}

impl WorkspaceRole {
    pub fn is_tenant_admin(self) -> bool {
        self >= WorkspaceRole::Admin
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WorkspaceRole::Member => "member",
            WorkspaceRole::Admin => "admin",
            WorkspaceRole::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<WorkspaceRole> {
        [
            WorkspaceRole::Member,
            WorkspaceRole::Admin,
            WorkspaceRole::Owner,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A user's role in one project. Ordered: each role can do what the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProjectRole {
    #[serde(rename = "project_viewer")]
    Viewer,
    #[serde(rename = "project_contributor")]
    Contributor,
    #[serde(rename = "project_admin")]
    Admin,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Viewer => "project_viewer",
            ProjectRole::Contributor => "project_contributor",
            ProjectRole::Admin => "project_admin",
        }
    }
    pub fn parse(s: &str) -> Option<ProjectRole> {
        [
            ProjectRole::Viewer,
            ProjectRole::Contributor,
            ProjectRole::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// What a personal access token may be used for. A session (browser) carries every scope;
/// a PAT carries the ones chosen at creation, and a request needs role *and* scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TokenScope {
    /// List and read workflows, runs, events, tasks, analytics, integrations metadata.
    #[serde(rename = "workflow:read")]
    WorkflowRead,
    /// Create, edit, publish and archive workflows; manage webhooks, triggers and agents.
    /// (Also granted by `workflow:run`, see [`TokenScope::grants`].)
    #[serde(rename = "workflow:write")]
    WorkflowWrite,
    /// Start and control runs, complete human tasks, and (as hosted) author workflows.
    #[serde(rename = "workflow:run")]
    WorkflowRun,
    /// Run MCP tools directly and (as hosted) manage MCP servers, instances, connections.
    #[serde(rename = "mcp:execute")]
    McpExecute,
    /// Manage MCP servers, instances and connections. (Also granted by `mcp:execute`.)
    #[serde(rename = "mcp:write")]
    McpWrite,
    /// Workspace administration: members, invites, projects, vault, provider keys, tokens.
    #[serde(rename = "admin")]
    Admin,
}

impl TokenScope {
    pub const ALL: [TokenScope; 6] = [
        TokenScope::WorkflowRead,
        TokenScope::WorkflowWrite,
        TokenScope::WorkflowRun,
        TokenScope::McpExecute,
        TokenScope::McpWrite,
        TokenScope::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::WorkflowRead => "workflow:read",
            TokenScope::WorkflowWrite => "workflow:write",
            TokenScope::WorkflowRun => "workflow:run",
            TokenScope::McpExecute => "mcp:execute",
            TokenScope::McpWrite => "mcp:write",
            TokenScope::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether a token holding `self` may do what needs `needed`. The hosted scopes cover
    /// everything their names suggest (docs/contract.md §1): `workflow:run` includes
    /// authoring workflows (`workflow:write`) and `mcp:execute` includes managing MCP
    /// servers, instances and connections (`mcp:write`), so a token made as the hosted
    /// documentation says works here. The finer scopes grant only themselves.
    pub const fn grants(self, needed: TokenScope) -> bool {
        matches!(
            (self, needed),
            (TokenScope::WorkflowRead, TokenScope::WorkflowRead)
                | (TokenScope::WorkflowWrite, TokenScope::WorkflowWrite)
                | (TokenScope::WorkflowRun, TokenScope::WorkflowRun)
                | (TokenScope::WorkflowRun, TokenScope::WorkflowWrite)
                | (TokenScope::McpExecute, TokenScope::McpExecute)
                | (TokenScope::McpExecute, TokenScope::McpWrite)
                | (TokenScope::McpWrite, TokenScope::McpWrite)
                | (TokenScope::Admin, TokenScope::Admin)
        )
    }

    /// Whether any of `held` grants `needed`.
    pub fn granted_by(needed: TokenScope, held: &[TokenScope]) -> bool {
        held.iter().any(|h| h.grants(needed))
    }
}

/// Who must the caller be, before scopes are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleRequirement {
    /// Any signed-in user, whatever their workspaces (e.g. creating a workspace, own tokens).
    Authenticated,
    /// An active member of the workspace.
    WorkspaceMember,
    /// A workspace admin or owner (`tenant_admin`).
    TenantAdmin,
    /// The workspace's owner only (operator-grade actions such as granting credits).
    WorkspaceOwner,
    /// At least this role in the project the request names.
    Project(ProjectRole),
}

/// One row of the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub role: RoleRequirement,
    pub scope: TokenScope,
    /// A read-only action: allowed through read-only access (workspace admins opening a
    /// private project they are not a member of).
    pub read_only: bool,
}

const fn req(role: RoleRequirement, scope: TokenScope) -> Requirement {
    let read_only = matches!(scope, TokenScope::WorkflowRead);
    Requirement {
        role,
        scope,
        read_only,
    }
}

/// Defines the action enum, its list, and its permission row in one place.
macro_rules! actions {
    ($( $(#[$doc:meta])* $name:ident => $role:expr, $scope:ident; )*) => {
        /// Everything the API lets a caller do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $(#[$doc])* $name, )* }

        impl Action {
            /// Every action, for generating the permission matrix.
            pub const ALL: &'static [Action] = &[ $( Action::$name, )* ];

            /// The permission table: who may do this, with which token scope.
            pub const fn requirement(self) -> Requirement {
                match self { $( Action::$name => req($role, TokenScope::$scope), )* }
            }

            pub fn name(self) -> &'static str {
                match self { $( Action::$name => stringify!($name), )* }
            }
        }
    };
}

use ProjectRole::{Admin as PAdmin, Contributor, Viewer};
use RoleRequirement::{Authenticated, Project, TenantAdmin, WorkspaceMember, WorkspaceOwner};

actions! {
    // --- workspace level
    /// Create a workspace (the caller becomes its owner).
    WorkspaceCreate => Authenticated, Admin;
    WorkspaceRead => WorkspaceMember, WorkflowRead;
    WorkspaceUpdate => TenantAdmin, Admin;
    MembersList => WorkspaceMember, WorkflowRead;
    /// Change a member's workspace role, deactivate or reactivate them.
    MembersManage => TenantAdmin, Admin;
    InvitesManage => TenantAdmin, Admin;
    /// List the projects the caller can see.
    ProjectsList => WorkspaceMember, WorkflowRead;
    ProjectCreate => TenantAdmin, Admin;
    /// List vault secret names (never values).
    VaultRead => TenantAdmin, Admin;
    VaultWrite => TenantAdmin, Admin;
    /// Workspace LLM provider keys (stored in the vault).
    LlmKeysManage => TenantAdmin, Admin;
    /// Which LLM providers exist and whether a key is configured (booleans only): every
    /// member may read it, as hosted (viewer and up).
    LlmCatalogRead => WorkspaceMember, WorkflowRead;
    /// Where a step's model would come from: for those who author steps in the project
    /// named by `X-Project-Id`, as hosted (contributor and up).
    LlmResolve => Project(Contributor), WorkflowWrite;
    /// List the workspaces the caller belongs to (a PAT sees its own workspace only).
    WorkspacesList => Authenticated, WorkflowRead;
    /// Create, list and revoke the caller's own tokens (bound to the request's workspace).
    PatsManage => WorkspaceMember, Admin;
    /// Tenant-wide feeds, filtered to the projects the caller can see.
    RunsListTenant => WorkspaceMember, WorkflowRead;
    TasksListTenant => WorkspaceMember, WorkflowRead;
    /// Trials, subscriptions, plan changes and cancellation (docs/contract.md §14).
    BillingManage => TenantAdmin, Admin;
    /// Grant credits to the workspace by hand (the `manual` payment provider).
    BillingGrant => WorkspaceOwner, Admin;

    // --- project level
    ProjectRead => Project(Viewer), WorkflowRead;
    /// Rename, change visibility.
    ProjectUpdate => Project(PAdmin), Admin;
    ProjectMembersRead => Project(Viewer), WorkflowRead;
    ProjectMembersManage => Project(PAdmin), Admin;
    WorkflowRead => Project(Viewer), WorkflowRead;
    /// Dry-run validation: computes, changes nothing.
    WorkflowValidate => Project(Viewer), WorkflowRead;
    /// Create, edit the draft or run setup, archive.
    WorkflowWrite => Project(Contributor), WorkflowWrite;
    WorkflowPublish => Project(Contributor), WorkflowWrite;
    RunStart => Project(Contributor), WorkflowRun;
    /// Pause, resume, stop, retry.
    RunControl => Project(Contributor), WorkflowRun;
    /// Runs, summaries, events, context, live streams.
    RunRead => Project(Viewer), WorkflowRead;
    TaskRead => Project(Viewer), WorkflowRead;
    TaskComplete => Project(Contributor), WorkflowRun;
    WebhooksRead => Project(Contributor), WorkflowRead;
    WebhooksManage => Project(Contributor), WorkflowWrite;
    TriggersRead => Project(Viewer), WorkflowRead;
    TriggersManage => Project(Contributor), WorkflowWrite;
    ConnectionsRead => Project(Viewer), WorkflowRead;
    ConnectionsManage => Project(Contributor), McpWrite;
    McpRead => Project(Viewer), WorkflowRead;
    McpManage => Project(Contributor), McpWrite;
    /// Call an MCP tool directly (outside a run).
    McpExecute => Project(Contributor), McpExecute;
    /// The project's analytics (docs/contract.md §14: contributors and above).
    AnalyticsRead => Project(Contributor), WorkflowRead;
    /// Balances, plans, prices, the ledger, the subscription (docs/contract.md §14:
    /// contributors and above, through `X-Project-Id`).
    BillingRead => Project(Contributor), WorkflowRead;
    /// Open a PAYG top-up (a payment intent) for the workspace of the project, as hosted
    /// (contributor and up); money moves, so a token needs the admin scope.
    BillingTopup => Project(Contributor), Admin;
    /// The metered dimensions (viewers and above, as hosted).
    BillingDimensionsRead => Project(Viewer), WorkflowRead;
    AgentsRead => Project(Viewer), WorkflowRead;
    AgentsManage => Project(Contributor), WorkflowWrite;
    ChatRead => Project(Viewer), WorkflowRead;
    ChatWrite => Project(Contributor), WorkflowRun;
}

impl Action {
    /// True when the action needs a project (`X-Project-Id` or the object's project).
    pub const fn is_project_scoped(self) -> bool {
        matches!(self.requirement().role, RoleRequirement::Project(_))
    }
}

/// A project as the caller sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFacts {
    pub visibility: Visibility,
    /// The caller's explicit membership role in the project, if any.
    pub explicit_role: Option<ProjectRole>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

/// Workspace policy knobs that change access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkspacePolicy {
    /// Workspace admins get full (project admin) access to private projects they are not in,
    /// instead of read-only access.
    pub admins_full_access_to_private: bool,
}

/// How a caller may use a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    /// Not visible at all: answer 404.
    None,
    /// Visible read-only (a workspace admin looking into a private project).
    ReadOnly,
    /// A role in the project.
    Role(ProjectRole),
}

/// The effective access of a workspace member to a project (docs/contract.md §1):
/// an explicit project role wins; a public project gives every member contributor;
/// a private project is invisible to non-members except workspace admins (read-only,
/// or full access when the workspace policy says so).
pub fn project_access(
    workspace_role: WorkspaceRole,
    project: ProjectFacts,
    policy: WorkspacePolicy,
) -> ProjectAccess {
    if let Some(role) = project.explicit_role {
        return ProjectAccess::Role(role);
    }
    match project.visibility {
        Visibility::Public => ProjectAccess::Role(ProjectRole::Contributor),
        Visibility::Private if workspace_role.is_tenant_admin() => {
            if policy.admins_full_access_to_private {
                ProjectAccess::Role(ProjectRole::Admin)
            } else {
                ProjectAccess::ReadOnly
            }
        }
        Visibility::Private => ProjectAccess::None,
    }
}

/// The caller of a request, after authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's role in the request's workspace; `None` when they are not an active
    /// member of it.
    pub workspace_role: Option<WorkspaceRole>,
    /// `None` for a session (all scopes); the token's scopes for a PAT.
    pub token_scopes: Option<Vec<TokenScope>>,
}

/// The outcome of an authorization check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// 403: the caller can see the object but their role or token does not allow this.
    Forbidden(DenyReason),
    /// 404: the workspace or project is not visible to the caller.
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The token lacks the scope; the message names it.
    MissingScope(TokenScope),
    /// The caller's role is too low.
    Role,
    /// Read-only access to a private project.
    ReadOnly,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// The one decision function. `project` is the caller's access to the project the request
/// names (required for project-scoped actions; ignored otherwise).
pub fn authorize(caller: &Caller, action: Action, project: Option<ProjectAccess>) -> Decision {
    let requirement = action.requirement();
    // Visibility first, so an invisible object is 404 whatever the token says.
    let role_ok = match requirement.role {
        RoleRequirement::Authenticated => true,
        RoleRequirement::WorkspaceMember
        | RoleRequirement::TenantAdmin
        | RoleRequirement::WorkspaceOwner
        | RoleRequirement::Project(_)
            if caller.workspace_role.is_none() =>
        {
            return Decision::NotFound;
        }
        RoleRequirement::WorkspaceMember => true,
        RoleRequirement::TenantAdmin => caller
            .workspace_role
            .is_some_and(WorkspaceRole::is_tenant_admin),
        RoleRequirement::WorkspaceOwner => caller.workspace_role == Some(WorkspaceRole::Owner),
        RoleRequirement::Project(min) => match project.unwrap_or(ProjectAccess::None) {
            ProjectAccess::None => return Decision::NotFound,
            ProjectAccess::ReadOnly if requirement.read_only => true,
            ProjectAccess::ReadOnly => return Decision::Forbidden(DenyReason::ReadOnly),
            ProjectAccess::Role(role) => role >= min,
        },
    };
    if !role_ok {
        return Decision::Forbidden(DenyReason::Role);
    }
    if let Some(scopes) = &caller.token_scopes
        && !TokenScope::granted_by(requirement.scope, scopes)
    {
        return Decision::Forbidden(DenyReason::MissingScope(requirement.scope));
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: WorkspaceRole) -> Caller {
        Caller {
            workspace_role: Some(role),
            token_scopes: None,
        }
    }

    #[test]
    fn every_action_has_a_distinct_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn project_access_follows_visibility_and_explicit_roles() {
        let private = |r| ProjectFacts {
            visibility: Visibility::Private,
            explicit_role: r,
        };
        let public = |r| ProjectFacts {
            visibility: Visibility::Public,
            explicit_role: r,
        };
        let off = WorkspacePolicy::default();
        let on = WorkspacePolicy {
            admins_full_access_to_private: true,
        };
        let cases = [
            (
                WorkspaceRole::Member,
                public(None),
                off,
                ProjectAccess::Role(ProjectRole::Contributor),
            ),
            (
                WorkspaceRole::Member,
                public(Some(ProjectRole::Viewer)),
                off,
                ProjectAccess::Role(ProjectRole::Viewer),
            ),
            (
                WorkspaceRole::Member,
                private(None),
                off,
                ProjectAccess::None,
            ),
            (
                WorkspaceRole::Member,
                private(Some(ProjectRole::Admin)),
                off,
                ProjectAccess::Role(ProjectRole::Admin),
            ),
            (
                WorkspaceRole::Admin,
                private(None),
                off,
                ProjectAccess::ReadOnly,
            ),
            (
                WorkspaceRole::Owner,
                private(None),
                off,
                ProjectAccess::ReadOnly,
            ),
            (
                WorkspaceRole::Admin,
                private(None),
                on,
                ProjectAccess::Role(ProjectRole::Admin),
            ),
            (
                WorkspaceRole::Member,
                private(None),
                on,
                ProjectAccess::None,
            ),
        ];
        for (role, facts, policy, want) in cases {
            assert_eq!(
                project_access(role, facts, policy),
                want,
                "{role:?} {facts:?} {policy:?}"
            );
        }
    }

    #[test]
    fn viewer_reads_but_cannot_edit_or_run() {
        let c = member(WorkspaceRole::Member);
        let viewer = Some(ProjectAccess::Role(ProjectRole::Viewer));
        assert_eq!(authorize(&c, Action::WorkflowRead, viewer), Decision::Allow);
        assert_eq!(
            authorize(&c, Action::WorkflowWrite, viewer),
            Decision::Forbidden(DenyReason::Role)
        );
        assert_eq!(
            authorize(&c, Action::RunStart, viewer),
            Decision::Forbidden(DenyReason::Role)
        );
        assert_eq!(
            authorize(&c, Action::TaskComplete, viewer),
            Decision::Forbidden(DenyReason::Role)
        );
    }

    #[test]
    fn role_and_scope_are_both_required() {
        let token = Caller {
            workspace_role: Some(WorkspaceRole::Member),
            token_scopes: Some(vec![TokenScope::WorkflowRead]),
        };
        let contributor = Some(ProjectAccess::Role(ProjectRole::Contributor));
        assert_eq!(
            authorize(&token, Action::RunRead, contributor),
            Decision::Allow
        );
        assert_eq!(
            authorize(&token, Action::RunStart, contributor),
            Decision::Forbidden(DenyReason::MissingScope(TokenScope::WorkflowRun))
        );
        // A powerful token cannot lift a low role.
        let all = Caller {
            workspace_role: Some(WorkspaceRole::Member),
            token_scopes: Some(TokenScope::ALL.to_vec()),
        };
        assert_eq!(
            authorize(
                &all,
                Action::RunStart,
                Some(ProjectAccess::Role(ProjectRole::Viewer))
            ),
            Decision::Forbidden(DenyReason::Role)
        );
    }

    #[test]
    fn invisible_things_are_not_found_not_forbidden() {
        let outsider = Caller {
            workspace_role: None,
            token_scopes: None,
        };
        assert_eq!(
            authorize(&outsider, Action::WorkflowRead, None),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&outsider, Action::MembersList, None),
            Decision::NotFound
        );
        let m = member(WorkspaceRole::Member);
        assert_eq!(
            authorize(&m, Action::WorkflowRead, Some(ProjectAccess::None)),
            Decision::NotFound
        );
        // Even with a token lacking the scope, invisibility wins (no existence leak).
        let weak = Caller {
            workspace_role: Some(WorkspaceRole::Member),
            token_scopes: Some(vec![]),
        };
        assert_eq!(
            authorize(&weak, Action::WorkflowRead, Some(ProjectAccess::None)),
            Decision::NotFound
        );
    }

    #[test]
    fn admins_read_private_projects_read_only() {
        let admin = member(WorkspaceRole::Admin);
        let ro = Some(ProjectAccess::ReadOnly);
        for action in Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_project_scoped())
        {
            let d = authorize(&admin, action, ro);
            if action.requirement().read_only {
                assert_eq!(d, Decision::Allow, "{action:?}");
            } else {
                assert_eq!(d, Decision::Forbidden(DenyReason::ReadOnly), "{action:?}");
            }
        }
    }

    #[test]
    fn tenant_admin_actions_need_admin_or_owner() {
        for role in [
            WorkspaceRole::Member,
            WorkspaceRole::Admin,
            WorkspaceRole::Owner,
        ] {
            let d = authorize(&member(role), Action::InvitesManage, None);
            assert_eq!(d.is_allowed(), role != WorkspaceRole::Member, "{role:?}");
        }
    }

    #[test]
    fn hosted_scopes_include_the_finer_write_scopes() {
        let contributor = |scopes: Vec<TokenScope>| Caller {
            workspace_role: Some(WorkspaceRole::Member),
            token_scopes: Some(scopes),
        };
        let access = Some(ProjectAccess::Role(ProjectRole::Contributor));
        // A token made as the hosted docs say: workflow:run authors, mcp:execute manages MCP.
        let run = contributor(vec![TokenScope::WorkflowRun]);
        assert_eq!(
            authorize(&run, Action::WorkflowWrite, access),
            Decision::Allow
        );
        assert_eq!(
            authorize(&run, Action::WorkflowPublish, access),
            Decision::Allow
        );
        let execute = contributor(vec![TokenScope::McpExecute]);
        assert_eq!(
            authorize(&execute, Action::McpManage, access),
            Decision::Allow
        );
        assert_eq!(
            authorize(&execute, Action::ConnectionsManage, access),
            Decision::Allow
        );
        // The widening goes one way: the finer scopes grant only themselves.
        let write = contributor(vec![TokenScope::WorkflowWrite]);
        assert_eq!(
            authorize(&write, Action::RunStart, access),
            Decision::Forbidden(DenyReason::MissingScope(TokenScope::WorkflowRun))
        );
        let mcp_write = contributor(vec![TokenScope::McpWrite]);
        assert_eq!(
            authorize(&mcp_write, Action::McpExecute, access),
            Decision::Forbidden(DenyReason::MissingScope(TokenScope::McpExecute))
        );
        // Neither hosted scope reaches administration or reading.
        assert_eq!(
            authorize(&run, Action::RunRead, access),
            Decision::Forbidden(DenyReason::MissingScope(TokenScope::WorkflowRead))
        );
        for held in TokenScope::ALL {
            assert!(held.grants(held), "{held:?} grants itself");
            assert!(!held.grants(TokenScope::Admin) || held == TokenScope::Admin);
        }
    }

    #[test]
    fn scope_and_role_names_round_trip() {
        for s in TokenScope::ALL {
            assert_eq!(TokenScope::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        for r in [
            ProjectRole::Viewer,
            ProjectRole::Contributor,
            ProjectRole::Admin,
        ] {
            assert_eq!(ProjectRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(WorkspaceRole::parse("owner"), Some(WorkspaceRole::Owner));
        assert_eq!(TokenScope::parse("workflow:delete"), None);
    }
}
