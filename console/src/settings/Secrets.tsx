/**
 * Settings → Secrets: the workspace vault's named secrets (tenant admins only). Values go in
 * through a password field and never come back: the list shows names and descriptions.
 * MCP config profiles reference these secrets by name.
 */
import { useState } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

export function Secrets({ isAdmin }: { isAdmin: boolean }) {
  if (!isAdmin) {
    return (
      <section aria-labelledby="secrets-heading">
        <h2 id="secrets-heading">Workspace secrets</h2>
        <p role="status">Only workspace admins can see and change the workspace's secrets. Ask an admin or owner of this workspace.</p>
      </section>
    );
  }
  return <SecretsAdmin />;
}

function SecretsAdmin() {
  const { api, scope } = useSession();
  const secrets = useAsync(() => api.listSecrets(), [api, scope.tenant]);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [description, setDescription] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction();
  const { act, errorOf } = useRowAction(secrets.reload);
  const replacing = secrets.data?.some((s) => s.name === name.trim()) ?? false;

  return (
    <section aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">Workspace secrets</h2>
      <p className="muted">
        Encrypted in the workspace vault. MCP config profiles use them by name; nobody can read a value back, not even
        an admin.
      </p>
      <form
        className="stacked-form"
        aria-label="Add or replace secret"
        onSubmit={async (e) => {
          e.preventDefault();
          const n = name.trim();
          const ok = await save.run(async () => {
            await api.putSecret(n, value, description.trim() || undefined);
            await secrets.reload();
          });
          if (ok) {
            setSaved(replacing ? `Secret ${n} replaced.` : `Secret ${n} added.`);
            setName("");
            setValue("");
            setDescription("");
          } else setSaved(null);
        }}
      >
        <label>
          Secret name
          <input required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" pattern="[A-Za-z_][A-Za-z0-9_.\-]{0,127}" title="Letters, digits, _ . - ; starting with a letter or _" />
        </label>
        <label>
          Value
          <input required type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {replacing && <p className="hint">A secret with this name exists: saving replaces its value.</p>}
        <button type="submit">{replacing ? "Replace secret" : "Add secret"}</button>
        <ErrorMessage error={save.error} />
        {saved && (
          <p className="notice" role="status">
            {saved}
          </p>
        )}
      </form>

      <ErrorMessage error={secrets.error} />
      {secrets.data && secrets.data.length === 0 && <p>No secrets in this workspace yet.</p>}
      {secrets.data && secrets.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Workspace secrets</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {secrets.data.map((s) => (
              <tr key={s.name}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td>{s.description ?? ""}</td>
                <td>{s.updated_at ? new Date(s.updated_at).toLocaleString() : ""}</td>
                <td>
                  <div className="actions">
                    <button type="button" onClick={() => setName(s.name)} aria-label={`Replace ${s.name}`}>
                      Replace
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${s.name}`}
                      onClick={() => {
                        if (window.confirm(`Delete the secret “${s.name}”? Profiles that use it will fail until it is added again.`))
                          void act(s.name, () => api.deleteSecret(s.name));
                      }}
                    >
                      Delete
                    </button>
                  </div>
                  <ErrorMessage error={errorOf(s.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
