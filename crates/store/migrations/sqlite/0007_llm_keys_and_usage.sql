-- Workspace LLM provider keys (crates/store/src/integrations/llm_keys.rs) and metered
-- usage (crates/store/src/integrations/usage.rs).

-- A workspace's API keys for LLM providers. The key is sealed with the workspace vault,
-- bound to (workspace, "llm_provider_key", id, "api_key"); nothing of it is stored in
-- clear. A workspace may hold several keys of one provider: the newest is the workspace
-- key, the others are reachable by id as a step's llm_credential_id.
CREATE TABLE llm_provider_keys (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    provider TEXT NOT NULL,
    label TEXT,
    key_sealed TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX llm_provider_keys_workspace ON llm_provider_keys(workspace_id, provider, created_at);

-- Metered usage, one row per (run, step, kind): the idempotency key
-- "<run_id>:<step key>:<kind>" makes a retried or re-run step count once.
CREATE TABLE usage_records (
    idempotency_key TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    project_id TEXT,
    run_id TEXT NOT NULL,
    step_key TEXT NOT NULL,
    -- llm.tokens_in, llm.tokens_out, mcp.call, workflow.step.execute
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX usage_records_workspace ON usage_records(workspace_id, at);
