/** `/runs`: the project's runs, newest first, filtered by status, paged with a cursor. */
import { useState } from "react";
import type { Run, RunStatus } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { RunLink, runLabel } from "../runs/RunLink";
import { useSession } from "../session/SessionContext";

const STATUSES: RunStatus[] = ["queued", "running", "paused", "draining", "completed", "failed", "stopped"];

/** A run can reach two pages when new runs start while paging; show it once. */
function withoutRepeats(runs: Run[]): Run[] {
  const seen = new Set<string>();
  return runs.filter((r) => !seen.has(r.run_id) && seen.add(r.run_id));
}

const formatTime = (t?: string | null) => (t ? new Date(t).toLocaleString() : "—");

export function RunsList() {
  const { api, scope } = useSession();
  const [status, setStatus] = useState<RunStatus | "">("");
  const first = useAsync(() => api.listRuns(status ? { status } : {}), [api, scope.tenant, scope.project, status]);
  // Later pages, appended by "Load more", belong to one listing (scope and filter); a
  // different listing starts again from its first page.
  const listing = `${scope.tenant}/${scope.project}/${status}`;
  const [more, setMore] = useState<{ runs: Run[]; cursor: string | null; listing: string } | null>(null);
  const loadMore = useAction();
  const extra = more?.listing === listing ? more : null;
  const runs = withoutRepeats([...(first.data?.runs ?? []), ...(extra?.runs ?? [])]);
  const cursor = extra ? extra.cursor : (first.data?.next_cursor ?? null);

  return (
    <section className="page">
      <h1>Runs</h1>
      <div className="toolbar">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as RunStatus | "")}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={first.error} />
      {first.loading && !first.data && <p role="status">Loading runs…</p>}
      {first.data && runs.length === 0 && <p>{status ? `No ${status} runs.` : "No runs yet."}</p>}
      {runs.length > 0 && (
        <table className="list">
          <caption className="sr-only">Runs</caption>
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.run_id}>
                <td>
                  <RunLink run={r}>{runLabel(r)}</RunLink>
                  <div className="muted">run {r.run_id}</div>
                </td>
                <td>{r.workflow_id ? `v${r.version}` : "—"}</td>
                <td>
                  <span className={`status-pill status-${r.status}`}>{r.status}</span>
                  {r.failure_code && <div className="muted">{r.failure_code}</div>}
                </td>
                <td>{formatTime(r.started_at)}</td>
                <td>{formatTime(r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <>
          <button
            type="button"
            onClick={() =>
              loadMore.run(async () => {
                const page = await api.listRuns({ ...(status ? { status } : {}), cursor });
                setMore({ runs: [...(extra?.runs ?? []), ...page.runs], cursor: page.next_cursor ?? null, listing });
              })
            }
          >
            Load more
          </button>
          <ErrorMessage error={loadMore.error} />
        </>
      )}
    </section>
  );
}
