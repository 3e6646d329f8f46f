-- The MCP server registry (crates/store/src/integrations/mcp.rs, CONTRACT §11): servers
-- (custom ones registered by a project, operator-catalog ones materialized per workspace
-- on first use), the versions of their discovered tool lists, a project's instances of a
-- server, and each instance's config profiles (exactly one active).

CREATE TABLE mcp_servers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    -- The registering project; NULL for a server of the operator's catalog.
    project_id TEXT REFERENCES projects(id),
    -- project_id, or 'catalog': one server per canonical URL in each scope.
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    transport TEXT NOT NULL,
    auth_mode TEXT NOT NULL,
    source TEXT NOT NULL,
    -- The current tool list: [{name, description, input_schema, output_schema}].
    tools JSONB NOT NULL,
    current_version BIGINT NOT NULL,
    -- The last validation result (NULL until validated).
    validation JSONB,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (workspace_id, scope, canonical_url)
);
CREATE INDEX mcp_servers_project ON mcp_servers(workspace_id, project_id);

-- Each discovery that changed the tool list (version 1 is the registration's).
CREATE TABLE mcp_server_versions (
    server_id TEXT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    tools JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (server_id, version)
);

CREATE TABLE mcp_instances (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    server_id TEXT NOT NULL REFERENCES mcp_servers(id),
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX mcp_instances_server ON mcp_instances(project_id, server_id);

-- env and headers: {NAME: value}, a value being literal text or a binding
-- ({"secret": …} / {"connection": …, "key": …}); never a secret in clear.
CREATE TABLE mcp_config_profiles (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    instance_id TEXT NOT NULL REFERENCES mcp_instances(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    env JSONB NOT NULL,
    headers JSONB NOT NULL,
    connection_id TEXT,
    -- stdio: the variable the connection's token goes into.
    connection_env TEXT,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (instance_id, name)
);
-- At most one active profile per instance (the store keeps it at exactly one).
CREATE UNIQUE INDEX mcp_config_profiles_one_active ON mcp_config_profiles(instance_id) WHERE active;
