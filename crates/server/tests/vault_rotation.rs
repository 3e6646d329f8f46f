//! Master-key rotation (`agentruntime admin rotate-master-key`), on SQLite and Postgres:
//! a server started before the rotation keeps opening secrets and verifying webhook
//! signatures (it re-reads the key file when it meets the new key); after the old key is
//! retired, a process holding only the new key opens everything, and the old key alone
//! opens nothing.

mod common;
#[path = "vault/support.rs"]
mod vault_support;

use std::path::Path;

use ar_connect::vault::{MasterKey, MasterKeyRing, load_ring_file};
use ar_server::Settings;
use ar_server::automation::sealed_secret::open_secret;
use ar_server::automation::signature::sign;
use ar_server::master_key::{self, KEY_FILE, VaultKeys};
use ar_server::vault::rotation::{retire, rotate};
use ar_server::vault::{WorkspaceVault, secret_field};
use common::*;
use reqwest::Method;
use serde_json::json;
use vault_support::Db;

fn no_env(_: &str) -> Option<String> {
    None
}

/// Settings whose key file is in `dir` (a shared database only reads an existing file).
fn settings_in(dir: &Path, backend: Backend) -> Settings {
    Settings {
        data_dir: dir.to_owned(),
        database_url: (backend == Backend::Postgres).then(|| PG_URL.to_owned()),
        ..test_settings()
    }
}

/// A server node's keys: loaded from the key file, re-read from it on demand.
fn node_keys(settings: &Settings) -> VaultKeys {
    let loaded = master_key::load(settings, no_env).expect("keys");
    let settings = settings.clone();
    VaultKeys::reloadable(loaded.ring, move || {
        master_key::load(&settings, no_env).map(|k| k.ring)
    })
}

async fn workspace_id(s: &TestServer, ws: &Workspace) -> String {
    let r = s
        .call(Method::GET, format!("/v1/workspaces/{}", ws.slug))
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .send()
        .await;
    r.body["id"].as_str().expect("id").to_string()
}

async fn deliver(s: &TestServer, hook: &str, secret: &str, pat: &str) -> u16 {
    let body = r#"{"n": 1}"#;
    s.http
        .post(format!("{}/v1/inbound-webhooks/{hook}", s.base))
        .header("Content-Type", "application/json")
        .header("X-Agentruntime-Signature", sign(secret, body.as_bytes()))
        .bearer_auth(pat)
        .body(body)
        .send()
        .await
        .expect("delivery")
        .status()
        .as_u16()
}

async fn rotation(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let key_path = dir.path().join(KEY_FILE);
    let old = MasterKey::load_or_create_file(&key_path).expect("key file");
    let settings = settings_in(dir.path(), backend);
    let db = Db::open_with(backend, node_keys(&settings)).await;
    let s = db.start().await;

    // Two workspaces with secrets, and a webhook subscription (its own inline data key).
    let mut sealed = Vec::new();
    for slug in ["rot-a", "rot-b"] {
        let ws = workspace(&s, slug).await;
        for name in ["ONE", "TWO"] {
            let r = s
                .call(Method::PUT, format!("/v1/vault/secrets/{name}"))
                .auth(&ws.owner)
                .tenant(&ws.slug)
                .json(json!({"value": format!("{slug}-{name}-value")}))
                .send()
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            sealed.push((
                workspace_id(&s, &ws).await,
                name,
                format!("{slug}-{name}-value"),
            ));
        }
    }
    let ws = workspace(&s, "rot-hooks").await;
    let ws_id = workspace_id(&s, &ws).await;
    let workflow = published_workflow(
        &s,
        &ws,
        json!({"name": "W", "graph": {"steps": [{"id": "a", "type": "human_task"}]}}),
    )
    .await;
    let r = s
        .call(Method::POST, "/v1/pats")
        .auth(&ws.owner)
        .tenant(&ws.slug)
        .json(json!({"name": "hook", "scopes": ["workflow:run", "workflow:write"]}))
        .send()
        .await;
    let pat = r.body["token"].as_str().expect("token").to_string();
    let r = s
        .call(Method::POST, "/v1/inbound-webhooks")
        .auth(&Auth::Pat(pat.clone()))
        .json(json!({"workflow_id": workflow}))
        .send()
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body["id"].as_str().expect("hook").to_string();
    let hook_secret = r.body["signing_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert_eq!(deliver(&s, &hook, &hook_secret, &pat).await, 202);

    // Rotate: the file gets the new key (old kept as retired), every data key moves to it.
    let report = rotate(
        &settings,
        no_env,
        &*db.stores.integrations,
        &*db.stores.automation,
        None,
    )
    .await
    .expect("rotated");
    assert_eq!(report.data_keys_rewrapped, 2, "{report}");
    assert_eq!(report.webhook_keys_rewrapped, 1, "{report}");
    assert_eq!(
        report.retired_key_ids,
        [old.key_id().to_owned()],
        "{report}"
    );
    let new_id = report.current_key_id.clone();
    assert_ne!(new_id, old.key_id());
    let on_disk = load_ring_file(&key_path).expect("ring file");
    assert_eq!(on_disk.current().key_id(), new_id);
    let text = report.to_string();
    assert!(
        !text.contains(on_disk.current().to_base64().expose_secret()),
        "key printed"
    );
    let rows = db
        .rows("SELECT master_key_id FROM workspace_data_keys")
        .await;
    assert!(rows.iter().all(|id| *id == new_id), "{rows:?}");
    // A second rotation moves everything again, to a third key.
    let again = rotate(
        &settings,
        no_env,
        &*db.stores.integrations,
        &*db.stores.automation,
        None,
    )
    .await
    .expect("second rotation");
    assert_eq!(
        again.data_keys_rewrapped + again.webhook_keys_rewrapped,
        3,
        "{again}"
    );

    // The node started before the rotation (holding only the old key) keeps working.
    assert_eq!(s.server.state.vault_keys().ring().keys().count(), 1);
    for (ws_id, name, value) in &sealed {
        let opened = ar_server::vault::open_workspace_secret(&s.server.state, ws_id, name)
            .await
            .expect("opens after rotation")
            .expect("exists");
        assert_eq!(opened.expose_secret(), value);
    }
    assert_eq!(deliver(&s, &hook, &hook_secret, &pat).await, 202);

    // Retire the old keys: the file holds the current key only.
    let current_only = load_ring_file(&key_path)
        .expect("ring")
        .current()
        .key_id()
        .to_owned();
    let report = retire(
        &settings,
        no_env,
        &*db.stores.integrations,
        &*db.stores.automation,
    )
    .await
    .expect("retired");
    assert_eq!(report.dropped_key_ids.len(), 2, "{report}");
    let ring = load_ring_file(&key_path).expect("ring");
    assert_eq!(
        (ring.current().key_id(), ring.retired().len()),
        (current_only.as_str(), 0)
    );

    // A process holding only the new key opens every secret and the webhook secret; the
    // old key alone opens nothing.
    let only_new = VaultKeys::from(ring.clone());
    let vault = WorkspaceVault::new(only_new.clone(), db.stores.integrations.clone());
    let only_old = WorkspaceVault::new(
        VaultKeys::from(MasterKeyRing::new(old.clone())),
        db.stores.integrations.clone(),
    );
    for (ws_id, name, value) in &sealed {
        let row = db
            .stores
            .integrations
            .secret(ws_id, name)
            .await
            .expect("read")
            .expect("row");
        let opened = vault
            .open(ws_id, secret_field(&row.id), &row.value_sealed)
            .await
            .expect("opens");
        assert_eq!(opened.expose_secret(), value);
        assert!(
            only_old
                .open(ws_id, secret_field(&row.id), &row.value_sealed)
                .await
                .is_err()
        );
    }
    let stored = db
        .stores
        .automation
        .webhook(&ws_id, &hook)
        .await
        .expect("read")
        .expect("hook");
    let opened =
        open_secret(&only_new, &ws_id, &hook, &stored.signing_secret_sealed).expect("opens");
    assert_eq!(opened.expose_secret(), hook_secret);
    assert!(
        open_secret(
            &VaultKeys::from(MasterKeyRing::new(old.clone())),
            &ws_id,
            &hook,
            &stored.signing_secret_sealed
        )
        .is_err()
    );
    // The node started before the rotation still verifies deliveries after the retirement.
    assert_eq!(deliver(&s, &hook, &hook_secret, &pat).await, 202);

    // A node that never met the rotated key (it holds only the old one) creates a new
    // workspace's data key: it re-reads the key file first, so the key is wrapped by the
    // current key, not the retired one.
    let late = workspace(&s, "rot-late").await;
    let late_id = workspace_id(&s, &late).await;
    let stale = {
        let settings = settings.clone();
        VaultKeys::reloadable(MasterKeyRing::new(old.clone()), move || {
            master_key::load(&settings, no_env).map(|k| k.ring)
        })
    };
    let stale_vault = WorkspaceVault::new(stale, db.stores.integrations.clone());
    let sealed_late = stale_vault
        .seal(&late_id, secret_field("late-secret"), "late value")
        .await
        .expect("sealed");
    let record = db
        .stores
        .integrations
        .data_key(&late_id)
        .await
        .expect("read")
        .expect("created");
    assert_eq!(
        record.master_key_id, current_only,
        "wrapped by the current key"
    );
    let opened = vault
        .open(&late_id, secret_field("late-secret"), &sealed_late)
        .await
        .expect("the new-key-only process opens it");
    assert_eq!(opened.expose_secret(), "late value");

    // Environment deployments: AR_MASTER_KEY=<new>, AR_MASTER_KEY_RETIRED=<old>.
    let newer = MasterKey::generate().expect("key");
    let env_of = |current: &MasterKey, retired: Option<&MasterKey>| {
        let current = current.to_base64().expose_secret().to_owned();
        let retired = retired.map(|k| k.to_base64().expose_secret().to_owned());
        move |name: &str| match name {
            "AR_MASTER_KEY" => Some(current.clone()),
            "AR_MASTER_KEY_RETIRED" => retired.clone(),
            _ => None,
        }
    };
    let err = retire(
        &settings,
        env_of(&newer, None),
        &*db.stores.integrations,
        &*db.stores.automation,
    )
    .await
    .expect_err("the new key wraps nothing yet");
    assert!(
        err.to_string().contains("still wrapped by an older key"),
        "{err}"
    );
    let err = rotate(
        &settings,
        env_of(&newer, None),
        &*db.stores.integrations,
        &*db.stores.automation,
        None,
    )
    .await
    .expect_err("a key the ring does not hold");
    assert!(
        format!("{err:#}").contains(&current_only),
        "names the missing key: {err:#}"
    );
    let current_key = ring.current().clone();
    let report = rotate(
        &settings,
        env_of(&newer, Some(&current_key)),
        &*db.stores.integrations,
        &*db.stores.automation,
        None,
    )
    .await
    .expect("env rotation");
    // The two secret workspaces and the late one; the webhook's own key.
    assert_eq!(
        (report.data_keys_rewrapped, report.webhook_keys_rewrapped),
        (3, 1),
        "{report}"
    );
    let env_only = WorkspaceVault::new(
        VaultKeys::from(MasterKeyRing::new(newer.clone())),
        db.stores.integrations.clone(),
    );
    let (ws_id, name, value) = &sealed[0];
    let row = db
        .stores
        .integrations
        .secret(ws_id, name)
        .await
        .expect("read")
        .expect("row");
    let opened = env_only
        .open(ws_id, secret_field(&row.id), &row.value_sealed)
        .await
        .expect("opens");
    assert_eq!(opened.expose_secret(), value);
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_every_secret_open_on_sqlite() {
    rotation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_every_secret_open_on_postgres() {
    rotation(Backend::Postgres).await;
}
