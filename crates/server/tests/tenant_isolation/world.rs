//! The two workspaces, each with one object of every kind, created through the API.

use ar_model::authz::TokenScope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;
use crate::types::Ids;

/// One workspace with one object of every kind.
pub(crate) struct Tenant {
    pub(crate) ids: Ids,
    pub(crate) owner: Auth,
    pub(crate) owner_id: String,
    /// A token of the owner with every scope.
    pub(crate) pat_token: String,
    /// A token of the owner with `workflow:run` only: what a webhook sender presents (a
    /// token with `admin` is refused at ingress).
    pub(crate) run_token: String,
    pub(crate) webhook_secret: String,
    /// Everything only this workspace has (ids, names, addresses): none of it may appear
    /// in an answer to the other workspace, unless the request itself carried it.
    pub(crate) markers: Vec<String>,
}

/// Human task `approve`: a run waits there until someone completes it.
fn graph() -> Value {
    json!({"steps": [{"id": "approve", "type": "human_task"}]})
}

async fn created(s: &TestServer, who: &Auth, slug: &str, path: &str, body: Value) -> Value {
    let r = s
        .call(Method::POST, path)
        .auth(who)
        .tenant(slug)
        .json(body)
        .send()
        .await;
    assert!(
        r.status == 201 || r.status == 200,
        "POST {path}: {} {}",
        r.status,
        r.body
    );
    r.body
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {v}"))
        .to_string()
}

/// The workspace and its objects, without runs.
async fn objects(s: &TestServer, slug: &str) -> Tenant {
    let ws = workspace(s, slug).await;
    let owner = ws.owner.clone();
    let me = s.call(Method::GET, "/v1/auth/me").auth(&owner).send().await;
    let owner_id = text(&me.body["user"], "id");
    let project = created(
        s,
        &owner,
        slug,
        "/v1/projects",
        json!({"name": format!("{slug} private project"), "visibility": "private"}),
    )
    .await;
    let project = text(&project, "id");

    // A member joins through an invite and gets a role in P; another invite stays open.
    let member_email = format!("member@{slug}.test");
    let invite = created(
        s,
        &owner,
        slug,
        "/v1/invites",
        json!({"email": member_email}),
    )
    .await;
    let (member, session) = s.signup(&member_email, "password-123").await;
    let r = s
        .call(
            Method::POST,
            format!("/v1/invites/{}/accept", text(&invite, "token")),
        )
        .auth(&Auth::Session(session))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    created(
        s,
        &owner,
        slug,
        &format!("/v1/projects/{project}/members"),
        json!({"user_id": member, "role": "project_contributor"}),
    )
    .await;
    let open_invite = created(
        s,
        &owner,
        slug,
        "/v1/invites",
        json!({"email": format!("invitee@{slug}.test")}),
    )
    .await;

    let scopes: Vec<&str> = TokenScope::ALL.iter().map(|s| s.as_str()).collect();
    let pat = created(
        s,
        &owner,
        slug,
        "/v1/pats",
        json!({"name": format!("{slug} token"), "scopes": scopes}),
    )
    .await;
    let run_pat = created(
        s,
        &owner,
        slug,
        "/v1/pats",
        json!({"name": format!("{slug} run token"), "scopes": ["workflow:run"]}),
    )
    .await;
    let in_p = Workspace {
        slug: slug.to_string(),
        owner: owner.clone(),
        project: project.clone(),
    };
    let workflow = published_workflow(
        s,
        &in_p,
        json!({"name": format!("{slug} secret workflow"), "graph": graph()}),
    )
    .await;
    let webhook = created(
        s,
        &owner,
        slug,
        "/v1/inbound-webhooks",
        json!({"workflow_id": workflow, "name": format!("{slug} secret webhook")}),
    )
    .await;
    let trigger = created(
        s,
        &owner,
        slug,
        &format!("/v1/workflows/{workflow}/triggers"),
        json!({"cron": "0 3 * * *", "enabled": false}),
    )
    .await;
    let (mcp_server, mcp_instance, mcp_profile) = mcp_objects(s, slug, &project).await;
    let secret = format!("{}_SECRET", slug.replace('-', "_"));
    let r = s
        .call(Method::PUT, format!("/v1/vault/secrets/{secret}"))
        .auth(&owner)
        .tenant(slug)
        .json(json!({"value": format!("{slug} secret value"), "description": format!("{slug} secret description")}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .call(
            Method::PUT,
            format!("/v1/vault/secrets/{secret}/grants/{project}"),
        )
        .auth(&owner)
        .tenant(slug)
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .call(Method::POST, "/v1/connections")
        .auth(&owner)
        .tenant(slug)
        .project(&project)
        .json(json!({"display_name": format!("{slug} secret connection"), "provider": "p",
                     "auth_type": "token", "credentials": {"token": format!("{slug}-connection-token")}}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let connection = text(&r.body, "id");
    let llm_key = created(
        s,
        &owner,
        slug,
        "/v1/llm-provider-keys",
        json!({"provider": "openai", "api_key": format!("sk-{slug}-llm-key"), "label": format!("{slug} llm key")}),
    )
    .await;
    let r = s
        .call(Method::POST, "/v1/agents")
        .auth(&owner)
        .tenant(slug)
        .project(&project)
        .json(json!({"name": format!("{slug} secret agent"),
                     "instructions": format!("{slug} secret instructions"),
                     "model": "gpt-4o-mini", "workflows_as_tools": [workflow],
                     "tools": [{"instance_id": mcp_instance, "tool_names": ["echo"]}]}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agent = text(&r.body, "id");
    let r = s
        .call(Method::POST, "/v1/chat/threads")
        .auth(&owner)
        .tenant(slug)
        .project(&project)
        .json(json!({"title": format!("{slug} secret channel"), "kind": "channel"}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let chat_thread = text(&r.body, "id");
    let r = s
        .call(
            Method::POST,
            format!("/v1/chat/threads/{chat_thread}/messages"),
        )
        .auth(&owner)
        .tenant(slug)
        .json(json!({"text": format!("{slug} secret chat message")}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (autopilot_thread, autopilot_message) =
        autopilot_thread(s, slug, &owner_id, &project).await;
    let ids = Ids {
        agent,
        chat_thread,
        autopilot_thread,
        autopilot_message,
        mcp_server,
        mcp_instance,
        mcp_profile,
        slug: slug.to_string(),
        secret,
        llm_key: text(&llm_key, "id"),
        project,
        member,
        member_email,
        pat: text(&pat, "id"),
        workflow,
        webhook: text(&webhook, "id"),
        trigger: text(&trigger, "id"),
        connection,
        ..Ids::default()
    };
    let markers = vec![
        ws.project,
        owner_id.clone(),
        text(&open_invite, "id"),
        text(&invite, "id"),
        format!("owner@{slug}.test"),
        format!("invitee@{slug}.test"),
        format!("{slug} private project"),
        format!("{slug} secret workflow"),
        format!("{slug} secret autopilot question"),
        format!("{slug} secret webhook"),
        format!("{slug} secret connection"),
        format!("{slug}-connection-token"),
        format!("{slug} token"),
        format!("{slug} run token"),
        format!("{slug} secret mcp server"),
        format!("{slug} secret mcp instance"),
        format!("{slug} secret profile"),
        format!("{slug} secret input"),
        format!("{slug} secret value"),
        format!("{slug} secret description"),
        format!("sk-{slug}-llm-key"),
        format!("{slug} llm key"),
        format!("{slug} secret agent"),
        format!("{slug} secret instructions"),
        format!("{slug} secret channel"),
        format!("{slug} secret chat message"),
    ];
    Tenant {
        ids,
        owner,
        owner_id,
        pat_token: text(&pat, "token"),
        run_token: text(&run_pat, "token"),
        webhook_secret: text(&webhook, "signing_secret"),
        markers,
    }
}

pub(crate) async fn command(s: &TestServer, t: &Tenant, body: Value) -> String {
    let path = format!("/v1/workflows/{}/command", t.ids.workflow);
    let r = created(s, &t.owner, &t.ids.slug, &path, body).await;
    text(&r, "run_id")
}

fn input(t: &Tenant) -> Value {
    json!({"secret": format!("{} secret input", t.ids.slug)})
}

async fn stopped_run(s: &TestServer, t: &Tenant) -> String {
    let run = command(
        s,
        t,
        json!({"command": "start", "params": {"trigger_payload": input(t)}}),
    )
    .await;
    command(s, t, json!({"command": "stop", "params": {"run_id": run}})).await;
    let path = format!("/v1/workflows/{}/runs/{run}", t.ids.workflow);
    poll_until(s, &t.owner, &t.ids.slug, &path, |r| {
        r["status"] == "stopped"
    })
    .await;
    run
}

/// A run waiting at its human task, its last event written (so A's event log is stable).
pub(crate) async fn waiting_run(s: &TestServer, t: &Tenant, client: &str) -> String {
    let params = json!({"trigger_payload": input(t), "run_id": client});
    let run = command(s, t, json!({"command": "start", "params": params})).await;
    let events = format!("/v1/workflows/{}/runs/{run}/events", t.ids.workflow);
    poll_until(s, &t.owner, &t.ids.slug, &events, |r| {
        r["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["event_type"] == "step_paused"))
    })
    .await;
    run
}

/// The cursor a client of `t` holds after the first page of one run (its newest run).
async fn cursor(s: &TestServer, t: &Tenant) -> String {
    let path = format!("/v1/workflows/{}/runs?limit=1", t.ids.workflow);
    let page = poll_until(s, &t.owner, &t.ids.slug, &path, |_| true).await;
    assert_eq!(page["runs"][0]["run_id"], t.ids.run.as_str(), "{page}");
    text(&page, "next_cursor")
}

/// A and B. Their runs interleave, so A's cursor points between B's runs.
pub(crate) async fn tenants(s: &TestServer) -> (Tenant, Tenant) {
    let mut a = objects(s, "iso-a").await;
    let mut b = objects(s, "iso-b").await;
    a.ids.stopped_run = stopped_run(s, &a).await;
    b.ids.stopped_run = stopped_run(s, &b).await;
    for t in [&mut a, &mut b] {
        // Without the slug in it: a row makes B start a run with A's client id.
        t.ids.client_run_id = format!("client-{}", uuid::Uuid::now_v7().simple());
        t.ids.run = waiting_run(s, t, &t.ids.client_run_id.clone()).await;
    }
    for t in [&mut a, &mut b] {
        t.ids.cursor = cursor(s, t).await;
        // Not the client run id: it is a string the client picks, and B picking the same
        // one (a row below does) makes it B's too.
        let ids: Vec<String> = t
            .ids
            .labelled()
            .into_iter()
            .filter(|(label, _)| *label != "client_run_id")
            .map(|(_, v)| v.to_string())
            .collect();
        t.markers.extend(ids);
    }
    (a, b)
}

/// A custom MCP server of the project (written through the store: no live MCP server is
/// needed), an instance of it and its profile; returns their ids.
async fn mcp_objects(s: &TestServer, slug: &str, project: &str) -> (String, String, String) {
    use ar_store::integrations::{McpInstanceRecord, McpProfileRecord, McpServerRecord};
    let ws = s
        .tenants()
        .workspace_by_slug(slug)
        .await
        .expect("read")
        .expect("workspace")
        .id;
    let store = s.server.state.integrations();
    let id = || uuid::Uuid::now_v7().to_string();
    let server = McpServerRecord {
        id: id(),
        workspace_id: ws.clone(),
        project_id: Some(project.into()),
        name: format!("{slug} secret mcp server"),
        description: None,
        canonical_url: format!("https://{slug}.tools.example/mcp"),
        transport: "http".into(),
        auth_mode: "none".into(),
        source: "custom".into(),
        tools: json!([{"name": "t", "input_schema": {"type": "object"}}]),
        current_version: 1,
        validation: None,
        created_by: "isolation".into(),
        created_at: 0,
        updated_at: 0,
    };
    store.create_server(&server).await.expect("server");
    let instance = McpInstanceRecord {
        id: id(),
        workspace_id: ws.clone(),
        project_id: project.into(),
        server_id: server.id.clone(),
        name: format!("{slug} secret mcp instance"),
        created_by: "isolation".into(),
        created_at: 0,
        updated_at: 0,
    };
    store
        .create_mcp_instance(&instance)
        .await
        .expect("instance");
    let profile = store
        .create_mcp_profile(&McpProfileRecord {
            id: id(),
            workspace_id: ws,
            instance_id: instance.id.clone(),
            name: format!("{slug} secret profile"),
            env: json!({}),
            headers: json!({"X-Region": "eu"}),
            connection_id: None,
            connection_env: None,
            active: false,
            created_by: "isolation".into(),
            created_at: 0,
            updated_at: 0,
        })
        .await
        .expect("profile");
    (server.id, instance.id, profile.id)
}

/// The owner's Autopilot thread in `project` with one question and its stored reply
/// (written to the store: the test server has no model to answer). Returns the thread's
/// and the reply's ids.
async fn autopilot_thread(
    s: &TestServer,
    slug: &str,
    owner_id: &str,
    project: &str,
) -> (String, String) {
    use ar_store::integrations::{
        ChatThreadRecord, ChatTurnRecord, NewChatMessage, TURN_COMPLETED, TURN_RUNNING,
    };
    let state = &s.server.state;
    let ws = s
        .tenants()
        .workspace_by_slug(slug)
        .await
        .expect("workspace")
        .expect("exists");
    let tail = uuid::Uuid::now_v7().simple().to_string();
    let (thread, question, reply) = (
        format!("cth_{tail}"),
        format!("cmsg_q{tail}"),
        format!("cmsg_r{tail}"),
    );
    let store = state.integrations();
    store
        .create_thread(&ChatThreadRecord {
            id: thread.clone(),
            workspace_id: ws.id.clone(),
            project_id: project.to_string(),
            kind: "autopilot".into(),
            title: format!("{slug} secret autopilot question"),
            agent_ids: Vec::new(),
            created_by: owner_id.to_string(),
            created_at: 1,
            updated_at: 1,
            last_message_at: None,
        })
        .await
        .expect("thread");
    let message = |id: &str, kind: &str, text: String| NewChatMessage {
        id: id.to_string(),
        thread_id: thread.clone(),
        author_kind: kind.into(),
        author_id: owner_id.to_string(),
        text,
        data: json!({"actions": []}),
        run_id: None,
        created_at: 2,
    };
    store
        .append_message(&message(
            &question,
            "user",
            format!("{slug} secret autopilot question"),
        ))
        .await
        .expect("question");
    store
        .create_turn(&ChatTurnRecord {
            id: reply.clone(),
            thread_id: thread.clone(),
            agent_id: None,
            reply_to: question,
            run_id: None,
            status: TURN_RUNNING.into(),
            created_at: 2,
            updated_at: 2,
        })
        .await
        .expect("turn");
    store
        .finish_turn(
            &reply,
            TURN_COMPLETED,
            &message(&reply, "autopilot", "answer".into()),
        )
        .await
        .expect("reply");
    (thread, reply)
}
