//! The tenancy SQL, written once for both backends.
//!
//! Both databases accept these statements (`$N` placeholders, `ON CONFLICT`, JSON bound
//! through `sqlx::types::Json`, which SQLite stores as TEXT and Postgres as JSONB). sqlx
//! pools of the two backends share an API but no convenient generic bound, so
//! [`impl_tenant_store!`] stamps out the [`super::TenantStore`] impl for a struct with a
//! `pool` field, like `crate::ops` does for the engine store.

/// Implements [`super::TenantStore`] for `$store` (a struct with a `pool: $pool` field).
///
/// `$begin` is the statement that opens a write transaction: `BEGIN IMMEDIATE` on SQLite
/// (take the write lock up front, waiting out the busy timeout, instead of failing when a
/// read transaction tries to upgrade), `BEGIN` on Postgres.
macro_rules! impl_tenant_store {
    ($store:ty, $row:ty, $begin:literal) => {
        use async_trait::async_trait;
        use serde_json::Value;
        use sqlx::types::Json;
        use sqlx::Row;

        use $crate::error::{StoreError, StoreResult};
        use $crate::tenant::*;

        type DbRow = $row;

        /// Unique-key violations become [`StoreError::Conflict`]; everything else passes.
        fn conflict_on_unique(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
            move |e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict(format!("{what} already exists"))
                }
                _ => StoreError::Database(e),
            }
        }

        const USER_COLUMNS: &str = "id, email, display_name, password_hash, created_at";
        const WORKSPACE_COLUMNS: &str = "id, slug, name, product_code, admins_full_access_to_private, created_at";
        const PAT_COLUMNS: &str =
            "id, user_id, workspace_id, name, token_hash, scopes, expires_at, revoked_at, last_used_at, created_at";
        const INVITE_COLUMNS: &str = "id, workspace_id, email, role, token_hash, expires_at, accepted_at, created_at";

        fn user_from_row(row: &DbRow) -> StoreResult<UserRecord> {
            Ok(UserRecord {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                name: row.try_get("display_name")?,
                password_hash: row.try_get("password_hash")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn session_from_row(row: &DbRow) -> StoreResult<SessionRecord> {
            Ok(SessionRecord {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                token_hash: row.try_get("token_hash")?,
                csrf_token: row.try_get("csrf_token")?,
                expires_at: row.try_get("expires_at")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn workspace_from_row(row: &DbRow) -> StoreResult<WorkspaceRecord> {
            Ok(WorkspaceRecord {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                product_code: row.try_get("product_code")?,
                admins_full_access_to_private: row.try_get("admins_full_access_to_private")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn membership_from_row(row: &DbRow) -> StoreResult<MembershipRecord> {
            Ok(MembershipRecord {
                workspace_id: row.try_get("m_workspace_id")?,
                user_id: row.try_get("m_user_id")?,
                role: row.try_get("m_role")?,
                active: row.try_get("m_active")?,
                created_at: row.try_get("m_created_at")?,
            })
        }

        const MEMBERSHIP_COLUMNS: &str = "m.workspace_id AS m_workspace_id, m.user_id AS m_user_id, m.role AS m_role, m.active AS m_active, m.created_at AS m_created_at";

        fn project_from_row(row: &DbRow) -> StoreResult<ProjectRecord> {
            Ok(ProjectRecord {
                id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                name: row.try_get("name")?,
                visibility: row.try_get("visibility")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn pat_from_row(row: &DbRow) -> StoreResult<PatRecord> {
            Ok(PatRecord {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                workspace_id: row.try_get("workspace_id")?,
                name: row.try_get("name")?,
                token_hash: row.try_get("token_hash")?,
                scopes: row.try_get::<Json<Vec<String>>, _>("scopes")?.0,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
                last_used_at: row.try_get("last_used_at")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn invite_from_row(row: &DbRow) -> StoreResult<InviteRecord> {
            Ok(InviteRecord {
                id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                email: row.try_get("email")?,
                role: row.try_get("role")?,
                token_hash: row.try_get("token_hash")?,
                expires_at: row.try_get("expires_at")?,
                accepted_at: row.try_get("accepted_at")?,
                created_at: row.try_get("created_at")?,
            })
        }

        const WORKFLOW_SELECT: &str = "SELECT w.id, w.project_id, w.name, w.description, w.draft_graph, w.run_setup, w.archived, w.created_by, w.created_at, w.updated_at, (SELECT MAX(v.version) FROM workflow_versions v WHERE v.workflow_id = w.id) AS latest_version FROM workflows w";

        fn workflow_from_row(row: &DbRow) -> StoreResult<WorkflowRecord> {
            Ok(WorkflowRecord {
                id: row.try_get("id")?,
                project_id: row.try_get("project_id")?,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
                draft_graph: row.try_get::<Json<Value>, _>("draft_graph")?.0,
                run_setup: row.try_get::<Option<Json<Value>>, _>("run_setup")?.map(|j| j.0),
                archived: row.try_get("archived")?,
                created_by: row.try_get("created_by")?,
                latest_version: row.try_get("latest_version")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        const VERSION_SELECT: &str = "SELECT v.workflow_id, v.version, v.graph_hash, g.graph, v.changelog, v.run_setup, v.created_at FROM workflow_versions v JOIN graphs g ON g.hash = v.graph_hash";

        fn version_from_row(row: &DbRow) -> StoreResult<VersionRecord> {
            Ok(VersionRecord {
                workflow_id: row.try_get("workflow_id")?,
                version: row.try_get("version")?,
                graph_hash: row.try_get("graph_hash")?,
                graph: row.try_get::<Json<Value>, _>("graph")?.0,
                changelog: row.try_get("changelog")?,
                run_setup: row.try_get::<Option<Json<Value>>, _>("run_setup")?.map(|j| j.0),
                created_at: row.try_get("created_at")?,
            })
        }

        #[async_trait]
        impl TenantStore for $store {
            async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&user.id)
                    .bind(&user.email)
                    .bind(&user.name)
                    .bind(&user.password_hash)
                    .bind(user.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(conflict_on_unique("a user with this email"))?;
                Ok(())
            }

            async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn count_users(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            async fn set_password_hash(&self, user_id: &str, password_hash: &str) -> StoreResult<()> {
                let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(password_hash)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("user {user_id}")));
                }
                Ok(())
            }

            async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO sessions (id, user_id, token_hash, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&session.id)
                    .bind(&session.user_id)
                    .bind(&session.token_hash)
                    .bind(&session.csrf_token)
                    .bind(session.expires_at)
                    .bind(session.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(conflict_on_unique("a session with this token"))?;
                Ok(())
            }

            async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
                let row = sqlx::query("SELECT id, user_id, token_hash, csrf_token, expires_at, created_at FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(session_from_row).transpose()
            }

            async fn delete_session(&self, id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn set_session_expiry(&self, id: &str, expires_at: i64) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
                    .bind(expires_at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_user_sessions(&self, user_id: &str, keep: Option<&str>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)")
                    .bind(user_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn create_workspace(
                &self,
                workspace: &WorkspaceRecord,
                owner_user_id: &str,
                first_project: &ProjectRecord,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("INSERT INTO workspaces (id, slug, name, product_code, admins_full_access_to_private, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&workspace.id)
                    .bind(&workspace.slug)
                    .bind(&workspace.name)
                    .bind(&workspace.product_code)
                    .bind(workspace.admins_full_access_to_private)
                    .bind(workspace.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict_on_unique("a workspace with this slug"))?;
                sqlx::query("INSERT INTO workspace_members (workspace_id, user_id, role, active, created_at) VALUES ($1, $2, 'owner', TRUE, $3)")
                    .bind(&workspace.id)
                    .bind(owner_user_id)
                    .bind(workspace.created_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO projects (id, workspace_id, name, visibility, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&first_project.id)
                    .bind(&workspace.id)
                    .bind(&first_project.name)
                    .bind(&first_project.visibility)
                    .bind(first_project.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn workspace_by_id(&self, id: &str) -> StoreResult<Option<WorkspaceRecord>> {
                let sql = format!("SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(workspace_from_row).transpose()
            }

            async fn workspace_by_slug(&self, slug: &str) -> StoreResult<Option<WorkspaceRecord>> {
                let sql = format!("SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE slug = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(&self.pool).await?;
                row.as_ref().map(workspace_from_row).transpose()
            }

            async fn update_workspace(
                &self,
                workspace_id: &str,
                name: Option<&str>,
                admins_full_access_to_private: Option<bool>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE workspaces SET name = COALESCE($2, name), \
                     admins_full_access_to_private = COALESCE($3, admins_full_access_to_private) WHERE id = $1",
                )
                .bind(workspace_id)
                .bind(name)
                .bind(admins_full_access_to_private)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn workspaces_of_user(&self, user_id: &str) -> StoreResult<Vec<UserWorkspace>> {
                let sql = format!(
                    "SELECT w.id, w.slug, w.name, w.product_code, w.admins_full_access_to_private, w.created_at, {MEMBERSHIP_COLUMNS} \
                     FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id \
                     WHERE m.user_id = $1 ORDER BY w.created_at, w.id"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok(UserWorkspace { workspace: workspace_from_row(r)?, membership: membership_from_row(r)? }))
                    .collect()
            }

            async fn membership(&self, workspace_id: &str, user_id: &str) -> StoreResult<Option<MembershipRecord>> {
                let sql = format!("SELECT {MEMBERSHIP_COLUMNS} FROM workspace_members m WHERE m.workspace_id = $1 AND m.user_id = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workspace_id).bind(user_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(membership_from_row).transpose()
            }

            async fn list_members(&self, workspace_id: &str) -> StoreResult<Vec<MemberRecord>> {
                let sql = format!(
                    "SELECT {MEMBERSHIP_COLUMNS}, u.email, u.display_name FROM workspace_members m \
                     JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY m.created_at, u.email"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workspace_id).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(MemberRecord {
                            membership: membership_from_row(r)?,
                            email: r.try_get("email")?,
                            name: r.try_get("display_name")?,
                        })
                    })
                    .collect()
            }

            async fn upsert_member(&self, m: &MembershipRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO workspace_members (workspace_id, user_id, role, active, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role, active = excluded.active",
                )
                .bind(&m.workspace_id)
                .bind(&m.user_id)
                .bind(&m.role)
                .bind(m.active)
                .bind(m.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn update_member(
                &self,
                workspace_id: &str,
                user_id: &str,
                role: Option<&str>,
                active: Option<bool>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE workspace_members SET role = COALESCE($3, role), active = COALESCE($4, active) \
                     WHERE workspace_id = $1 AND user_id = $2",
                )
                .bind(workspace_id)
                .bind(user_id)
                .bind(role)
                .bind(active)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn count_active_owners(&self, workspace_id: &str) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner' AND active = TRUE")
                    .bind(workspace_id)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get("n")?)
            }

            async fn create_project(&self, p: &ProjectRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO projects (id, workspace_id, name, visibility, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&p.id)
                    .bind(&p.workspace_id)
                    .bind(&p.name)
                    .bind(&p.visibility)
                    .bind(p.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(conflict_on_unique("a project with this id"))?;
                Ok(())
            }

            async fn project(&self, workspace_id: &str, project_id: &str) -> StoreResult<Option<ProjectRecord>> {
                let row = sqlx::query("SELECT id, workspace_id, name, visibility, created_at FROM projects WHERE id = $1 AND workspace_id = $2")
                    .bind(project_id)
                    .bind(workspace_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(project_from_row).transpose()
            }

            async fn list_projects(&self, workspace_id: &str) -> StoreResult<Vec<ProjectRecord>> {
                let rows = sqlx::query("SELECT id, workspace_id, name, visibility, created_at FROM projects WHERE workspace_id = $1 ORDER BY created_at, id")
                    .bind(workspace_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(project_from_row).collect()
            }

            async fn update_project(
                &self,
                workspace_id: &str,
                project_id: &str,
                name: Option<&str>,
                visibility: Option<&str>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE projects SET name = COALESCE($3, name), visibility = COALESCE($4, visibility) WHERE id = $1 AND workspace_id = $2",
                )
                .bind(project_id)
                .bind(workspace_id)
                .bind(name)
                .bind(visibility)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn project_members(&self, project_id: &str) -> StoreResult<Vec<ProjectMemberRecord>> {
                let rows = sqlx::query(
                    "SELECT pm.project_id, pm.user_id, pm.role, pm.created_at, u.email, u.display_name FROM project_members pm \
                     JOIN users u ON u.id = pm.user_id WHERE pm.project_id = $1 ORDER BY pm.created_at, u.email",
                )
                .bind(project_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ProjectMemberRecord {
                            project_id: r.try_get("project_id")?,
                            user_id: r.try_get("user_id")?,
                            role: r.try_get("role")?,
                            email: r.try_get("email")?,
                            name: r.try_get("display_name")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn project_role(&self, project_id: &str, user_id: &str) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2")
                    .bind(project_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.try_get("role")).transpose()?)
            }

            async fn project_roles_of_user(&self, workspace_id: &str, user_id: &str) -> StoreResult<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT pm.project_id, pm.role FROM project_members pm JOIN projects p ON p.id = pm.project_id \
                     WHERE p.workspace_id = $1 AND pm.user_id = $2",
                )
                .bind(workspace_id)
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("project_id")?, r.try_get("role")?))).collect()
            }

            async fn set_project_member(&self, project_id: &str, user_id: &str, role: &str, at: i64) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO project_members (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                )
                .bind(project_id)
                .bind(user_id)
                .bind(role)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn remove_project_member(&self, project_id: &str, user_id: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
                    .bind(project_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn create_pat(&self, pat: &PatRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO pats (id, user_id, workspace_id, name, token_hash, scopes, expires_at, revoked_at, last_used_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&pat.id)
                .bind(&pat.user_id)
                .bind(&pat.workspace_id)
                .bind(&pat.name)
                .bind(&pat.token_hash)
                .bind(Json(&pat.scopes))
                .bind(pat.expires_at)
                .bind(pat.revoked_at)
                .bind(pat.last_used_at)
                .bind(pat.created_at)
                .execute(&self.pool)
                .await
                .map_err(conflict_on_unique("a token with this hash"))?;
                Ok(())
            }

            async fn pat_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<PatRecord>> {
                let sql = format!("SELECT {PAT_COLUMNS} FROM pats WHERE token_hash = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(pat_from_row).transpose()
            }

            async fn list_pats(&self, user_id: &str, workspace_id: &str) -> StoreResult<Vec<PatRecord>> {
                let sql = format!("SELECT {PAT_COLUMNS} FROM pats WHERE user_id = $1 AND workspace_id = $2 ORDER BY created_at DESC, id DESC");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(workspace_id).fetch_all(&self.pool).await?;
                rows.iter().map(pat_from_row).collect()
            }

            async fn revoke_pat(&self, user_id: &str, pat_id: &str, at: i64) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE pats SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                    .bind(pat_id)
                    .bind(user_id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_pat(&self, pat_id: &str, at: i64) -> StoreResult<()> {
                sqlx::query("UPDATE pats SET last_used_at = $2 WHERE id = $1").bind(pat_id).bind(at).execute(&self.pool).await?;
                Ok(())
            }

            async fn create_invite(&self, invite: &InviteRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO invites (id, workspace_id, email, role, token_hash, expires_at, accepted_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&invite.id)
                .bind(&invite.workspace_id)
                .bind(&invite.email)
                .bind(&invite.role)
                .bind(&invite.token_hash)
                .bind(invite.expires_at)
                .bind(invite.accepted_at)
                .bind(invite.created_at)
                .execute(&self.pool)
                .await
                .map_err(conflict_on_unique("an invite with this token"))?;
                Ok(())
            }

            async fn invite_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<InviteRecord>> {
                let sql = format!("SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(invite_from_row).transpose()
            }

            async fn accept_invite(&self, invite_id: &str, user_id: &str, at: i64) -> StoreResult<MembershipRecord> {
                let mut tx = self.pool.begin_with($begin).await?;
                // The conditional update is the one-time guard: only one acceptance matches.
                let sql = format!("UPDATE invites SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL RETURNING {INVITE_COLUMNS}");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(invite_id).bind(at).fetch_optional(&mut *tx).await?;
                let Some(invite) = row.as_ref().map(invite_from_row).transpose()? else {
                    return Err(StoreError::Conflict("the invite was already used".into()));
                };
                // An existing membership keeps the higher of the two roles' meaning to the
                // owner: an invite never demotes, it only (re)activates and sets the role.
                // A deactivated owner is the exception: only an owner may reactivate an
                // owner, and an invite is made by admins too, so it matches no row here
                // (and the acceptance is rolled back).
                let upserted = sqlx::query(
                    "INSERT INTO workspace_members (workspace_id, user_id, role, active, created_at) VALUES ($1, $2, $3, TRUE, $4) \
                     ON CONFLICT (workspace_id, user_id) DO UPDATE SET active = TRUE, \
                     role = CASE WHEN workspace_members.role = 'owner' THEN workspace_members.role ELSE excluded.role END \
                     WHERE NOT (workspace_members.role = 'owner' AND NOT workspace_members.active)",
                )
                .bind(&invite.workspace_id)
                .bind(user_id)
                .bind(&invite.role)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if upserted.rows_affected() == 0 {
                    return Err(StoreError::Conflict(
                        "your owner membership of this workspace was deactivated; only an owner of the workspace can reactivate it".into(),
                    ));
                }
                let sql = format!("SELECT {MEMBERSHIP_COLUMNS} FROM workspace_members m WHERE m.workspace_id = $1 AND m.user_id = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&invite.workspace_id).bind(user_id).fetch_one(&mut *tx).await?;
                let membership = membership_from_row(&row)?;
                tx.commit().await?;
                Ok(membership)
            }

            async fn create_workflow(&self, wf: &WorkflowRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO workflows (id, project_id, name, description, draft_graph, run_setup, archived, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&wf.id)
                .bind(&wf.project_id)
                .bind(&wf.name)
                .bind(&wf.description)
                .bind(Json(&wf.draft_graph))
                .bind(wf.run_setup.as_ref().map(Json))
                .bind(wf.archived)
                .bind(&wf.created_by)
                .bind(wf.created_at)
                .bind(wf.updated_at)
                .execute(&self.pool)
                .await
                .map_err(conflict_on_unique("a workflow with this id"))?;
                Ok(())
            }

            async fn workflow(&self, workspace_id: &str, workflow_id: &str) -> StoreResult<Option<WorkflowRecord>> {
                let sql = format!("{WORKFLOW_SELECT} JOIN projects p ON p.id = w.project_id WHERE w.id = $1 AND p.workspace_id = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workflow_id).bind(workspace_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(workflow_from_row).transpose()
            }

            async fn list_workflows(&self, project_id: &str, include_archived: bool) -> StoreResult<Vec<WorkflowRecord>> {
                let sql = format!(
                    "{WORKFLOW_SELECT} WHERE w.project_id = $1 AND (w.archived = FALSE OR $2) ORDER BY w.created_at DESC, w.id DESC"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project_id).bind(include_archived).fetch_all(&self.pool).await?;
                rows.iter().map(workflow_from_row).collect()
            }

            async fn update_workflow(&self, workflow_id: &str, patch: &WorkflowPatch, at: i64) -> StoreResult<bool> {
                let (set_run_setup, run_setup) = match &patch.run_setup {
                    None => (false, None),
                    Some(value) => (true, value.as_ref().map(Json)),
                };
                let done = sqlx::query(
                    "UPDATE workflows SET name = COALESCE($2, name), description = COALESCE($3, description), \
                     draft_graph = COALESCE($4, draft_graph), run_setup = CASE WHEN $5 THEN $6 ELSE run_setup END, \
                     updated_at = $7 WHERE id = $1",
                )
                .bind(workflow_id)
                .bind(&patch.name)
                .bind(&patch.description)
                .bind(patch.draft_graph.as_ref().map(Json))
                .bind(set_run_setup)
                .bind(run_setup)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn archive_workflow(&self, workflow_id: &str, at: i64) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE workflows SET archived = TRUE, updated_at = $2 WHERE id = $1")
                    .bind(workflow_id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn publish_version(&self, v: &NewVersion) -> StoreResult<VersionRecord> {
                let mut tx = self.pool.begin_with($begin).await?;
                // Touching the workflow row first serializes publishes of one workflow
                // (row lock on Postgres; the write lock on SQLite), so numbers never collide.
                let touched = sqlx::query("UPDATE workflows SET updated_at = $2 WHERE id = $1")
                    .bind(&v.workflow_id)
                    .bind(v.created_at)
                    .execute(&mut *tx)
                    .await?;
                if touched.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("workflow {}", v.workflow_id)));
                }
                sqlx::query("INSERT INTO graphs (hash, graph, created_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING")
                    .bind(&v.graph_hash)
                    .bind(Json(&v.graph))
                    .bind(v.created_at)
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM workflow_versions WHERE workflow_id = $1")
                    .bind(&v.workflow_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let number: i64 = row.try_get("next")?;
                sqlx::query(
                    "INSERT INTO workflow_versions (workflow_id, version, graph_hash, changelog, run_setup, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&v.workflow_id)
                .bind(number)
                .bind(&v.graph_hash)
                .bind(&v.changelog)
                .bind(v.run_setup.as_ref().map(Json))
                .bind(v.created_at)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique("this version"))?;
                tx.commit().await?;
                Ok(VersionRecord {
                    workflow_id: v.workflow_id.clone(),
                    version: number,
                    graph_hash: v.graph_hash.clone(),
                    graph: v.graph.clone(),
                    changelog: v.changelog.clone(),
                    run_setup: v.run_setup.clone(),
                    created_at: v.created_at,
                })
            }

            async fn list_versions(&self, workflow_id: &str) -> StoreResult<Vec<VersionRecord>> {
                let sql = format!("{VERSION_SELECT} WHERE v.workflow_id = $1 ORDER BY v.version DESC");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workflow_id).fetch_all(&self.pool).await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn version(&self, workflow_id: &str, version: i64) -> StoreResult<Option<VersionRecord>> {
                let sql = format!("{VERSION_SELECT} WHERE v.workflow_id = $1 AND v.version = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(workflow_id).bind(version).fetch_optional(&self.pool).await?;
                row.as_ref().map(version_from_row).transpose()
            }
        }
    };
}

pub(crate) use impl_tenant_store;
