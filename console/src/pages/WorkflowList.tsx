/**
 * `/workflow`: the project's workflows (search, create, archive) and the ways to start one:
 * from scratch, from a file, or from the starter gallery the server serves
 * (`GET /v1/starters`). An empty project leads with those ways; a workspace admin also sees
 * the getting-started checklist (pages/GettingStarted.tsx).
 */
import { lazy, Suspense, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router";
import { messageOf } from "../api/errors";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import type { GraphSource } from "../studio/NewFromGraph";
import { GettingStarted } from "./GettingStarted";
import { CreateBlank, WaysToStart } from "./WaysToStart";

// Reading a graph, the MCP mapping step and creating from them load only when used.
const NewFromGraph = lazy(() => import("../studio/NewFromGraph"));

export function WorkflowList() {
  const { api, scope, canEdit, me } = useSession();
  const navigate = useNavigate();
  const { data: workflows, error, loading, reload } = useAsync(() => api.listWorkflows(), [api, scope.tenant, scope.project]);
  const [query, setQuery] = useState("");
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);
  // A graph being turned into a workflow (a starter or a file), and why that failed.
  const [starting, setStarting] = useState<GraphSource | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const workspaceRole = me?.workspaces.find((w) => w.slug === scope.tenant)?.role;
  const isWorkspaceAdmin = workspaceRole === "owner" || workspaceRole === "admin";

  const active = useMemo(() => (workflows ?? []).filter((w) => w.status !== "archived"), [workflows]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return active.filter((w) => !q || w.name.toLowerCase().includes(q) || (w.description ?? "").toLowerCase().includes(q));
  }, [active, query]);
  const empty = workflows !== undefined && active.length === 0;
  const open = (id: string) => navigate(`/workflow/${encodeURIComponent(id)}`);
  const start = (source: GraphSource) => {
    setStartError(null);
    setStarting(source);
  };

  const ways = (scratch: boolean) =>
    canEdit ? <WaysToStart onStart={start} onCreated={open} busy={starting !== null} error={startError} scratch={scratch} /> : null;

  return (
    <section className="page">
      <div className="page-head">
        <h1>Workflows</h1>
      </div>
      {isWorkspaceAdmin && scope.tenant && <GettingStarted workspace={scope.tenant} />}
      <ErrorMessage error={error} />
      {loading && !workflows && <p role="status">Loading workflows…</p>}
      {empty ? (
        <>
          <p>
            No workflows in this project yet.{" "}
            {canEdit ? "Start from a starter below, from a file, or from scratch." : "Contributors of this project can create them."}
          </p>
          {ways(true)}
        </>
      ) : (
        workflows && (
          <>
            <div className="toolbar">
              <label>
                Search workflows
                <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
              </label>
              {canEdit && <CreateBlank onCreated={open} />}
            </div>
            {shown.length === 0 && <p>No workflow matches this search.</p>}
            {shown.length > 0 && (
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latest version</th>
                    <th scope="col">Updated</th>
                    {canEdit && <th scope="col"><span className="sr-only">Actions</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {shown.map((w) => (
                    <tr key={w.id}>
                      <td>
                        <Link to={`/workflow/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                        {w.description && <div className="muted">{w.description}</div>}
                      </td>
                      <td>{w.status}</td>
                      <td>{w.latest_version ?? "—"}</td>
                      <td>{w.updated_at ? new Date(w.updated_at).toLocaleString() : "—"}</td>
                      {canEdit && (
                        <td>
                          <button
                            type="button"
                            aria-label={`Archive ${w.name}`}
                            onClick={async () => {
                              if (!window.confirm(`Archive “${w.name}”? Its runs and versions are kept.`)) return;
                              try {
                                await api.archiveWorkflow(w.id);
                                setRowError(null);
                                await reload();
                              } catch (err) {
                                setRowError({ id: w.id, message: messageOf(err) });
                              }
                            }}
                          >
                            Archive
                          </button>
                          {rowError?.id === w.id && <ErrorMessage error={rowError.message} />}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {canEdit && (
              <details className="more-ways">
                <summary>Start from a file or a starter</summary>
                {ways(false)}
              </details>
            )}
          </>
        )
      )}
      {starting && (
        <Suspense fallback={<p role="status">Loading…</p>}>
          <NewFromGraph
            source={starting}
            onCreated={open}
            onCancel={() => setStarting(null)}
            onError={(m) => {
              setStarting(null);
              setStartError(m);
            }}
          />
        </Suspense>
      )}
    </section>
  );
}
