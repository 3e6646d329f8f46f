/**
 * The instances part of `/mcp`: each instance of a server with its config profiles — create,
 * edit, make active, delete. The vault list (admins only) and the project's connections feed
 * the profile form's pickers.
 */
import { useState } from "react";
import type { ConfigProfile, McpInstance, McpServer, ProfileValue } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { ProfileForm } from "./ProfileForm";

interface Loaded<T> {
  data: T | undefined;
  error: string | null;
}

export function Instances({ instances, servers, onChanged }: { instances: Loaded<McpInstance[]>; servers: McpServer[] | undefined; onChanged: () => Promise<unknown> }) {
  const { api, me, scope, canEdit } = useSession();
  const role = me?.workspaces.find((w) => w.slug === scope.tenant)?.role;
  const isWorkspaceAdmin = role === "admin" || role === "owner";
  const secrets = useAsync(() => (isWorkspaceAdmin ? api.listSecrets() : Promise.resolve(undefined)), [api, scope.tenant, isWorkspaceAdmin]);
  const connections = useAsync(() => api.listConnections(), [api, scope.tenant, scope.project]);
  const { act, errorOf } = useRowAction(onChanged);

  return (
    <section aria-labelledby="instances-heading">
      <h2 id="instances-heading">Instances</h2>
      <p className="muted">A step calls a server through an instance; the instance's active profile supplies its headers or environment.</p>
      <ErrorMessage error={instances.error ?? secrets.error ?? connections.error} />
      {instances.data && instances.data.length === 0 && <p>No instances yet: create one from a server above.</p>}
      {instances.data?.map((i) => {
        const server = servers?.find((s) => s.id === i.server_id);
        const stdio = (i.transport ?? server?.transport) === "stdio";
        return (
          <article className="card" key={i.id} aria-labelledby={`instance-${i.id}`}>
            <h3 id={`instance-${i.id}`}>{i.name}</h3>
            <p className="muted">
              of {i.server_name ?? server?.name ?? i.server_id} (<code>{i.server_url ?? server?.canonical_url}</code>)
            </p>
            <Profiles instance={i} stdio={stdio} secrets={secrets.data} connections={connections.data} canEdit={canEdit} onChanged={onChanged} />
            {canEdit && (
              <>
                <button type="button" className="danger" aria-label={`Delete instance ${i.name}`} onClick={() => {
                  if (window.confirm(`Delete the instance “${i.name}” and its profiles?`)) void act(i.id, () => api.deleteMcpInstance(i.id));
                }}>
                  Delete instance
                </button>
                <ErrorMessage error={errorOf(i.id)} />
              </>
            )}
          </article>
        );
      })}
    </section>
  );
}

/** How a stored value reads in the list: never a secret's value (the API has none to give). */
function describe(v: ProfileValue): string {
  if (typeof v === "string") return "text";
  if ("secret" in v) return `vault secret ${v.secret}`;
  return `connection credential ${v.key}`;
}

function Profiles({
  instance,
  stdio,
  secrets,
  connections,
  canEdit,
  onChanged,
}: {
  instance: McpInstance;
  stdio: boolean;
  secrets: Parameters<typeof ProfileForm>[0]["secrets"];
  connections: Parameters<typeof ProfileForm>[0]["connections"];
  canEdit: boolean;
  onChanged: () => Promise<unknown>;
}) {
  const { api } = useSession();
  const profiles = useAsync(() => api.listConfigProfiles(instance.id), [api, instance.id]);
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const reload = async () => {
    await profiles.reload();
    await onChanged();
  };
  const { act, errorOf } = useRowAction(reload);
  const formProps = { stdio, secrets, connections };

  return (
    <div>
      <h4>Config profiles</h4>
      <ErrorMessage error={profiles.error} />
      {profiles.data && profiles.data.length === 0 && <p className="muted">No profiles: calls go without credentials.</p>}
      {profiles.data && profiles.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Config profiles of {instance.name}</caption>
          <thead>
            <tr>
              <th scope="col">Profile</th>
              <th scope="col">{stdio ? "Environment" : "Headers"}</th>
              <th scope="col">State</th>
              {canEdit && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {profiles.data.map((p: ConfigProfile) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>
                  {Object.entries((stdio ? p.env : p.headers) ?? {}).map(([k, v]) => (
                    <div key={k}>
                      <code>{k}</code>: {describe(v)}
                    </div>
                  ))}
                </td>
                <td>{p.active ? "active" : ""}</td>
                {canEdit && (
                  <td>
                    <div className="actions">
                      {!p.active && (
                        <button type="button" aria-label={`Set active: ${p.name}`} onClick={() => void act(p.id, () => api.setActiveConfigProfile(instance.id, p.id))}>
                          Set active
                        </button>
                      )}
                      <button type="button" aria-label={`Edit profile ${p.name}`} aria-expanded={editing === p.id} onClick={() => setEditing(editing === p.id ? null : p.id)}>
                        Edit
                      </button>
                      <button type="button" className="danger" aria-label={`Delete profile ${p.name}`} onClick={() => {
                        if (window.confirm(`Delete the profile “${p.name}”?`)) void act(p.id, () => api.deleteConfigProfile(instance.id, p.id));
                      }}>
                        Delete
                      </button>
                    </div>
                    <ErrorMessage error={errorOf(p.id)} />
                    {editing === p.id && (
                      <ProfileForm
                        {...formProps}
                        profile={p}
                        onCancel={() => setEditing(null)}
                        onSave={async (req) => {
                          await api.patchConfigProfile(instance.id, p.id, req);
                          setEditing(null);
                          await reload();
                        }}
                      />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && editing !== "new" && (
        <button type="button" aria-label={`New profile for ${instance.name}`} onClick={() => setEditing("new")}>
          New profile
        </button>
      )}
      {canEdit && editing === "new" && (
        <ProfileForm
          {...formProps}
          onCancel={() => setEditing(null)}
          onSave={async (req) => {
            await api.createConfigProfile(instance.id, req);
            setEditing(null);
            await reload();
          }}
        />
      )}
    </div>
  );
}
