-- Issue 13 "Close the tenant boundary" (docs/security.md).

-- A workspace vault secret granted to one project by a tenant admin: the project's
-- contributors may then bind the secret in that project's MCP profiles (without the
-- grant, only tenant admins may). Grants go with the secret and with the project.
CREATE TABLE vault_secret_grants (
    secret_id TEXT NOT NULL REFERENCES vault_secrets(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (secret_id, project_id)
);
CREATE INDEX vault_secret_grants_project ON vault_secret_grants(project_id);

-- A subscription may require the timestamped signature form (`t=…,v1=…`).
ALTER TABLE inbound_webhooks ADD COLUMN require_timestamp BOOLEAN NOT NULL DEFAULT FALSE;

-- Timestamped signatures already accepted, so a captured delivery cannot be replayed
-- within the timestamp tolerance. Kept in the database so every node refuses the
-- replay; rows expire with the tolerance and are purged as the webhook's next
-- deliveries arrive (and go with the webhook).
CREATE TABLE webhook_signatures_seen (
    webhook_id TEXT NOT NULL REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
    -- SHA-256 of `<t>.<v1>`, hex.
    signature_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, signature_hash)
);
CREATE INDEX webhook_signatures_seen_expiry ON webhook_signatures_seen(webhook_id, expires_at);
