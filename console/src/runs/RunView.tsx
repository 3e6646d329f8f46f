/**
 * `/workflow/:id/runs/:runId`: the run's graph coloured live by step status (each card with
 * its duration, attempt and badges), its controls, and a side panel: the run (its waiting
 * tasks as forms, its input) or, for the step picked on the canvas (`?step=` in the URL),
 * the step's input, result or error, attempts and timings (runs/Inspector.tsx). Events come
 * from the REST log first, then the WebSocket stream from the last sequence seen; incoming
 * events are applied once per animation frame so a fast run does not re-render per event.
 * The run context (inputs and results) is re-read when the picked step's state changes, so
 * the panel follows the run without a refresh button.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { messageOf } from "../api/errors";
import { openRunStream } from "../api/stream";
import type { PendingTask, RunContext, RunEvent } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { nodeIdOf } from "../graph/flow";
import { importGraph } from "../graph/importGraph";
import { withAutoLayout } from "../graph/layout";
import { findStep, type StepRef } from "../graph/ops";
import type { WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";
import { Canvas } from "../studio/Canvas";
import { Inspector, RunOverview } from "./Inspector";
import { applyEvents, initialRunState, isTerminal, statusCounts, type RunState } from "./reducer";
import { runDecorations } from "./stepKeys";
import { Timeline } from "./Timeline";
import { applyTimelineEvents, emptyTimeline, type Timeline as TimelineData } from "./timeline";

/** Events kept for the on-screen log (the full log stays on the server). */
const LOG_LIMIT = 500;
/** Pages of history read before going live (each up to 1,000 events). */
const MAX_HISTORY_PAGES = 200;

export default function RunView() {
  const { id = "", runId = "" } = useParams();
  const { api, canEdit, scope } = useSession();
  const [graph, setGraph] = useState<WorkflowGraph | null>(null);
  const [title, setTitle] = useState("");
  const [state, setState] = useState<RunState>(initialRunState);
  const [log, setLog] = useState<RunEvent[]>([]);
  // Folded from every event as it arrives, shown or not: the log above keeps only the last ones.
  const [timeline, setTimeline] = useState<TimelineData>(emptyTimeline);
  const [view, setView] = useState<"graph" | "timeline">("graph");
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [live, setLive] = useState<"connecting" | "open" | "closed">("connecting");
  const stateRef = useRef(state);
  stateRef.current = state;

  // Graph of the version this run executes (the draft may have moved on since).
  useEffect(() => {
    let active = true;
    (async () => {
      const [run, wf] = await Promise.all([api.getRun(id, runId), api.getWorkflow(id)]);
      // The version's snapshot (the versions list carries none); the draft only if it cannot be read.
      // (A run of no workflow version, such as a chat turn, has none.)
      const version =
        run.version === null ? null : await api.getVersion(id, run.version).catch(() => null);
      const snapshot = version?.graph_snapshot ?? wf.graph ?? { steps: [] };
      const g = importGraph(snapshot).graph;
      if (!active) return;
      setTitle(`${wf.name} · v${run.version}`);
      setGraph(g.steps.some((s) => !g.layout[s.id]?.position) ? withAutoLayout(g) : g);
    })().catch((e: unknown) => active && setError(messageOf(e)));
    return () => {
      active = false;
    };
  }, [api, id, runId]);

  // History, then the live stream; events are queued and applied once per frame.
  useEffect(() => {
    let stopped = false;
    let closeStream: (() => void) | undefined;
    let queue: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = queue;
      queue = [];
      setState((s) => applyEvents(s, batch));
      setTimeline((t) => applyTimelineEvents(t, batch));
      // A replayed event (history read twice, a reconnect) is listed once, like the reducers apply it once.
      setLog((l) => {
        const last = l[l.length - 1]?.seq ?? 0;
        const fresh = batch.filter((e) => e.seq > last);
        return fresh.length ? [...l, ...fresh].slice(-LOG_LIMIT) : l;
      });
    };
    const enqueue = (events: RunEvent[]) => {
      queue.push(...events);
      if (!frame) frame = requestAnimationFrame(flush);
    };
    (async () => {
      let after = 0;
      // Tracked here too, to know without waiting for a render whether the run is over.
      let seen = initialRunState;
      for (let page = 0; page < MAX_HISTORY_PAGES && !stopped; page++) {
        const r = await api.runEvents(id, runId, after, 1000);
        // Cleaned up while the page was loading (scope or run changed): the next effect reads
        // the history again, so these events must not be queued too.
        if (stopped) return;
        if (r.events.length === 0) break;
        enqueue(r.events);
        seen = applyEvents(seen, r.events);
        after = r.events[r.events.length - 1]?.seq ?? after;
        if (r.next_after_seq === null || r.next_after_seq === undefined) break;
        after = r.next_after_seq;
      }
      if (stopped) return;
      if (isTerminal(seen.status)) {
        setLive("closed"); // a finished run has nothing more to stream
        return;
      }
      closeStream = openRunStream(
        { workflowId: id, runId, afterSeq: after, tenant: scope.tenant ?? undefined, isFinished: () => isTerminal(stateRef.current.status) },
        { onEvent: (e) => enqueue([e]), onStatus: setLive },
      );
    })().catch((e: unknown) => !stopped && setError(messageOf(e)));
    return () => {
      stopped = true;
      closeStream?.();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [api, id, runId, scope.tenant]);

  // The picked step, as its node key (`loop/inner` inside a loop) in `?step=`, so a step's
  // details can be linked to and survive a reload.
  const [search, setSearch] = useSearchParams();
  const pickedKey = search.get("step");
  const picked: StepRef | null = useMemo(() => refOfKey(graph, pickedKey), [graph, pickedKey]);
  const pick = useCallback(
    (ref: StepRef | null) =>
      setSearch(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (ref) next.set("step", nodeIdOf(ref));
          else next.delete("step");
          return next;
        },
        { replace: true },
      ),
    [setSearch],
  );

  const terminal = isTerminal(state.status);
  // The step's live state: the event stream names inner steps by their own id or `loop/inner`.
  const pickedState = picked ? (state.steps[nodeIdOf(picked)] ?? state.steps[picked.id]) : undefined;
  const context = useRunContext(id, runId, [pickedKey, pickedState, terminal]);

  // The run's tasks waiting for a person, re-read whenever the set of waiting steps changes.
  const waitingKey = Object.entries(state.steps)
    .filter(([, s]) => s.status === "waiting")
    .map(([sid]) => sid)
    .sort()
    .join(",");
  const [tasks, setTasks] = useState<PendingTask[]>([]);
  const [taskError, setTaskError] = useState<string | null>(null);
  const loadTasks = useCallback(async () => {
    try {
      setTasks(waitingKey ? await api.pendingRunTasks(id, runId) : []);
      setTaskError(null);
    } catch (e) {
      setTaskError(`Loading the waiting tasks failed: ${messageOf(e)}`);
    }
  }, [api, id, runId, waitingKey]);
  useEffect(() => {
    void loadTasks();
  }, [loadTasks]);

  const decorations = useMemo(() => (graph ? runDecorations(graph, state.steps) : {}), [graph, state.steps]);
  const counts = statusCounts(state);
  const waiting = Object.entries(state.steps).filter(([, s]) => s.status === "waiting");

  const act = async (what: string, f: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await f();
    } catch (e) {
      setActionError(`${what} failed: ${messageOf(e)}`);
    }
  };

  if (error) return <section className="page"><ErrorMessage error={error} /></section>;

  return (
    <section className="run-view" aria-label={`Run ${runId}`}>
      <header className="studio-toolbar" aria-label="Run controls">
        <h1>
          {/* The run id's first characters tell runs apart; the whole id is in the tooltip and the address. */}
          <Link to={`/workflow/${encodeURIComponent(id)}`}>{title || "Workflow"}</Link> · <span title={runId}>run {runId.slice(0, 8)}</span>
        </h1>
        <span className={`status-pill status-${state.status}`} aria-live="polite" data-testid="run-status">
          {state.status}
          {state.failureCode ? ` (${state.failureCode})` : ""}
        </span>
        <span className="muted">{terminal ? "finished" : live === "open" ? "live" : live}</span>
        <div className="mode-switch" role="group" aria-label="Run view">
          <button type="button" aria-pressed={view === "graph"} onClick={() => setView("graph")}>
            Graph
          </button>
          <button type="button" aria-pressed={view === "timeline"} onClick={() => setView("timeline")}>
            Timeline
          </button>
        </div>
        {canEdit && !terminal && (
          <>
            {state.status === "paused" ? (
              <button type="button" onClick={() => void act("Resume", () => api.resumeRun(id, runId))}>Resume</button>
            ) : (
              <button type="button" onClick={() => void act("Pause", () => api.pauseRun(id, runId))}>Pause</button>
            )}
            <button type="button" onClick={() => void act("Stop", () => api.stopRun(id, runId, "graceful"))}>Stop gracefully</button>
            <button type="button" className="danger" onClick={() => void act("Stop", () => api.stopRun(id, runId, "immediate"))}>Stop now</button>
          </>
        )}
        {canEdit && state.status === "failed" && (
          <button type="button" onClick={() => void act("Retry", () => api.retryRun(id, runId))}>Retry from failure</button>
        )}
      </header>
      <div className="studio-messages">
        <ErrorMessage error={actionError} />
        <p className="counts">
          {Object.entries(counts).map(([k, n]) => (
            <span key={k} className={`count status-${k}`}>{n} {k}</span>
          ))}
        </p>
        {waiting.length > 0 && (
          <p className="notice" role="status">
            Waiting for a person: {waiting.map(([sid]) => sid).join(", ")} — answer in the panel, or{" "}
            <Link to="/command-center">open Command Center</Link>
          </p>
        )}
        <ErrorMessage error={taskError ?? context.error} />
      </div>
      <div className="studio-body">
        <div className="studio-main">
          {view === "timeline" ? (
            // Focusable: the chart scrolls (long runs, narrow windows) and keyboard users scroll it with the arrow keys.
            <section className="timeline" aria-labelledby="timeline-heading" tabIndex={0}>
              <h2 id="timeline-heading">Timeline</h2>
              <p className="muted tl-legend">
                Time from the run's start. A bar per attempt, hatched while waiting for a person; a diamond marks a skipped step; dashed lines mark pauses and stops. An agent step's tool calls are the small diamonds on the rows under it (red: the call failed).
              </p>
              <Timeline graph={graph} timeline={timeline} live={!terminal} />
            </section>
          ) : graph ? (
            <Canvas graph={graph} onChange={() => {}} decorations={decorations} selected={picked} onSelect={pick} onError={() => {}} readOnly />
          ) : (
            <p role="status">Loading graph…</p>
          )}
        </div>
        <section className="studio-side run-side" aria-label="Run details">
          {graph && picked && findStep(graph, picked) ? (
            <Inspector
              key={pickedKey}
              step={findStep(graph, picked) as NonNullable<ReturnType<typeof findStep>>}
              parent={picked.parent !== undefined ? findStep(graph, { id: picked.parent }) : undefined}
              state={pickedState}
              timeline={timeline.steps[nodeIdOf(picked)] ?? timeline.steps[picked.id]}
              detail={picked.parent === undefined ? context.data?.steps[picked.id] : undefined}
              runStart={timeline.start}
              task={tasks.find((t) => t.step_id === picked.id && picked.parent === undefined)}
              canAct={canEdit}
              onTaskDone={() => void loadTasks()}
              onClose={() => pick(null)}
              onShowStep={(sid) => pick({ id: sid })}
            />
          ) : (
            <RunOverview run={state} context={context.data} tasks={tasks} canAct={canEdit} onTaskDone={() => void loadTasks()} />
          )}
          <details className="events">
            <summary>Events ({log.length === LOG_LIMIT ? `last ${LOG_LIMIT}` : log.length})</summary>
            <ol className="event-log" aria-label="Event log">
              {log.slice(-200).map((e) => (
                <li key={e.seq}>
                  <span className="muted">#{e.seq}</span> {e.event_type}
                  {e.step_id ? ` · ${e.step_id}` : ""}
                  {typeof e.data?.reason === "string" ? ` (${e.data.reason})` : ""}
                </li>
              ))}
            </ol>
          </details>
        </section>
      </div>
    </section>
  );
}

/** The step a node key names (`id`, or `loop/inner` for a step in a loop body), if the graph has it. */
function refOfKey(graph: WorkflowGraph | null, key: string | null): StepRef | null {
  if (!graph || !key) return null;
  const slash = key.indexOf("/");
  const ref: StepRef = slash < 0 ? { id: key } : { id: key.slice(slash + 1), parent: key.slice(0, slash) };
  return findStep(graph, ref) ? ref : null;
}

/** Re-reads at most this often while a picked step keeps changing (a loop's items, a burst). */
const CONTEXT_MIN_INTERVAL_MS = 500;

/**
 * The run context, read now and again whenever one of `triggers` changes (by identity),
 * with reads coalesced: one in flight at a time, the next one after it at the earliest
 * {@link CONTEXT_MIN_INTERVAL_MS} later, so a fast run costs a read per half second, not
 * one per event.
 */
function useRunContext(id: string, runId: string, triggers: unknown[]): { data: RunContext | null; error: string | null } {
  const { api } = useSession();
  const [data, setData] = useState<RunContext | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<{ busy: boolean; again: boolean; timer: number }>({ busy: false, again: false, timer: 0 });

  const read = useCallback(async () => {
    const p = pending.current;
    if (p.busy || p.timer) {
      p.again = true;
      return;
    }
    p.busy = true;
    try {
      setData(await api.runContext(id, runId));
      setError(null);
    } catch (e) {
      setError(`Loading the run's inputs and results failed: ${messageOf(e)}`);
    } finally {
      p.busy = false;
      if (p.again) {
        p.again = false;
        p.timer = window.setTimeout(() => {
          p.timer = 0;
          void read();
        }, CONTEXT_MIN_INTERVAL_MS);
      }
    }
  }, [api, id, runId]);

  useEffect(() => {
    void read();
    // `triggers` are the caller's reasons to read again.
  }, [read, ...triggers]);
  useEffect(() => () => window.clearTimeout(pending.current.timer), []);
  return { data, error };
}
