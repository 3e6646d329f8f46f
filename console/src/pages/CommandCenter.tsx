/**
 * `/command-center`: human tasks waiting across all runs of the workspace, with approve and
 * reject (and an optional result object), plus what is running now. Refreshed periodically.
 */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { messageOf } from "../api/errors";
import type { JsonObject } from "../graph/types";
import type { PendingTask } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { JsonView } from "../components/JsonView";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

const REFRESH_MS = 5000;

export function CommandCenter() {
  const { api, scope, canEdit } = useSession();
  const tasks = useAsync(() => api.pendingTasks(), [api, scope.tenant, scope.project]);
  const running = useAsync(() => api.listRuns({ status: "running" }), [api, scope.tenant, scope.project]);

  useEffect(() => {
    const t = setInterval(() => {
      void tasks.reload();
      void running.reload();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [tasks.reload, running.reload]);

  const pending = tasks.data ?? [];
  const runs = running.data?.runs ?? [];

  return (
    <section className="page">
      <h1>Command Center</h1>
      <p className="counts" aria-live="polite">
        <span>{pending.length} awaiting approval</span> · <span>{runs.length} running now</span>
      </p>
      <h2>Awaiting approval</h2>
      <ErrorMessage error={tasks.error} />
      {tasks.loading && !tasks.data && <p role="status">Loading tasks…</p>}
      {tasks.data && pending.length === 0 && <p>Nothing is waiting for a human.</p>}
      <ul className="cards">
        {pending.map((t) => (
          <li key={`${t.run_id}/${t.task_id}`}>
            <TaskCard task={t} canAct={canEdit} onDone={() => void tasks.reload()} />
          </li>
        ))}
      </ul>
      <h2>Running now</h2>
      <ErrorMessage error={running.error} />
      {running.data && runs.length === 0 && <p>No run is in progress.</p>}
      <ul>
        {runs.map((r) => (
          <li key={r.run_id}>
            <Link to={`/workflow/${encodeURIComponent(r.workflow_id)}/runs/${encodeURIComponent(r.run_id)}`}>
              {r.workflow_name ?? r.workflow_id} — run {r.run_id}
            </Link>{" "}
            <span className="muted">{r.status}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One pending task: its payload, an optional result object, approve / reject. */
function TaskCard({ task, canAct, onDone }: { task: PendingTask; canAct: boolean; onDone: () => void }) {
  const { api } = useSession();
  const [resultText, setResultText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const payload = task.task_payload as JsonObject | null;
  const title = payload && typeof payload.title === "string" ? payload.title : `${task.task_type} · ${task.step_id}`;
  const idBase = `task-${task.run_id}-${task.task_id}`.replace(/[^A-Za-z0-9_-]/g, "_");

  const complete = async (approved: boolean) => {
    let result: JsonObject | undefined;
    if (resultText.trim() !== "") {
      try {
        const parsed: unknown = JSON.parse(resultText);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        result = parsed as JsonObject;
      } catch {
        setError('The result must be a JSON object, e.g. {"note": "looks good"}.');
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      await api.completeTask(task.workflow_id, task.run_id, task.task_id, { approved, result });
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card" aria-labelledby={`${idBase}-title`}>
      <h3 id={`${idBase}-title`}>{title}</h3>
      <p className="muted">
        <Link to={`/workflow/${encodeURIComponent(task.workflow_id)}/runs/${encodeURIComponent(task.run_id)}`}>
          {task.workflow_name ?? task.workflow_id}
        </Link>{" "}
        · step {task.step_id} · since {new Date(task.created_at).toLocaleString()}
      </p>
      <JsonView value={task.task_payload} label="Task payload" />
      {canAct ? (
        <>
          <label>
            Result (optional JSON object)
            <textarea rows={3} value={resultText} onChange={(e) => setResultText(e.target.value)} />
          </label>
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void complete(true)} aria-label={`Approve ${title}`}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void complete(false)} aria-label={`Reject ${title}`}>
              Reject
            </button>
          </div>
        </>
      ) : (
        <p className="muted">Viewers cannot complete tasks.</p>
      )}
    </article>
  );
}
