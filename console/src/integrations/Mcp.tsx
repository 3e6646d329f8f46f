/**
 * `/mcp`: the operator's catalog, the project's registered servers (tools with their input
 * schemas, tool-list versions, validation), registering a custom server by URL (discover
 * first, then save), and instances with their config profiles.
 */
import { useState } from "react";
import type { McpServer, McpTool, McpValidation } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { JsonView } from "../components/JsonView";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { Instances } from "./McpInstances";

export default function Mcp() {
  const { api, scope, canEdit } = useSession();
  const deps = [api, scope.tenant, scope.project];
  const catalog = useAsync(() => api.mcpCatalog(), deps);
  const servers = useAsync(() => api.listMcpServers(), deps);
  const instances = useAsync(() => api.listMcpInstances(), deps);
  const reloadAll = async () => {
    await Promise.all([servers.reload(), instances.reload(), catalog.reload()]);
  };

  if (!scope.project) return <p className="page">Pick a project in the header bar first.</p>;
  return (
    <section className="page" aria-labelledby="mcp-heading">
      <h1 id="mcp-heading">MCP servers</h1>

      <section aria-labelledby="catalog-heading">
        <h2 id="catalog-heading">Platform catalog</h2>
        <ErrorMessage error={catalog.error} />
        {catalog.data && catalog.data.length === 0 && <p className="muted">The operator has configured no catalog servers.</p>}
        {catalog.data && catalog.data.length > 0 && (
          <table className="list">
            <caption className="sr-only">Platform catalog</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">URL</th>
                <th scope="col">Auth</th>
                {canEdit && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {catalog.data.map((c) => (
                <tr key={c.canonical_url}>
                  <td>{c.name}</td>
                  <td>{c.description ?? ""}</td>
                  <td>
                    <code>{c.canonical_url}</code>
                  </td>
                  <td>{c.auth_mode ?? "none"}</td>
                  {canEdit && (
                    <td>
                      <CreateInstanceButton label={c.name} create={() => api.createMcpInstance({ server_url: c.canonical_url })} onDone={reloadAll} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {canEdit && <RegisterServer onRegistered={reloadAll} />}

      <section aria-labelledby="servers-heading">
        <h2 id="servers-heading">Servers of this project</h2>
        <ErrorMessage error={servers.error} />
        {servers.data && servers.data.length === 0 && <p>No servers registered in this project yet.</p>}
        {servers.data?.map((s) => <ServerCard key={s.id} server={s} canEdit={canEdit} onChanged={reloadAll} />)}
      </section>

      <Instances instances={instances} servers={servers.data} onChanged={reloadAll} />
    </section>
  );
}

function CreateInstanceButton({ label, create, onDone }: { label: string; create: () => Promise<unknown>; onDone: () => Promise<unknown> }) {
  const action = useAction();
  return (
    <>
      <button type="button" aria-label={`Create instance of ${label}`} onClick={() => void action.run(async () => {
        await create();
        await onDone();
      })}>
        Create instance
      </button>
      <ErrorMessage error={action.error} />
    </>
  );
}

/** Tools with their descriptions; each input schema is a collapsible JSON view. */
function ToolList({ tools, label }: { tools: McpTool[]; label: string }) {
  if (tools.length === 0) return <p className="muted">No tools.</p>;
  return (
    <ul className="tools" aria-label={label}>
      {tools.map((t) => (
        <li key={t.name}>
          <details>
            <summary>
              <code>{t.name}</code>
              {t.description ? ` — ${t.description}` : ""}
            </summary>
            <JsonView value={t.input_schema ?? {}} label={`Input schema of ${t.name}`} />
          </details>
        </li>
      ))}
    </ul>
  );
}

/** Register a custom server: discover its tools first, show them, then save. */
function RegisterServer({ onRegistered }: { onRegistered: () => Promise<unknown> }) {
  const { api } = useSession();
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [authMode, setAuthMode] = useState("none");
  const [found, setFound] = useState<{ url: string; tools: McpTool[] } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const discover = useAction();
  const save = useAction();

  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">Register a custom server</h2>
      <form
        className="stacked-form"
        aria-label="Discover server"
        onSubmit={async (e) => {
          e.preventDefault();
          setFound(null);
          setSaved(null);
          await discover.run(async () => setFound(await api.discoverMcpServer(url.trim())));
        }}
      >
        <label>
          Server URL (Streamable HTTP)
          <input required type="url" value={url} placeholder="https://tools.example.com/mcp" onChange={(e) => {
            setUrl(e.target.value);
            setFound(null);
          }} />
        </label>
        <button type="submit">Discover tools</button>
        <ErrorMessage error={discover.error} />
      </form>
      {found && (
        <form
          className="stacked-form"
          aria-label="Save server"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await save.run(async () => {
              const s = await api.registerMcpServer({ url: found.url, ...(name.trim() ? { name: name.trim() } : {}), auth_mode: authMode });
              setSaved(s.name);
              await onRegistered();
            });
            if (ok) {
              setFound(null);
              setUrl("");
              setName("");
            }
          }}
        >
          <p role="status">
            {found.url} offers {found.tools.length} tool{found.tools.length === 1 ? "" : "s"}.
          </p>
          <ToolList tools={found.tools} label="Discovered tools" />
          <label>
            Server name (default: its host)
            <input value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Credentials a profile must give
            <select value={authMode} onChange={(e) => setAuthMode(e.target.value)}>
              <option value="none">None</option>
              <option value="token">A token</option>
              <option value="oauth">OAuth</option>
            </select>
          </label>
          <button type="submit">Register server</button>
          <ErrorMessage error={save.error} />
        </form>
      )}
      {saved && (
        <p className="notice" role="status">
          Server {saved} registered.
        </p>
      )}
    </section>
  );
}

function ValidationResult({ result }: { result: McpValidation }) {
  const issues = Array.isArray(result.schema_issues) ? result.schema_issues : [];
  return (
    <div role="status" aria-label="Validation result">
      <p className={result.ok ? "notice" : "error"}>
        {result.ok ? "Valid" : "Not valid"}: {result.reachable === false ? `unreachable (${String(result.error ?? "")})` : `reachable, ${String(result.tools ?? 0)} tools`}
        {issues.length > 0 ? `, ${issues.length} schema issue${issues.length === 1 ? "" : "s"}` : ", schemas valid"}
        {result.checked_at ? ` — checked ${new Date(result.checked_at).toLocaleString()}` : ""}
      </p>
      {(issues.length > 0 || result.smoke) && <JsonView value={{ schema_issues: issues, smoke: result.smoke ?? null }} label="Validation details" />}
    </div>
  );
}

function ServerCard({ server, canEdit, onChanged }: { server: McpServer; canEdit: boolean; onChanged: () => Promise<unknown> }) {
  const { api } = useSession();
  const [validation, setValidation] = useState<McpValidation | null>(server.validation ?? null);
  const [showVersions, setShowVersions] = useState(false);
  const versions = useAsync(() => (showVersions ? api.listMcpServerVersions(server.id) : Promise.resolve(undefined)), [api, server.id, showVersions, server.current_version]);
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const headingId = `server-${server.id}`;

  return (
    <article className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>{server.name}</h3>
      <p className="muted">
        <code>{server.canonical_url}</code> · {server.source === "custom" ? "custom" : "catalog"} · auth {server.auth_mode} · tool list version {server.current_version}
      </p>
      <ToolList tools={server.tools ?? []} label={`Tools of ${server.name}`} />
      <div className="actions wrap">
        <button type="button" aria-label={`Validate ${server.name}`} onClick={() => void action.run(async () => {
          setNote(null);
          setValidation(await api.validateMcpServer(server.id));
        })}>
          Validate
        </button>
        <button type="button" aria-expanded={showVersions} aria-label={`Versions of ${server.name}`} onClick={() => setShowVersions(!showVersions)}>
          Versions
        </button>
        {canEdit && (
          <>
            <button type="button" aria-label={`Rediscover ${server.name}`} onClick={() => void action.run(async () => {
              const r = await api.rediscoverMcpServer(server.id);
              setNote(r.changed ? `The tool list changed: version ${r.version}.` : "The tool list is unchanged.");
              await onChanged();
            })}>
              Rediscover
            </button>
            <CreateInstanceButton label={server.name} create={() => api.createMcpInstance({ server_id: server.id })} onDone={onChanged} />
            {server.source === "custom" && (
              <button type="button" className="danger" aria-label={`Delete ${server.name}`} onClick={() => {
                if (window.confirm(`Delete the server “${server.name}”?`)) void action.run(async () => {
                  await api.deleteMcpServer(server.id);
                  await onChanged();
                });
              }}>
                Delete
              </button>
            )}
          </>
        )}
      </div>
      <ErrorMessage error={action.error} />
      {note && <p className="notice" role="status">{note}</p>}
      {validation && <ValidationResult result={validation} />}
      {showVersions && (
        <div>
          <ErrorMessage error={versions.error} />
          {versions.data && (
            <ul aria-label={`Versions of ${server.name}`}>
              {versions.data.map((v) => (
                <li key={v.version}>
                  Version {v.version} ({new Date(v.created_at).toLocaleString()}): {v.tools.map((t) => t.name).join(", ")}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </article>
  );
}
