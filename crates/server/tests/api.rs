//! API behaviour over a real listener: identity, CSRF, tokens, tenant isolation, workflows
//! and versions, bad input and rate limits. Every test runs on SQLite and on Postgres.

mod common;

use ar_server::settings::RateLimits;
use ar_server::{Settings, SignupPolicy};
use common::*;
use reqwest::Method;
use serde_json::json;

/// A workspace created through the API (see `common::workspace`).
type Tenant = Workspace;

async fn pat(s: &TestServer, t: &Tenant, who: &Auth, scopes: &[&str]) -> Auth {
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(who)
        .tenant(&t.slug)
        .json(json!({"name": "t", "scopes": scopes}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    Auth::Pat(r.body["token"].as_str().expect("token").into())
}

fn graph_ok() -> serde_json::Value {
    json!({"steps": [{"id": "approve", "type": "human_task", "task_payload": {"q": "ok?"}}]})
}

async fn workflow(s: &TestServer, t: &Tenant) -> String {
    let r = s
        .call(Method::POST, "/v1/workflows")
        .auth(&t.owner)
        .tenant(&t.slug)
        .project(&t.project)
        .json(json!({"name": "wf", "description": "d", "graph": graph_ok()}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "draft");
    r.body["id"].as_str().expect("id").into()
}

async fn health_and_readiness_answer_without_auth(backend: Backend) {
    let s = start(backend).await;
    assert_eq!(s.call(Method::GET, "/healthz").send().await.status, 200);
    let doc = s.call(Method::GET, "/v1/openapi.json").send().await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.body["paths"]["/v1/workflows/{id}/versions"]["post"].is_object(),
        "{:?}",
        doc.body
    );
    let r = s.call(Method::GET, "/readyz").send().await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ready")));
    s.close().await;
}

async fn first_start_bootstraps_an_owner_with_a_default_workspace(backend: Backend) {
    let s = start(backend).await;
    let r = s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let owner = Auth::Session(session_of(&r));
    let me = s.call(Method::GET, "/v1/auth/me").auth(&owner).send().await;
    assert_eq!(me.body["workspaces"][0]["slug"], "default");
    assert_eq!(me.body["workspaces"][0]["role"], "owner");
    assert_eq!(me.body["workspaces"][0]["projects"][0]["name"], "Default");
    let ws = s
        .call(Method::GET, "/v1/workspaces")
        .auth(&owner)
        .send()
        .await;
    assert_eq!(
        ws.body["workspaces"][0]["product_code"], "test-product",
        "product code comes from the settings"
    );
    // A second bootstrap on the same store creates nothing.
    assert_eq!(
        ar_server::bootstrap::bootstrap(&s.server.state)
            .await
            .expect("bootstrap"),
        None
    );
    s.close().await;
}

async fn signup_login_me_and_logout(backend: Backend) {
    let s = start(backend).await;
    let (id, cookie) = s.signup("Alice@Example.com", "password-123").await;
    let alice = Auth::Session(cookie);
    let me = s.call(Method::GET, "/v1/auth/me").auth(&alice).send().await;
    assert_eq!(me.status, 200);
    assert_eq!(
        (
            me.body["user"]["id"].as_str(),
            me.body["user"]["email"].as_str()
        ),
        (Some(id.as_str()), Some("alice@example.com"))
    );
    assert_eq!(me.body["workspaces"], json!([]));

    let dup = s
        .call(Method::POST, "/v1/auth/signup")
        .json(json!({"email": "alice@example.com", "password": "password-456"}))
        .send()
        .await;
    assert_eq!(dup.status, 409);
    let short = s
        .call(Method::POST, "/v1/auth/signup")
        .json(json!({"email": "b@example.com", "password": "short"}))
        .send()
        .await;
    assert_eq!(short.status, 400);
    let bad_email = s
        .call(Method::POST, "/v1/auth/signup")
        .json(json!({"email": "nope", "password": "password-123"}))
        .send()
        .await;
    assert_eq!(bad_email.status, 400);

    assert_eq!(
        s.login("alice@example.com", "wrong-password").await.status,
        401
    );
    assert_eq!(
        s.login("nobody@example.com", "password-123").await.status,
        401
    );
    let again = s.login("ALICE@example.com", "password-123").await;
    assert_eq!(again.status, 200);
    let cookie_header = again
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"),
        "{cookie_header}"
    );
    assert!(!cookie_header.contains("Secure"), "not behind TLS in tests");

    let out = s
        .call(Method::POST, "/v1/auth/logout")
        .auth(&alice)
        .send()
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(
        s.call(Method::GET, "/v1/auth/me")
            .auth(&alice)
            .send()
            .await
            .status,
        401,
        "the session ended"
    );
    assert_eq!(s.call(Method::GET, "/v1/auth/me").send().await.status, 401);
    s.close().await;
}

async fn password_change_needs_the_current_password_and_ends_other_sessions(backend: Backend) {
    let s = start(backend).await;
    let (_, first) = s.signup("p@example.com", "password-123").await;
    let first = Auth::Session(first);
    let second = Auth::Session(session_of(&s.login("p@example.com", "password-123").await));
    let change = |who: &Auth, current: &str, new: &str| {
        s.call(Method::POST, "/v1/auth/password")
            .auth(who)
            .json(json!({"current_password": current, "new_password": new}))
    };
    assert_eq!(
        change(&first, "wrong-password", "new-password-1")
            .send()
            .await
            .status,
        403
    );
    assert_eq!(
        change(&first, "password-123", "short").send().await.status,
        400
    );
    assert_eq!(
        change(&first, "password-123", "new-password-1")
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        s.call(Method::GET, "/v1/auth/me")
            .auth(&first)
            .send()
            .await
            .status,
        200,
        "this session stays"
    );
    assert_eq!(
        s.call(Method::GET, "/v1/auth/me")
            .auth(&second)
            .send()
            .await
            .status,
        401,
        "other sessions end"
    );
    assert_eq!(s.login("p@example.com", "password-123").await.status, 401);
    assert_eq!(s.login("p@example.com", "new-password-1").await.status, 200);
    s.close().await;
}

async fn cookie_writes_need_the_servers_own_origin(backend: Backend) {
    let s = start(backend).await;
    let (_, cookie) = s.signup("a@example.com", "password-123").await;
    let a = Auth::Session(cookie);
    let body = json!({"slug": "csrf", "name": "x"});
    let none = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&a)
        .origin("")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(none.status, 403, "{:?}", none.body);
    let evil = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&a)
        .origin("http://evil.example")
        .json(body.clone())
        .send()
        .await;
    assert_eq!(evil.status, 403);
    assert!(evil.error().contains("Origin"), "{}", evil.error());
    // Reads need no Origin.
    assert_eq!(
        s.call(Method::GET, "/v1/workspaces")
            .auth(&a)
            .origin("")
            .send()
            .await
            .status,
        200
    );
    let stale_tenant = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&a)
        .tenant("no-such-workspace")
        .json(json!({"slug": "csrf-2", "name": "x"}))
        .send()
        .await;
    assert_eq!(
        stale_tenant.status, 201,
        "creating a workspace ignores X-Tenant-Id"
    );
    let own = s
        .call(Method::POST, "/v1/workspaces")
        .auth(&a)
        .json(body)
        .send()
        .await;
    assert_eq!(own.status, 201);
    // A bearer token needs no Origin.
    let t = Tenant {
        slug: "csrf".into(),
        owner: a.clone(),
        project: String::new(),
    };
    let token = pat(&s, &t, &a, &["admin"]).await;
    let r = s
        .call(Method::POST, "/v1/projects")
        .auth(&token)
        .tenant("csrf")
        .json(json!({"name": "p"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    s.close().await;
}

async fn pats_need_role_and_scope_and_cannot_widen(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let wf = workflow(&s, &t).await;
    let read = pat(&s, &t, &t.owner, &["workflow:read"]).await;
    let get = s
        .call(Method::GET, format!("/v1/workflows/{wf}"))
        .auth(&read)
        .send()
        .await;
    assert_eq!(get.status, 200, "the PAT's workspace is implied");
    let write = s
        .call(Method::PATCH, format!("/v1/workflows/{wf}"))
        .auth(&read)
        .json(json!({"description": "x"}))
        .send()
        .await;
    assert_eq!(write.status, 403);
    assert!(
        write.error().contains("workflow:write"),
        "{}",
        write.error()
    );
    // A read-only token cannot mint a wider one (and needs `admin` to mint at all).
    let admin_pat = pat(&s, &t, &t.owner, &["admin", "workflow:read"]).await;
    let wider = s
        .call(Method::POST, "/v1/pats")
        .auth(&admin_pat)
        .json(json!({"name": "w", "scopes": ["workflow:write"]}))
        .send()
        .await;
    assert_eq!(wider.status, 403, "{:?}", wider.body);

    // A viewer's all-scope token is still a viewer.
    let (viewer_id, cookie) = s.signup("viewer@example.com", "password-123").await;
    let viewer = Auth::Session(cookie);
    s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id: s
                .tenants()
                .workspace_by_slug("acme")
                .await
                .expect("ws")
                .expect("ws")
                .id,
            user_id: viewer_id.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    s.tenants()
        .set_project_member(&t.project, &viewer_id, "project_viewer", 0)
        .await
        .expect("viewer");
    let all = pat(
        &s,
        &t,
        &viewer,
        &["workflow:read", "workflow:write", "workflow:run", "admin"],
    )
    .await;
    let r = s
        .call(Method::PATCH, format!("/v1/workflows/{wf}"))
        .auth(&all)
        .json(json!({"description": "x"}))
        .send()
        .await;
    assert_eq!(r.status, 403);

    // Revocation and listing: the token value is never listed.
    let list = s
        .call(Method::GET, "/v1/pats")
        .auth(&t.owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(list.status, 200);
    let pats = list.body["pats"].as_array().expect("pats");
    assert_eq!(pats.len(), 2);
    assert!(
        pats.iter()
            .all(|p| p.get("token").is_none() && p["last_used_at"].is_string()),
        "{pats:?}"
    );
    let id = pats[0]["id"].as_str().expect("id");
    assert_eq!(
        s.call(Method::DELETE, format!("/v1/pats/{id}"))
            .auth(&t.owner)
            .tenant("acme")
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        s.call(Method::DELETE, format!("/v1/pats/{id}"))
            .auth(&t.owner)
            .tenant("acme")
            .send()
            .await
            .status,
        404
    );
    let garbage = s
        .call(Method::GET, "/v1/auth/me")
        .auth(&Auth::Pat("pat_nonsense".into()))
        .send()
        .await;
    assert_eq!(garbage.status, 401);
    s.close().await;
}

async fn other_workspaces_objects_are_not_found(backend: Backend) {
    let s = start(backend).await;
    let a = workspace(&s, "acme").await;
    let b = workspace(&s, "globex").await;
    let b_wf = workflow(&s, &b).await;
    let a_as = |m: Method, p: String| s.call(m, p).auth(&a.owner).tenant(&a.slug);
    let cases = [
        a_as(Method::GET, format!("/v1/workflows/{b_wf}"))
            .send()
            .await,
        a_as(Method::PATCH, format!("/v1/workflows/{b_wf}"))
            .json(json!({"description": "x"}))
            .send()
            .await,
        a_as(Method::DELETE, format!("/v1/workflows/{b_wf}"))
            .send()
            .await,
        a_as(Method::POST, format!("/v1/workflows/{b_wf}/versions"))
            .json(json!({}))
            .send()
            .await,
        a_as(Method::GET, format!("/v1/workflows/{b_wf}/versions"))
            .send()
            .await,
        a_as(Method::POST, format!("/v1/workflows/{b_wf}/validate"))
            .json(json!({}))
            .send()
            .await,
        a_as(Method::GET, "/v1/workflows".into())
            .project(&b.project)
            .send()
            .await,
        a_as(Method::PATCH, format!("/v1/projects/{}", b.project))
            .json(json!({"name": "x"}))
            .send()
            .await,
        a_as(Method::GET, format!("/v1/projects/{}/members", b.project))
            .send()
            .await,
        // Naming the other workspace: not a member there.
        s.call(Method::GET, "/v1/members")
            .auth(&a.owner)
            .tenant(&b.slug)
            .send()
            .await,
        s.call(Method::GET, "/v1/workflows")
            .auth(&a.owner)
            .tenant(&b.slug)
            .project(&b.project)
            .send()
            .await,
        s.call(Method::GET, "/v1/members")
            .auth(&a.owner)
            .tenant("no-such-workspace")
            .send()
            .await,
    ];
    for (i, r) in cases.iter().enumerate() {
        assert_eq!(r.status, 404, "case {i}: {:?}", r.body);
    }
    // A's token used with B's slug is an outsider there.
    let token = pat(&s, &a, &a.owner, &["workflow:read", "admin"]).await;
    let r = s
        .call(Method::GET, "/v1/members")
        .auth(&token)
        .tenant(&b.slug)
        .send()
        .await;
    assert_eq!(r.status, 404);
    let r = s
        .call(Method::GET, format!("/v1/workflows/{b_wf}"))
        .auth(&token)
        .send()
        .await;
    assert_eq!(r.status, 404);
    // B's workflow is untouched.
    let r = s
        .call(Method::GET, format!("/v1/workflows/{b_wf}"))
        .auth(&b.owner)
        .tenant(&b.slug)
        .send()
        .await;
    assert_eq!((r.status, r.body["description"].as_str()), (200, Some("d")));
    s.close().await;
}

async fn workflows_draft_publish_versions_and_validate(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let wf = workflow(&s, &t).await;
    let o = |m: Method, p: String| s.call(m, p).auth(&t.owner).tenant("acme");

    let v1 = o(Method::POST, format!("/v1/workflows/{wf}/versions"))
        .json(json!({"changelog": "first"}))
        .send()
        .await;
    assert_eq!(v1.status, 201, "{:?}", v1.body);
    assert_eq!(
        (v1.body["version"].as_i64(), v1.body["workflow_id"].as_str()),
        (Some(1), Some(wf.as_str()))
    );
    assert!(
        v1.body["published_at"].is_string() && v1.body["graph_snapshot"]["steps"].is_array(),
        "{:?}",
        v1.body
    );

    // A draft with a cycle is saved, but publishing it is refused with the issues.
    let cyclic = json!({"steps": [
        {"id": "a", "type": "human_task", "depends_on": ["b"]},
        {"id": "b", "type": "human_task", "depends_on": ["a"]}
    ]});
    let patched = o(Method::PATCH, format!("/v1/workflows/{wf}"))
        .json(json!({"graph": cyclic, "run_setup": {"trigger_payload": {"x": 1}}}))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["run_setup"]["trigger_payload"]["x"], 1);
    let bad_setup = o(Method::PATCH, format!("/v1/workflows/{wf}"))
        .json(json!({"run_setup": {"trigger_step_ids": [1]}}))
        .send()
        .await;
    assert_eq!(bad_setup.status, 400, "{:?}", bad_setup.body);
    let refused = o(Method::POST, format!("/v1/workflows/{wf}/versions"))
        .json(json!({}))
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body["issues"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| x["code"] == "cycle")),
        "{:?}",
        refused.body
    );
    let validated = o(Method::POST, format!("/v1/workflows/{wf}/validate"))
        .send()
        .await;
    assert_eq!(
        (validated.status, validated.body["valid"].as_bool()),
        (200, Some(false))
    );
    let other = o(Method::POST, format!("/v1/workflows/{wf}/validate"))
        .json(json!({"graph": graph_ok()}))
        .send()
        .await;
    assert_eq!(other.body["valid"], true, "{:?}", other.body);
    let forced = o(Method::POST, format!("/v1/workflows/{wf}/versions"))
        .json(json!({"force": true, "changelog": "anyway"}))
        .send()
        .await;
    assert_eq!(
        (forced.status, forced.body["version"].as_i64()),
        (201, Some(2))
    );

    // Versions are immutable snapshots: v1 still has the first graph.
    let got = o(Method::GET, format!("/v1/workflows/{wf}/versions/1"))
        .send()
        .await;
    assert_eq!(got.body["graph_snapshot"]["steps"][0]["id"], "approve");
    assert_eq!(got.body["changelog"], "first");
    assert_eq!(
        o(Method::GET, format!("/v1/workflows/{wf}/versions/9"))
            .send()
            .await
            .status,
        404
    );
    assert_eq!(
        o(Method::GET, format!("/v1/workflows/{wf}/versions/x"))
            .send()
            .await
            .status,
        404
    );
    let list = o(Method::GET, format!("/v1/workflows/{wf}/versions"))
        .send()
        .await;
    let numbers: Vec<i64> = list.body["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(numbers, vec![2, 1]);

    let listed = o(Method::GET, "/v1/workflows".into())
        .project(&t.project)
        .send()
        .await;
    assert_eq!(listed.body["workflows"][0]["status"], "published");
    assert_eq!(
        o(Method::GET, "/v1/workflows".into()).send().await.status,
        400,
        "X-Project-Id is required to list"
    );
    let archived = o(Method::DELETE, format!("/v1/workflows/{wf}"))
        .send()
        .await;
    assert_eq!(
        (archived.status, archived.body["status"].as_str()),
        (200, Some("archived"))
    );
    let listed = o(Method::GET, "/v1/workflows".into())
        .project(&t.project)
        .send()
        .await;
    assert_eq!(listed.body["workflows"], json!([]));
    assert_eq!(
        o(Method::PATCH, format!("/v1/workflows/{wf}"))
            .json(json!({"name": "n"}))
            .send()
            .await
            .status,
        409
    );
    let unreadable = o(Method::POST, "/v1/workflows".into())
        .project(&t.project)
        .json(json!({"name": "n", "graph": [1]}))
        .send()
        .await;
    assert_eq!(unreadable.status, 422);
    s.close().await;
}

async fn invites_grant_a_role_once_and_gate_invite_only_signup(backend: Backend) {
    let settings = Settings {
        signup: SignupPolicy::Invite,
        ..test_settings()
    };
    let s = start_with(backend, settings).await;
    let owner = Auth::Session(session_of(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await));
    let open = s
        .call(Method::POST, "/v1/auth/signup")
        .json(json!({"email": "x@example.com", "password": "password-123"}))
        .send()
        .await;
    assert_eq!(open.status, 403, "invite-only sign-up refuses strangers");
    let invite = s
        .call(Method::POST, "/v1/invites")
        .auth(&owner)
        .tenant("default")
        .json(json!({"email": "new@example.com", "role": "admin"}))
        .send()
        .await;
    assert_eq!(invite.status, 201, "{:?}", invite.body);
    let token = invite.body["token"].as_str().expect("token").to_string();
    assert!(
        invite.body["accept_url"]
            .as_str()
            .is_some_and(|u| u.contains(&token))
    );
    let wrong = s
        .call(Method::POST, "/v1/auth/signup")
        .json(json!({"email": "other@example.com", "password": "password-123", "invite_token": token}))
        .send()
        .await;
    assert_eq!(wrong.status, 403, "the invite is for another email");
    let joined = s
        .call(Method::POST, "/v1/auth/signup")
        .json(
            json!({"email": "new@example.com", "password": "password-123", "invite_token": token}),
        )
        .send()
        .await;
    assert_eq!(joined.status, 201, "{:?}", joined.body);
    let newbie = Auth::Session(session_of(&joined));
    let me = s
        .call(Method::GET, "/v1/auth/me")
        .auth(&newbie)
        .send()
        .await;
    assert_eq!(
        (
            me.body["workspaces"][0]["slug"].as_str(),
            me.body["workspaces"][0]["role"].as_str()
        ),
        (Some("default"), Some("admin"))
    );
    let again = s
        .call(Method::POST, format!("/v1/invites/{token}/accept"))
        .auth(&newbie)
        .send()
        .await;
    assert_eq!(again.status, 409);
    let unknown = s
        .call(Method::POST, "/v1/invites/inv_nope/accept")
        .auth(&newbie)
        .send()
        .await;
    assert_eq!(unknown.status, 404);
    let owner_invite = s
        .call(Method::POST, "/v1/invites")
        .auth(&owner)
        .tenant("default")
        .json(json!({"email": "o@example.com", "role": "owner"}))
        .send()
        .await;
    assert_eq!(owner_invite.status, 400);
    s.close().await;
}

async fn deactivation_revokes_access_at_once_and_the_last_owner_stays(backend: Backend) {
    let s = start(backend).await;
    let owner = Auth::Session(session_of(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await));
    let invite = s
        .call(Method::POST, "/v1/invites")
        .auth(&owner)
        .tenant("default")
        .json(json!({"email": "m@example.com"}))
        .send()
        .await;
    let token = invite.body["token"].as_str().expect("token").to_string();
    let (member_id, cookie) = s.signup("m@example.com", "password-123").await;
    let member = Auth::Session(cookie);
    assert_eq!(
        s.call(Method::POST, format!("/v1/invites/{token}/accept"))
            .auth(&member)
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        s.call(Method::GET, "/v1/members")
            .auth(&member)
            .tenant("default")
            .send()
            .await
            .status,
        200
    );
    let member_pat = pat(
        &s,
        &Tenant {
            slug: "default".into(),
            owner: member.clone(),
            project: String::new(),
        },
        &member,
        &["workflow:read"],
    )
    .await;
    assert_eq!(
        s.call(Method::DELETE, format!("/v1/members/{member_id}"))
            .auth(&owner)
            .tenant("default")
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        s.call(Method::GET, "/v1/members")
            .auth(&member)
            .tenant("default")
            .send()
            .await
            .status,
        404
    );
    assert_eq!(
        s.call(Method::GET, "/v1/members")
            .auth(&member_pat)
            .send()
            .await
            .status,
        404,
        "their tokens stop too"
    );
    let members = s
        .call(Method::GET, "/v1/members")
        .auth(&owner)
        .tenant("default")
        .send()
        .await;
    let listed = members.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["user_id"] == member_id.as_str())
        .cloned();
    assert_eq!(
        listed.map(|m| m["active"].clone()),
        Some(json!(false)),
        "deactivated, not deleted"
    );
    let reactivated = s
        .call(Method::PATCH, format!("/v1/members/{member_id}"))
        .auth(&owner)
        .tenant("default")
        .json(json!({"active": true}))
        .send()
        .await;
    assert_eq!(
        (reactivated.status, reactivated.body["active"].as_bool()),
        (200, Some(true))
    );

    let me = s.call(Method::GET, "/v1/auth/me").auth(&owner).send().await;
    let owner_id = me.body["user"]["id"].as_str().expect("id").to_string();
    let demote = s
        .call(Method::PATCH, format!("/v1/members/{owner_id}"))
        .auth(&owner)
        .tenant("default")
        .json(json!({"role": "member"}))
        .send()
        .await;
    assert_eq!(demote.status, 409, "{:?}", demote.body);
    s.close().await;
}

async fn projects_visibility_and_project_members(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let created = s
        .call(Method::POST, "/v1/projects")
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"name": "Secret"}))
        .send()
        .await;
    assert_eq!(
        (created.status, created.body["visibility"].as_str()),
        (201, Some("private"))
    );
    let secret = created.body["id"].as_str().expect("id").to_string();
    let (uid, cookie) = s.signup("m@example.com", "password-123").await;
    let m = Auth::Session(cookie);
    let ws_id = s
        .tenants()
        .workspace_by_slug("acme")
        .await
        .expect("ws")
        .expect("ws")
        .id;
    s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id: ws_id,
            user_id: uid.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    let names = |r: &Reply| {
        r.body["projects"].as_array().map(|a| {
            a.iter()
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect::<Vec<_>>()
        })
    };
    let seen = s
        .call(Method::GET, "/v1/projects")
        .auth(&m)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(
        names(&seen),
        Some(vec!["Default".to_string()]),
        "the private project is invisible"
    );
    let add = s
        .call(Method::POST, format!("/v1/projects/{secret}/members"))
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"email": "m@example.com", "role": "project_viewer"}))
        .send()
        .await;
    assert_eq!(add.status, 201, "{:?}", add.body);
    let seen = s
        .call(Method::GET, "/v1/projects")
        .auth(&m)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(
        names(&seen),
        Some(vec!["Default".to_string(), "Secret".to_string()])
    );
    let members = s
        .call(Method::GET, format!("/v1/projects/{secret}/members"))
        .auth(&m)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(members.body["members"].as_array().map(Vec::len), Some(2));
    let stranger = s
        .call(Method::POST, format!("/v1/projects/{secret}/members"))
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"email": "owner@globex.test", "role": "project_viewer"}))
        .send()
        .await;
    assert_eq!(
        stranger.status, 404,
        "only workspace members can join a project"
    );
    let public = s
        .call(Method::PATCH, format!("/v1/projects/{secret}"))
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"visibility": "public"}))
        .send()
        .await;
    assert_eq!(
        (public.status, public.body["visibility"].as_str()),
        (200, Some("public"))
    );
    let bad = s
        .call(Method::PATCH, format!("/v1/projects/{secret}"))
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"visibility": "secret"}))
        .send()
        .await;
    assert_eq!(bad.status, 400);
    s.close().await;
}

async fn workspace_policy_widens_admin_access_to_private_projects(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let other = workspace(&s, "globex").await;
    let created = s
        .call(Method::POST, "/v1/projects")
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"name": "Secret", "visibility": "private"}))
        .send()
        .await;
    let secret = created.body["id"].as_str().expect("id").to_string();
    let private = Tenant {
        slug: "acme".into(),
        owner: t.owner.clone(),
        project: secret.clone(),
    };
    let wf = workflow(&s, &private).await;
    let (admin_id, cookie) = s.signup("admin@acme.test", "password-123").await;
    let admin = Auth::Session(cookie);
    let ws_id = s
        .tenants()
        .workspace_by_slug("acme")
        .await
        .expect("ws")
        .expect("ws")
        .id;
    s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id: ws_id,
            user_id: admin_id,
            role: "admin".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("admin");
    let edit = || {
        s.call(Method::PATCH, format!("/v1/workflows/{wf}"))
            .auth(&admin)
            .tenant("acme")
            .json(json!({"description": "edited"}))
    };
    let read = s
        .call(Method::GET, format!("/v1/workflows/{wf}"))
        .auth(&admin)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(read.status, 200, "workspace admins read private projects");
    let refused = edit().send().await;
    assert_eq!(refused.status, 403);
    assert!(refused.error().contains("read-only"), "{}", refused.error());

    let policy = s
        .call(Method::PATCH, "/v1/workspaces/acme")
        .auth(&t.owner)
        .json(json!({"admins_full_access_to_private": true}))
        .send()
        .await;
    assert_eq!(
        (
            policy.status,
            policy.body["admins_full_access_to_private"].as_bool()
        ),
        (200, Some(true))
    );
    assert_eq!(
        edit().send().await.status,
        200,
        "the policy gives admins full access"
    );
    let got = s
        .call(Method::GET, "/v1/workspaces/acme")
        .auth(&admin)
        .send()
        .await;
    assert_eq!(
        (got.status, got.body["role"].as_str()),
        (200, Some("admin"))
    );
    // Another workspace's settings are not reachable.
    let foreign = s
        .call(Method::PATCH, "/v1/workspaces/globex")
        .auth(&t.owner)
        .json(json!({"admins_full_access_to_private": true}))
        .send()
        .await;
    assert_eq!(foreign.status, 404);
    let untouched = s
        .call(Method::GET, "/v1/workspaces/globex")
        .auth(&other.owner)
        .send()
        .await;
    assert_eq!(untouched.body["admins_full_access_to_private"], false);
    let empty_name = s
        .call(Method::PATCH, "/v1/workspaces/acme")
        .auth(&t.owner)
        .json(json!({"name": ""}))
        .send()
        .await;
    assert_eq!(empty_name.status, 400);
    s.close().await;
}

async fn bad_input_gets_clear_json_errors(backend: Backend) {
    let settings = Settings {
        body_limit_bytes: 4096,
        ..test_settings()
    };
    let s = start_with(backend, settings).await;
    let url = |p: &str| format!("{}{p}", s.base);
    let malformed = s
        .http
        .post(url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(malformed.status(), 400);
    let body: serde_json::Value = malformed.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("malformed JSON") && e.contains("EOF")),
        "{body}"
    );

    let big = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(10_000)
    );
    let too_big = s
        .http
        .post(url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("send");
    assert_eq!(too_big.status(), 413);
    assert!(too_big.json::<serde_json::Value>().await.expect("json")["error"].is_string());

    let wrong_shape = s
        .call(Method::POST, "/v1/auth/login")
        .json(json!({"email": 5}))
        .send()
        .await;
    assert_eq!(wrong_shape.status, 400);
    let array_body = s
        .call(Method::POST, "/v1/auth/login")
        .json(json!(["a@example.com", "password-123"]))
        .send()
        .await;
    assert_eq!(array_body.status, 400, "a struct is not read from an array");
    assert!(
        array_body.error().contains("JSON object"),
        "{:?}",
        array_body.body
    );
    let no_type = s
        .http
        .post(url("/v1/auth/login"))
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(no_type.status(), 415);
    let unknown = s.call(Method::GET, "/v1/nothing-here").send().await;
    assert_eq!((unknown.status, unknown.error()), (404, "no such route"));
    let method = s.call(Method::PUT, "/v1/auth/login").send().await;
    assert_eq!(method.status, 405);
    assert!(method.body["error"].is_string());
    let bad_auth = s
        .http
        .get(url("/v1/auth/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .expect("send");
    assert_eq!(bad_auth.status(), 401);
    let owner = Auth::Session(session_of(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await));
    let me = s.call(Method::GET, "/v1/auth/me").auth(&owner).send().await;
    let project = me.body["workspaces"][0]["projects"][0]["id"]
        .as_str()
        .expect("project")
        .to_string();
    let bad_query = s
        .call(Method::GET, "/v1/workflows?include_archived=perhaps")
        .auth(&owner)
        .tenant("default")
        .project(&project)
        .send()
        .await;
    assert_eq!(bad_query.status, 400);
    assert!(
        bad_query.error().contains("include_archived"),
        "{:?}",
        bad_query.body
    );
    s.close().await;
}

async fn too_many_requests_get_429_with_retry_after(backend: Backend) {
    let settings = Settings {
        rate_limits: RateLimits {
            per_token_per_minute: 1,
            per_ip_per_minute: 1,
            burst: 3,
        },
        ..test_settings()
    };
    let s = start_with(backend, settings).await;
    // The owner signs in first (one request of the address's three).
    let login = s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let session = session_of(&login);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(s.call(Method::GET, "/v1/auth/me").send().await.status);
        }
        v
    };
    assert_eq!(statuses, vec![401, 401, 429]);
    let r = s.call(Method::GET, "/v1/auth/me").send().await;
    let retry: u64 = r
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(r.error().contains("rate limit"));
    // A made-up credential shares the address's bucket (issue 13 item 3)...
    for fake in [
        Auth::Pat("pat_x".into()),
        Auth::Session("made-up-session".into()),
    ] {
        let r = s.call(Method::GET, "/v1/auth/me").auth(&fake).send().await;
        assert_eq!(r.status, 429, "{fake:?}: {:?}", r.body);
    }
    // ...a verified user has a bucket of their own, and health probes are never limited.
    let r = s
        .call(Method::GET, "/v1/auth/me")
        .auth(&Auth::Session(session))
        .send()
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(s.call(Method::GET, "/healthz").send().await.status, 200);
    s.close().await;
}

/// Regression: the creator of a workspace administers its public `Default` project (it
/// used to be only a contributor there and could not add project members).
async fn workspace_creator_administers_the_default_project(backend: Backend) {
    let s = start(backend).await;
    let t = workspace(&s, "acme").await;
    let add = s
        .call(Method::POST, format!("/v1/projects/{}/members", t.project))
        .auth(&t.owner)
        .tenant("acme")
        .json(json!({"email": "owner@acme.test", "role": "project_admin"}))
        .send()
        .await;
    assert!(matches!(add.status, 200 | 201), "{:?}", add.body);
    let members = s
        .call(Method::GET, format!("/v1/projects/{}/members", t.project))
        .auth(&t.owner)
        .tenant("acme")
        .send()
        .await;
    assert_eq!(members.status, 200, "{:?}", members.body);
    let roles: Vec<&str> = members.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, vec!["project_admin"], "{:?}", members.body);
    s.close().await;
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

on_both_backends!(
    health_and_readiness_answer_without_auth,
    first_start_bootstraps_an_owner_with_a_default_workspace,
    signup_login_me_and_logout,
    password_change_needs_the_current_password_and_ends_other_sessions,
    cookie_writes_need_the_servers_own_origin,
    pats_need_role_and_scope_and_cannot_widen,
    other_workspaces_objects_are_not_found,
    workflows_draft_publish_versions_and_validate,
    invites_grant_a_role_once_and_gate_invite_only_signup,
    deactivation_revokes_access_at_once_and_the_last_owner_stays,
    projects_visibility_and_project_members,
    workspace_creator_administers_the_default_project,
    workspace_policy_widens_admin_access_to_private_projects,
    bad_input_gets_clear_json_errors,
    too_many_requests_get_429_with_retry_after,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_in_a_data_dir_generates_a_password_once() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        data_dir: dir.path().join("data"),
        admin_password: None,
        ..test_settings()
    };
    let stores = ar_server::open_stores(&settings).await.expect("open");
    assert!(dir.path().join("data").join("agentruntime.db").exists());
    let executors = ar_server::default_executors(&settings, &stores);
    let (server, created) = ar_server::start(settings.clone(), stores, executors)
        .await
        .expect("start");
    let created = created.expect("bootstrapped");
    let password = created.generated_password.expect("a generated password");
    assert_eq!(created.email, ADMIN_EMAIL);
    let login = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", server.url()))
        .json(&json!({"email": ADMIN_EMAIL, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    server.stop().await.expect("stop");
    let stores = ar_server::open_stores(&settings).await.expect("reopen");
    let executors = ar_server::default_executors(&settings, &stores);
    let (server, created) = ar_server::start(settings, stores, executors)
        .await
        .expect("restart");
    assert_eq!(
        created, None,
        "the second start creates nothing and prints no password"
    );
    server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_returns_after_a_graceful_shutdown() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..test_settings()
    };
    let shutdown = tokio::time::sleep(std::time::Duration::from_millis(300));
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        ar_server::serve(settings, shutdown),
    )
    .await;
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
}
