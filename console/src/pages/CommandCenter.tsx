/**
 * `/command-center`: what needs a human or is worth watching across the workspace's runs —
 * human tasks waiting (each a form: tasks/TaskForm.tsx), runs in progress, runs stopping
 * gracefully (draining) and runs that failed in the last 24 hours. Live: refreshed every
 * 2 s while the tab is visible, and right after an approve or reject. J / K move between
 * the task cards.
 */
import { useCallback, type KeyboardEvent, type ReactNode } from "react";
import type { Run, RunsPage } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useLiveRefresh } from "../components/useLiveRefresh";
import { RunLink, runLabel } from "../runs/RunLink";
import { useSession } from "../session/SessionContext";
import { TaskForm } from "../tasks/TaskForm";

const REFRESH_MS = 2000;
/** How far back "failed recently" looks. */
const FAILED_WINDOW_MS = 24 * 60 * 60 * 1000;
/** One page of failed runs is shown; more than that is counted as "100+". */
const FAILED_LIMIT = 100;


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
      {pending.length > 0 && (
        <p className="muted">
          <kbd>J</kbd> / <kbd>K</kbd> move to the next / previous task.
        </p>
      )}
      <ul className="cards" aria-label="Tasks awaiting approval" onKeyDown={moveBetweenCards}>
        {pending.map((t) => (
          <li key={`${t.run_id}/${t.task_id}`}>
            <TaskForm
              task={t}
              canAct={canEdit}
              onDone={() => void refreshAll()}
              meta={
                <p className="muted task-meta">
                  <RunLink run={t}>{runLabel(t)}</RunLink> · step {t.step_id} · since{" "}
                  {new Date(t.created_at).toLocaleString()}
                </p>
              }
            />
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
              <RunLink run={r}>
                {runLabel(r)} — run {r.run_id}
              </RunLink>{" "}
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

/** J / K: focus the next / previous task card (not while typing in a field). */
function moveBetweenCards(e: KeyboardEvent<HTMLUListElement>) {
  const key = e.key.toLowerCase();
  if ((key !== "j" && key !== "k") || e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target as HTMLElement;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const cards = [...e.currentTarget.querySelectorAll<HTMLElement>(".task-card")];
  const at = cards.findIndex((c) => c.contains(target));
  const next = cards[key === "j" ? at + 1 : at < 0 ? 0 : at - 1];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}
