/**
 * `/agents`: the project's agents (docs/agents.md) — list, create, edit, delete. Viewers read;
 * contributors and above write. The tool picker offers the project's MCP instances.
 */
import { useState } from "react";
import type { Agent, McpInstance } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { AgentForm } from "./AgentForm";
import { draftOf, EMPTY_DRAFT } from "./agentForm";

export default function AgentsPage() {
  const { api, scope, canEdit } = useSession();
  const deps = [api, scope.tenant, scope.project];
  const agents = useAsync(() => (scope.project ? api.listAgents() : Promise.resolve([])), deps);
  const instances = useAsync(() => (scope.project ? api.listMcpInstances() : Promise.resolve([])), deps);
  const servers = useAsync(() => (scope.project ? api.listMcpServers() : Promise.resolve([])), deps);
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const { act, errorOf } = useRowAction(agents.reload);

  if (!scope.project) return <p className="page">Pick a project in the header bar first.</p>;
  const formProps = { instances: instances.data ?? [], servers: servers.data ?? [], onCancel: () => setEditing(null) };
  const editedAgent = agents.data?.find((a) => a.id === editing);

  return (
    <section className="page" aria-labelledby="agents-heading">
      <h1 id="agents-heading">Agents</h1>
      <p className="muted">
        An agent is a model, its instructions and the MCP tools it may call. A workflow uses it with an <code>agent_call</code> step.
        {!canEdit && " Your role in this project can read agents, not change them."}
      </p>
      <ErrorMessage error={agents.error ?? instances.error ?? servers.error} />
      {agents.data && agents.data.length === 0 && <p>No agents in this project yet.</p>}
      {agents.data && agents.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Agents of this project</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Model</th>
              <th scope="col">Tools</th>
              <th scope="col">Max turns</th>
              <th scope="col">Id</th>
              {canEdit && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {agents.data.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.name}
                  {a.description && <div className="muted">{a.description}</div>}
                  {a.instructions && (
                    <details>
                      <summary>Instructions</summary>
                      <p className="agent-instructions">{a.instructions}</p>
                    </details>
                  )}
                </td>
                <td>
                  <code>{a.model_ref ?? a.model}</code>
                </td>
                <td>{describeTools(a, instances.data)}</td>
                <td>{a.max_turns}</td>
                <td>
                  <code>{a.id}</code>
                </td>
                {canEdit && (
                  <td>
                    <div className="actions">
                      <button type="button" aria-label={`Edit agent ${a.name}`} aria-expanded={editing === a.id} onClick={() => setEditing(editing === a.id ? null : a.id)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Delete agent ${a.name}`}
                        onClick={() => {
                          if (window.confirm(`Delete the agent “${a.name}”? Workflows that call it will fail.`)) {
                            void act(a.id, async () => {
                              await api.deleteAgent(a.id);
                              if (editing === a.id) setEditing(null);
                            });
                          }
                        }}
                      >
                        Delete
                      </button>
                    </div>
                    <ErrorMessage error={errorOf(a.id)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && editing === null && (
        <button type="button" className="primary" onClick={() => setEditing("new")}>
          New agent
        </button>
      )}
      {canEdit && editing === "new" && (
        <AgentForm
          {...formProps}
          initial={EMPTY_DRAFT}
          editing={false}
          onSave={async (req) => {
            await api.createAgent(req);
            setEditing(null);
            await agents.reload();
          }}
        />
      )}
      {canEdit && editedAgent && (
        <AgentForm
          {...formProps}
          key={editedAgent.id}
          initial={draftOf(editedAgent)}
          editing
          onSave={async (req) => {
            await api.patchAgent(editedAgent.id, req);
            setEditing(null);
            await agents.reload();
          }}
        />
      )}
    </section>
  );
}

/** "search, fetch (docs)" per tool set, naming the instance when it is known. */
function describeTools(agent: Agent, instances: McpInstance[] | undefined): string {
  if (agent.tools.length === 0) return "none";
  return agent.tools
    .map((t) => {
      const where = t.instance_id ? (instances?.find((i) => i.id === t.instance_id)?.name ?? t.instance_id) : t.server_url;
      return `${t.tool_names.join(", ")} (${where})`;
    })
    .join("; ");
}
