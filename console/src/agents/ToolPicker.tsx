/**
 * Chooses the MCP tools an agent may call: one group per instance of the project, with the
 * tools of the instance's server as the MCP page shows them (`GET /v1/mcp/servers`).
 */
import type { McpInstance, McpServer } from "../api/types";

export function ToolPicker({
  instances,
  servers,
  picked,
  onChange,
  disabled,
  describedBy,
}: {
  instances: McpInstance[];
  servers: McpServer[];
  picked: Record<string, string[]>;
  onChange: (picked: Record<string, string[]>) => void;
  disabled?: boolean;
  describedBy?: string;
}) {
  if (instances.length === 0) {
    return <p className="muted">This project has no MCP instances yet: create one on the MCP page to give the agent tools.</p>;
  }
  const toggle = (instanceId: string, tool: string, on: boolean) => {
    const current = picked[instanceId] ?? [];
    const next = on ? [...current.filter((t) => t !== tool), tool] : current.filter((t) => t !== tool);
    const all = { ...picked, [instanceId]: next };
    if (next.length === 0) delete all[instanceId];
    onChange(all);
  };
  return (
    <div aria-describedby={describedBy}>
      {instances.map((i) => {
        const tools = servers.find((s) => s.id === i.server_id)?.tools ?? [];
        const chosen = picked[i.id] ?? [];
        // A stored name the server no longer lists stays visible, so saving keeps it.
        const names = [...tools.map((t) => t.name), ...chosen.filter((n) => !tools.some((t) => t.name === n))];
        return (
          <fieldset key={i.id}>
            <legend>
              Tools of instance {i.name} <span className="muted">({i.server_name ?? i.server_url ?? i.server_id})</span>
            </legend>
            {names.length === 0 && <p className="muted">Its server lists no tools.</p>}
            {names.map((name) => (
              <label className="check" key={name}>
                <input
                  type="checkbox"
                  checked={chosen.includes(name)}
                  disabled={disabled}
                  onChange={(e) => toggle(i.id, name, e.target.checked)}
                />
                {name}
              </label>
            ))}
          </fieldset>
        );
      })}
    </div>
  );
}
