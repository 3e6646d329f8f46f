/**
 * Settings → Providers: the workspace's LLM provider keys (tenant admins only) and the
 * catalog of providers this server knows, with which of them have a workspace or system key.
 * A key goes in through a password field and is never shown again.
 */
import { useState } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

export function Providers({ isAdmin }: { isAdmin: boolean }) {
  if (!isAdmin) {
    return (
      <section aria-labelledby="providers-heading">
        <h2 id="providers-heading">LLM providers</h2>
        <p role="status">Only workspace admins can manage the workspace's LLM keys. Ask an admin or owner of this workspace.</p>
      </section>
    );
  }
  return <ProvidersAdmin />;
}

function ProvidersAdmin() {
  const { api, scope } = useSession();
  const keys = useAsync(() => api.listLlmKeys(), [api, scope.tenant]);
  const catalog = useAsync(() => api.llmCatalog(), [api, scope.tenant]);
  const [provider, setProvider] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [label, setLabel] = useState("");
  const add = useAction();
  const reloadBoth = async () => {
    await Promise.all([keys.reload(), catalog.reload()]);
  };
  const { act, errorOf } = useRowAction(reloadBoth);

  return (
    <section aria-labelledby="providers-heading">
      <h2 id="providers-heading">LLM providers</h2>
      <p className="muted">
        An <code>llm_call</code> step uses its own credential first, then the workspace key of its provider, then the
        server's system key.
      </p>
      <form
        className="stacked-form"
        aria-label="Add LLM key"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await add.run(async () => {
            await api.createLlmKey({ provider, api_key: apiKey, ...(label.trim() ? { label: label.trim() } : {}) });
            await reloadBoth();
          });
          if (ok) {
            setApiKey("");
            setLabel("");
          }
        }}
      >
        <label>
          Provider
          <select required value={provider} onChange={(e) => setProvider(e.target.value)}>
            <option value="">Choose a provider…</option>
            {(catalog.data ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          API key
          <input required type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        </label>
        <label>
          Label
          <input value={label} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <button type="submit">Add key</button>
        <ErrorMessage error={add.error ?? catalog.error} />
      </form>

      <h3>Workspace keys</h3>
      <ErrorMessage error={keys.error} />
      {keys.data && keys.data.length === 0 && <p>No workspace keys yet.</p>}
      {keys.data && keys.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Workspace LLM keys</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Label</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => {
              const name = k.label ? `${k.provider} (${k.label})` : k.provider;
              return (
                <tr key={k.id}>
                  <td>{k.provider}</td>
                  <td>{k.label ?? ""}</td>
                  <td>{k.created_at ? new Date(k.created_at).toLocaleString() : ""}</td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete key ${name}`}
                      onClick={() => {
                        if (window.confirm(`Delete the ${name} key? Steps fall back to the server's key, if any.`))
                          void act(k.id, () => api.deleteLlmKey(k.id));
                      }}
                    >
                      Delete
                    </button>
                    <ErrorMessage error={errorOf(k.id)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h3>Catalog</h3>
      {catalog.data && (
        <table className="list">
          <caption className="sr-only">Providers this server knows</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">API</th>
              <th scope="col">Needs a key</th>
              <th scope="col">Workspace key</th>
              <th scope="col">System key</th>
            </tr>
          </thead>
          <tbody>
            {catalog.data.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td>{p.flavor === "anthropic" ? "Anthropic" : "OpenAI-compatible"}</td>
                <td>{p.requires_api_key ? "yes" : "no"}</td>
                <td>{p.workspace_key ? "yes" : "no"}</td>
                <td>{p.system_key ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
