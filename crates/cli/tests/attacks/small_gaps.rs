//! Item 11, the smaller gaps, one test each:
//! - a WebSocket client could send messages of up to 64 MiB (the library default) to a
//!   live stream, which reads them: now a message over 64 KiB ends the connection;
//! - an invite (admins make them) reactivated a deactivated owner, as owner: now refused;
//! - a project admin could demote the workspace owner inside their project (or remove
//!   them): now only an owner may;
//! - `GET /v1/mcp/platform-catalog` skipped the project check (any token scope, no
//!   project): now it is decided on the `X-Project-Id` project like every McpRead route.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::boundary_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_client_cannot_send_huge_messages() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let workflow = owner
        .published_workflow(
            "watched",
            json!({"steps": [{"id": "a", "type": "human_task"}]}),
        )
        .await;
    let (_, pat) = owner.create_pat(&["workflow:read", "workflow:run"]).await;
    let url = format!(
        "{}/v1/workflows/{workflow}/stream?tenant=default",
        served.base().replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {pat}").parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the stream opens");
    // One message of 1 MiB (under the old 64 MiB limit, over the new 64 KiB one).
    let huge = "x".repeat(1024 * 1024);
    let _ = socket.send(Message::Text(huge.into())).await;
    // A run starts: a stream still open would deliver its events.
    let r = owner
        .post(
            &format!("/v1/workflows/{workflow}/command"),
            json!({"command": "start", "params": {}}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the server neither closed the stream nor sent anything");
        match frame {
            Some(Ok(Message::Text(text))) => {
                panic!("the stream took a 1 MiB message and stayed open: {text}")
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_does_not_reactivate_a_deactivated_owner() {
    let served = serve(None, &[]);
    let (owner, _) = owner(served.base()).await;
    let (co, co_id) = member(&owner, "co-owner@example.test", "admin").await;
    let r = owner
        .patch(&format!("/v1/members/{co_id}"), json!({"role": "owner"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (admin, _) = member(&owner, "admin@example.test", "admin").await;
    // An invite for the co-owner, made while they are still active...
    let early = invite(&admin, "co-owner@example.test", "member").await;
    assert_eq!(early.status, 201, "{:?}", early.body);
    let early_token = early.body["token"].as_str().expect("token").to_owned();
    // ...then the owner deactivates them.
    let r = owner
        .patch(&format!("/v1/members/{co_id}"), json!({"active": false}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // An admin cannot bring them back through a new invite...
    let r = invite(&admin, "co-owner@example.test", "member").await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    // ...nor through the one made before.
    let r = co
        .without_project()
        .post(&format!("/v1/invites/{early_token}/accept"), json!({}))
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let members = owner.without_project().get("/v1/members").await;
    let co_member = members.body["members"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["user_id"] == json!(co_id)))
        .cloned()
        .unwrap_or_else(|| panic!("co-owner in {}", members.body));
    assert_eq!(
        (&co_member["role"], &co_member["active"]),
        (&json!("owner"), &json!(false)),
        "{co_member}"
    );
    // The co-owner cannot act in the workspace.
    assert_eq!(co.without_project().get("/v1/members").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_admin_cannot_demote_the_workspace_owner_in_the_project() {
    let served = serve(None, &[]);
    let (owner, owner_id) = owner(served.base()).await;
    let project = owner.project.clone().expect("project");
    let members = format!("/v1/projects/{project}/members");
    let (pa, pa_id) = member(&owner, "project-admin@example.test", "member").await;
    let r = owner
        .post(&members, json!({"user_id": pa_id, "role": "project_admin"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let r = pa
        .patch(
            &format!("{members}/{owner_id}"),
            json!({"role": "project_viewer"}),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = pa
        .post(
            &members,
            json!({"user_id": owner_id, "role": "project_viewer"}),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = pa
        .send(
            reqwest::Method::DELETE,
            &format!("{members}/{owner_id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // The owner keeps full rights in the project...
    let r = owner
        .post(
            "/v1/workflows",
            json!({"name": "still mine", "graph": {"steps": []}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // ...and the project admin still manages everyone else.
    let (_, m_id) = member(&owner, "someone@example.test", "member").await;
    let r = pa
        .post(&members, json!({"user_id": m_id, "role": "project_viewer"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_catalog_is_read_through_the_project_check() {
    let catalog = "[[mcp_catalog]]\nname = \"tools\"\nurl = \"https://tools.example/mcp\"\n";
    let served = serve(Some(catalog), &[]);
    let (owner, _) = owner(served.base()).await;
    let public = owner.project.clone().expect("project");
    let r = owner
        .without_project()
        .post(
            "/v1/projects",
            json!({"name": "Secret", "visibility": "private"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let private = r.body["id"].as_str().expect("project").to_owned();
    let (m, _) = member(&owner, "member@example.test", "member").await;
    let (_, run_only) = m.create_pat(&["workflow:run"]).await;
    let token = m.with_pat(&run_only);

    // Without a project, nothing is decided: refused.
    let r = token
        .without_project()
        .get("/v1/mcp/platform-catalog")
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    // A token without `workflow:read` reads nothing.
    let r = token
        .in_project(&public)
        .get("/v1/mcp/platform-catalog")
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // A project the member cannot see is not found.
    let r = m.in_project(&private).get("/v1/mcp/platform-catalog").await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    // A reader of a project sees the catalog.
    let r = m.in_project(&public).get("/v1/mcp/platform-catalog").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["servers"][0]["name"], "tools");
}
