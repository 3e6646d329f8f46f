-- A custom MCP server's description, as the hosted registration body gives it
-- (`POST /v1/mcp/servers {name, canonical_url, description, mode, auth_mode}`).
ALTER TABLE mcp_servers ADD COLUMN description TEXT;
