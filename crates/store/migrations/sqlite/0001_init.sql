-- agentruntime schema, SQLite flavour. Timestamps are BIGINT unix milliseconds.
-- Kept column-for-column identical to migrations/postgres so one set of queries serves both.

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    product_code TEXT NOT NULL,
    plan TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'private',
    created_at BIGINT NOT NULL
);
CREATE INDEX projects_workspace ON projects(workspace_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE pats (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    project_id TEXT REFERENCES projects(id),
    name TEXT NOT NULL,
    draft_graph TEXT NOT NULL,
    run_setup TEXT,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Content-addressed graphs: versions and ad-hoc runs point here by graph_hash.
CREATE TABLE graphs (
    hash TEXT PRIMARY KEY,
    graph TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE workflow_versions (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    version BIGINT NOT NULL,
    graph_hash TEXT NOT NULL REFERENCES graphs(hash),
    changelog TEXT,
    run_setup TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    -- '' for ad-hoc runs (`agentruntime run FILE`), so the client run id stays unique.
    workflow_id TEXT NOT NULL DEFAULT '',
    version BIGINT,
    project_id TEXT,
    client_run_id TEXT,
    graph_hash TEXT NOT NULL REFERENCES graphs(hash),
    status TEXT NOT NULL,
    failure_code TEXT,
    error TEXT,
    input TEXT NOT NULL,
    params TEXT NOT NULL,
    resumed_from_run_id TEXT,
    -- Top-level steps not yet terminal; the run completes when it reaches 0.
    open_steps BIGINT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    drain_deadline BIGINT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX runs_client_id ON runs(workflow_id, client_run_id) WHERE client_run_id IS NOT NULL;
CREATE INDEX runs_status ON runs(status);

CREATE TABLE step_states (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_key TEXT NOT NULL,
    parent_key TEXT,
    item_index BIGINT,
    status TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 0,
    deps_remaining BIGINT NOT NULL DEFAULT 0,
    input TEXT,
    result TEXT,
    error TEXT,
    failure_code TEXT,
    skipped BOOLEAN NOT NULL DEFAULT FALSE,
    reason TEXT,
    caused_by_step_id TEXT,
    loop_total BIGINT,
    loop_next BIGINT,
    loop_done BIGINT,
    started_at BIGINT,
    finished_at BIGINT,
    PRIMARY KEY (run_id, step_key)
);
CREATE INDEX step_states_parent ON step_states(run_id, parent_key);

CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    step_id TEXT,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE human_tasks (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_id TEXT NOT NULL,
    task_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    approved BOOLEAN,
    result TEXT,
    completed_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    completed_at BIGINT,
    PRIMARY KEY (run_id, step_id)
);
CREATE INDEX human_tasks_status ON human_tasks(status);

CREATE TABLE work_queue (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    fencing_token BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (run_id, step_key, kind)
);
CREATE INDEX work_queue_ready ON work_queue(available_at);

CREATE TABLE usage_ledger (
    id TEXT PRIMARY KEY,
    workspace_id TEXT,
    project_id TEXT,
    run_id TEXT,
    step_id TEXT,
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    amount_micros BIGINT NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE inbound_webhooks (
    id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    secret_hash TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE cron_triggers (
    id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    params TEXT NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    next_fire_at BIGINT,
    created_at BIGINT NOT NULL
);
