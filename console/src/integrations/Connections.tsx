/**
 * `/connections`: the project's connections (credentials for outside services). Create one
 * with key/value credentials or through OAuth 2.0, connect a Google account or WhatsApp
 * Business, rename it or replace its credentials, delete it. Values are write-only: the API shows key names and status, never a value.
 * The OAuth callback sends the browser back to `/connections?connected=<id>`.
 */
import { useState } from "react";
import { useSearchParams } from "react-router";
import type { AuthType, Connection } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { GoogleAccounts, GoogleConnect } from "./GoogleAccount";
import { WhatsAppConnect } from "./WhatsAppConnect";
import { AUTH_TYPE_LABELS, CredentialRows, credentialsOf, REQUIRED_KEYS, rowsFor, type CredentialRow } from "./CredentialRows";

type KeyAuth = Exclude<AuthType, "oauth2">;

export default function Connections() {
  const { api, scope, canEdit } = useSession();
  const [params] = useSearchParams();
  const connectedId = params.get("connected");
  const list = useAsync(() => api.listConnections(), [api, scope.tenant, scope.project]);
  const { act, errorOf } = useRowAction(list.reload);
  const [editing, setEditing] = useState<string | null>(null);
  const connected = connectedId ? list.data?.find((c) => c.id === connectedId) : undefined;

  return (
    <section className="page" aria-labelledby="connections-heading">
      <h1 id="connections-heading">Connections</h1>
      <p className="muted">
        Credentials this project's MCP servers and steps use. Values are encrypted and never shown again after you save
        them.
      </p>
      {connectedId && (
        <p className="notice" role="status">
          {connected ? `Connected: ${connected.display_name} is ready to use.` : "The connection was authorized and saved."}
        </p>
      )}
      {!scope.project && <p>Pick a project in the header bar first.</p>}
      {scope.project && canEdit && (
        <div className="columns">
          <CreateConnection onCreated={list.reload} />
          <OAuthConnect />
          <GoogleConnect />
          <WhatsAppConnect onCreated={list.reload} />
        </div>
      )}

      <h2>In this project</h2>
      <ErrorMessage error={list.error} />
      {list.data && list.data.length === 0 && <p>No connections in this project yet.</p>}
      {list.data && list.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Connections</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Auth type</th>
              <th scope="col">Credential keys</th>
              <th scope="col">Status</th>
              {canEdit && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.id}>
                <td>{c.display_name}</td>
                <td>
                  {c.provider}
                  {c.service ? ` / ${c.service}` : ""}
                </td>
                <td>{c.auth_type}</td>
                <td>{c.credential_keys.map((k) => <code key={k}>{k} </code>)}</td>
                <td>
                  <span className={c.status === "active" ? "" : "hint"}>{c.status === "needs_reauth" ? "needs re-authorization" : c.status}</span>
                  {c.status_reason && <span className="muted"> — {c.status_reason}</span>}
                </td>
                {canEdit && (
                  <td>
                    <div className="actions">
                      <button type="button" aria-label={`Edit ${c.display_name}`} aria-expanded={editing === c.id} onClick={() => setEditing(editing === c.id ? null : c.id)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Delete ${c.display_name}`}
                        onClick={() => {
                          if (window.confirm(`Delete the connection “${c.display_name}”? Profiles that use it will fail.`))
                            void act(c.id, () => api.deleteConnection(c.id));
                        }}
                      >
                        Delete
                      </button>
                    </div>
                    <ErrorMessage error={errorOf(c.id)} />
                    {editing === c.id && (
                      <EditConnection
                        connection={c}
                        onDone={async () => {
                          setEditing(null);
                          await list.reload();
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
      {scope.project && list.data && <GoogleAccounts connections={list.data} canEdit={canEdit} />}
    </section>
  );
}

function CreateConnection({ onCreated }: { onCreated: () => Promise<unknown> }) {
  const { api } = useSession();
  const [displayName, setDisplayName] = useState("");
  const [provider, setProvider] = useState("");
  const [service, setService] = useState("");
  const [authType, setAuthType] = useState<KeyAuth>("api_key");
  const [rows, setRows] = useState<CredentialRow[]>(rowsFor("api_key"));
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction();

  return (
    <form
      className="stacked-form"
      aria-label="Create connection"
      onSubmit={async (e) => {
        e.preventDefault();
        setCreated(null);
        const ok = await create.run(async () => {
          const c = await api.createConnection({
            display_name: displayName.trim(),
            provider: provider.trim(),
            ...(service.trim() ? { service: service.trim() } : {}),
            auth_type: authType,
            credentials: credentialsOf(rows),
          });
          setCreated(c.display_name);
          await onCreated();
        });
        if (ok) {
          setDisplayName("");
          setService("");
          setRows(rowsFor(authType));
        }
      }}
    >
      <h2>New connection</h2>
      <label>
        Display name
        <input required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label>
        Provider
        <input required value={provider} placeholder="e.g. stripe" onChange={(e) => setProvider(e.target.value)} />
      </label>
      <label>
        Service (optional)
        <input value={service} onChange={(e) => setService(e.target.value)} />
      </label>
      <label>
        Auth type
        <select
          value={authType}
          onChange={(e) => {
            const t = e.target.value as KeyAuth;
            setAuthType(t);
            setRows(rowsFor(t));
          }}
        >
          {(Object.keys(AUTH_TYPE_LABELS) as KeyAuth[]).map((t) => (
            <option key={t} value={t}>
              {AUTH_TYPE_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      <CredentialRows rows={rows} onChange={setRows} required={REQUIRED_KEYS[authType]} idPrefix="new-conn" />
      <button type="submit">Create connection</button>
      <ErrorMessage error={create.error} />
      {created && (
        <p className="notice" role="status">
          Connection {created} created. Its values are stored encrypted and will not be shown again.
        </p>
      )}
    </form>
  );
}

function EditConnection({ connection, onDone }: { connection: Connection; onDone: () => Promise<unknown> }) {
  const { api } = useSession();
  const [displayName, setDisplayName] = useState(connection.display_name);
  const oauth = connection.auth_type === "oauth2";
  const authType = (oauth ? "custom" : connection.auth_type) as KeyAuth;
  const [replace, setReplace] = useState(false);
  const [rows, setRows] = useState<CredentialRow[]>(
    connection.credential_keys.length > 0 ? connection.credential_keys.map((key) => ({ key, value: "" })) : rowsFor(authType),
  );
  const save = useAction();
  return (
    <form
      className="stacked-form"
      aria-label={`Edit ${connection.display_name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        await save.run(async () => {
          await api.patchConnection(connection.id, {
            display_name: displayName.trim(),
            ...(replace ? { credentials: credentialsOf(rows) } : {}),
          });
          await onDone();
        });
      }}
    >
      <label>
        Display name
        <input required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      {oauth ? (
        <p className="muted">An OAuth connection gets its credentials from its provider: connect again to change them.</p>
      ) : (
        <label>
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Replace the credentials
          (every value must be given again)
        </label>
      )}
      {replace && <CredentialRows rows={rows} onChange={setRows} required={REQUIRED_KEYS[authType] ?? []} idPrefix={`edit-${connection.id}`} />}
      <button type="submit">Save changes</button>
      <ErrorMessage error={save.error} />
    </form>
  );
}

/** Starts an OAuth 2.0 authorization and sends the browser to the provider. */
function OAuthConnect() {
  const { api } = useSession();
  const [f, setF] = useState({ display_name: "", provider: "", authorization_url: "", token_url: "", client_id: "", client_secret: "", scopes: "" });
  const start = useAction();
  const field = (key: keyof typeof f, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} {...props} />
    </label>
  );
  return (
    <form
      className="stacked-form"
      aria-label="Connect with OAuth"
      onSubmit={async (e) => {
        e.preventDefault();
        await start.run(async () => {
          const r = await api.startOAuth({
            display_name: f.display_name.trim(),
            provider: f.provider.trim(),
            authorization_url: f.authorization_url.trim(),
            token_url: f.token_url.trim(),
            client_id: f.client_id.trim(),
            ...(f.client_secret ? { client_secret: f.client_secret } : {}),
            scopes: f.scopes.split(/[\s,]+/).filter(Boolean),
          });
          window.location.assign(r.authorize_url);
        });
      }}
    >
      <h2>Connect with OAuth</h2>
      {field("display_name", "Connection name", { required: true })}
      {field("provider", "OAuth provider", { required: true, placeholder: "e.g. google" })}
      {field("authorization_url", "Authorization URL", { required: true, type: "url" })}
      {field("token_url", "Token URL", { required: true, type: "url" })}
      {field("client_id", "Client ID", { required: true })}
      {field("client_secret", "Client secret (optional)", { type: "password", autoComplete: "off" })}
      {field("scopes", "Scopes (space separated)")}
      <button type="submit">Connect with OAuth</button>
      <ErrorMessage error={start.error} />
    </form>
  );
}
