//! Conformance tests of the `IntegrationStore` parts — `VaultStore` (workspace data keys,
//! vault secrets), `ConnectionStore` (connections, pending OAuth authorizations) and
//! `AgentStore` (agents, the stored rounds of their turns), `ChatStore` (threads,
//! messages, turns) — one
//! suite run on SQLite (a database file) and on Postgres (a fresh schema per test).

mod common;

use std::sync::Arc;

use ar_store::integrations::*;
use ar_store::tenant::*;
use ar_store::{PgConfig, PgStore};
use serde_json::json;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

struct Fixture {
    store: Arc<dyn IntegrationStore>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgStore>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let tenants = SqliteTenantStore::open(dir.path().join("ar.db"))
        .await
        .expect("open sqlite");
    common::seed_workspaces(&tenants).await;
    Fixture {
        store: Arc::new(SqliteIntegrationStore::from_pool(tenants.pool().clone())),
        _dir: Some(dir),
        _pg: None,
    }
}

async fn postgres() -> Fixture {
    let schema = format!("integrations_{}", uuid::Uuid::now_v7().simple());
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres (is it running?)");
    common::seed_workspaces(&PgTenantStore::from_pool(pg.pool().clone())).await;
    Fixture {
        store: Arc::new(PgIntegrationStore::from_pool(pg.pool().clone())),
        _dir: None,
        _pg: Some(pg),
    }
}

fn key(ws: &str, master: &str, marker: &str) -> DataKeyRecord {
    DataKeyRecord {
        workspace_id: ws.into(),
        wrapped: json!({ "marker": marker }),
        master_key_id: master.into(),
        created_at: 1,
        updated_at: 1,
    }
}

fn secret(id: &str, ws: &str, name: &str, sealed: &str) -> SecretRecord {
    SecretRecord {
        id: id.into(),
        workspace_id: ws.into(),
        name: name.into(),
        description: None,
        value_sealed: json!({ "sealed": sealed }),
        created_by: "u1".into(),
        created_at: 1,
        updated_at: 1,
    }
}

/// The first data key stored for a workspace wins; a second insert (another node racing)
/// gets the stored one back instead of replacing it.
async fn the_first_data_key_wins(f: &Fixture) {
    assert_eq!(f.store.data_key("w1").await.unwrap(), None);
    let first = f
        .store
        .insert_data_key(&key("w1", "m1", "a"))
        .await
        .unwrap();
    assert_eq!(first.wrapped, json!({"marker": "a"}));
    let second = f
        .store
        .insert_data_key(&key("w1", "m1", "b"))
        .await
        .unwrap();
    assert_eq!(
        second.wrapped,
        json!({"marker": "a"}),
        "the stored key is kept"
    );
    assert_eq!(f.store.data_key("w2").await.unwrap(), None);
}

/// Re-wrapping is a compare-and-set on the master key id, and the rotation's to-do list
/// shrinks as keys are re-wrapped.
async fn rewrapping_is_compare_and_set(f: &Fixture) {
    f.store
        .insert_data_key(&key("w1", "old", "a"))
        .await
        .unwrap();
    f.store
        .insert_data_key(&key("w2", "old", "b"))
        .await
        .unwrap();
    let left = f.store.data_keys_not_wrapped_by("new", 10).await.unwrap();
    assert_eq!(left.len(), 2);
    assert!(
        f.store
            .rewrap_data_key("w1", "old", &json!({"marker": "a2"}), "new", 2)
            .await
            .unwrap()
    );
    // A second rotation that read the key before the first re-wrapped it changes nothing.
    assert!(
        !f.store
            .rewrap_data_key("w1", "old", &json!({"marker": "stale"}), "new", 3)
            .await
            .unwrap()
    );
    let w1 = f.store.data_key("w1").await.unwrap().unwrap();
    assert_eq!(
        (w1.wrapped, w1.master_key_id.as_str()),
        (json!({"marker": "a2"}), "new")
    );
    let left = f.store.data_keys_not_wrapped_by("new", 10).await.unwrap();
    assert_eq!(
        left.iter()
            .map(|k| k.workspace_id.as_str())
            .collect::<Vec<_>>(),
        ["w2"]
    );
}

/// Secrets are per workspace; putting a name again replaces the value but keeps the id
/// the sealed value is bound to.
async fn secrets_are_per_workspace_and_keep_their_id(f: &Fixture) {
    f.store
        .put_secret(&secret("s1", "w1", "API_TOKEN", "v1"))
        .await
        .unwrap();
    f.store
        .put_secret(&secret("s2", "w2", "API_TOKEN", "other"))
        .await
        .unwrap();
    let mut again = secret("s-new", "w1", "API_TOKEN", "v2");
    again.description = Some("rotated".into());
    again.updated_at = 5;
    f.store.put_secret(&again).await.unwrap();
    let got = f.store.secret("w1", "API_TOKEN").await.unwrap().unwrap();
    assert_eq!(got.id, "s1");
    assert_eq!(got.value_sealed, json!({"sealed": "v2"}));
    assert_eq!(got.description.as_deref(), Some("rotated"));
    assert_eq!(got.updated_at, 5);
    assert_eq!(f.store.list_secrets("w1").await.unwrap().len(), 1);
    assert!(f.store.delete_secret("w1", "API_TOKEN").await.unwrap());
    assert!(!f.store.delete_secret("w1", "API_TOKEN").await.unwrap());
    assert_eq!(f.store.secret("w1", "API_TOKEN").await.unwrap(), None);
    let theirs = f.store.secret("w2", "API_TOKEN").await.unwrap().unwrap();
    assert_eq!(theirs.value_sealed, json!({"sealed": "other"}));
}

/// A secret is granted to projects of its own workspace only; granting twice keeps the
/// first grant; grants are listed per secret and per project and go with the secret.
async fn secret_grants_stay_in_their_workspace(f: &Fixture) {
    let s = f.store.as_ref();
    s.put_secret(&secret("s1", "w1", "API_TOKEN", "v1"))
        .await
        .unwrap();
    s.put_secret(&secret("s2", "w2", "API_TOKEN", "theirs"))
        .await
        .unwrap();
    let grant = s
        .grant_secret("w1", "API_TOKEN", "p1", "u1", 10)
        .await
        .unwrap()
        .expect("granted");
    assert_eq!(
        (
            grant.secret_name.as_str(),
            grant.project_id.as_str(),
            grant.created_at
        ),
        ("API_TOKEN", "p1", 10)
    );
    let again = s
        .grant_secret("w1", "API_TOKEN", "p1", "someone-else", 20)
        .await
        .unwrap()
        .expect("still granted");
    assert_eq!((again.granted_by.as_str(), again.created_at), ("u1", 10));
    assert_eq!(
        s.grant_secret("w1", "API_TOKEN", "p2", "u1", 10)
            .await
            .unwrap(),
        None,
        "another workspace's project"
    );
    assert_eq!(
        s.grant_secret("w1", "NOPE", "p1", "u1", 10).await.unwrap(),
        None,
        "no such secret"
    );
    assert_eq!(s.secret_grants("w1", "API_TOKEN").await.unwrap().len(), 1);
    assert!(s.secret_grants("w2", "API_TOKEN").await.unwrap().is_empty());
    let names: Vec<String> = s
        .project_secret_grants("w1", "p1")
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.secret_name)
        .collect();
    assert_eq!(names, ["API_TOKEN"]);
    assert!(
        s.project_secret_grants("w2", "p1")
            .await
            .unwrap()
            .is_empty(),
        "a project of another workspace has none of its grants listed there"
    );
    assert!(
        !s.revoke_secret_grant("w2", "API_TOKEN", "p1")
            .await
            .unwrap()
    );
    assert!(
        s.revoke_secret_grant("w1", "API_TOKEN", "p1")
            .await
            .unwrap()
    );
    assert!(
        !s.revoke_secret_grant("w1", "API_TOKEN", "p1")
            .await
            .unwrap()
    );
    s.grant_secret("w1", "API_TOKEN", "p1", "u1", 30)
        .await
        .unwrap()
        .expect("granted again");
    assert!(s.delete_secret("w1", "API_TOKEN").await.unwrap());
    s.put_secret(&secret("s3", "w1", "API_TOKEN", "new"))
        .await
        .unwrap();
    assert!(
        s.secret_grants("w1", "API_TOKEN").await.unwrap().is_empty(),
        "a deleted secret's grants do not pass to a new secret of the same name"
    );
}

fn connection(id: &str, ws: &str, project: &str) -> ConnectionRecord {
    ConnectionRecord {
        id: id.into(),
        workspace_id: ws.into(),
        project_id: project.into(),
        display_name: "GitHub".into(),
        provider: "github".into(),
        service: None,
        auth_type: "oauth2".into(),
        credential_keys: vec!["access_token".into(), "refresh_token".into()],
        credentials_sealed: json!({"sealed": "v1"}),
        oauth: Some(json!({"client_id": "c"})),
        oauth_client_secret_sealed: Some(json!({"sealed": "client"})),
        status: "active".into(),
        status_reason: None,
        expires_at: Some(1_000),
        refreshed_at: None,
        credentials_version: 1,
        created_by: "u1".into(),
        created_at: 10,
        updated_at: 10,
    }
}

fn pending(hash: &str, expires_at: i64) -> OAuthPendingRecord {
    OAuthPendingRecord {
        state_hash: hash.into(),
        workspace_id: "w1".into(),
        project_id: "p1".into(),
        created_by: "u1".into(),
        request: json!({"display_name": "x"}),
        secrets_sealed: json!({"sealed": "verifier"}),
        expires_at,
        created_at: 1,
    }
}

async fn connections_round_trip_per_workspace(f: &Fixture) {
    let c = connection("c1", "w1", "p1");
    f.store.create_connection(&c).await.unwrap();
    assert_eq!(
        f.store.connection("w1", "c1").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(f.store.connection("w2", "c1").await.unwrap(), None);
    assert_eq!(f.store.list_connections("w1", "p1").await.unwrap(), vec![c]);
    assert_eq!(f.store.list_connections("w1", "p2").await.unwrap(), vec![]);
    assert_eq!(f.store.list_connections("w2", "p1").await.unwrap(), vec![]);
    assert!(!f.store.delete_connection("w2", "c1").await.unwrap());
    assert!(f.store.delete_connection("w1", "c1").await.unwrap());
    assert!(!f.store.delete_connection("w1", "c1").await.unwrap());
}

async fn saves_are_compare_and_set(f: &Fixture) {
    let first = connection("c1", "w1", "p1");
    f.store.create_connection(&first).await.unwrap();
    let newer = ConnectionRecord {
        credentials_sealed: json!({"sealed": "v2"}),
        credentials_version: 2,
        expires_at: Some(2_000),
        refreshed_at: Some(5),
        updated_at: 20,
        ..first.clone()
    };
    assert!(f.store.save_connection(&newer, 1).await.unwrap());
    // A writer that read version 1 (a slower refresh) does not overwrite version 2.
    let older = ConnectionRecord {
        credentials_sealed: json!({"sealed": "stale"}),
        credentials_version: 2,
        ..first.clone()
    };
    assert!(!f.store.save_connection(&older, 1).await.unwrap());
    assert_eq!(
        f.store.connection("w1", "c1").await.unwrap(),
        Some(newer.clone())
    );
    // Another workspace's id is not saved either.
    let foreign = ConnectionRecord {
        workspace_id: "w2".into(),
        credentials_version: 3,
        ..newer.clone()
    };
    assert!(!f.store.save_connection(&foreign, 2).await.unwrap());
    let cleared = ConnectionRecord {
        status: "needs_reauth".into(),
        status_reason: Some("revoked".into()),
        oauth: None,
        oauth_client_secret_sealed: None,
        service: Some("api".into()),
        credentials_version: 3,
        ..newer
    };
    assert!(f.store.save_connection(&cleared, 2).await.unwrap());
    assert_eq!(f.store.connection("w1", "c1").await.unwrap(), Some(cleared));
}

async fn pending_states_are_taken_once(f: &Fixture) {
    f.store
        .put_oauth_pending(&pending("h1", 100))
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        f.store.take_oauth_pending("h1"),
        f.store.take_oauth_pending("h1")
    );
    let taken: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(taken, vec![pending("h1", 100)]);
    assert_eq!(f.store.take_oauth_pending("h1").await.unwrap(), None);
    f.store
        .put_oauth_pending(&pending("old", 50))
        .await
        .unwrap();
    f.store
        .put_oauth_pending(&pending("live", 150))
        .await
        .unwrap();
    assert_eq!(f.store.purge_oauth_pending(100).await.unwrap(), 1);
    assert_eq!(f.store.take_oauth_pending("old").await.unwrap(), None);
    assert!(f.store.take_oauth_pending("live").await.unwrap().is_some());
}

fn agent(id: &str, ws: &str, project: &str) -> AgentRecord {
    AgentRecord {
        id: id.into(),
        workspace_id: ws.into(),
        project_id: project.into(),
        name: format!("agent {id}"),
        definition: json!({"instructions": "be brief", "model": "m", "max_turns": 8}),
        created_by: "u1".into(),
        created_at: 1,
        updated_at: 1,
    }
}

/// Agents are found in their workspace only, listed per project, updated and deleted
/// by (workspace, id).
async fn agents_round_trip_per_workspace(f: &Fixture) {
    f.store
        .create_agent(&agent("a1", "w1", "p1"))
        .await
        .unwrap();
    f.store
        .create_agent(&agent("a2", "w2", "p2"))
        .await
        .unwrap();
    let a1 = f.store.agent("w1", "a1").await.unwrap().expect("a1");
    assert_eq!(a1, agent("a1", "w1", "p1"));
    assert_eq!(f.store.agent("w2", "a1").await.unwrap(), None);
    let listed = f.store.list_agents("p1").await.unwrap();
    assert_eq!(
        listed.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );

    let mut changed = agent("a1", "w1", "p1");
    changed.name = "renamed".into();
    changed.definition = json!({"model_ref": "direct.openai.gpt-4o", "max_turns": 3});
    changed.updated_at = 5;
    assert!(f.store.update_agent(&changed).await.unwrap());
    assert_eq!(
        f.store.agent("w1", "a1").await.unwrap(),
        Some(changed.clone())
    );
    // Another workspace cannot change or delete it.
    let mut foreign = changed.clone();
    foreign.workspace_id = "w2".into();
    assert!(!f.store.update_agent(&foreign).await.unwrap());
    assert!(!f.store.delete_agent("w2", "a1").await.unwrap());
    assert!(f.store.delete_agent("w1", "a1").await.unwrap());
    assert_eq!(f.store.agent("w1", "a1").await.unwrap(), None);
}

/// The first stored version of a round wins; rounds come back in order, per step.
async fn agent_rounds_are_stored_once(f: &Fixture) {
    let round = |n: i64, data: serde_json::Value| AgentRoundRecord {
        run_id: "r1".into(),
        step_key: "ask".into(),
        round: n,
        data,
        created_at: n,
    };
    assert!(
        f.store
            .put_agent_round(&round(2, json!({"round": 2})))
            .await
            .unwrap()
    );
    assert!(
        f.store
            .put_agent_round(&round(1, json!({"round": 1})))
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .put_agent_round(&round(1, json!({"round": "again"})))
            .await
            .unwrap()
    );
    let mut other = round(1, json!({"other": true}));
    other.step_key = "loop#0/ask".into();
    assert!(f.store.put_agent_round(&other).await.unwrap());
    let stored = f.store.agent_rounds("r1", "ask").await.unwrap();
    assert_eq!(
        stored.iter().map(|r| r.data.clone()).collect::<Vec<_>>(),
        [json!({"round": 1}), json!({"round": 2})]
    );
    assert_eq!(
        f.store
            .agent_rounds("r1", "loop#0/ask")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(f.store.agent_rounds("r2", "ask").await.unwrap().is_empty());
}

fn mcp_server(id: &str) -> McpServerRecord {
    McpServerRecord {
        id: id.into(),
        workspace_id: "w1".into(),
        project_id: Some("p1".into()),
        name: "tools".into(),
        description: None,
        canonical_url: format!("https://{id}.example.com/mcp"),
        transport: "http".into(),
        auth_mode: "none".into(),
        source: "custom".into(),
        tools: json!([{"name": "v1"}]),
        current_version: 1,
        validation: None,
        created_by: "u1".into(),
        created_at: 1,
        updated_at: 1,
    }
}

/// A published version takes the number after the highest one; an activated one becomes
/// the server's tools, an inactive one is only listed (with its config schema), and a
/// publication from a stale current version is a conflict.
async fn mcp_versions_activate_or_only_record(f: &Fixture) {
    f.store.create_server(&mcp_server("s1")).await.unwrap();
    let v2_tools = json!([{"name": "v2"}]);
    let schema = json!({"type": "object", "properties": {"region": {"type": "string"}}});
    let inactive = NewMcpServerVersion {
        tools: &v2_tools,
        config_schema: Some(&schema),
        activate: false,
    };
    assert_eq!(
        f.store
            .add_mcp_server_version("s1", 1, &inactive, 5)
            .await
            .unwrap(),
        2
    );
    let server = f.store.mcp_server("w1", "s1").await.unwrap().unwrap();
    assert_eq!(
        (server.current_version, server.tools),
        (1, json!([{"name": "v1"}]))
    );
    let v3_tools = json!([{"name": "v3"}]);
    let active = NewMcpServerVersion {
        tools: &v3_tools,
        config_schema: None,
        activate: true,
    };
    assert_eq!(
        f.store
            .add_mcp_server_version("s1", 1, &active, 6)
            .await
            .unwrap(),
        3
    );
    let server = f.store.mcp_server("w1", "s1").await.unwrap().unwrap();
    assert_eq!(
        (server.current_version, server.tools),
        (3, v3_tools.clone())
    );
    let stale = f.store.add_mcp_server_version("s1", 1, &active, 7).await;
    assert!(
        matches!(stale, Err(ar_store::StoreError::Conflict(_))),
        "{stale:?}"
    );
    let versions = f.store.list_mcp_server_versions("s1").await.unwrap();
    let listed: Vec<_> = versions
        .iter()
        .map(|v| (v.version, v.config_schema.clone()))
        .collect();
    assert_eq!(listed, vec![(3, None), (2, Some(schema)), (1, None)]);
    assert_eq!(versions[1].tools, v2_tools);
}

fn thread(id: &str, ws: &str, project: &str, kind: &str, by: &str) -> ChatThreadRecord {
    ChatThreadRecord {
        id: id.into(),
        workspace_id: ws.into(),
        project_id: project.into(),
        kind: kind.into(),
        title: format!("thread {id}"),
        agent_ids: vec!["ag1".into()],
        created_by: by.into(),
        created_at: 10,
        updated_at: 10,
        last_message_at: None,
    }
}

fn chat_message(id: &str, thread: &str, text: &str, at: i64) -> NewChatMessage {
    NewChatMessage {
        id: id.into(),
        thread_id: thread.into(),
        author_kind: "user".into(),
        author_id: "u1".into(),
        text: text.into(),
        data: json!({}),
        run_id: None,
        created_at: at,
    }
}

fn query(user: &str, kind: Option<&str>, before: Option<(i64, String)>) -> ThreadQuery {
    ThreadQuery {
        project_id: "p1".into(),
        user_id: user.into(),
        kind: kind.map(str::to_owned),
        limit: 2,
        before,
    }
}

/// Threads stay in their workspace; a user lists the project's channels and their own
/// other threads, latest activity first, page by page.
async fn chat_threads_are_per_workspace_and_visible_by_kind(f: &Fixture) {
    let s = &f.store;
    s.create_thread(&thread("t1", "w1", "p1", "channel", "u9"))
        .await
        .unwrap();
    s.create_thread(&thread("t2", "w1", "p1", "dm", "u1"))
        .await
        .unwrap();
    s.create_thread(&thread("t3", "w1", "p1", "autopilot", "u9"))
        .await
        .unwrap();
    s.create_thread(&thread("t4", "w2", "p2", "channel", "u1"))
        .await
        .unwrap();
    assert_eq!(s.thread("w2", "t1").await.unwrap(), None);
    assert_eq!(
        s.thread("w1", "t1").await.unwrap().unwrap().agent_ids,
        vec!["ag1".to_owned()]
    );
    // A message moves t1 to the front.
    s.append_message(&chat_message("m1", "t1", "hi", 20))
        .await
        .unwrap();
    let first = s.list_threads(&query("u1", None, None)).await.unwrap();
    let ids: Vec<&str> = first.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["t1", "t2"],
        "u9's autopilot thread is not u1's to see"
    );
    assert_eq!(first[0].last_message_at, Some(20));
    let last = &first[1];
    let rest = s
        .list_threads(&query("u1", None, Some((last.updated_at, last.id.clone()))))
        .await
        .unwrap();
    assert!(rest.is_empty(), "{rest:?}");
    let autopilot = s
        .list_threads(&query("u9", Some("autopilot"), None))
        .await
        .unwrap();
    assert_eq!(autopilot.len(), 1);
    assert!(s.rename_thread("w1", "t2", "renamed", 30).await.unwrap());
    assert!(!s.rename_thread("w2", "t2", "theirs", 30).await.unwrap());
    assert_eq!(
        s.thread("w1", "t2").await.unwrap().unwrap().title,
        "renamed"
    );
    assert!(!s.delete_thread("w2", "t1").await.unwrap());
    assert!(s.delete_thread("w1", "t1").await.unwrap());
    assert_eq!(s.thread("w1", "t1").await.unwrap(), None);
    assert!(s.messages("t1", 0, 10).await.unwrap().is_empty());
    assert_eq!(
        s.append_message(&chat_message("m2", "t1", "late", 40))
            .await
            .unwrap(),
        None
    );
}

/// Messages get 1, 2, 3, … per thread, also when appended concurrently; a retried
/// append of the same id stores nothing twice.
async fn chat_messages_get_the_next_seq_once(f: &Fixture) {
    let s = &f.store;
    s.create_thread(&thread("t1", "w1", "p1", "channel", "u1"))
        .await
        .unwrap();
    s.create_thread(&thread("t2", "w1", "p1", "channel", "u1"))
        .await
        .unwrap();
    let appends = (0..20).map(|i| {
        let s = s.clone();
        async move {
            s.append_message(&chat_message(&format!("m{i}"), "t1", "x", 100 + i))
                .await
        }
    });
    for stored in futures::future::join_all(appends).await {
        stored.unwrap().expect("thread exists");
    }
    let again = s
        .append_message(&chat_message("m3", "t1", "changed", 999))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.text, "x",
        "the stored message is answered, not replaced"
    );
    let seqs: Vec<i64> = s
        .messages("t1", 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
    let after = s.messages("t1", 18, 100).await.unwrap();
    assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), [19, 20]);
    let other = s
        .append_message(&chat_message("n1", "t2", "y", 5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.seq, 1);
}

/// A turn ends once: the first finisher stores the reply, a second gets nothing.
async fn chat_turns_finish_once_with_their_reply(f: &Fixture) {
    let s = &f.store;
    s.create_thread(&thread("t1", "w1", "p1", "dm", "u1"))
        .await
        .unwrap();
    s.append_message(&chat_message("m1", "t1", "question", 10))
        .await
        .unwrap();
    let turn = ChatTurnRecord {
        id: "r1".into(),
        thread_id: "t1".into(),
        agent_id: Some("ag1".into()),
        reply_to: "m1".into(),
        run_id: None,
        status: TURN_RUNNING.into(),
        created_at: 11,
        updated_at: 11,
    };
    s.create_turn(&turn).await.unwrap();
    s.set_turn_run("r1", "run_1", 12).await.unwrap();
    // The liveness beat moves a running turn's updated_at, and nothing else's.
    assert!(s.touch_turn("r1", 15).await.unwrap());
    assert_eq!(s.turn("r1").await.unwrap().unwrap().updated_at, 15);
    assert!(!s.touch_turn("nope", 15).await.unwrap());
    let running = s.running_turns(Some("t1")).await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].run_id.as_deref(), Some("run_1"));
    assert!(s.running_turns(Some("t2")).await.unwrap().is_empty());
    let mut reply = chat_message("r1", "t1", "answer", 13);
    reply.author_kind = "agent".into();
    reply.run_id = Some("run_1".into());
    let stored = s
        .finish_turn("r1", TURN_COMPLETED, &reply)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.seq, stored.author_kind.as_str()), (2, "agent"));
    assert_eq!(
        s.finish_turn("r1", TURN_FAILED, &reply).await.unwrap(),
        None
    );
    assert_eq!(s.turn("r1").await.unwrap().unwrap().status, TURN_COMPLETED);
    assert!(
        !s.touch_turn("r1", 99).await.unwrap(),
        "a finished turn is not touched"
    );
    assert!(s.running_turns(None).await.unwrap().is_empty());
    assert_eq!(s.messages("t1", 0, 10).await.unwrap().len(), 2);
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name(&super::sqlite().await).await; } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name(&super::postgres().await).await; } )*
        }
    };
}

on_both_backends!(
    the_first_data_key_wins,
    rewrapping_is_compare_and_set,
    secrets_are_per_workspace_and_keep_their_id,
    secret_grants_stay_in_their_workspace,
    connections_round_trip_per_workspace,
    saves_are_compare_and_set,
    pending_states_are_taken_once,
    agents_round_trip_per_workspace,
    agent_rounds_are_stored_once,
    mcp_versions_activate_or_only_record,
    chat_threads_are_per_workspace_and_visible_by_kind,
    chat_messages_get_the_next_seq_once,
    chat_turns_finish_once_with_their_reply,
);
