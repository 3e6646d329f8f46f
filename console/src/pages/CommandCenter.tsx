/**
 * `/command-center`: what needs a human or is worth watching across the workspace's runs —
 * human tasks waiting (approve or reject, with an optional result object), runs in
 * progress, runs stopping gracefully (draining) and runs that failed in the last 24 hours.
 * Live: refreshed every 2 s while the tab is visible, and right after an approve or reject.
 */
import { useCallback, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { messageOf } from "../api/errors";
import type { JsonObject } from "../graph/types";
import type { PendingTask, Run, RunsPage } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { JsonView } from "../components/JsonView";
import { useAsync } from "../components/useAsync";
import { useLiveRefresh } from "../components/useLiveRefresh";
import { useSession } from "../session/SessionContext";

const REFRESH_MS = 2000;
/** How far back "failed recently" looks. */
const FAILED_WINDOW_MS = 24 * 60 * 60 * 1000;
/** One page of failed runs is shown; more than that is counted as "100+". */
const FAILED_LIMIT = 100;

const runPath = (r: { workflow_id: string; run_id: string }) =>
  `/workflow/${encodeURIComponent(r.workflow_id)}/runs/${encodeURIComponent(r.run_id)}`;

/** `refreshMs` is for tests; the screen refreshes every 2 s. */
export function CommandCenter({ refreshMs = REFRESH_MS }: { refreshMs?: number }) {
  const { api, scope, canEdit } = useSession();
  const deps = [api, scope.tenant, scope.project];
  const tasks = useAsync(() => api.pendingTasks(), deps);
  const running = useAsync(() => api.listRuns({ status: "running" }), deps);
  const draining = useAsync(() => api.listRuns({ status: "draining" }), deps);
  // `since` is computed on every load, so the 24-hour window moves with the refreshes.
  const failed = useAsync(
    () => api.listRuns({ status: "failed", since: new Date(Date.now() - FAILED_WINDOW_MS).toISOString(), limit: FAILED_LIMIT }),
    deps,
  );

  // Each `reload` is stable (useAsync), and keeps the shown data until the new answer lands.
  const refreshAll = useCallback(
    () => Promise.all([tasks.reload(), running.reload(), draining.reload(), failed.reload()]),
    [tasks.reload, running.reload, draining.reload, failed.reload],
  );
  useLiveRefresh(refreshAll, refreshMs);

  const pending = tasks.data ?? [];
  const failedCount = countOf(failed.data);

  return (
    <section className="page">
      <h1>Command Center</h1>
      <p className="counts" aria-live="polite">
        <span>{pending.length} awaiting approval</span> · <span>{countOf(running.data)} running now</span> ·{" "}
        <span>{countOf(draining.data)} stopping gracefully</span> · <span>{failedCount} failed in the last 24 h</span>
      </p>
      <h2>Awaiting approval</h2>
      <ErrorMessage error={tasks.error} />
      {tasks.loading && !tasks.data && <p role="status">Loading tasks…</p>}
      {tasks.data && pending.length === 0 && <p>Nothing is waiting for a human.</p>}
      <ul className="cards">
        {pending.map((t) => (
          <li key={`${t.run_id}/${t.task_id}`}>
            <TaskCard task={t} canAct={canEdit} onDone={() => void refreshAll()} />
          </li>
        ))}
      </ul>
      <RunSection title="Running now" runs={running} empty="No run is in progress." />
      <RunSection title="Stopping gracefully" runs={draining} empty="No run is stopping." detail={drainingDetail} />
      <RunSection title="Failed recently" runs={failed} empty="No run failed in the last 24 hours." detail={failureDetail} />
    </section>
  );
}

/** The number of runs a page holds; "100+" when there are more pages. */
function countOf(page: RunsPage | undefined): string {
  const n = page?.runs.length ?? 0;
  return page?.next_cursor ? `${n}+` : String(n);
}

const formatTime = (t?: string | null) => (t ? new Date(t).toLocaleString() : null);

function drainingDetail(r: Run): ReactNode {
  const started = formatTime(r.started_at);
  return started ? `started ${started}` : null;
}

/** The run list carries the failure code (the failed step and message are in the run view). */
function failureDetail(r: Run): ReactNode {
  const finished = formatTime(r.finished_at);
  return (
    <>
      {r.failure_code ? <code>{r.failure_code}</code> : "no failure code"}
      {finished && ` · failed ${finished}`}
    </>
  );
}

/** A titled list of runs, each linking to its run view, with an optional detail line. */
function RunSection({
  title,
  runs,
  empty,
  detail,
}: {
  title: string;
  runs: { data?: RunsPage; error: string | null };
  empty: string;
  detail?: (r: Run) => ReactNode;
}) {
  const list = runs.data?.runs ?? [];
  return (
    <>
      <h2>{title}</h2>
      <ErrorMessage error={runs.error} />
      {runs.data && list.length === 0 && <p>{empty}</p>}
      <ul aria-label={title}>
        {list.map((r) => {
          const more = detail?.(r);
          return (
            <li key={r.run_id}>
              <Link to={runPath(r)}>
                {r.workflow_name ?? r.workflow_id} — run {r.run_id}
              </Link>{" "}
              <span className="muted">
                {r.status}
                {more && <> · {more}</>}
              </span>
            </li>
          );
        })}
      </ul>
    </>
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
        <Link to={runPath(task)}>
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
