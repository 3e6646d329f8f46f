-- Tenancy additions used by the API server (crates/store/src/tenant).
-- A workflow's description, shown in lists and returned by the API.
ALTER TABLE workflows ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- Workspace policy: workspace admins get full access to private projects they are not in.
ALTER TABLE workspaces ADD COLUMN admins_full_access_to_private BOOLEAN NOT NULL DEFAULT FALSE;
-- Who created a workflow (kept when that member is deactivated).
ALTER TABLE workflows ADD COLUMN created_by TEXT;
CREATE INDEX workflows_project ON workflows(project_id);
CREATE INDEX pats_user ON pats(user_id);
CREATE INDEX sessions_user ON sessions(user_id);
