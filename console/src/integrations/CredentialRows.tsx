/**
 * Key/value rows for a connection's credentials. Values are typed into password fields and
 * kept only in this form's state until sent; nothing shows a stored value (the API never
 * returns one).
 */
import type { AuthType } from "../api/types";

export interface CredentialRow {
  key: string;
  value: string;
}

/** The keys each auth type must hold (docs/connections.md); `custom` takes any. */
export const REQUIRED_KEYS: Record<Exclude<AuthType, "oauth2">, string[]> = {
  api_key: ["api_key"],
  token: ["token"],
  basic: ["username", "password"],
  dsn: ["dsn"],
  custom: [],
};

export const AUTH_TYPE_LABELS: Record<Exclude<AuthType, "oauth2">, string> = {
  api_key: "API key",
  token: "Token",
  basic: "Username and password",
  dsn: "Database DSN",
  custom: "Custom (any named values)",
};

/** Empty rows for an auth type's required keys (one free row for `custom`). */
export function rowsFor(authType: Exclude<AuthType, "oauth2">): CredentialRow[] {
  const keys = REQUIRED_KEYS[authType];
  return keys.length > 0 ? keys.map((key) => ({ key, value: "" })) : [{ key: "", value: "" }];
}

/** The rows as the API's `credentials` object (rows without a key are left out). */
export function credentialsOf(rows: CredentialRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value;
  return out;
}

export function CredentialRows({
  rows,
  onChange,
  required,
  idPrefix,
}: {
  rows: CredentialRow[];
  onChange: (rows: CredentialRow[]) => void;
  /** Keys the auth type requires: their names are fixed. */
  required: string[];
  idPrefix: string;
}) {
  const set = (i: number, patch: Partial<CredentialRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset>
      <legend>Credentials</legend>
      {rows.map((r, i) => {
        const fixed = required.includes(r.key) && i < required.length;
        const label = r.key || `credential ${i + 1}`;
        return (
          <div className="actions wrap" key={i}>
            <label>
              Key name
              <input
                id={`${idPrefix}-key-${i}`}
                value={r.key}
                readOnly={fixed}
                required
                onChange={(e) => set(i, { key: e.target.value })}
                aria-label={`Key name ${i + 1}`}
              />
            </label>
            <label>
              Value
              <input
                type="password"
                autoComplete="off"
                required
                value={r.value}
                onChange={(e) => set(i, { value: e.target.value })}
                aria-label={`Value of ${label}`}
              />
            </label>
            {!fixed && (
              <button type="button" aria-label={`Remove ${label}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        Add a credential
      </button>
    </fieldset>
  );
}
