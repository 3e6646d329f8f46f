//! Seeding shared by the store suites whose tables reference workspaces.

use ar_store::tenant::*;

/// User u1 and workspaces w1 (slug ws1, project p1) and w2 (slug ws2, project p2), both
/// created by u1.
pub async fn seed_workspaces(t: &dyn TenantStore) {
    t.create_user(&UserRecord {
        id: "u1".into(),
        email: "a@example.com".into(),
        name: None,
        password_hash: None,
        created_at: 1,
    })
    .await
    .expect("user");
    for n in ["1", "2"] {
        let ws = WorkspaceRecord {
            id: format!("w{n}"),
            slug: format!("ws{n}"),
            name: "ws".into(),
            product_code: "ar".into(),
            admins_full_access_to_private: false,
            created_at: 1,
        };
        let project = ProjectRecord {
            id: format!("p{n}"),
            workspace_id: ws.id.clone(),
            name: "Default".into(),
            visibility: "public".into(),
            created_at: 1,
        };
        t.create_workspace(&ws, "u1", &project)
            .await
            .expect("workspace");
    }
}
