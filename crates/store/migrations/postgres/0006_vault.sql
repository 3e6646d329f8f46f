-- The vault's persistent half (crates/store/src/integrations/vault.rs): one data key per
-- workspace, wrapped by the master key (which never enters the database), and the
-- workspace secrets sealed with it. Opaque JSON to the store: the server seals and opens.

CREATE TABLE workspace_data_keys (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    -- ar_connect::vault::WrappedDataKey as JSON.
    wrapped JSONB NOT NULL,
    -- The id of the master key that wrapped it (rotation finds what is left by this).
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX workspace_data_keys_master ON workspace_data_keys(master_key_id);

-- Workspace secrets (tenant admins; referenced from MCP config profiles). The value is
-- sealed bound to (workspace, "vault_secret", id, "value"); names are unique per workspace.
CREATE TABLE vault_secrets (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    description TEXT,
    value_sealed JSONB NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (workspace_id, name)
);
