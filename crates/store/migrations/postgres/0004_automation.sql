-- Inbound webhooks and cron triggers (crates/store/src/automation).
-- 0001 created placeholder tables that nothing ever wrote; they are replaced here.
DROP TABLE IF EXISTS inbound_webhooks;
DROP TABLE IF EXISTS cron_triggers;

-- A webhook subscription: one workflow started by signed POSTs to its ingress URL.
CREATE TABLE inbound_webhooks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    name TEXT NOT NULL,
    -- The HMAC signing secret, sealed by the server (never stored in clear, never returned
    -- after creation). Opaque JSON to the store.
    signing_secret_sealed JSONB NOT NULL,
    -- Defaults merged under every delivery's body (the body wins).
    extras JSONB NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- Ingress must present a PAT of this user (and this PAT, when set).
    automation_user_id TEXT NOT NULL REFERENCES users(id),
    automation_pat_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inbound_webhooks_project ON inbound_webhooks(project_id, created_at);

-- Idempotency-Key dedupe: the first run a key started (keys are stored hashed).
CREATE TABLE webhook_deliveries (
    webhook_id TEXT NOT NULL REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, key_hash)
);

-- A cron schedule of one workflow. `next_fire_at` is the next due instant (unix ms,
-- NULL when disabled); a node claims a due fire with `claimed_by`/`claim_until`.
CREATE TABLE cron_triggers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    trigger_payload JSONB NOT NULL DEFAULT '{}',
    trigger_steps JSONB NOT NULL DEFAULT '{}',
    excluded_step_ids JSONB NOT NULL DEFAULT '[]',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    next_fire_at BIGINT,
    last_fired_at BIGINT,
    last_run_id TEXT,
    last_error TEXT,
    claimed_by TEXT,
    claim_until BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cron_triggers_workflow ON cron_triggers(workflow_id, created_at);
CREATE INDEX cron_triggers_due ON cron_triggers(next_fire_at) WHERE enabled;
