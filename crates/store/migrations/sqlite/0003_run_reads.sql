-- Indexes for the API's run lists (crates/store/src/tenant/run_reads.rs): newest-first
-- pages of one project's or one workflow's runs.
CREATE INDEX runs_project_created ON runs(project_id, created_at, id);
CREATE INDEX runs_workflow_created ON runs(workflow_id, created_at, id);
