-- Connections (crates/store/src/integrations/connections.rs): a project's credentials for
-- an outside service (API key, token, basic auth, DSN, custom fields, or OAuth 2.0 tokens).
-- The credential values are one JSON document sealed by the server's workspace vault,
-- bound to (workspace, "connection", id, "credentials"); only their key names are in clear.

CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    display_name TEXT NOT NULL,
    provider TEXT NOT NULL,
    service TEXT,
    -- api_key | token | basic | dsn | custom | oauth2
    auth_type TEXT NOT NULL,
    -- JSON array of the credential names (never the values).
    credential_keys JSONB NOT NULL,
    -- ar_connect::vault::SealedValue of a JSON object of strings.
    credentials_sealed JSONB NOT NULL,
    -- OAuth 2.0 only: the client settings in clear (endpoints, client id, scopes) and the
    -- client secret sealed bound to (workspace, "connection", id, "oauth_client_secret").
    oauth JSONB,
    oauth_client_secret_sealed JSONB,
    -- active | needs_reauth
    status TEXT NOT NULL,
    status_reason TEXT,
    -- When the OAuth access token expires (unix ms), and when it was last refreshed.
    expires_at BIGINT,
    refreshed_at BIGINT,
    -- Bumped by every write of the credentials: writes compare and set it, so a refresh
    -- never stores an older token over a newer one.
    credentials_version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX connections_project ON connections(project_id, created_at);

-- OAuth authorizations in progress: one row per `state` handed to the browser, found by
-- the state's SHA-256 (the state itself is never stored), taken (deleted) once by the
-- callback. The PKCE verifier and client secret are sealed bound to
-- (workspace, "oauth_pending", state_hash, "secrets").
CREATE TABLE oauth_pending (
    state_hash TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    created_by TEXT NOT NULL,
    -- The start request's settings (no secrets), as JSON.
    request JSONB NOT NULL,
    secrets_sealed JSONB NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_pending_expiry ON oauth_pending(expires_at);
