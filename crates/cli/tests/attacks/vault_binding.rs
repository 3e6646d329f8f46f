//! Item 2: vault secrets leaving through profile bindings.
//!
//! The attack (worked on main): a project contributor, who has no access to the vault,
//! registers an MCP server of their own, binds `{"secret": "NAME"}` to a header of its
//! profile and calls validate: their server receives the plaintext. The write answered 422 for a name that does not exist and 201 for one
//! that does, which also told the vault's names apart. Now: 403, the same for both, until
//! an admin grants that secret to the project; and a connection binding sends only the
//! token a call needs, never a refresh token.

use serde_json::{Value, json};

use crate::boundary_support::*;

const PLAINTEXT: &str = "vault-plaintext-for-admins-only-5d2c";

/// The error text with the secret name taken out (to compare two refusals).
fn without(name: &str, r: &crate::serve_support::Reply) -> String {
    r.body["error"]
        .as_str()
        .unwrap_or_default()
        .replace(name, "<name>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contributor_cannot_bind_a_vault_secret_without_a_grant() {
    let (url, received) = recording_mcp_server().await;
    let served = serve(None, &[("AR_MCP_ALLOWED_HOSTS", "127.0.0.1")]);
    let (owner, _) = owner(served.base()).await;
    let project = owner.project.clone().expect("project");
    let r = owner
        .without_project()
        .put("/v1/vault/secrets/ADMIN_ONLY", json!({"value": PLAINTEXT}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // Carol: a member, contributor in the (public) Default project; no vault access.
    let (carol, _) = member(&owner, "carol@example.test", "member").await;
    assert_eq!(
        carol
            .without_project()
            .get("/v1/vault/secrets")
            .await
            .status,
        403
    );
    let r = carol
        .post("/v1/mcp/servers", json!({"url": url, "name": "mine"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let server = r.body["id"].as_str().expect("server").to_owned();
    let r = carol
        .post("/v1/mcp/instances", json!({"server_id": server}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let instance = r.body["id"].as_str().expect("instance").to_owned();
    let profiles = format!("/v1/mcp/instances/{instance}/config-profiles");
    let bind = |secret: &str| json!({"name": format!("p-{secret}"), "headers": {"x-fixture-token": {"secret": secret}}});

    // The attack: refused, and the same answer whether or not the name exists.
    let existing = carol.post(&profiles, bind("ADMIN_ONLY")).await;
    let missing = carol.post(&profiles, bind("NO_SUCH_SECRET")).await;
    assert_eq!(existing.status, 403, "{:?}", existing.body);
    assert_eq!(missing.status, 403, "{:?}", missing.body);
    assert_eq!(
        without("ADMIN_ONLY", &existing),
        without("NO_SUCH_SECRET", &missing),
        "the refusal tells existing and missing names apart"
    );
    // Nothing bound: validating sends no secret to Carol's server.
    let validate = json!({"instance_id": instance, "tool": "echo", "args": {}});
    let r = carol
        .post(
            &format!("/v1/mcp/servers/{server}/validate"),
            validate.clone(),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["reachable"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    assert!(received.count() > 0, "the server was called");
    assert!(
        !received.text().contains(PLAINTEXT),
        "the vault secret reached the contributor's server"
    );
    assert!(!r.body.to_string().contains(PLAINTEXT), "{:?}", r.body);

    // An admin grants the secret to the project: Carol may bind it there, and the
    // project lists what it was granted (names only).
    let r = owner
        .without_project()
        .put(
            &format!("/v1/vault/secrets/ADMIN_ONLY/grants/{project}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = carol
        .get(&format!("/v1/projects/{project}/vault-grants"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["grants"][0]["secret_name"], "ADMIN_ONLY");
    assert!(!r.body.to_string().contains(PLAINTEXT));
    let r = carol.post(&profiles, bind("ADMIN_ONLY")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = carol
        .post(&format!("/v1/mcp/servers/{server}/validate"), validate)
        .await;
    assert_eq!(r.body["ok"], true, "{:?}", r.body);
    assert!(
        received
            .text()
            .contains(&format!("x-fixture-token: {PLAINTEXT}")),
        "the granted secret reaches the bound header"
    );
    // Other secrets stay out of reach.
    let r = owner
        .without_project()
        .put("/v1/vault/secrets/OTHER", json!({"value": "other-value"}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(carol.post(&profiles, bind("OTHER")).await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_binding_never_sends_a_refresh_token() {
    let served = serve(None, &[("AR_MCP_ALLOWED_HOSTS", "127.0.0.1")]);
    let (url, _) = recording_mcp_server().await;
    let eve = stranger(served.base(), "eve").await;
    let r = eve
        .post(
            "/v1/connections",
            json!({"display_name": "svc", "provider": "svc", "auth_type": "custom",
                   "credentials": {"api_key": "k-1", "refresh_token": "r-1", "client_secret": "c-1"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let connection = r.body["id"].as_str().expect("connection").to_owned();
    let r = eve.post("/v1/mcp/servers", json!({"url": url})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = eve
        .post("/v1/mcp/instances", json!({"server_id": r.body["id"]}))
        .await;
    let instance = r.body["id"].as_str().expect("instance").to_owned();
    let profiles = format!("/v1/mcp/instances/{instance}/config-profiles");
    let bind = |key: &str| -> Value {
        json!({"name": format!("p-{key}"),
               "headers": {"x-key": {"connection": connection, "key": key}}})
    };
    for key in ["refresh_token", "client_secret"] {
        let r = eve.post(&profiles, bind(key)).await;
        assert_eq!(r.status, 422, "{key}: {:?}", r.body);
        assert!(r.body["error"].as_str().unwrap_or_default().contains(key));
    }
    assert_eq!(eve.post(&profiles, bind("api_key")).await.status, 201);
}
