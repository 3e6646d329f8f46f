/**
 * `/workflow/:id/runs/:runId`: the run's graph coloured live by step status, its controls,
 * the event log and the run context. Events come from the REST log first, then the
 * WebSocket stream from the last sequence seen; incoming events are applied once per
 * animation frame so a fast run does not re-render per event.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { messageOf } from "../api/errors";
import { openRunStream } from "../api/stream";
import type { RunContext, RunEvent } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { JsonView } from "../components/JsonView";
import { importGraph } from "../graph/importGraph";
import { withAutoLayout } from "../graph/layout";
import type { WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";
import { Canvas } from "../studio/Canvas";
import { applyEvents, initialRunState, isTerminal, statusCounts, type RunState } from "./reducer";
import { statusesByNode } from "./stepKeys";
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
  const [context, setContext] = useState<RunContext | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;

  // Graph of the version this run executes (the draft may have moved on since).
  useEffect(() => {
    let active = true;
    (async () => {
      const [run, wf] = await Promise.all([api.getRun(id, runId), api.getWorkflow(id)]);
      // The version's snapshot (the versions list carries none); the draft only if it cannot be read.
      const version = await api.getVersion(id, run.version).catch(() => null);
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

  const loadContext = useCallback(async () => {
    try {
      setContext(await api.runContext(id, runId));
    } catch (e) {
      setActionError(`Loading the context failed: ${messageOf(e)}`);
    }
  }, [api, id, runId]);
  const terminal = isTerminal(state.status);
  useEffect(() => {
    if (terminal) void loadContext();
  }, [terminal, loadContext]);

  const decorations = useMemo(() => (graph ? { statuses: statusesByNode(graph, state.steps) } : {}), [graph, state.steps]);
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
          <Link to={`/workflow/${encodeURIComponent(id)}`}>{title || "Workflow"}</Link> · run {runId}
        </h1>
        <span className={`status-pill status-${state.status}`} aria-live="polite" data-testid="run-status">
          {state.status}
          {state.failureCode ? ` (${state.failureCode})` : ""}
        </span>
        <span className="muted">{live === "open" ? "live" : terminal ? "finished" : live}</span>
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
            Waiting for a human: {waiting.map(([sid]) => sid).join(", ")} — <Link to="/command-center">open Command Center</Link>
          </p>
        )}
      </div>
      <div className="studio-body">
        <div className="studio-main">
          {view === "timeline" ? (
            // Focusable: the chart scrolls (long runs, narrow windows) and keyboard users scroll it with the arrow keys.
            <section className="timeline" aria-labelledby="timeline-heading" tabIndex={0}>
              <h2 id="timeline-heading">Timeline</h2>
              <p className="muted tl-legend">
                Time from the run's start. A bar per attempt, hatched while waiting for a person; a diamond marks a skipped step; dashed lines mark pauses and stops.
              </p>
              <Timeline graph={graph} timeline={timeline} live={!terminal} />
            </section>
          ) : graph ? (
            <Canvas graph={graph} onChange={() => {}} decorations={decorations} selected={null} onSelect={() => {}} onError={() => {}} readOnly />
          ) : (
            <p role="status">Loading graph…</p>
          )}
        </div>
        <section className="studio-side" aria-label="Run details">
          <section aria-label="Context">
            <h2>Context</h2>
            <button type="button" onClick={() => void loadContext()}>Refresh context</button>
            {context && (
              <>
                <JsonView value={context.input} label="Run input" />
                {Object.entries(context.steps).map(([sid, s]) => (
                  <div key={sid} className="context-step">
                    <h3>{sid} <span className={`status-pill status-${s.skipped ? "skipped" : s.status}`}>{s.skipped ? `skipped: ${s.reason ?? ""}` : s.status}</span></h3>
                    {s.error !== undefined && <JsonView value={s.error} label={`Error of ${sid}`} />}
                    {s.result !== undefined && <JsonView value={s.result} label={`Result of ${sid}`} />}
                  </div>
                ))}
              </>
            )}
          </section>
          <section aria-label="Event log">
            <h2>Events</h2>
            <ol className="event-log">
              {log.slice(-200).map((e) => (
                <li key={e.seq}>
                  <span className="muted">#{e.seq}</span> {e.event_type}
                  {e.step_id ? ` · ${e.step_id}` : ""}
                  {typeof e.data?.reason === "string" ? ` (${e.data.reason})` : ""}
                </li>
              ))}
            </ol>
          </section>
        </section>
      </div>
    </section>
  );
}
