//! The workspace vault through the API, on SQLite and Postgres: secrets are written, listed
//! (metadata only) and deleted by tenant admins; the database alone opens nothing; a sealed
//! value moved to another row or workspace does not open (a clean 500, never a panic); the
//! value appears in no answer and no log line. Master-key rotation is in `vault_rotation`.

mod common;
#[path = "vault/support.rs"]
mod vault_support;

use ar_connect::vault::{MasterKey, MasterKeyRing};
use ar_server::vault::{WorkspaceVault, open_workspace_secret, secret_field};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use vault_support::{Db, captured_logs, init_capture};

const VALUE: &str = "sk-live-VAULT-PLAINTEXT-7c1e";
const OTHER_VALUE: &str = "second-PLAINTEXT-value-93b2";

async fn put(s: &TestServer, ws: &Workspace, name: &str, body: Value) -> Reply {
    s.call(Method::PUT, format!("/v1/vault/secrets/{name}"))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(body)
        .send()
        .await
}

async fn workspace_id(s: &TestServer, ws: &Workspace) -> String {
    let r = s
        .call(Method::GET, format!("/v1/workspaces/{}", ws.slug))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .send()
        .await;
    r.body["id"].as_str().expect("workspace id").to_string()
}

/// Every answer of the session, to check none holds a value.
struct Answers(Vec<Value>);

impl Answers {
    fn keep(&mut self, r: &Reply) -> Reply {
        self.0.push(r.body.clone());
        r.clone()
    }
    fn assert_clean(&self) {
        for body in &self.0 {
            let text = body.to_string();
            assert!(
                !text.contains(VALUE) && !text.contains(OTHER_VALUE),
                "a value in {text}"
            );
        }
    }
}

async fn secrets_lifecycle(backend: Backend) {
    init_capture();
    let db = Db::open(backend).await;
    let s = db.start().await;
    let ws = workspace(&s, "vault-a").await;
    let mut answers = Answers(Vec::new());

    let r = answers.keep(
        &put(
            &s,
            &ws,
            "OPENAI_KEY",
            json!({"value": VALUE, "description": "prod"}),
        )
        .await,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["name"], "OPENAI_KEY");
    assert!(r.body.get("value").is_none(), "{}", r.body);
    let first_id = db.secret_ids().await;
    let r = answers.keep(&put(&s, &ws, "OPENAI_KEY", json!({"value": OTHER_VALUE})).await);
    assert_eq!(r.status, 200, "replaced: {}", r.body);
    assert_eq!(
        db.secret_ids().await,
        first_id,
        "a replaced secret keeps its id"
    );
    let r = answers.keep(&put(&s, &ws, "other.name-2", json!({"value": VALUE})).await);
    assert_eq!(r.status, 201, "{}", r.body);

    let r = answers.keep(
        &s.call(Method::GET, "/v1/vault/secrets")
            .auth(&ws.owner)
            .tenant(&ws.slug)
            .send()
            .await,
    );
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r.body["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["OPENAI_KEY", "other.name-2"]);
    let listed = &r.body["secrets"][0];
    for field in ["description", "created_at", "updated_at", "created_by"] {
        assert!(listed.get(field).is_some(), "{field} in {listed}");
    }

    // The server opens what it sealed (the replaced value).
    let ws_id = workspace_id(&s, &ws).await;
    let opened = open_workspace_secret(&s.server.state, &ws_id, "OPENAI_KEY")
        .await
        .expect("opens")
        .expect("exists");
    assert_eq!(opened.expose_secret(), OTHER_VALUE);
    assert!(
        open_workspace_secret(&s.server.state, &ws_id, "nope")
            .await
            .expect("no error")
            .is_none()
    );

    // Bad input: clear 400s, never a 500.
    let long_name = "a".repeat(129);
    let big = "x".repeat(64 * 1024 + 1);
    let cases = [
        ("1starts-with-digit", json!({"value": "v"}), "secret name"),
        ("has%20space", json!({"value": "v"}), "secret name"),
        (long_name.as_str(), json!({"value": "v"}), "secret name"),
        ("ok", json!({"value": ""}), "must not be empty"),
        ("ok", json!({"value": big}), "at most 65536 bytes"),
        ("ok", json!({"value": 5}), "expected a string"),
        ("ok", json!({"value": "v", "extra": 1}), "extra"),
        ("ok", json!({}), "value"),
    ];
    for (name, body, says) in cases {
        let r = answers.keep(&put(&s, &ws, name, body.clone()).await);
        assert_eq!(r.status, 400, "{name} {body}: {}", r.body);
        assert!(r.error().contains(says), "{name}: {}", r.error());
    }

    let del = |name: &str| {
        s.call(Method::DELETE, format!("/v1/vault/secrets/{name}"))
            .auth(&ws.owner)
            .tenant(&ws.slug)
            .send()
    };
    assert_eq!(del("other.name-2").await.status, 204);
    let r = answers.keep(&del("other.name-2").await);
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.error(), "secret not found");
    answers.assert_clean();

    let logs = captured_logs();
    assert!(
        !logs.contains(VALUE) && !logs.contains(OTHER_VALUE),
        "a value in the logs"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_lifecycle_sqlite() {
    secrets_lifecycle(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_lifecycle_postgres() {
    secrets_lifecycle(Backend::Postgres).await;
}

/// The database alone (its raw rows, or a copy opened with another master key) reveals no
/// secret; a value moved to another secret's row, or to another workspace's, does not open.
async fn the_database_alone_opens_nothing(backend: Backend) {
    init_capture();
    let db = Db::open(backend).await;
    let s = db.start().await;
    let a = workspace(&s, "vault-raw-a").await;
    let b = workspace(&s, "vault-raw-b").await;
    assert_eq!(
        put(&s, &a, "FIRST", json!({"value": VALUE})).await.status,
        201
    );
    assert_eq!(
        put(&s, &a, "SECOND", json!({"value": OTHER_VALUE}))
            .await
            .status,
        201
    );
    assert_eq!(
        put(&s, &b, "IN_B", json!({"value": OTHER_VALUE}))
            .await
            .status,
        201
    );
    let (a_id, b_id) = (workspace_id(&s, &a).await, workspace_id(&s, &b).await);

    let raw = db.raw_dump().await;
    assert!(
        raw.contains("FIRST") && raw.contains("ciphertext"),
        "the dump read the rows: {raw}"
    );
    assert!(
        !raw.contains(VALUE) && !raw.contains(OTHER_VALUE),
        "plaintext in the database"
    );

    // Another master key over the same rows (a stolen copy): nothing opens.
    let thief = WorkspaceVault::new(
        MasterKeyRing::new(MasterKey::generate().expect("key")).into(),
        db.stores.integrations.clone(),
    );
    let first = db
        .stores
        .integrations
        .secret(&a_id, "FIRST")
        .await
        .expect("read")
        .expect("row");
    let err = thief
        .open(&a_id, secret_field(&first.id), &first.value_sealed)
        .await
        .expect_err("another master key opens nothing");
    assert_eq!(err.status, 500);
    assert_eq!(err.message, "internal server error");
    if let Some(copy) = db.sqlite_copy().await {
        // A copy of the file, opened with another key: still nothing; with the right key
        // the same copy opens (so the key alone made the difference).
        let copied = ar_store::integrations::SqliteIntegrationStore::from_pool(copy);
        let copied: std::sync::Arc<dyn ar_store::integrations::IntegrationStore> =
            std::sync::Arc::new(copied);
        let row = copied
            .secret(&a_id, "FIRST")
            .await
            .expect("read")
            .expect("row");
        let with = |keys: MasterKeyRing| WorkspaceVault::new(keys.into(), copied.clone());
        let thief = with(MasterKeyRing::new(MasterKey::generate().expect("key")));
        assert!(
            thief
                .open(&a_id, secret_field(&row.id), &row.value_sealed)
                .await
                .is_err()
        );
        let owner = with(s.server.state.vault_keys().ring());
        let opened = owner
            .open(&a_id, secret_field(&row.id), &row.value_sealed)
            .await
            .expect("the right key opens the copy");
        assert_eq!(opened.expose_secret(), VALUE);
    }

    // FIRST's sealed value moved into SECOND's row, then into B's row: neither opens.
    db.move_sealed(&a_id, "FIRST", &a_id, "SECOND").await;
    let err = open_workspace_secret(&s.server.state, &a_id, "SECOND")
        .await
        .expect_err("a moved value does not open");
    assert_eq!(
        (err.status.as_u16(), err.message.as_str()),
        (500, "internal server error")
    );
    db.move_sealed(&a_id, "FIRST", &b_id, "IN_B").await;
    let err = open_workspace_secret(&s.server.state, &b_id, "IN_B")
        .await
        .expect_err("a value moved to another workspace does not open");
    assert_eq!(err.status.as_u16(), 500);
    // The untouched secret still opens, and the server is still up.
    let first = open_workspace_secret(&s.server.state, &a_id, "FIRST")
        .await
        .expect("opens");
    assert_eq!(first.expect("exists").expose_secret(), VALUE);
    let r = s
        .call(Method::GET, "/v1/vault/secrets")
        .auth(&a.owner)
        .tenant(&a.slug)
        .send()
        .await;
    assert_eq!(r.status, 200);

    let logs = captured_logs();
    assert!(
        logs.contains("vault_secret"),
        "the failure was logged: {logs}"
    );
    assert!(
        !logs.contains(VALUE) && !logs.contains(OTHER_VALUE),
        "a value in the logs"
    );
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_alone_opens_nothing_sqlite() {
    the_database_alone_opens_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_alone_opens_nothing_postgres() {
    the_database_alone_opens_nothing(Backend::Postgres).await;
}

/// Regression (issue 13): a contributor bound any workspace secret into a profile of a
/// server they registered themselves, so it was sent to them; and the answer (422 or 201)
/// told which names exist. Binding a secret takes the vault right (a tenant admin, with
/// `admin` on a token) or a grant of that secret to the project; without either the answer
/// is 403, the same for every name.
async fn secret_grants_decide_who_binds_a_secret(backend: Backend) {
    let db = Db::open(backend).await;
    let s = db.start().await;
    let ws = workspace(&s, "grants").await;
    let ws_id = workspace_id(&s, &ws).await;
    let owner =
        |method: Method, path: String| s.call(method, path).auth(&ws.owner).tenant(&ws.slug);
    for name in ["ALPHA", "BETA"] {
        assert_eq!(
            put(&s, &ws, name, json!({"value": VALUE})).await.status,
            201
        );
    }
    let r = owner(Method::POST, "/v1/projects".into())
        .json(json!({"name": "Other", "visibility": "private"}))
        .send()
        .await;
    let other = r.body["id"].as_str().expect("project").to_string();
    // A member: contributor in the public Default project, nothing in Other.
    let (member_id, cookie) = s.signup("member@grants.test", "password-123").await;
    s.tenants()
        .upsert_member(&ar_store::tenant::MembershipRecord {
            workspace_id: ws_id.clone(),
            user_id: member_id,
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    let member = Auth::Session(cookie);
    let instance = custom_mcp_instance(&s, &ws_id, &ws.project).await;
    let bind = |who: &Auth, secret: &str| {
        s.call(
            Method::POST,
            format!("/v1/mcp/instances/{instance}/config-profiles"),
        )
        .auth(who)
        .tenant(&ws.slug)
        .json(json!({"name": format!("p-{}", uuid::Uuid::now_v7()),
                     "headers": {"Authorization": {"secret": secret, "prefix": "Bearer "}}}))
        .send()
    };

    // Without a grant: 403 for an existing name and for a missing one, alike.
    let existing = bind(&member, "ALPHA").await;
    let missing = bind(&member, "NOPE").await;
    assert_eq!(
        (existing.status, missing.status),
        (403, 403),
        "{}",
        existing.body
    );
    assert_eq!(
        existing.error().replace("ALPHA", "<name>"),
        missing.error().replace("NOPE", "<name>")
    );
    // The grant: 201, then 200 when it exists; listed per secret and per project.
    let grant = |name: &str, project: &str| {
        owner(
            Method::PUT,
            format!("/v1/vault/secrets/{name}/grants/{project}"),
        )
        .send()
    };
    assert_eq!(grant("ALPHA", &ws.project).await.status, 201);
    let again = grant("ALPHA", &ws.project).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        (
            again.body["secret_name"].as_str(),
            again.body["project_id"].as_str()
        ),
        (Some("ALPHA"), Some(ws.project.as_str()))
    );
    assert_eq!(grant("ALPHA", &other).await.status, 201);
    assert_eq!(grant("NOPE", &ws.project).await.status, 404);
    assert_eq!(grant("ALPHA", "no-such-project").await.status, 404);
    let r = owner(Method::GET, "/v1/vault/secrets/ALPHA/grants".into())
        .send()
        .await;
    let projects: Vec<&str> = r.body["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["project_id"].as_str())
        .collect();
    assert_eq!(projects.len(), 2, "{}", r.body);
    assert!(projects.contains(&ws.project.as_str()) && projects.contains(&other.as_str()));
    let listed = |project: &str| {
        s.call(Method::GET, format!("/v1/projects/{project}/vault-grants"))
            .auth(&member)
            .tenant(&ws.slug)
            .send()
    };
    let r = listed(&ws.project).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["grants"][0]["secret_name"], "ALPHA");
    assert_eq!(
        listed(&other).await.status,
        404,
        "a project the member cannot see"
    );

    // With the grant the member binds that secret, and only that one.
    assert_eq!(bind(&member, "ALPHA").await.status, 201);
    assert_eq!(bind(&member, "BETA").await.status, 403);
    // A tenant admin binds any secret (a missing one is 422: they can list names anyway),
    // but only with the vault right: a token without `admin` is like a contributor.
    assert_eq!(bind(&ws.owner, "BETA").await.status, 201);
    assert_eq!(bind(&ws.owner, "NOPE").await.status, 422);
    let r = owner(Method::POST, "/v1/pats".into())
        .json(json!({"name": "mcp only", "scopes": ["workflow:read", "mcp:write"]}))
        .send()
        .await;
    let mcp_only = Auth::Pat(r.body["token"].as_str().expect("token").to_string());
    assert_eq!(bind(&mcp_only, "BETA").await.status, 403);
    assert_eq!(bind(&mcp_only, "ALPHA").await.status, 201, "granted");

    // Revoked: binding is refused again.
    let revoke = || {
        owner(
            Method::DELETE,
            format!("/v1/vault/secrets/ALPHA/grants/{}", ws.project),
        )
        .send()
    };
    assert_eq!(revoke().await.status, 204);
    assert_eq!(revoke().await.status, 404);
    assert_eq!(bind(&member, "ALPHA").await.status, 403);
    // A deleted secret takes its grants along: a new secret of that name is not granted.
    assert_eq!(
        owner(Method::DELETE, "/v1/vault/secrets/ALPHA".into())
            .send()
            .await
            .status,
        204
    );
    let r = owner(Method::GET, "/v1/vault/secrets/ALPHA/grants".into())
        .send()
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        put(&s, &ws, "ALPHA", json!({"value": VALUE})).await.status,
        201
    );
    let r = owner(Method::GET, "/v1/vault/secrets/ALPHA/grants".into())
        .send()
        .await;
    assert_eq!(r.body["grants"], json!([]), "{}", r.body);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_grants_decide_who_binds_a_secret_sqlite() {
    secret_grants_decide_who_binds_a_secret(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_grants_decide_who_binds_a_secret_postgres() {
    secret_grants_decide_who_binds_a_secret(Backend::Postgres).await;
}
