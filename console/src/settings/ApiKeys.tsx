/**
 * Settings → API keys: the caller's personal access tokens in this workspace. A new token
 * is shown once, right after creation (the server keeps only its hash); revoking is
 * immediate.
 */
import { useState } from "react";
import type { CreatedPat, PatScope } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { CopyField } from "./CopyField";

/** The scopes a token can carry (docs/contract.md §1), with what each allows. */
export const PAT_SCOPES: { scope: PatScope; label: string }[] = [
  { scope: "workflow:read", label: "Read workflows, runs and events" },
  { scope: "workflow:write", label: "Edit and publish workflows (only)" },
  { scope: "workflow:run", label: "Start and control runs, complete tasks, edit and publish workflows" },
  { scope: "mcp:execute", label: "Call MCP tools, manage MCP servers, instances and connections" },
  { scope: "mcp:write", label: "Manage MCP servers and instances (only)" },
  { scope: "admin", label: "Workspace administration" },
];

const formatTime = (t?: string | null) => (t ? new Date(t).toLocaleString() : "—");

export function ApiKeys() {
  const { api, scope } = useSession();
  const { data: pats, error, reload } = useAsync(() => api.listPats(), [api, scope.tenant]);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<PatScope[]>(["workflow:read"]);
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<CreatedPat | null>(null);
  const create = useAction();
  const rows = useRowAction(reload);

  const toggle = (s: PatScope, on: boolean) =>
    setScopes((current) => (on ? [...current, s] : current.filter((c) => c !== s)));

  return (
    <section aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">API keys</h2>
      <p className="muted">
        Personal access tokens act as you, limited to the scopes you pick, in this workspace. Send one as{" "}
        <code>Authorization: Bearer …</code>.
      </p>
      <form
        className="stacked-form"
        aria-label="Create API key"
        onSubmit={async (e) => {
          e.preventDefault();
          await create.run(async () => {
            const body = { name: name.trim(), scopes, ...(days ? { expires_in_days: Number(days) } : {}) };
            setCreated(await api.createPat(body));
            setName("");
            await reload();
          });
        }}
      >
        <label>
          Key name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {PAT_SCOPES.map(({ scope: s, label }) => (
            <label key={s} className="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => toggle(s, e.target.checked)} />
              <code>{s}</code> — {label}
            </label>
          ))}
        </fieldset>
        <label>
          Expires after (days, empty for the server default)
          <input type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <button type="submit">Create API key</button>
        <ErrorMessage error={create.error} />
      </form>

      {created && (
        <div className="callout" role="status">
          <p>
            <strong>Copy the key “{created.name}” now.</strong> It is shown only this once.
          </p>
          <CopyField label="New API key" value={created.token} />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}

      <ErrorMessage error={error} />
      {pats && pats.length === 0 && <p>No API keys yet.</p>}
      {pats && pats.length > 0 && (
        <table className="list">
          <caption className="sr-only">Your API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pats.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.scopes.join(", ")}</td>
                <td>{formatTime(p.expires_at)}</td>
                <td>{formatTime(p.last_used_at)}</td>
                <td>
                  {p.revoked_at ? (
                    <span>Revoked</span>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Revoke ${p.name}`}
                      onClick={() => rows.act(p.id, () => api.revokePat(p.id))}
                    >
                      Revoke
                    </button>
                  )}
                  <ErrorMessage error={rows.errorOf(p.id)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
