-- The config schema a published MCP tool-list version declares (docs/contract.md §9:
-- `POST /v1/mcp/servers/{id}/versions {tools?, config_schema?, activate?}`); NULL when
-- the version was discovered or published without one.
ALTER TABLE mcp_server_versions ADD COLUMN config_schema JSONB;
