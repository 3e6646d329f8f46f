/**
 * The run's Timeline: one row per step in graph order with its attempts as bars on a time
 * axis from the run's start, waits for a person drawn over them, skips as marks, loop rows
 * with their inner steps' bars, an agent step's tool rounds as sub-rows under it, and run-wide
 * markers (paused, resumed, stopping, the end).
 *
 * Bars are placed by CSS from their start and end in ms (`--s`, `--e`) against the axis
 * length (`--span`) set once on the chart; an open bar ends at `--now`. So while a run is
 * live, the one-second clock re-renders the chart's style and the axis only: every row is
 * memoized on its own spans and keeps its DOM, which keeps 500-step runs cheap.
 */
import { memo, useEffect, useMemo, useState, type CSSProperties } from "react";
import type { WorkflowGraph } from "../graph/types";
import {
  agentLimitLabel,
  agentRoundLabel,
  axisTicks,
  formatDuration,
  markLabel,
  runMarkText,
  spanLabel,
  timelineRows,
  type PointMark,
  type RunMarkKind,
  type Span,
  type StepTimeline,
  type Timeline as TimelineData,
  type TimelineRow,
} from "./timeline";

/** The status colour of each run marker. */
const RUN_MARK_STATUS: Record<RunMarkKind, string> = {
  paused: "paused",
  resumed: "running",
  draining: "draining",
  completed: "completed",
  failed: "failed",
  stopped: "stopped",
  rejected: "failed",
};

/** A style object carrying CSS custom properties (React sets `--x` keys as properties). */
const vars = (v: Record<string, number>) => v as CSSProperties;

/** The wall clock, ticking every second only while `running` (a finished run has a fixed axis). */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

export function Timeline({ graph, timeline, live }: { graph: WorkflowGraph | null; timeline: TimelineData; live: boolean }) {
  const now = useNow(live);
  const rows = useMemo(() => timelineRows(graph, timeline.steps), [graph, timeline.steps]);
  const t0 = timeline.start;
  if (t0 === undefined) return <p role="status">No events yet.</p>;

  // The axis ends at the run's end, or "now" while it runs (never before the last event:
  // the browser's clock may be behind the server's).
  const last = timeline.latest ?? t0;
  const axisEnd = timeline.end ?? (live ? Math.max(now, last) : last);
  const span = Math.max(axisEnd - t0, 1);

  return (
    <div className="tl-chart" style={vars({ "--span": span, "--now": axisEnd - t0 })}>
      <div className="tl-grid" aria-hidden="true">
        {axisTicks(span).map((t) => (
          <span key={t} className="tl-tick" style={vars({ "--s": t })}>
            {t === 0 ? "0" : formatDuration(t)}
          </span>
        ))}
      </div>
      <ol className="tl-run-marks" aria-label="Run events">
        {timeline.marks.map((m) => (
          // A mark in the last fifth of the chart writes its label to the left of its line, so it is not cut off.
          <li
            key={m.seq}
            className={`tl-run-mark status-${RUN_MARK_STATUS[m.kind]}${(m.at - t0) / span > 0.8 ? " tl-label-left" : ""}`}
            style={vars({ "--s": m.at - t0 })}
          >
            <span className="tl-run-mark-text">{runMarkText(m)}</span>
            <span className="sr-only"> at {formatDuration(m.at - t0)}</span>
          </li>
        ))}
      </ol>
      <ol className="tl-rows" aria-label="Steps">
        {rows.map((row) => (
          <Row key={row.id} row={row} t0={t0} />
        ))}
      </ol>
    </div>
  );
}

/** Rows re-render only when their own spans change (the clock moves bars through CSS). */
const Row = memo(function Row({ row, t0 }: { row: TimelineRow; t0: number }) {
  const own = row.own;
  const empty = !own?.spans.length && !own?.marks.length && row.inner.length === 0;
  const agents = [
    ...(own?.agent ? [{ name: row.id, agent: own.agent }] : []),
    ...row.inner.flatMap(({ id, timeline }) => (timeline.agent ? [{ name: `${row.id} › ${id}`, agent: timeline.agent }] : [])),
  ];
  return (
    <>
      <li className={`tl-row${row.inner.length ? " tl-loop" : ""}`} data-step-id={row.id}>
        <span className="tl-label" title={row.type ? `${row.id} (${row.type})` : row.id}>
          {row.id}
        </span>
        {empty ? (
          <span className="tl-track tl-none">not started</span>
        ) : (
          <ul className="tl-track" aria-label={`${row.id} over time`}>
            {own?.spans.map((s, i) => <Bar key={i} name={row.id} span={s} t0={t0} />)}
            {own?.marks.map((m, i) => <Mark key={`m${i}`} name={row.id} mark={m} t0={t0} />)}
            {row.inner.map(({ id, timeline }) => (
              <InnerBars key={id} name={`${row.id} › ${id}`} spans={timeline.spans} marks={timeline.marks} t0={t0} />
            ))}
          </ul>
        )}
      </li>
      {agents.map(({ name, agent }) => (
        <AgentRows key={name} name={name} agent={agent} t0={t0} />
      ))}
    </>
  );
}, sameRow);

/**
 * The sub-rows of an `agent_call` step (docs/agents.md "Events"): one per tool call of its
 * turn, marked ok or failed at the time its round was stored, and a marker when the turn
 * stopped at a limit (`max_turns`, `token_budget`) rather than with a final answer.
 */
function AgentRows({ name, agent, t0 }: { name: string; agent: NonNullable<StepTimeline["agent"]>; t0: number }) {
  return (
    <li className="tl-agent">
      <ol className="tl-agent-rows" aria-label={`Agent rounds of ${name}`}>
        {agent.rounds.map((r, i) => {
          const label = agentRoundLabel(name, r, t0);
          return (
            <li key={i} className="tl-row tl-agent-row">
              <span className="tl-label" title={label}>
                round {r.round} · {r.tool}
              </span>
              <span className="tl-track">
                <span className={`tl-mark tl-round status-${r.ok ? "completed" : "failed"}`} style={vars({ "--s": r.at - t0 })} title={label}>
                  <span className="sr-only">{label}</span>
                </span>
              </span>
            </li>
          );
        })}
        {agent.limit && (
          <li className="tl-row tl-agent-row tl-agent-limit">
            <span className="tl-label">limit: {agent.limit.reason}</span>
            <span className="tl-track">
              <span className="tl-limit status-stopped" style={vars({ "--s": agent.limit.at - t0 })} title={agentLimitLabel(name, agent.limit, t0)}>
                <span className="sr-only">{agentLimitLabel(name, agent.limit, t0)}</span>
              </span>
            </span>
          </li>
        )}
      </ol>
    </li>
  );
}

function sameRow(a: { row: TimelineRow; t0: number }, b: { row: TimelineRow; t0: number }): boolean {
  if (a.t0 !== b.t0 || a.row.own !== b.row.own || a.row.type !== b.row.type || a.row.inner.length !== b.row.inner.length) return false;
  return a.row.inner.every((x, i) => x.timeline === b.row.inner[i]?.timeline);
}

function InnerBars({ name, spans, marks, t0 }: { name: string; spans: Span[]; marks: PointMark[]; t0: number }) {
  return (
    <>
      {spans.map((s, i) => <Bar key={i} name={name} span={s} t0={t0} inner />)}
      {marks.map((m, i) => <Mark key={`m${i}`} name={name} mark={m} t0={t0} inner />)}
    </>
  );
}

function Bar({ name, span, t0, inner = false }: { name: string; span: Span; t0: number; inner?: boolean }) {
  const label = spanLabel(name, span, t0);
  const open = span.end === undefined;
  const style = open ? vars({ "--s": span.start - t0 }) : vars({ "--s": span.start - t0, "--e": span.end! - t0 });
  return (
    <li className={`tl-bar tl-${span.kind} status-${span.status}${inner ? " tl-inner" : ""}${open ? " tl-open" : ""}`} style={style} title={label}>
      <span className="sr-only">{label}</span>
    </li>
  );
}

function Mark({ name, mark, t0, inner = false }: { name: string; mark: PointMark; t0: number; inner?: boolean }) {
  const label = markLabel(name, mark, t0);
  const status = mark.kind === "reused" ? "completed" : mark.kind;
  return (
    <li className={`tl-mark status-${status}${inner ? " tl-inner" : ""}`} style={vars({ "--s": mark.at - t0 })} title={label}>
      <span className="sr-only">{label}</span>
    </li>
  );
}
