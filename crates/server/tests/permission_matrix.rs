//! The permission matrix: every gated route of the route table, called as every kind of
//! caller, must answer exactly what docs/contract.md §1's roles and scopes say. The expected
//! status is computed here from the route's permission-table row (role requirement and
//! scope), not by calling the server's decision function. A route added to the table
//! without a sample request below fails this test.

mod common;

use ar_model::authz::{
    Action, ProjectRole, Requirement, RoleRequirement, TokenScope, WorkspaceRole,
};
use ar_server::routes::{RouteSpec, specs};
use ar_store::now_ms;
use ar_store::tenant::{MembershipRecord, PatRecord};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// The kinds of caller of docs/contract.md §1's matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NoAuth,
    ExpiredPat,
    RevokedPat,
    /// The contributor's token with every scope but those granting what the route needs.
    PatMissingScope,
    Viewer,
    Contributor,
    ProjectAdmin,
    /// A workspace member who is not in the private project.
    MemberNotInProject,
    /// A workspace admin who is not in the private project.
    WorkspaceAdmin,
    /// The owner of another workspace.
    OtherWorkspaceAdmin,
}

const KINDS: [Kind; 10] = [
    Kind::NoAuth,
    Kind::ExpiredPat,
    Kind::RevokedPat,
    Kind::PatMissingScope,
    Kind::Viewer,
    Kind::Contributor,
    Kind::ProjectAdmin,
    Kind::MemberNotInProject,
    Kind::WorkspaceAdmin,
    Kind::OtherWorkspaceAdmin,
];

/// What the caller is in workspace `acme` and its private project P.
enum Standing {
    /// Workspace role and access to P (`None` = invisible, `Some(None)` = read-only).
    Member(WorkspaceRole, Option<Option<ProjectRole>>),
    Outsider,
}

fn standing(kind: Kind) -> Standing {
    match kind {
        Kind::Viewer => Standing::Member(WorkspaceRole::Member, Some(Some(ProjectRole::Viewer))),
        Kind::Contributor | Kind::PatMissingScope => {
            Standing::Member(WorkspaceRole::Member, Some(Some(ProjectRole::Contributor)))
        }
        Kind::ProjectAdmin => {
            Standing::Member(WorkspaceRole::Member, Some(Some(ProjectRole::Admin)))
        }
        Kind::MemberNotInProject => Standing::Member(WorkspaceRole::Member, None),
        Kind::WorkspaceAdmin => Standing::Member(WorkspaceRole::Admin, Some(None)),
        Kind::OtherWorkspaceAdmin | Kind::NoAuth | Kind::ExpiredPat | Kind::RevokedPat => {
            Standing::Outsider
        }
    }
}

/// `None` = allowed (the route's success status is expected); otherwise the refusal.
fn expected_refusal(kind: Kind, req: Requirement) -> Option<u16> {
    match kind {
        Kind::NoAuth | Kind::ExpiredPat | Kind::RevokedPat => return Some(401),
        Kind::PatMissingScope => return Some(403),
        _ => {}
    }
    match (standing(kind), req.role) {
        (_, RoleRequirement::Authenticated) => None,
        (Standing::Outsider, _) => Some(404),
        (Standing::Member(..), RoleRequirement::WorkspaceMember) => None,
        (Standing::Member(role, _), RoleRequirement::TenantAdmin) => {
            (role < WorkspaceRole::Admin).then_some(403)
        }
        (Standing::Member(role, _), RoleRequirement::WorkspaceOwner) => {
            (role < WorkspaceRole::Owner).then_some(403)
        }
        (Standing::Member(_, None), RoleRequirement::Project(_)) => Some(404),
        (Standing::Member(_, Some(None)), RoleRequirement::Project(_)) => {
            (!req.read_only).then_some(403)
        }
        (Standing::Member(_, Some(Some(role))), RoleRequirement::Project(min)) => {
            (role < min).then_some(403)
        }
    }
}

/// The fixture: workspace `acme` (private project P with workflow W, published once),
/// workspace `globex`, and a credential per caller kind.
struct World {
    server: TestServer,
    project: String,
    workflow: String,
    target_user: String,
    auth: Vec<(Kind, Auth)>,
    /// A spare token id per session caller, for the revoke route.
    spare_pat: Vec<(Kind, String)>,
    /// A webhook subscription and a cron trigger of W, with spares to delete.
    automation: Automation,
    /// Runs of W: one to read, and spares to complete and retry.
    runs: RunFixtures,
    /// An MCP server, instance and profile in P, with spares to delete.
    mcp: McpFixtures,
    /// A connection in P, with spares to delete.
    connections: ConnectionFixtures,
    /// A workspace LLM key of acme (only a tenant admin gets to delete it).
    llm_key: String,
    /// An agent of P, with spares to delete.
    agents: AgentFixtures,
    /// Chat threads of P.
    chat: ChatFixtures,
}

impl World {
    fn auth(&self, kind: Kind) -> Auth {
        self.auth
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, a)| a.clone())
            .unwrap_or(Auth::None)
    }
    fn spare_pat(&self, kind: Kind) -> String {
        self.spare_pat
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| "no-such-token".into())
    }
}

async fn create_pat(s: &TestServer, who: &Auth, scopes: &[TokenScope]) -> (String, String) {
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(who)
        .tenant("acme")
        .json(json!({"name": "m", "scopes": scopes}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_str().expect("id").into(),
        r.body["token"].as_str().expect("token").into(),
    )
}

async fn world(backend: Backend, needed_scope: TokenScope) -> World {
    let s = start(backend).await;
    let (owner_id, owner) = s.signup("owner@acme.test", "password-123").await;
    let owner = Auth::Session(owner);
    let r = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&owner)
        .json(json!({"slug": "acme", "name": "Acme"}))
        .send()
        .await;
    assert_eq!(r.status, 201);
    let ws = r.body["id"].as_str().expect("ws").to_string();
    let r = s
        .call(Method::POST, "/v1/projects")
        .auth(&owner)
        .tenant("acme")
        .json(json!({"name": "P", "visibility": "private"}))
        .send()
        .await;
    let project = r.body["id"].as_str().expect("project").to_string();
    let r = s
        .call(Method::POST, "/v1/workflows")
        .auth(&owner)
        .tenant("acme")
        .project(&project)
        .json(json!({"name": "W", "graph": {"steps": [{"id": "a", "type": "human_task"}]}}))
        .send()
        .await;
    let workflow = r.body["id"].as_str().expect("workflow").to_string();
    let r = s
        .call(Method::POST, format!("/v1/workflows/{workflow}/versions"))
        .auth(&owner)
        .tenant("acme")
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, 201);
    let _ = owner_id;

    let member = |user_id: &str, role: &str| MembershipRecord {
        workspace_id: ws.clone(),
        user_id: user_id.into(),
        role: role.into(),
        active: true,
        created_at: 0,
    };
    let mut auth = vec![(Kind::NoAuth, Auth::None)];
    let mut spare_pat = Vec::new();
    let people = [
        (Kind::Viewer, "member", Some("project_viewer")),
        (Kind::Contributor, "member", Some("project_contributor")),
        (Kind::ProjectAdmin, "member", Some("project_admin")),
        (Kind::MemberNotInProject, "member", None),
        (Kind::WorkspaceAdmin, "admin", None),
    ];
    let mut contributor = (String::new(), Auth::None);
    for (kind, ws_role, project_role) in people {
        let (id, cookie) = s
            .signup(
                &format!("{kind:?}@acme.test").to_lowercase(),
                "password-123",
            )
            .await;
        s.tenants()
            .upsert_member(&member(&id, ws_role))
            .await
            .expect("member");
        if let Some(role) = project_role {
            s.tenants()
                .set_project_member(&project, &id, role, 0)
                .await
                .expect("project member");
        }
        let session = Auth::Session(cookie);
        spare_pat.push((
            kind,
            create_pat(&s, &session, &[TokenScope::WorkflowRead])
                .await
                .0,
        ));
        if kind == Kind::Contributor {
            contributor = (id.clone(), session.clone());
        }
        auth.push((kind, session));
    }
    let (target_user, _) = s.signup("target@acme.test", "password-123").await;
    s.tenants()
        .upsert_member(&member(&target_user, "member"))
        .await
        .expect("target");
    s.tenants()
        .set_project_member(&project, &target_user, "project_viewer", 0)
        .await
        .expect("target in P");

    let (_, other) = s.signup("owner@globex.test", "password-123").await;
    let other = Auth::Session(other);
    let r = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&other)
        .json(json!({"slug": "globex", "name": "Globex"}))
        .send()
        .await;
    assert_eq!(r.status, 201);
    auth.push((Kind::OtherWorkspaceAdmin, other));

    // Tokens of the contributor: revoked, expired, and one without the needed scope.
    let (revoked_id, revoked) = create_pat(&s, &contributor.1, &TokenScope::ALL).await;
    let r = s
        .call(Method::DELETE, format!("/v1/pats/{revoked_id}"))
        .auth(&contributor.1)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(r.status, 204);
    auth.push((Kind::RevokedPat, Auth::Pat(revoked)));
    let expired = "pat_expired_token_for_the_matrix".to_string();
    s.tenants()
        .create_pat(&PatRecord {
            id: "expired".into(),
            user_id: contributor.0.clone(),
            workspace_id: ws.clone(),
            name: "expired".into(),
            token_hash: ar_server::auth::tokens::hash_secret(&expired),
            scopes: TokenScope::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            expires_at: Some(now_ms() - 1000),
            revoked_at: None,
            last_used_at: None,
            created_at: 0,
        })
        .await
        .expect("expired pat");
    auth.push((Kind::ExpiredPat, Auth::Pat(expired)));
    // Every scope that does not grant the needed one (`workflow:run` grants
    // `workflow:write`, `mcp:execute` grants `mcp:write`: docs/contract.md §1).
    let partial: Vec<TokenScope> = TokenScope::ALL
        .into_iter()
        .filter(|s| !s.grants(needed_scope))
        .collect();
    let (_, missing) = create_pat(&s, &contributor.1, &partial).await;
    auth.push((Kind::PatMissingScope, Auth::Pat(missing)));

    let automation = automation_fixtures(&s, &owner, &workflow).await;
    let runs = run_fixtures(&s, &owner, &workflow).await;
    let connections = connection_fixtures(&s, &owner, &ws, &project).await;
    let mcp = mcp_fixtures(&s, &ws, &project).await;
    // A workspace secret for the delete route (only a tenant admin gets to delete it).
    let r = s
        .call(Method::PUT, "/v1/vault/secrets/SPARE")
        .auth(&owner)
        .tenant("acme")
        .json(json!({"value": "spare-secret"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Secrets for the grant routes: one granted to P (to list and revoke), one not (to
    // grant).
    for name in ["GRANTED", "UNGRANTED"] {
        let r = s
            .call(Method::PUT, format!("/v1/vault/secrets/{name}"))
            .auth(&owner)
            .tenant("acme")
            .json(json!({"value": "v"}))
            .send()
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = s
        .call(
            Method::PUT,
            format!("/v1/vault/secrets/GRANTED/grants/{project}"),
        )
        .auth(&owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // A workspace LLM key for the delete route.
    let r = s
        .call(Method::POST, "/v1/llm-provider-keys")
        .auth(&owner)
        .tenant("acme")
        .json(json!({"provider": "openai", "api_key": "sk-spare"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let llm_key = r.body["id"].as_str().expect("llm key").to_string();
    let agents = agent_fixtures(&s, &owner, &project).await;
    let chat = chat_fixtures(&s, &owner, &project, &auth).await;
    World {
        chat,
        agents,
        llm_key,
        automation,
        runs,
        mcp,
        connections,
        server: s,
        project,
        workflow,
        target_user,
        auth,
        spare_pat,
    }
}

/// A valid request for the route, as `kind` would send it: (path, body, X-Project-Id, success status).
fn sample(
    spec: &RouteSpec,
    w: &World,
    kind: Kind,
    n: usize,
) -> (String, Option<Value>, Option<String>, u16) {
    let wf = &w.workflow;
    let p = &w.project;
    let t = &w.target_user;
    let unique = format!("{kind:?}-{n}").to_lowercase();
    match (spec.method.as_str(), spec.path) {
        ("GET", "/v1/workspaces") => ("/v1/workspaces".into(), None, None, 200),
        ("POST", "/v1/workspaces") => (
            "/v1/workspaces".into(),
            Some(json!({"slug": unique, "name": "n"})),
            None,
            201,
        ),
        ("GET", "/v1/workspaces/{slug}") => ("/v1/workspaces/acme".into(), None, None, 200),
        ("PATCH", "/v1/workspaces/{slug}") => (
            "/v1/workspaces/acme".into(),
            Some(json!({"name": "Acme"})),
            None,
            200,
        ),
        ("GET", "/v1/projects") => ("/v1/projects".into(), None, None, 200),
        ("POST", "/v1/projects") => (
            "/v1/projects".into(),
            Some(json!({"name": unique})),
            None,
            201,
        ),
        ("PATCH", "/v1/projects/{id}") => (
            format!("/v1/projects/{p}"),
            Some(json!({"name": "P"})),
            None,
            200,
        ),
        ("GET", "/v1/projects/{id}/members") => {
            (format!("/v1/projects/{p}/members"), None, None, 200)
        }
        ("POST", "/v1/projects/{id}/members") => (
            format!("/v1/projects/{p}/members"),
            Some(json!({"user_id": t, "role": "project_viewer"})),
            None,
            201,
        ),
        ("PATCH", "/v1/projects/{id}/members/{user_id}") => (
            format!("/v1/projects/{p}/members/{t}"),
            Some(json!({"role": "project_viewer"})),
            None,
            200,
        ),
        ("DELETE", "/v1/projects/{id}/members/{user_id}") => {
            (format!("/v1/projects/{p}/members/{t}"), None, None, 204)
        }
        ("GET", "/v1/members") => ("/v1/members".into(), None, None, 200),
        ("PATCH", "/v1/members/{user_id}") => (
            format!("/v1/members/{t}"),
            Some(json!({"role": "member"})),
            None,
            200,
        ),
        ("DELETE", "/v1/members/{user_id}") => (format!("/v1/members/{t}"), None, None, 204),
        ("POST", "/v1/invites") => (
            "/v1/invites".into(),
            Some(json!({"email": format!("{unique}@invited.test")})),
            None,
            201,
        ),
        ("GET", "/v1/pats") => ("/v1/pats".into(), None, None, 200),
        ("POST", "/v1/pats") => (
            "/v1/pats".into(),
            Some(json!({"name": "x", "scopes": ["workflow:read"]})),
            None,
            201,
        ),
        ("DELETE", "/v1/pats/{id}") => (format!("/v1/pats/{}", w.spare_pat(kind)), None, None, 204),
        ("GET", "/v1/workflows") => ("/v1/workflows".into(), None, Some(p.clone()), 200),
        ("POST", "/v1/workflows") => (
            "/v1/workflows".into(),
            Some(json!({"name": unique, "graph": {"steps": []}})),
            Some(p.clone()),
            201,
        ),
        ("GET", "/v1/workflows/{id}") => (format!("/v1/workflows/{wf}"), None, None, 200),
        ("PATCH", "/v1/workflows/{id}") => (
            format!("/v1/workflows/{wf}"),
            Some(json!({"description": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/workflows/{id}") => (format!("/v1/workflows/{wf}"), None, None, 200),
        ("POST", "/v1/workflows/{id}/versions") => (
            format!("/v1/workflows/{wf}/versions"),
            Some(json!({"changelog": unique})),
            None,
            201,
        ),
        ("GET", "/v1/workflows/{id}/versions") => {
            (format!("/v1/workflows/{wf}/versions"), None, None, 200)
        }
        ("GET", "/v1/workflows/{id}/versions/{version}") => {
            (format!("/v1/workflows/{wf}/versions/1"), None, None, 200)
        }
        ("GET", "/v1/starters") => ("/v1/starters".into(), None, Some(p.clone()), 200),
        ("GET", "/v1/starters/{id}") => (
            "/v1/starters/expense-report-review".into(),
            None,
            Some(p.clone()),
            200,
        ),
        ("POST", "/v1/workflows/{id}/validate") => (
            format!("/v1/workflows/{wf}/validate"),
            Some(json!({})),
            None,
            200,
        ),
        ("GET", "/v1/inbound-webhooks") => {
            ("/v1/inbound-webhooks".into(), None, Some(p.clone()), 200)
        }
        ("POST", "/v1/inbound-webhooks") => (
            "/v1/inbound-webhooks".into(),
            Some(json!({"workflow_id": wf, "name": unique})),
            None,
            201,
        ),
        ("GET", "/v1/inbound-webhooks/{id}") => (
            format!("/v1/inbound-webhooks/{}", w.automation.webhook),
            None,
            None,
            200,
        ),
        ("PATCH", "/v1/inbound-webhooks/{id}") => (
            format!("/v1/inbound-webhooks/{}", w.automation.webhook),
            Some(json!({"name": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/inbound-webhooks/{id}") => (
            format!(
                "/v1/inbound-webhooks/{}",
                spare(&w.automation.spare_webhooks, kind)
            ),
            None,
            None,
            204,
        ),
        ("GET", "/v1/workflows/{id}/triggers") => {
            (format!("/v1/workflows/{wf}/triggers"), None, None, 200)
        }
        ("POST", "/v1/workflows/{id}/triggers") => (
            format!("/v1/workflows/{wf}/triggers"),
            Some(json!({"cron": "0 3 * * *"})),
            None,
            201,
        ),
        ("GET", "/v1/workflows/{id}/triggers/{trigger_id}") => (
            format!("/v1/workflows/{wf}/triggers/{}", w.automation.trigger),
            None,
            None,
            200,
        ),
        ("PATCH", "/v1/workflows/{id}/triggers/{trigger_id}") => (
            format!("/v1/workflows/{wf}/triggers/{}", w.automation.trigger),
            Some(json!({"enabled": true})),
            None,
            200,
        ),
        ("DELETE", "/v1/workflows/{id}/triggers/{trigger_id}") => (
            format!(
                "/v1/workflows/{wf}/triggers/{}",
                spare(&w.automation.spare_triggers, kind)
            ),
            None,
            None,
            204,
        ),
        ("GET", "/v1/connections") => ("/v1/connections".into(), None, Some(p.clone()), 200),
        ("POST", "/v1/connections") => (
            "/v1/connections".into(),
            Some(
                json!({"display_name": unique, "provider": "p", "auth_type": "token", "credentials": {"token": "t"}}),
            ),
            Some(p.clone()),
            201,
        ),
        ("GET", "/v1/connections/{id}") => (
            format!("/v1/connections/{}", w.connections.connection),
            None,
            None,
            200,
        ),
        ("GET", "/v1/connections/{id}/credentials") => (
            format!("/v1/connections/{}/credentials", w.connections.connection),
            None,
            None,
            200,
        ),
        ("PATCH", "/v1/connections/{id}") => (
            format!("/v1/connections/{}", w.connections.connection),
            Some(json!({"display_name": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/connections/{id}") => (
            format!("/v1/connections/{}", spare(&w.connections.spares, kind)),
            None,
            None,
            204,
        ),
        // Documentation-range addresses: public to the SSRF guard, never contacted.
        ("POST", "/v1/connections/oauth/start") => (
            "/v1/connections/oauth/start".into(),
            Some(json!({
                "display_name": unique, "provider": "p", "client_id": "c",
                "authorization_url": "https://203.0.113.10/authorize",
                "token_url": "https://203.0.113.10/token",
            })),
            Some(p.clone()),
            200,
        ),
        ("GET", "/v1/connections/google/config") => (
            "/v1/connections/google/config".into(),
            None,
            Some(p.clone()),
            200,
        ),
        // Google connect is not configured in this world: an authorized caller is told so.
        ("POST", "/v1/connections/google/oauth-url") => (
            "/v1/connections/google/oauth-url".into(),
            Some(json!({"services": ["gmail"]})),
            Some(p.clone()),
            409,
        ),
        // An authorized caller gets as far as the state, which nobody issued.
        ("POST", "/v1/connections/google/complete") => (
            "/v1/connections/google/complete".into(),
            Some(json!({"code": "c", "state": "nobody-issued-this-state"})),
            Some(p.clone()),
            400,
        ),
        ("GET", "/v1/connections/google/accounts/{connectionId}") => (
            format!("/v1/connections/google/accounts/{}", w.connections.google),
            None,
            None,
            200,
        ),
        ("PATCH", "/v1/connections/google/accounts/{connectionId}/services") => (
            format!(
                "/v1/connections/google/accounts/{}/services",
                w.connections.google
            ),
            Some(json!({"services": {"gmail": true}})),
            None,
            200,
        ),
        ("GET", "/v1/connections/whatsapp/config") => (
            "/v1/connections/whatsapp/config".into(),
            None,
            Some(p.clone()),
            200,
        ),
        ("POST", "/v1/connections/whatsapp/manual") => (
            "/v1/connections/whatsapp/manual".into(),
            Some(json!({"phone_number_id": "1", "waba_id": "2", "access_token": "t"})),
            Some(p.clone()),
            201,
        ),
        // Embedded signup is not configured in this world: an authorized caller is told so.
        ("POST", "/v1/connections/whatsapp/complete") => (
            "/v1/connections/whatsapp/complete".into(),
            Some(json!({"code": "c"})),
            Some(p.clone()),
            409,
        ),
        // A plain GET: once authorized, the stream asks for a WebSocket handshake (426).
        ("GET", "/v1/workflows/{id}/stream") => {
            (format!("/v1/workflows/{wf}/stream"), None, None, 426)
        }
        ("POST", "/v1/workflows/{id}/command") => (
            format!("/v1/workflows/{wf}/command"),
            Some(json!({"command": "start", "params": {"n": n}})),
            None,
            200,
        ),
        ("GET", "/v1/workflows/{id}/runs") => (format!("/v1/workflows/{wf}/runs"), None, None, 200),
        ("GET", "/v1/runs") => ("/v1/runs".into(), None, None, 200),
        ("GET", "/v1/tasks/pending") => ("/v1/tasks/pending".into(), None, None, 200),
        ("GET", path) if path.starts_with("/v1/workflows/{id}/runs/{run_id}") => (
            path.replace("{id}", wf).replace("{run_id}", &w.runs.run),
            None,
            None,
            200,
        ),
        ("POST", "/v1/workflows/{id}/runs/{run_id}/retry") => (
            format!(
                "/v1/workflows/{wf}/runs/{}/retry",
                spare(&w.runs.stopped, kind)
            ),
            Some(json!({})),
            None,
            200,
        ),
        ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete") => (
            format!(
                "/v1/workflows/{wf}/runs/{}/tasks/a/complete",
                spare(&w.runs.waiting, kind)
            ),
            Some(json!({"approved": true})),
            None,
            200,
        ),
        // MCP: registration and re-discovery reach the SSRF guard (the fixture URLs are
        // not allowed), which shows the gate let the caller through.
        (
            "GET",
            "/v1/mcp/platform-catalog" | "/v1/mcp/tools" | "/v1/mcp/servers" | "/v1/mcp/instances",
        ) => (spec.path.into(), None, Some(p.clone()), 200),
        ("POST", "/v1/mcp/servers" | "/v1/mcp/servers/discover") => (
            spec.path.into(),
            Some(json!({"url": "http://169.254.169.254/mcp"})),
            Some(p.clone()),
            422,
        ),
        ("GET", "/v1/mcp/servers/{id}" | "/v1/mcp/servers/{id}/versions") => {
            (spec.path.replace("{id}", &w.mcp.server), None, None, 200)
        }
        (
            "POST",
            "/v1/mcp/servers/{id}/versions"
            | "/v1/mcp/servers/{id}/validate"
            | "/v1/mcp/servers/{id}/discover",
        ) => (
            spec.path.replace("{id}", &w.mcp.server),
            Some(json!({})),
            None,
            422,
        ),
        ("POST", "/v1/mcp/instances/{id}/validate") => (
            spec.path.replace("{id}", &w.mcp.instance),
            Some(json!({})),
            None,
            422,
        ),
        ("POST", "/v1/mcp/servers/{id}/connections/{connection_id}/validate") => (
            spec.path
                .replace("{id}", &w.mcp.server)
                .replace("{connection_id}", &w.connections.connection),
            Some(json!({})),
            None,
            422,
        ),
        ("DELETE", "/v1/mcp/servers/{id}") => (
            format!("/v1/mcp/servers/{}", spare(&w.mcp.spare_servers, kind)),
            None,
            None,
            204,
        ),
        ("POST", "/v1/mcp/instances") => (
            spec.path.into(),
            Some(json!({"server_id": w.mcp.server, "name": unique})),
            Some(p.clone()),
            201,
        ),
        ("POST", "/v1/mcp/instances/resolve") => (
            spec.path.into(),
            Some(json!({"instance_id": w.mcp.instance})),
            Some(p.clone()),
            200,
        ),
        ("GET", "/v1/mcp/instances/{id}" | "/v1/mcp/instances/{id}/config-profiles") => {
            (spec.path.replace("{id}", &w.mcp.instance), None, None, 200)
        }
        ("PATCH", "/v1/mcp/instances/{id}") => (
            format!("/v1/mcp/instances/{}", w.mcp.instance),
            Some(json!({"name": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/mcp/instances/{id}") => (
            format!("/v1/mcp/instances/{}", spare(&w.mcp.spare_instances, kind)),
            None,
            None,
            204,
        ),
        ("POST", "/v1/mcp/instances/{id}/config-profiles") => (
            format!("/v1/mcp/instances/{}/config-profiles", w.mcp.instance),
            Some(json!({"name": unique, "headers": {"X-Region": "eu"}})),
            None,
            201,
        ),
        ("PATCH", "/v1/mcp/instances/{id}/config-profiles/{profile_id}") => (
            format!(
                "/v1/mcp/instances/{}/config-profiles/{}",
                w.mcp.instance, w.mcp.profile
            ),
            Some(json!({"name": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/mcp/instances/{id}/config-profiles/{profile_id}") => (
            format!(
                "/v1/mcp/instances/{}/config-profiles/{}",
                w.mcp.instance,
                spare(&w.mcp.spare_profiles, kind)
            ),
            None,
            None,
            204,
        ),
        ("POST", "/v1/mcp/instances/{id}/config-profiles/{profile_id}/set-active") => (
            format!(
                "/v1/mcp/instances/{}/config-profiles/{}/set-active",
                w.mcp.instance,
                spare(&w.mcp.spare_profiles, kind)
            ),
            None,
            None,
            200,
        ),
        ("GET", "/v1/vault/secrets") => ("/v1/vault/secrets".into(), None, None, 200),
        ("PUT", "/v1/vault/secrets/{name}") => (
            format!("/v1/vault/secrets/S_{}", unique.replace('-', "_")),
            Some(json!({"value": "v"})),
            None,
            201,
        ),
        ("DELETE", "/v1/vault/secrets/{name}") => {
            ("/v1/vault/secrets/SPARE".into(), None, None, 204)
        }
        ("GET", "/v1/vault/secrets/{name}/grants") => {
            ("/v1/vault/secrets/GRANTED/grants".into(), None, None, 200)
        }
        ("PUT", "/v1/vault/secrets/{name}/grants/{project_id}") => (
            format!("/v1/vault/secrets/UNGRANTED/grants/{p}"),
            None,
            None,
            201,
        ),
        ("DELETE", "/v1/vault/secrets/{name}/grants/{project_id}") => (
            format!("/v1/vault/secrets/GRANTED/grants/{p}"),
            None,
            None,
            204,
        ),
        ("GET", "/v1/projects/{id}/vault-grants") => {
            (format!("/v1/projects/{p}/vault-grants"), None, None, 200)
        }
        ("GET", "/v1/llm-provider-keys") => ("/v1/llm-provider-keys".into(), None, None, 200),
        ("GET", "/v1/llm-provider-keys/catalog") => {
            ("/v1/llm-provider-keys/catalog".into(), None, None, 200)
        }
        ("POST", "/v1/llm-provider-keys") => (
            "/v1/llm-provider-keys".into(),
            Some(json!({"provider": "openai", "api_key": "sk-x", "label": unique})),
            None,
            201,
        ),
        ("DELETE", "/v1/llm-provider-keys/{id}") => (
            format!("/v1/llm-provider-keys/{}", w.llm_key),
            None,
            None,
            204,
        ),
        // Allowed through the gate, then not found: no top-up has this id.
        ("GET", "/v1/billing/topups/payg/{payment_id}") => (
            format!("/v1/billing/topups/payg/{unique}"),
            None,
            Some(p.clone()),
            404,
        ),
        ("GET", path) if path.starts_with("/v1/billing/") => {
            (path.to_string(), None, Some(p.clone()), 200)
        }
        // Allowed through the gate, then refused: the matrix's server takes no payments.
        ("POST", "/v1/billing/topups/payg/intent") => (
            spec.path.to_string(),
            Some(json!({"amount_cents": 1000, "idempotency_key": unique})),
            Some(p.clone()),
            409,
        ),
        ("POST", "/v1/billing/discounts/validate") => (
            spec.path.to_string(),
            Some(json!({"code": "NO-SUCH-CODE"})),
            None,
            200,
        ),
        // Allowed through the gate, then not found: the matrix's server has no codes.
        ("POST", "/v1/billing/codes/apply") => (
            spec.path.to_string(),
            Some(json!({"code": "NO-SUCH-CODE"})),
            None,
            404,
        ),
        ("POST", "/v1/billing/trial" | "/v1/billing/subscription") => (
            spec.path.to_string(),
            Some(json!({"plan_code": "pro"})),
            None,
            200,
        ),
        // Allowed through the gate, then refused by the state: no subscription yet.
        ("POST", "/v1/billing/subscription/change-plan") => (
            spec.path.to_string(),
            Some(json!({"plan_code": "max"})),
            None,
            409,
        ),
        (
            "POST",
            "/v1/billing/subscription/cancel" | "/v1/billing/subscription/convert-trial-now",
        ) => (spec.path.to_string(), None, None, 409),
        // Owner only: no caller kind of the matrix is the owner, so every one is refused.
        ("POST", "/v1/billing/credits/grant") => (
            spec.path.to_string(),
            Some(json!({"microcredits": 1})),
            None,
            200,
        ),
        ("GET", path) if path.starts_with("/v1/analytics/") => {
            (path.to_string(), None, Some(p.clone()), 200)
        }
        ("POST", "/v1/llm/resolve") => (
            "/v1/llm/resolve".into(),
            Some(json!({"model_ref": "direct.openai.gpt-4o-mini"})),
            Some(p.clone()),
            200,
        ),
        ("GET", "/v1/agents") => ("/v1/agents".into(), None, Some(p.clone()), 200),
        ("POST", "/v1/agents") => (
            "/v1/agents".into(),
            Some(json!({"name": unique, "model": "gpt-4o-mini"})),
            Some(p.clone()),
            201,
        ),
        ("GET", "/v1/agents/{id}") => (format!("/v1/agents/{}", w.agents.agent), None, None, 200),
        ("PATCH", "/v1/agents/{id}") => (
            format!("/v1/agents/{}", w.agents.agent),
            Some(json!({"description": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/agents/{id}") => (
            format!("/v1/agents/{}", spare(&w.agents.spares, kind)),
            None,
            None,
            204,
        ),
        ("GET", "/v1/chat/threads") => ("/v1/chat/threads".into(), None, Some(p.clone()), 200),
        // Without agents: viewers may make threads and post (agents need ChatWrite).
        ("POST", "/v1/chat/threads") => (
            "/v1/chat/threads".into(),
            Some(json!({"kind": "channel", "title": unique})),
            Some(p.clone()),
            201,
        ),
        ("GET", "/v1/chat/threads/{id}") => (
            format!("/v1/chat/threads/{}", w.chat.channel),
            None,
            None,
            200,
        ),
        ("GET", "/v1/chat/threads/{id}/messages") => (
            format!("/v1/chat/threads/{}/messages", w.chat.channel),
            None,
            None,
            200,
        ),
        ("POST", "/v1/chat/threads/{id}/messages") => (
            format!("/v1/chat/threads/{}/messages", w.chat.channel),
            Some(json!({"text": unique})),
            None,
            201,
        ),
        // Each caller renames and deletes a thread of its own (the creator may); callers
        // that could make none aim at the owner's channel (and are refused before it).
        ("PATCH", "/v1/chat/threads/{id}") => (
            format!("/v1/chat/threads/{}", w.chat.own_or_channel(kind)),
            Some(json!({"title": unique})),
            None,
            200,
        ),
        ("DELETE", "/v1/chat/threads/{id}") => (
            format!("/v1/chat/threads/{}", w.chat.own_or_channel(kind)),
            None,
            None,
            204,
        ),
        // SSE once authorized: a bad `after_seq` makes the authorized answer end (400).
        ("GET", "/v1/chat/threads/{id}/stream") => (
            format!("/v1/chat/threads/{}/stream?after_seq=-1", w.chat.channel),
            None,
            None,
            400,
        ),
        // Accepted: the turn runs in the background (and fails: the matrix has no model).
        ("POST", "/v1/autopilot/chat") => (
            "/v1/autopilot/chat".into(),
            Some(json!({"message": unique, "mode": "ask"})),
            Some(p.clone()),
            202,
        ),
        // Past the gate, the handler finds no such thread: allowed callers get its 404.
        ("GET", "/v1/autopilot/stream") => (
            "/v1/autopilot/stream?thread_id=cth_none&message_id=cmsg_none".into(),
            None,
            Some(p.clone()),
            404,
        ),
        (m, path) => {
            panic!("route {m} {path} has no sample request in the permission matrix: add one")
        }
    }
}

/// The action docs/contract.md §9 implies for each route (stated here independently of the
/// server's table, so a route mapped to the wrong row is caught).
fn contract_action(method: &str, path: &str) -> Action {
    match (method, path) {
        ("GET", "/v1/workspaces") => Action::WorkspacesList,
        ("POST", "/v1/workspaces") => Action::WorkspaceCreate,
        ("GET", "/v1/workspaces/{slug}") => Action::WorkspaceRead,
        ("PATCH", "/v1/workspaces/{slug}") => Action::WorkspaceUpdate,
        ("GET", "/v1/projects") => Action::ProjectsList,
        ("POST", "/v1/projects") => Action::ProjectCreate,
        ("PATCH", "/v1/projects/{id}") => Action::ProjectUpdate,
        ("GET", "/v1/projects/{id}/members") => Action::ProjectMembersRead,
        ("POST" | "PATCH" | "DELETE", p) if p.starts_with("/v1/projects/{id}/members") => {
            Action::ProjectMembersManage
        }
        ("GET", "/v1/projects/{id}/vault-grants") => Action::McpRead,
        ("GET", "/v1/members") => Action::MembersList,
        ("PATCH" | "DELETE", "/v1/members/{user_id}") => Action::MembersManage,
        ("POST", "/v1/invites") => Action::InvitesManage,
        (_, "/v1/pats" | "/v1/pats/{id}") => Action::PatsManage,
        ("GET", "/v1/inbound-webhooks" | "/v1/inbound-webhooks/{id}") => Action::WebhooksRead,
        ("POST" | "PATCH" | "DELETE", "/v1/inbound-webhooks" | "/v1/inbound-webhooks/{id}") => {
            Action::WebhooksManage
        }
        ("GET", p) if p.starts_with("/v1/connections") => Action::ConnectionsRead,
        (_, p) if p.starts_with("/v1/connections") => Action::ConnectionsManage,
        ("GET", p) if p.starts_with("/v1/workflows/{id}/triggers") => Action::TriggersRead,
        (_, p) if p.starts_with("/v1/workflows/{id}/triggers") => Action::TriggersManage,
        ("GET", "/v1/workflows/{id}/stream") => Action::RunRead,
        ("POST", "/v1/workflows/{id}/command") => Action::RunStart,
        ("POST", "/v1/workflows/{id}/runs/{run_id}/retry") => Action::RunControl,
        ("GET", "/v1/runs") => Action::RunsListTenant,
        ("GET", "/v1/tasks/pending") => Action::TasksListTenant,
        ("GET", "/v1/workflows/{id}/runs/{run_id}/tasks/pending") => Action::TaskRead,
        ("POST", "/v1/workflows/{id}/runs/{run_id}/tasks/{task_id}/complete") => {
            Action::TaskComplete
        }
        ("GET", p) if p.starts_with("/v1/workflows/{id}/runs") => Action::RunRead,
        ("GET", p) if p.starts_with("/v1/workflows") => Action::WorkflowRead,
        // The starter gallery: project viewers and up, like reading workflows.
        ("GET", p) if p.starts_with("/v1/starters") => Action::WorkflowRead,
        ("POST" | "PATCH" | "DELETE", "/v1/workflows" | "/v1/workflows/{id}") => {
            Action::WorkflowWrite
        }
        ("POST", "/v1/workflows/{id}/versions") => Action::WorkflowPublish,
        ("POST", "/v1/workflows/{id}/validate") => Action::WorkflowValidate,
        (
            "POST",
            "/v1/mcp/servers/{id}/validate"
            | "/v1/mcp/instances/{id}/validate"
            | "/v1/mcp/servers/{id}/connections/{connection_id}/validate",
        ) => Action::McpExecute,
        ("GET", p) if p.starts_with("/v1/mcp/") => Action::McpRead,
        (_, p) if p.starts_with("/v1/mcp/") => Action::McpManage,
        ("GET", "/v1/vault/secrets") => Action::VaultRead,
        ("PUT" | "DELETE", "/v1/vault/secrets/{name}") => Action::VaultWrite,
        ("GET", "/v1/vault/secrets/{name}/grants") => Action::VaultRead,
        ("PUT" | "DELETE", "/v1/vault/secrets/{name}/grants/{project_id}") => Action::VaultWrite,
        ("GET", "/v1/llm-provider-keys/catalog") => Action::LlmCatalogRead,
        (_, p) if p.starts_with("/v1/llm-provider-keys") => Action::LlmKeysManage,
        ("POST", "/v1/llm/resolve") => Action::LlmResolve,
        // docs/contract.md §13: viewers read agents, contributors and above write.
        ("GET", "/v1/agents" | "/v1/agents/{id}") => Action::AgentsRead,
        ("POST" | "PATCH" | "DELETE", "/v1/agents" | "/v1/agents/{id}") => Action::AgentsManage,
        // docs/contract.md §13 and docs/agents.md "Chat": viewers read and post; starting
        // an agent's turn (ChatWrite) is checked inside the routes.
        (_, p) if p.starts_with("/v1/chat/") => Action::ChatRead,
        // docs/contract.md §13: Autopilot is for viewers and above; what it does is then
        // authorized per action as the caller.
        (_, "/v1/autopilot/chat" | "/v1/autopilot/stream") => Action::ChatRead,
        // docs/contract.md §14 and the hosted roles: contributors read billing, viewers
        // the usage dimensions, tenant admins change the plan, the owner grants credits.
        ("GET", "/v1/billing/usage-dimensions") => Action::BillingDimensionsRead,
        ("GET", p) if p.starts_with("/v1/billing/") => Action::BillingRead,
        ("POST", "/v1/billing/credits/grant") => Action::BillingGrant,
        ("POST", "/v1/billing/topups/payg/intent") => Action::BillingTopup,
        ("POST", p) if p.starts_with("/v1/billing/") => Action::BillingManage,
        // docs/contract.md §14: analytics are for contributors and above.
        ("GET", p) if p.starts_with("/v1/analytics/") => Action::AnalyticsRead,
        (m, p) => panic!("no contract action stated for {m} {p}"),
    }
}

async fn matrix(backend: Backend) {
    let gated: Vec<RouteSpec> = specs().into_iter().filter(|s| s.action.is_some()).collect();
    assert!(gated.len() >= 25, "the table lost routes: {}", gated.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for spec in &gated {
        let Some(action) = spec.action else { continue };
        assert_eq!(
            action,
            contract_action(spec.method.as_str(), spec.path),
            "{} {}",
            spec.method,
            spec.path
        );
        let req = action.requirement();
        let w = world(backend, req.scope).await;
        for (n, kind) in KINDS.into_iter().enumerate() {
            let (path, body, project, success) = sample(spec, &w, kind, n);
            let mut call = w
                .server
                .call(spec.method.clone(), path)
                .auth(&w.auth(kind))
                .tenant("acme");
            if let Some(p) = project {
                call = call.project(&p);
            }
            if let Some(b) = body {
                call = call.json(b);
            }
            let reply = call.send().await;
            let want = expected_refusal(kind, req).unwrap_or(success);
            checked += 1;
            if reply.status != want || (reply.status >= 400 && !reply.body["error"].is_string()) {
                failures.push(format!(
                    "{} {} ({}) as {kind:?}: want {want}, got {} {}",
                    spec.method,
                    spec.path,
                    action.name(),
                    reply.status,
                    reply.body
                ));
            }
        }
        w.server.close().await;
    }
    assert_eq!(checked, gated.len() * KINDS.len());
    assert!(
        failures.is_empty(),
        "{} of {checked} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_action_with_a_route_is_in_the_table_once_per_method_and_path() {
    let all = specs();
    let mut keys: Vec<(String, &str)> =
        all.iter().map(|s| (s.method.to_string(), s.path)).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all.len(), "a method and path appear twice");
    // Identity routes are the only ones without an action.
    let ungated: Vec<&str> = all
        .iter()
        .filter(|s| s.action.is_none())
        .map(|s| s.path)
        .collect();
    assert_eq!(
        ungated,
        vec![
            "/v1/auth/signup",
            "/v1/auth/signup",
            "/v1/auth/login",
            "/v1/auth/logout",
            "/v1/auth/me",
            "/v1/auth/password",
            "/v1/invites/{token}/accept",
            "/v1/inbound-webhooks/{id}",
            "/v1/connections/oauth/callback",
            "/v1/billing/webhooks/stripe",
            "/v1/config/stripe"
        ]
    );
    // Every action the table uses is a real row of the permission table.
    for s in &all {
        if let Some(a) = s.action {
            assert!(Action::ALL.contains(&a), "{a:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_matrix_on_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_matrix_on_postgres() {
    matrix(Backend::Postgres).await;
}

/// Agent fixtures of the matrix: one agent of P to read and change, and one spare per
/// caller kind for the delete route.
struct AgentFixtures {
    agent: String,
    spares: Vec<(Kind, String)>,
}

async fn agent_fixtures(s: &TestServer, owner: &Auth, project: &str) -> AgentFixtures {
    let create = |name: String| async move {
        let r = s
            .call(Method::POST, "/v1/agents")
            .auth(owner)
            .tenant("acme")
            .project(project)
            .json(json!({"name": name, "model": "gpt-4o-mini"}))
            .send()
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    };
    let mut out = AgentFixtures {
        agent: create("matrix agent".into()).await,
        spares: Vec::new(),
    };
    for kind in KINDS {
        out.spares
            .push((kind, create(format!("spare {kind:?}")).await));
    }
    out
}

/// Chat fixtures: a channel of the owner's, and a thread of each caller's own (made with
/// its credentials; kinds that cannot make one get none).
struct ChatFixtures {
    channel: String,
    own: Vec<(Kind, String)>,
}

impl ChatFixtures {
    fn own_or_channel(&self, kind: Kind) -> String {
        self.own
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or_else(|| self.channel.clone(), |(_, id)| id.clone())
    }
}

async fn chat_fixtures(
    s: &TestServer,
    owner: &Auth,
    project: &str,
    auth: &[(Kind, Auth)],
) -> ChatFixtures {
    let create = |who: Auth, title: String| async move {
        let r = s
            .call(Method::POST, "/v1/chat/threads")
            .auth(&who)
            .tenant("acme")
            .project(project)
            .json(json!({"kind": "channel", "title": title}))
            .send()
            .await;
        (r.status == 201).then(|| r.body["id"].as_str().expect("id").to_string())
    };
    let channel = create(owner.clone(), "matrix channel".into())
        .await
        .expect("the owner makes a channel");
    let mut own = Vec::new();
    for (kind, who) in auth {
        if let Some(id) = create(who.clone(), format!("own {kind:?}")).await {
            own.push((*kind, id));
        }
    }
    ChatFixtures { channel, own }
}

/// Webhook and trigger fixtures of the matrix (inbound webhooks and cron triggers rows).
struct Automation {
    webhook: String,
    trigger: String,
    /// One per caller kind, for the delete routes (each allowed caller deletes its own).
    spare_webhooks: Vec<(Kind, String)>,
    spare_triggers: Vec<(Kind, String)>,
}

fn spare(spares: &[(Kind, String)], kind: Kind) -> String {
    spares
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, id)| id.clone())
        .unwrap_or_else(|| "no-such-object".into())
}

async fn automation_fixtures(s: &TestServer, owner: &Auth, workflow: &str) -> Automation {
    let create = |path: String, body: Value| async move {
        let r = s
            .call(Method::POST, path)
            .auth(owner)
            .tenant("acme")
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    };
    let hook = || {
        create(
            "/v1/inbound-webhooks".into(),
            json!({"workflow_id": workflow}),
        )
    };
    let trigger = || {
        create(
            format!("/v1/workflows/{workflow}/triggers"),
            json!({"cron": "0 3 * * *"}),
        )
    };
    let mut automation = Automation {
        webhook: hook().await,
        trigger: trigger().await,
        spare_webhooks: Vec::new(),
        spare_triggers: Vec::new(),
    };
    for kind in KINDS {
        automation.spare_webhooks.push((kind, hook().await));
        automation.spare_triggers.push((kind, trigger().await));
    }
    automation
}

/// Runs of W for the run and task rows: one to read, and per caller kind a run waiting at
/// its human task (to complete) and a stopped run (to retry), so every allowed caller
/// acts on its own.
struct RunFixtures {
    run: String,
    waiting: Vec<(Kind, String)>,
    stopped: Vec<(Kind, String)>,
}

async fn run_fixtures(s: &TestServer, owner: &Auth, workflow: &str) -> RunFixtures {
    let command = |body: Value| async move {
        let r = s
            .call(Method::POST, format!("/v1/workflows/{workflow}/command"))
            .auth(owner)
            .tenant("acme")
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["run_id"].as_str().expect("run id").to_string()
    };
    let start = || command(json!({"command": "start", "params": {}}));
    let mut fixtures = RunFixtures {
        run: start().await,
        waiting: Vec::new(),
        stopped: Vec::new(),
    };
    for kind in KINDS {
        fixtures.waiting.push((kind, start().await));
        let run = start().await;
        command(json!({"command": "stop", "params": {"run_id": run}})).await;
        fixtures.stopped.push((kind, run));
    }
    for (_, run) in &fixtures.waiting {
        let path = format!("/v1/workflows/{workflow}/runs/{run}/tasks/pending");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let r = s
                .call(Method::GET, &path)
                .auth(owner)
                .tenant("acme")
                .send()
                .await;
            if r.body["tasks"].as_array().is_some_and(|t| !t.is_empty()) {
                break;
            }
            if std::time::Instant::now() > deadline {
                let ev = s
                    .call(
                        Method::GET,
                        format!("/v1/workflows/{workflow}/runs/{run}/events"),
                    )
                    .auth(owner)
                    .tenant("acme")
                    .send()
                    .await;
                let sum = s
                    .call(
                        Method::GET,
                        format!("/v1/workflows/{workflow}/runs/{run}/summary"),
                    )
                    .auth(owner)
                    .tenant("acme")
                    .send()
                    .await;
                let inbox = s
                    .call(Method::GET, "/v1/tasks/pending")
                    .auth(owner)
                    .tenant("acme")
                    .send()
                    .await;
                panic!(
                    "DIAG no task for {run}: {} / summary {} / events {} / inbox {}",
                    r.body, sum.body, ev.body, inbox.body
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    fixtures
}

/// MCP registry fixtures of the matrix, written through the store (no live MCP server is
/// needed to decide permissions): a custom server of P with an instance and its active
/// profile, and per caller kind a spare server, instance and (inactive) profile.
struct McpFixtures {
    server: String,
    instance: String,
    profile: String,
    spare_servers: Vec<(Kind, String)>,
    spare_instances: Vec<(Kind, String)>,
    spare_profiles: Vec<(Kind, String)>,
}

async fn mcp_fixtures(s: &TestServer, ws: &str, project: &str) -> McpFixtures {
    use ar_store::integrations::{McpInstanceRecord, McpProfileRecord, McpServerRecord};
    let store = s.server.state.integrations();
    let id = || uuid::Uuid::now_v7().to_string();
    let server = |url: String| McpServerRecord {
        id: id(),
        workspace_id: ws.into(),
        project_id: Some(project.into()),
        name: url.clone(),
        description: None,
        canonical_url: url,
        transport: "http".into(),
        auth_mode: "none".into(),
        source: "custom".into(),
        tools: json!([{"name": "t", "input_schema": {"type": "object"}}]),
        current_version: 1,
        validation: None,
        created_by: "matrix".into(),
        created_at: 0,
        updated_at: 0,
    };
    let main = server("http://127.0.0.1:9/mcp".into());
    store.create_server(&main).await.expect("server");
    let instance = |name: String| McpInstanceRecord {
        id: id(),
        workspace_id: ws.into(),
        project_id: project.into(),
        server_id: main.id.clone(),
        name,
        created_by: "matrix".into(),
        created_at: 0,
        updated_at: 0,
    };
    let inst = instance("main".into());
    store.create_mcp_instance(&inst).await.expect("instance");
    let profile = |name: String| McpProfileRecord {
        id: id(),
        workspace_id: ws.into(),
        instance_id: inst.id.clone(),
        name,
        env: json!({}),
        headers: json!({}),
        connection_id: None,
        connection_env: None,
        active: false,
        created_by: "matrix".into(),
        created_at: 0,
        updated_at: 0,
    };
    let active = store
        .create_mcp_profile(&profile("main".into()))
        .await
        .expect("profile");
    let mut out = McpFixtures {
        server: main.id.clone(),
        instance: inst.id.clone(),
        profile: active.id,
        spare_servers: Vec::new(),
        spare_instances: Vec::new(),
        spare_profiles: Vec::new(),
    };
    for (n, kind) in KINDS.into_iter().enumerate() {
        let spare = server(format!("http://127.0.0.1:9/spare-{n}"));
        store.create_server(&spare).await.expect("spare server");
        out.spare_servers.push((kind, spare.id));
        let i = instance(format!("spare-{n}"));
        store.create_mcp_instance(&i).await.expect("spare instance");
        out.spare_instances.push((kind, i.id));
        let p = store
            .create_mcp_profile(&profile(format!("spare-{n}")))
            .await
            .expect("spare profile");
        out.spare_profiles.push((kind, p.id));
    }
    out
}

/// A connection in P for the connection rows, and one per caller kind to delete; a
/// Google connection in P for the Google account rows.
struct ConnectionFixtures {
    connection: String,
    spares: Vec<(Kind, String)>,
    google: String,
}

/// A Google connection in P as `POST /v1/connections/google/complete` leaves it (Google
/// is not reachable from the matrix), written to the store: its account granted Gmail.
async fn google_connection(s: &TestServer, workspace_id: &str, project: &str) -> String {
    use ar_server::connections::credentials;
    let state = &s.server.state;
    let id = format!("google-{}", uuid::Uuid::now_v7().simple());
    let values = [(
        "access_token".to_string(),
        ar_connect::SecretString::new("at-matrix".into()),
    )]
    .into_iter()
    .collect();
    let (credentials_sealed, credential_keys) =
        credentials::seal(state, workspace_id, &id, &values)
            .await
            .expect("seal");
    let gmail = "https://www.googleapis.com/auth/gmail.modify";
    let record = ar_store::integrations::ConnectionRecord {
        id: id.clone(),
        workspace_id: workspace_id.into(),
        project_id: project.into(),
        display_name: "Google".into(),
        provider: "google".into(),
        service: None,
        auth_type: "oauth2".into(),
        credential_keys,
        credentials_sealed,
        oauth: Some(json!({
            "authorization_url": "https://203.0.113.10/authorize",
            "token_url": "https://203.0.113.10/token", "client_id": "c",
            "scopes": ["openid", "email", gmail],
            "account": {"email": "g@acme.test", "services": ["gmail"], "granted_scopes": [gmail]},
        })),
        oauth_client_secret_sealed: None,
        status: "active".into(),
        status_reason: None,
        expires_at: None,
        refreshed_at: None,
        credentials_version: 1,
        created_by: "matrix".into(),
        created_at: now_ms(),
        updated_at: now_ms(),
    };
    state
        .integrations()
        .create_connection(&record)
        .await
        .expect("google connection");
    id
}

async fn connection_fixtures(
    s: &TestServer,
    owner: &Auth,
    workspace_id: &str,
    project: &str,
) -> ConnectionFixtures {
    let create = || async move {
        let r = s
            .call(Method::POST, "/v1/connections")
            .auth(owner)
            .tenant("acme")
            .project(project)
            .json(json!({"display_name": "C", "provider": "p", "auth_type": "api_key", "credentials": {"api_key": "k"}}))
            .send()
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    };
    let mut fixtures = ConnectionFixtures {
        connection: create().await,
        spares: Vec::new(),
        google: google_connection(s, workspace_id, project).await,
    };
    for kind in KINDS {
        fixtures.spares.push((kind, create().await));
    }
    fixtures
}
