//! Conformance tests of `TenantStore`, one suite run on SQLite (a database file) and on
//! Postgres (a fresh schema per test at postgres://postgres@127.0.0.1:5432/test).

use std::sync::Arc;

use ar_store::tenant::*;
use ar_store::{PgConfig, PgStore, StoreError};
use serde_json::json;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store under test plus whatever must stay alive with it.
struct Fixture {
    store: Arc<dyn TenantStore>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgStore>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteTenantStore::open(dir.path().join("ar.db"))
        .await
        .expect("open sqlite tenant store");
    Fixture {
        store: Arc::new(store),
        _dir: Some(dir),
        _pg: None,
    }
}

async fn postgres() -> Fixture {
    let schema = format!("tenant_{}", uuid::Uuid::now_v7().simple());
    let pg = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
        .await
        .expect("open postgres (is it running?)");
    let store = PgTenantStore::from_pool(pg.pool().clone());
    Fixture {
        store: Arc::new(store),
        _dir: None,
        _pg: Some(pg),
    }
}

fn user(id: &str, email: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        email: email.into(),
        name: Some(format!("{id} name")),
        password_hash: Some("$argon2id$x".into()),
        created_at: 1,
    }
}

fn workspace(id: &str, slug: &str) -> WorkspaceRecord {
    WorkspaceRecord {
        id: id.into(),
        slug: slug.into(),
        name: format!("{slug} name"),
        product_code: "ar".into(),
        admins_full_access_to_private: false,
        created_at: 10,
    }
}

fn project(id: &str, ws: &str, visibility: &str) -> ProjectRecord {
    ProjectRecord {
        id: id.into(),
        workspace_id: ws.into(),
        name: format!("{id} name"),
        visibility: visibility.into(),
        created_at: 11,
    }
}

fn workflow(id: &str, project_id: &str) -> WorkflowRecord {
    WorkflowRecord {
        id: id.into(),
        project_id: project_id.into(),
        name: format!("{id} name"),
        description: "d".into(),
        draft_graph: json!({"steps": []}),
        run_setup: None,
        archived: false,
        created_by: Some("u1".into()),
        latest_version: None,
        created_at: 20,
        updated_at: 20,
    }
}

/// Two users, workspace `w1` owned by u1 with project p1 (private), workspace `w2` owned by u2 with p2.
async fn seed(s: &dyn TenantStore) {
    s.create_user(&user("u1", "a@example.com"))
        .await
        .expect("user 1");
    s.create_user(&user("u2", "b@example.com"))
        .await
        .expect("user 2");
    s.create_workspace(
        &workspace("w1", "one"),
        "u1",
        &project("p1", "w1", "private"),
    )
    .await
    .expect("ws 1");
    s.create_workspace(
        &workspace("w2", "two"),
        "u2",
        &project("p2", "w2", "public"),
    )
    .await
    .expect("ws 2");
}

async fn users_are_unique_by_email_and_found_by_id_and_email(s: &dyn TenantStore) {
    assert_eq!(s.count_users().await.unwrap(), 0);
    s.create_user(&user("u1", "a@example.com")).await.unwrap();
    let dup = s.create_user(&user("u9", "a@example.com")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(
        s.user_by_email("a@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("u1".to_string())
    );
    assert_eq!(
        s.user_by_id("u1").await.unwrap(),
        Some(user("u1", "a@example.com"))
    );
    assert_eq!(s.user_by_id("nope").await.unwrap(), None);
    assert_eq!(s.count_users().await.unwrap(), 1);
    s.set_password_hash("u1", "$argon2id$new").await.unwrap();
    assert_eq!(
        s.user_by_id("u1")
            .await
            .unwrap()
            .and_then(|u| u.password_hash)
            .as_deref(),
        Some("$argon2id$new")
    );
    assert!(matches!(
        s.set_password_hash("nope", "h").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn sessions_are_found_by_token_hash_until_deleted(s: &dyn TenantStore) {
    s.create_user(&user("u1", "a@example.com")).await.unwrap();
    let session = SessionRecord {
        id: "s1".into(),
        user_id: "u1".into(),
        token_hash: "h1".into(),
        csrf_token: "c".into(),
        expires_at: 99,
        created_at: 1,
    };
    s.create_session(&session).await.unwrap();
    assert_eq!(
        s.session_by_token_hash("h1").await.unwrap(),
        Some(session.clone())
    );
    // The idle timeout moves the expiry; a gone session is reported.
    assert!(s.set_session_expiry("s1", 500).await.unwrap());
    assert_eq!(
        s.session_by_token_hash("h1")
            .await
            .unwrap()
            .map(|x| x.expires_at),
        Some(500)
    );
    assert!(!s.set_session_expiry("nope", 500).await.unwrap());
    s.delete_session("s1").await.unwrap();
    assert_eq!(s.session_by_token_hash("h1").await.unwrap(), None);
    for (id, hash) in [("s2", "h2"), ("s3", "h3"), ("s4", "h4")] {
        s.create_session(&SessionRecord {
            id: id.into(),
            token_hash: hash.into(),
            ..session.clone()
        })
        .await
        .unwrap();
    }
    assert_eq!(s.delete_user_sessions("u1", Some("s3")).await.unwrap(), 2);
    assert_eq!(
        s.session_by_token_hash("h3").await.unwrap().map(|x| x.id),
        Some("s3".into())
    );
    assert_eq!(s.delete_user_sessions("u1", None).await.unwrap(), 1);
}

async fn creating_a_workspace_makes_an_owner_and_a_first_project(s: &dyn TenantStore) {
    seed(s).await;
    let m = s
        .membership("w1", "u1")
        .await
        .unwrap()
        .expect("owner membership");
    assert_eq!((m.role.as_str(), m.active), ("owner", true));
    assert_eq!(
        s.list_projects("w1").await.unwrap(),
        vec![project("p1", "w1", "private")]
    );
    assert_eq!(
        s.workspace_by_slug("one").await.unwrap().map(|w| w.id),
        Some("w1".into())
    );
    assert_eq!(
        s.workspace_by_id("w2").await.unwrap(),
        Some(workspace("w2", "two"))
    );
    assert!(
        s.update_workspace("w2", Some("Renamed"), Some(true))
            .await
            .unwrap()
    );
    let w2 = s.workspace_by_id("w2").await.unwrap().expect("w2");
    assert_eq!(
        (w2.name.as_str(), w2.admins_full_access_to_private),
        ("Renamed", true)
    );
    assert!(s.update_workspace("w2", None, Some(false)).await.unwrap());
    assert_eq!(
        s.workspace_by_id("w2")
            .await
            .unwrap()
            .map(|w| (w.name, w.admins_full_access_to_private)),
        Some(("Renamed".into(), false))
    );
    assert!(!s.update_workspace("nope", Some("x"), None).await.unwrap());
    let mine = s.workspaces_of_user("u1").await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|w| w.workspace.slug.as_str())
            .collect::<Vec<_>>(),
        vec!["one"]
    );

    // A taken slug is a conflict and leaves nothing half-created.
    let dup = s
        .create_workspace(
            &workspace("w3", "one"),
            "u2",
            &project("p3", "w3", "private"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(s.workspace_by_id("w3").await.unwrap(), None);
    assert_eq!(s.list_projects("w3").await.unwrap(), vec![]);
    assert_eq!(s.membership("w3", "u2").await.unwrap(), None);
}

async fn members_can_be_added_changed_and_deactivated(s: &dyn TenantStore) {
    seed(s).await;
    let m = MembershipRecord {
        workspace_id: "w1".into(),
        user_id: "u2".into(),
        role: "member".into(),
        active: true,
        created_at: 30,
    };
    s.upsert_member(&m).await.unwrap();
    let members = s.list_members("w1").await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.email.as_str(), m.membership.role.as_str()))
            .collect::<Vec<_>>(),
        vec![("a@example.com", "owner"), ("b@example.com", "member")]
    );
    assert!(
        s.update_member("w1", "u2", Some("admin"), Some(false))
            .await
            .unwrap()
    );
    let changed = s.membership("w1", "u2").await.unwrap().expect("member");
    assert_eq!((changed.role.as_str(), changed.active), ("admin", false));
    assert!(
        !s.update_member("w1", "nobody", Some("admin"), None)
            .await
            .unwrap()
    );
    assert_eq!(s.count_active_owners("w1").await.unwrap(), 1);
    s.upsert_member(&MembershipRecord {
        role: "owner".into(),
        ..m
    })
    .await
    .unwrap();
    assert_eq!(
        s.count_active_owners("w1").await.unwrap(),
        2,
        "upsert reactivates and sets the role"
    );
}

async fn projects_are_reachable_only_through_their_workspace(s: &dyn TenantStore) {
    seed(s).await;
    assert_eq!(
        s.project("w1", "p1").await.unwrap().map(|p| p.id),
        Some("p1".into())
    );
    assert_eq!(
        s.project("w2", "p1").await.unwrap(),
        None,
        "another workspace's project is not found"
    );
    assert!(
        !s.update_project("w2", "p1", Some("stolen"), None)
            .await
            .unwrap()
    );
    assert!(
        s.update_project("w1", "p1", Some("Renamed"), Some("public"))
            .await
            .unwrap()
    );
    let p = s.project("w1", "p1").await.unwrap().expect("project");
    assert_eq!(
        (p.name.as_str(), p.visibility.as_str()),
        ("Renamed", "public")
    );
    s.create_project(&project("p1b", "w1", "private"))
        .await
        .unwrap();
    assert_eq!(s.list_projects("w1").await.unwrap().len(), 2);
}

async fn project_members_have_one_role_per_project(s: &dyn TenantStore) {
    seed(s).await;
    s.set_project_member("p1", "u2", "project_viewer", 40)
        .await
        .unwrap();
    s.set_project_member("p1", "u2", "project_admin", 41)
        .await
        .unwrap();
    assert_eq!(
        s.project_role("p1", "u2").await.unwrap().as_deref(),
        Some("project_admin")
    );
    let members = s.project_members("p1").await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].email.as_str(), members[0].role.as_str()),
        ("b@example.com", "project_admin")
    );
    assert_eq!(
        s.project_roles_of_user("w1", "u2").await.unwrap(),
        vec![("p1".to_string(), "project_admin".to_string())]
    );
    assert_eq!(s.project_roles_of_user("w2", "u2").await.unwrap(), vec![]);
    assert!(s.remove_project_member("p1", "u2").await.unwrap());
    assert!(!s.remove_project_member("p1", "u2").await.unwrap());
    assert_eq!(s.project_role("p1", "u2").await.unwrap(), None);
}

fn pat(id: &str, user: &str, hash: &str, created_at: i64) -> PatRecord {
    PatRecord {
        id: id.into(),
        user_id: user.into(),
        workspace_id: "w1".into(),
        name: format!("{id} token"),
        token_hash: hash.into(),
        scopes: vec!["workflow:read".into(), "workflow:run".into()],
        expires_at: Some(1000),
        revoked_at: None,
        last_used_at: None,
        created_at,
    }
}

async fn pats_are_listed_revoked_once_and_touched(s: &dyn TenantStore) {
    seed(s).await;
    s.create_pat(&pat("t1", "u1", "h1", 50)).await.unwrap();
    s.create_pat(&pat("t2", "u1", "h2", 51)).await.unwrap();
    assert!(matches!(
        s.create_pat(&pat("t3", "u1", "h1", 52)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.pat_by_token_hash("h1").await.unwrap(),
        Some(pat("t1", "u1", "h1", 50))
    );
    let ids: Vec<String> = s
        .list_pats("u1", "w1")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, vec!["t2", "t1"], "newest first");
    assert_eq!(s.list_pats("u1", "w2").await.unwrap(), vec![]);
    assert!(
        !s.revoke_pat("u2", "t1", 60).await.unwrap(),
        "another user cannot revoke it"
    );
    assert!(s.revoke_pat("u1", "t1", 60).await.unwrap());
    assert!(
        !s.revoke_pat("u1", "t1", 61).await.unwrap(),
        "already revoked"
    );
    s.touch_pat("t2", 70).await.unwrap();
    let t1 = s.pat_by_token_hash("h1").await.unwrap().expect("t1");
    let t2 = s.pat_by_token_hash("h2").await.unwrap().expect("t2");
    assert_eq!((t1.revoked_at, t2.last_used_at), (Some(60), Some(70)));
}

async fn invites_are_accepted_exactly_once(s: &dyn TenantStore) {
    seed(s).await;
    let invite = InviteRecord {
        id: "i1".into(),
        workspace_id: "w1".into(),
        email: "b@example.com".into(),
        role: "admin".into(),
        token_hash: "ih".into(),
        expires_at: 500,
        accepted_at: None,
        created_at: 80,
    };
    s.create_invite(&invite).await.unwrap();
    assert_eq!(s.invite_by_token_hash("ih").await.unwrap(), Some(invite));
    let m = s.accept_invite("i1", "u2", 90).await.unwrap();
    assert_eq!(
        (m.workspace_id.as_str(), m.role.as_str(), m.active),
        ("w1", "admin", true)
    );
    let again = s.accept_invite("i1", "u2", 91).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(
        s.invite_by_token_hash("ih")
            .await
            .unwrap()
            .and_then(|i| i.accepted_at),
        Some(90)
    );
}

/// Regression (issue 13): an invite, which admins may make, reactivated a deactivated
/// owner as an owner. The acceptance is refused and changes nothing.
async fn an_invite_does_not_reactivate_a_deactivated_owner(s: &dyn TenantStore) {
    seed(s).await;
    s.upsert_member(&MembershipRecord {
        workspace_id: "w1".into(),
        user_id: "u2".into(),
        role: "owner".into(),
        active: false,
        created_at: 70,
    })
    .await
    .unwrap();
    s.create_invite(&InviteRecord {
        id: "i1".into(),
        workspace_id: "w1".into(),
        email: "b@example.com".into(),
        role: "member".into(),
        token_hash: "ih".into(),
        expires_at: 500,
        accepted_at: None,
        created_at: 80,
    })
    .await
    .unwrap();
    let refused = s.accept_invite("i1", "u2", 90).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let m = s.membership("w1", "u2").await.unwrap().expect("membership");
    assert_eq!((m.role.as_str(), m.active), ("owner", false));
    assert_eq!(
        s.invite_by_token_hash("ih")
            .await
            .unwrap()
            .and_then(|i| i.accepted_at),
        None,
        "the refused acceptance does not use up the invite"
    );
}

async fn workflows_are_scoped_patched_archived_and_versioned(s: &dyn TenantStore) {
    seed(s).await;
    s.create_workflow(&workflow("wf1", "p1")).await.unwrap();
    assert_eq!(
        s.workflow("w1", "wf1").await.unwrap(),
        Some(workflow("wf1", "p1"))
    );
    assert_eq!(
        s.workflow("w2", "wf1").await.unwrap(),
        None,
        "another workspace's workflow is not found"
    );

    let patch = WorkflowPatch {
        name: Some("renamed".into()),
        draft_graph: Some(json!({"steps": [{"id": "a"}]})),
        run_setup: Some(Some(json!({"trigger_payload": {"x": 1}}))),
        ..WorkflowPatch::default()
    };
    assert!(s.update_workflow("wf1", &patch, 25).await.unwrap());
    let wf = s.workflow("w1", "wf1").await.unwrap().expect("workflow");
    assert_eq!(
        (wf.name.as_str(), wf.description.as_str(), wf.updated_at),
        ("renamed", "d", 25)
    );
    assert_eq!(wf.draft_graph, json!({"steps": [{"id": "a"}]}));
    assert_eq!(wf.run_setup, Some(json!({"trigger_payload": {"x": 1}})));
    let clear = WorkflowPatch {
        run_setup: Some(None),
        ..WorkflowPatch::default()
    };
    assert!(s.update_workflow("wf1", &clear, 26).await.unwrap());
    assert_eq!(
        s.workflow("w1", "wf1")
            .await
            .unwrap()
            .and_then(|w| w.run_setup),
        None
    );
    assert!(!s.update_workflow("nope", &clear, 26).await.unwrap());

    let new_version = |graph: serde_json::Value, hash: &str| NewVersion {
        workflow_id: "wf1".into(),
        graph_hash: hash.into(),
        graph,
        changelog: Some(format!("publish {hash}")),
        run_setup: None,
        created_at: 30,
    };
    let v1 = s
        .publish_version(&new_version(json!({"steps": [1]}), "g1"))
        .await
        .unwrap();
    let v2 = s
        .publish_version(&new_version(json!({"steps": [2]}), "g2"))
        .await
        .unwrap();
    let v3 = s
        .publish_version(&new_version(json!({"steps": [1]}), "g1"))
        .await
        .unwrap();
    assert_eq!((v1.version, v2.version, v3.version), (1, 2, 3));
    assert_eq!(s.version("wf1", 2).await.unwrap(), Some(v2.clone()));
    assert_eq!(s.version("wf1", 9).await.unwrap(), None);
    let numbers: Vec<i64> = s
        .list_versions("wf1")
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(numbers, vec![3, 2, 1]);
    assert_eq!(
        s.workflow("w1", "wf1")
            .await
            .unwrap()
            .and_then(|w| w.latest_version),
        Some(3)
    );
    let missing = s
        .publish_version(&NewVersion {
            workflow_id: "nope".into(),
            ..new_version(json!({}), "g9")
        })
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );

    s.create_workflow(&workflow("wf2", "p1")).await.unwrap();
    assert!(s.archive_workflow("wf2", 40).await.unwrap());
    let listed = |all| async move {
        s.list_workflows("p1", all)
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(false).await, vec!["wf1"]);
    assert_eq!(listed(true).await.len(), 2);
}

async fn concurrent_publishes_get_distinct_version_numbers(s: Arc<dyn TenantStore>) {
    seed(s.as_ref()).await;
    s.create_workflow(&workflow("wf1", "p1")).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let v = NewVersion {
                    workflow_id: "wf1".into(),
                    graph_hash: format!("g{i}"),
                    graph: json!({"i": i}),
                    changelog: None,
                    run_setup: None,
                    created_at: 30,
                };
                s.publish_version(&v).await.map(|v| v.version)
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.expect("task").expect("publish"));
    }
    numbers.sort();
    assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());
}

/// The tenant store opens its own pool on the engine store's SQLite file: either may open
/// first (they apply the same migrations), and both see each other's commits.
#[tokio::test]
async fn sqlite_tenant_store_shares_the_engine_stores_file() {
    use ar_store::{SqliteConfig, SqliteStore, Store};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("shared.db");
    let engine = SqliteStore::open(SqliteConfig::file(&path))
        .await
        .expect("engine store first");
    let tenants = SqliteTenantStore::open(&path)
        .await
        .expect("tenant store second");
    seed(&tenants).await;
    engine.close().await;
    tenants.close().await;
    let tenants = SqliteTenantStore::open(&path)
        .await
        .expect("tenant store first");
    let engine = SqliteStore::open(SqliteConfig::file(&path))
        .await
        .expect("engine store second");
    assert_eq!(tenants.count_users().await.expect("count"), 2);
    assert_eq!(engine.get_run("none").await.expect("engine reads"), None);
    engine.close().await;
}

/// Runs one suite function on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test] async fn $name() { let f = super::sqlite().await; super::$name(f.store.as_ref()).await; } )*
            #[tokio::test]
            async fn concurrent_publishes_get_distinct_version_numbers() {
                let f = super::sqlite().await;
                super::concurrent_publishes_get_distinct_version_numbers(f.store.clone()).await;
            }
        }
        mod on_postgres {
            $( #[tokio::test] async fn $name() { let f = super::postgres().await; super::$name(f.store.as_ref()).await; } )*
            #[tokio::test]
            async fn concurrent_publishes_get_distinct_version_numbers() {
                let f = super::postgres().await;
                super::concurrent_publishes_get_distinct_version_numbers(f.store.clone()).await;
            }
        }
    };
}

on_both_backends!(
    users_are_unique_by_email_and_found_by_id_and_email,
    sessions_are_found_by_token_hash_until_deleted,
    creating_a_workspace_makes_an_owner_and_a_first_project,
    members_can_be_added_changed_and_deactivated,
    projects_are_reachable_only_through_their_workspace,
    project_members_have_one_role_per_project,
    pats_are_listed_revoked_once_and_touched,
    invites_are_accepted_exactly_once,
    an_invite_does_not_reactivate_a_deactivated_owner,
    workflows_are_scoped_patched_archived_and_versioned,
);
