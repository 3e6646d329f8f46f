/**
 * Create or edit an MCP instance's config profile: named header (HTTP servers) or
 * environment (stdio servers) values, each literal text, a workspace vault secret or a
 * connection's credential, picked from the vault and connections lists. A referenced value
 * is opened only at call time; the profile stores the reference.
 */
import { useState } from "react";
import type { ConfigProfile, Connection, ProfileValue, VaultSecret } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";

type Source = "text" | "secret" | "connection";

export interface ValueRow {
  name: string;
  source: Source;
  text: string;
  secret: string;
  connection: string;
  key: string;
  prefix: string;
}

const emptyRow = (): ValueRow => ({ name: "", source: "text", text: "", secret: "", connection: "", key: "", prefix: "" });

/** A stored map as editable rows. */
export function rowsOf(map: Record<string, ProfileValue>): ValueRow[] {
  return Object.entries(map).map(([name, v]) => {
    if (typeof v === "string") return { ...emptyRow(), name, text: v };
    if ("secret" in v) return { ...emptyRow(), name, source: "secret", secret: v.secret, prefix: v.prefix ?? "" };
    return { ...emptyRow(), name, source: "connection", connection: v.connection, key: v.key, prefix: v.prefix ?? "" };
  });
}

/** Rows as the API's map (rows without a name are left out). */
export function mapOf(rows: ValueRow[]): Record<string, ProfileValue> {
  const out: Record<string, ProfileValue> = {};
  for (const r of rows) {
    const name = r.name.trim();
    if (!name) continue;
    const prefix = r.prefix ? { prefix: r.prefix } : {};
    if (r.source === "text") out[name] = r.text;
    else if (r.source === "secret") out[name] = { secret: r.secret, ...prefix };
    else out[name] = { connection: r.connection, key: r.key, ...prefix };
  }
  return out;
}

export function ProfileForm({
  profile,
  stdio,
  secrets,
  connections,
  onSave,
  onCancel,
}: {
  profile?: ConfigProfile;
  /** stdio servers get environment variables; HTTP servers get headers. */
  stdio: boolean;
  secrets: VaultSecret[] | undefined;
  connections: Connection[] | undefined;
  onSave: (req: { name: string; headers?: Record<string, ProfileValue>; env?: Record<string, ProfileValue> }) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(profile?.name ?? "");
  const [rows, setRows] = useState<ValueRow[]>(() => {
    const existing = rowsOf((stdio ? profile?.env : profile?.headers) ?? {});
    return existing.length > 0 ? existing : [emptyRow()];
  });
  const save = useAction();
  const what = stdio ? "Environment variable" : "Header";
  const set = (i: number, patch: Partial<ValueRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const formName = profile ? `Edit profile ${profile.name}` : "New config profile";

  return (
    <form
      className="stacked-form"
      aria-label={formName}
      onSubmit={async (e) => {
        e.preventDefault();
        await save.run(() => onSave({ name: name.trim(), [stdio ? "env" : "headers"]: mapOf(rows) }));
      }}
    >
      <label>
        Profile name
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <fieldset>
        <legend>{stdio ? "Environment" : "Headers"}</legend>
        {rows.map((r, i) => {
          const n = i + 1;
          const conn = connections?.find((c) => c.id === r.connection);
          return (
            <div className="actions wrap" key={i} role="group" aria-label={`${what} ${n}`}>
              <label>
                {what} name
                <input value={r.name} placeholder={stdio ? "API_TOKEN" : "Authorization"} onChange={(e) => set(i, { name: e.target.value })} aria-label={`${what} ${n} name`} />
              </label>
              <label>
                Value from
                <select value={r.source} onChange={(e) => set(i, { source: e.target.value as Source })} aria-label={`${what} ${n} value from`}>
                  <option value="text">Literal text</option>
                  <option value="secret">Vault secret</option>
                  <option value="connection">Connection credential</option>
                </select>
              </label>
              {r.source === "text" && (
                <label>
                  Text
                  <input value={r.text} onChange={(e) => set(i, { text: e.target.value })} aria-label={`${what} ${n} text`} />
                </label>
              )}
              {r.source === "secret" && (
                <label>
                  Secret
                  {secrets === undefined ? (
                    // Only workspace admins may list the vault; others type the name they were given.
                    <input required value={r.secret} onChange={(e) => set(i, { secret: e.target.value })} aria-label={`${what} ${n} secret`} />
                  ) : (
                    <select required value={r.secret} onChange={(e) => set(i, { secret: e.target.value })} aria-label={`${what} ${n} secret`}>
                      <option value="">Choose a secret…</option>
                      {secrets.map((s) => (
                        <option key={s.name} value={s.name}>
                          {s.name}
                        </option>
                      ))}
                    </select>
                  )}
                </label>
              )}
              {r.source === "connection" && (
                <>
                  <label>
                    Connection
                    <select required value={r.connection} onChange={(e) => set(i, { connection: e.target.value, key: "" })} aria-label={`${what} ${n} connection`}>
                      <option value="">Choose a connection…</option>
                      {(connections ?? []).map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.display_name}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Credential key
                    <select required value={r.key} onChange={(e) => set(i, { key: e.target.value })} aria-label={`${what} ${n} credential key`}>
                      <option value="">Choose a key…</option>
                      {(conn?.credential_keys ?? []).map((k) => (
                        <option key={k} value={k}>
                          {k}
                        </option>
                      ))}
                    </select>
                  </label>
                </>
              )}
              {r.source !== "text" && (
                <label>
                  Prefix
                  <input value={r.prefix} placeholder="Bearer " onChange={(e) => set(i, { prefix: e.target.value })} aria-label={`${what} ${n} prefix`} />
                </label>
              )}
              <button type="button" aria-label={`Remove ${what.toLowerCase()} ${n}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          );
        })}
        <button type="button" onClick={() => setRows([...rows, emptyRow()])}>
          Add {stdio ? "a variable" : "a header"}
        </button>
        {secrets !== undefined && secrets.length === 0 && <p className="muted">No vault secrets yet: a workspace admin adds them under Settings → Secrets.</p>}
      </fieldset>
      <div className="actions">
        <button type="submit">{profile ? "Save profile" : "Create profile"}</button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorMessage error={save.error} />
    </form>
  );
}
