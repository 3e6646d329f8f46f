/** `/workflow`: the project's workflows; search, create, archive. */
import { useMemo, useState } from "react";
import { Link, useNavigate } from "react-router";
import { messageOf } from "../api/errors";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

export function WorkflowList() {
  const { api, scope, canEdit } = useSession();
  const navigate = useNavigate();
  const { data: workflows, error, loading, reload } = useAsync(() => api.listWorkflows(), [api, scope.tenant, scope.project]);
  const [query, setQuery] = useState("");
  const [newName, setNewName] = useState("");
  const [createError, setCreateError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (workflows ?? []).filter(
      (w) => w.status !== "archived" && (!q || w.name.toLowerCase().includes(q) || (w.description ?? "").toLowerCase().includes(q)),
    );
  }, [workflows, query]);

  return (
    <section className="page">
      <h1>Workflows</h1>
      <div className="toolbar">
        <label>
          Search workflows
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        {canEdit && (
          <form
            className="inline-form"
            aria-label="Create workflow"
            onSubmit={async (e) => {
              e.preventDefault();
              setCreateError(null);
              try {
                const wf = await api.createWorkflow({ name: newName.trim(), graph: { steps: [] } });
                navigate(`/workflow/${encodeURIComponent(wf.id)}`);
              } catch (err) {
                setCreateError(messageOf(err));
              }
            }}
          >
            <label>
              New workflow name
              <input required value={newName} onChange={(e) => setNewName(e.target.value)} />
            </label>
            <button type="submit">Create workflow</button>
            <ErrorMessage error={createError} />
          </form>
        )}
      </div>
      <ErrorMessage error={error} />
      {loading && !workflows && <p role="status">Loading workflows…</p>}
      {workflows && shown.length === 0 && <p>{query ? "No workflow matches this search." : "No workflows yet."}</p>}
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
    </section>
  );
}
