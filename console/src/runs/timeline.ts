/**
 * The run's timeline from its events (docs/contract.md §7): per step, the time spans of its
 * attempts and of waiting for a person, point markers (skipped, reused), and run-level
 * markers (paused, resumed, draining, the end). A pure fold like `reducer.ts`, applied to the
 * same batches: it only touches the rows an event names, so a 500-step run costs per batch
 * what the batch holds, not the whole history again.
 *
 * Times are milliseconds since the epoch (the events' `at`); an open span has no `end` and
 * is drawn up to "now" (or the run's end).
 */
import type { RunEvent } from "../api/types";
import { nodeIdOf } from "../graph/flow";
import { bodyOf, type Step, type WorkflowGraph } from "../graph/types";
import type { StepDisplayStatus } from "./reducer";
import { nodeKeyResolver } from "./stepKeys";

export interface Span {
  kind: "attempt" | "waiting";
  start: number;
  /** Absent while the span is still running. */
  end?: number;
  status: StepDisplayStatus;
  /** Attempt number (1, 2, …) of an `attempt` span. */
  attempt?: number;
  /** Failure code or error text of a failed attempt, or the reason of a cancellation. */
  detail?: string;
}

/** Something that happened at one instant of a step: skipped (with its reason) or reused. */
export interface PointMark {
  at: number;
  kind: "skipped" | "reused" | "completed" | "cancelled";
  reason?: string;
}

/** One tool call of an `agent_call` step's turn (`agent_tool_round`, docs/agents.md "Events"). */
export interface AgentRound {
  at: number;
  round: number;
  tool: string;
  ok: boolean;
}

/** Why a turn stopped early: the limits of docs/agents.md ("One turn"), marked on the timeline. */
export type AgentLimit = "max_turns" | "token_budget";

export interface StepTimeline {
  /** In the order they happened; a retry is a further `attempt` span. */
  spans: Span[];
  marks: PointMark[];
  /** An `agent_call` step's tool rounds, in order, and the limit its turn hit, if any. */
  agent?: { rounds: AgentRound[]; limit?: { at: number; reason: AgentLimit } };
}

export type RunMarkKind = "paused" | "resumed" | "draining" | "completed" | "failed" | "stopped" | "rejected";

export interface RunMark {
  seq: number;
  at: number;
  kind: RunMarkKind;
  /** e.g. a failure code. */
  detail?: string;
}

export interface Timeline {
  lastSeq: number;
  /** When the run started (else its first event): the axis' zero. */
  start?: number;
  /** When the run reached a terminal status. */
  end?: number;
  /** The latest event time seen, so a live axis never ends before the last event. */
  latest?: number;
  /** Keyed by the events' `step_id` as sent (top-level id, inner id or `loop/inner`). */
  steps: Record<string, StepTimeline>;
  marks: RunMark[];
}

export const emptyTimeline: Timeline = { lastSeq: 0, steps: {}, marks: [] };

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Short text for a failed attempt: its failure code, else its error message. */
function failureDetail(data: Record<string, unknown>): string | undefined {
  const code = str(data.failure_code);
  if (code) return code;
  const e = data.error;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && typeof (e as { message?: unknown }).message === "string") return (e as { message: string }).message;
  return undefined;
}

/** The last span of `kind` still open, if any. */
function openSpanIndex(spans: Span[], kind: Span["kind"]): number {
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i];
    if (s?.kind === kind && s.end === undefined) return i;
  }
  return -1;
}

/** Closes the open span of `kind` (replacing the object: spans are shared with older states). */
function closeSpan(spans: Span[], kind: Span["kind"], at: number, status: StepDisplayStatus, detail?: string): boolean {
  const i = openSpanIndex(spans, kind);
  const s = spans[i];
  if (!s) return false;
  spans[i] = { ...s, end: Math.max(at, s.start), status, ...(detail !== undefined ? { detail } : {}) };
  return true;
}

/** Run-level marker of a `state_changed`; terminal states are marked by their run_* event. */
function stateMark(from: string | undefined, to: string | undefined): RunMarkKind | undefined {
  if (to === "paused") return "paused";
  if (to === "draining") return "draining";
  if (to === "running" && from === "paused") return "resumed";
  return undefined;
}

/** A batch's working copy: the steps map and every row touched are copied once per batch. */
class Draft {
  readonly tl: Timeline;
  private readonly copied = new Set<string>();
  constructor(prev: Timeline) {
    this.tl = { ...prev, steps: { ...prev.steps }, marks: prev.marks };
  }
  /** A private, mutable copy of a step's row (created on first use). */
  row(stepId: string): StepTimeline {
    const existing = this.tl.steps[stepId];
    if (existing && this.copied.has(stepId)) return existing;
    const row: StepTimeline = existing ? { spans: [...existing.spans], marks: [...existing.marks] } : { spans: [], marks: [] };
    if (existing?.agent) row.agent = { ...existing.agent, rounds: [...existing.agent.rounds] };
    this.tl.steps[stepId] = row;
    this.copied.add(stepId);
    return row;
  }
  mark(m: RunMark): void {
    if (!this.marksCopied) this.tl.marks = [...this.tl.marks];
    this.marksCopied = true;
    this.tl.marks.push(m);
  }
  private marksCopied = false;
}

function applyInto(d: Draft, e: RunEvent): void {
  const tl = d.tl;
  if (e.seq <= tl.lastSeq) return;
  tl.lastSeq = e.seq;
  const at = Date.parse(e.at);
  if (Number.isNaN(at)) return; // no time, nothing to place
  tl.start ??= at;
  tl.latest = Math.max(tl.latest ?? at, at);
  const data = (e.data ?? {}) as Record<string, unknown>;
  const stepId = e.step_id ?? undefined;

  switch (e.event_type) {
    case "run_started":
      tl.start = Math.min(tl.start, at);
      return;
    case "state_changed": {
      const kind = stateMark(str(data.from), str(data.to));
      if (kind) d.mark({ seq: e.seq, at, kind });
      return;
    }
    case "run_completed":
    case "run_failed":
    case "run_stopped":
    case "run_rejected": {
      const kind = e.event_type.slice(4) as RunMarkKind;
      tl.end = at;
      d.mark({ seq: e.seq, at, kind, detail: str(data.failure_code) ?? str(data.code) });
      return;
    }
  }
  if (!stepId) return;

  switch (e.event_type) {
    case "step_started": {
      const row = d.row(stepId);
      // A restart after a crash may start again without an end to the last attempt.
      closeSpan(row.spans, "attempt", at, "cancelled");
      const attempt = typeof data.attempt === "number" ? data.attempt : row.spans.filter((s) => s.kind === "attempt").length + 1;
      row.spans.push({ kind: "attempt", start: at, status: "running", attempt });
      return;
    }
    case "step_paused":
      d.row(stepId).spans.push({ kind: "waiting", start: at, status: "waiting" });
      return;
    case "task_completed": {
      const row = d.row(stepId);
      // A waiting span keeps the waiting colour; the person's answer is its detail.
      closeSpan(row.spans, "waiting", at, "waiting", data.approved === false ? "rejected" : "approved");
      return;
    }
    case "step_completed": {
      const row = d.row(stepId);
      closeSpan(row.spans, "waiting", at, "waiting");
      if (data.skipped === true) {
        closeSpan(row.spans, "attempt", at, "skipped");
        row.marks.push({ at, kind: "skipped", reason: str(data.reason) });
      } else if (!closeSpan(row.spans, "attempt", at, "completed")) {
        // Completed without a start: a step reused from an earlier run.
        row.marks.push({ at, kind: data.reused_from_run_id ? "reused" : "completed" });
      }
      return;
    }
    case "step_failed": {
      const row = d.row(stepId);
      closeSpan(row.spans, "waiting", at, "waiting");
      // Every failed attempt is drawn as failed, also when a retry follows.
      if (!closeSpan(row.spans, "attempt", at, "failed", failureDetail(data))) {
        row.spans.push({ kind: "attempt", start: at, end: at, status: "failed", attempt: typeof data.attempt === "number" ? data.attempt : undefined, detail: failureDetail(data) });
      }
      return;
    }
    case "step_cancelled": {
      const row = d.row(stepId);
      closeSpan(row.spans, "waiting", at, "waiting");
      if (!closeSpan(row.spans, "attempt", at, "cancelled", str(data.reason))) row.marks.push({ at, kind: "cancelled", reason: str(data.reason) });
      return;
    }
    case "agent_tool_round": {
      const row = d.row(stepId);
      row.agent ??= { rounds: [] };
      row.agent.rounds.push({ at, round: typeof data.round === "number" ? data.round : row.agent.rounds.length + 1, tool: str(data.tool) ?? "?", ok: data.ok === true });
      return;
    }
    case "agent_turn_completed": {
      const reason = str(data.stopped_reason);
      if (reason !== "max_turns" && reason !== "token_budget") return;
      const row = d.row(stepId);
      row.agent = { rounds: row.agent?.rounds ?? [], limit: { at, reason } };
      return;
    }
    default:
      return; // other or future event types place nothing
  }
}

/**
 * Applies a batch of events in sequence order. Returns the same object when every event was
 * already seen; otherwise rows the batch does not name keep their identity (for memoized rows).
 */
export function applyTimelineEvents(tl: Timeline, events: RunEvent[]): Timeline {
  const fresh = events.filter((e) => e.seq > tl.lastSeq).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return tl;
  const d = new Draft(tl);
  for (const e of fresh) applyInto(d, e);
  return d.tl;
}

// ---------------------------------------------------------------------------------------
// Rows in graph order, the time axis and the texts read out for each bar.

/** One row of the drawing: a top-level step and, for a loop, the spans of its inner steps. */
export interface TimelineRow {
  id: string;
  type?: string;
  own?: StepTimeline;
  /** Inner loop steps that sent events ("loop segments"), in body order. */
  inner: { id: string; timeline: StepTimeline }[];
}

const NO_INNER: TimelineRow["inner"] = [];

/**
 * Top-level steps in dependency order (a step after the steps it depends on; otherwise the
 * order of the graph), so the bars read as a cascade from top left to bottom right.
 */
export function stepOrder(graph: WorkflowGraph): Step[] {
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  const placed = new Set<string>();
  const out: Step[] = [];
  const visiting = new Set<string>();
  const place = (s: Step) => {
    if (placed.has(s.id) || visiting.has(s.id)) return; // a cycle is the validator's concern
    visiting.add(s.id);
    for (const dep of s.depends_on ?? []) {
      const d = byId.get(dep);
      if (d) place(d);
    }
    visiting.delete(s.id);
    placed.add(s.id);
    out.push(s);
  };
  for (const s of graph.steps) place(s);
  return out;
}

/**
 * One row per top-level step in graph order; events of inner loop steps (sent with the inner
 * id or `loop/inner`) go into their loop's row; step ids the graph does not know get rows of
 * their own at the end.
 */
export function timelineRows(graph: WorkflowGraph | null, steps: Record<string, StepTimeline>): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const byId = new Map<string, TimelineRow>();
  const innerOf = new Map<string, { parent: string; inner: string }>();
  if (graph) {
    for (const s of stepOrder(graph)) {
      const row: TimelineRow = { id: s.id, type: s.type, own: steps[s.id], inner: NO_INNER };
      rows.push(row);
      byId.set(s.id, row);
      for (const inner of bodyOf(s)) innerOf.set(nodeIdOf({ id: inner.id, parent: s.id }), { parent: s.id, inner: inner.id });
    }
  }
  const resolve = graph ? nodeKeyResolver(graph) : () => undefined;
  const innerSpans = new Map<string, TimelineRow["inner"]>();
  for (const [stepId, timeline] of Object.entries(steps)) {
    if (byId.has(stepId)) continue;
    const key = resolve(stepId);
    const loc = key === undefined ? undefined : innerOf.get(key);
    if (loc) {
      const list = innerSpans.get(loc.parent) ?? [];
      list.push({ id: loc.inner, timeline });
      innerSpans.set(loc.parent, list);
    } else {
      rows.push({ id: stepId, own: timeline, inner: NO_INNER });
    }
  }
  for (const [parent, list] of innerSpans) {
    const row = byId.get(parent);
    const body = graph?.steps.find((s) => s.id === parent);
    const order = body ? bodyOf(body).map((s) => s.id) : [];
    if (row) row.inner = list.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }
  return rows;
}

/** Tick intervals the axis may use, in milliseconds. */
const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
  1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Tick positions (ms from the start) for an axis `span` ms long: at most `max` + 1 ticks. */
export function axisTicks(span: number, max = 8): number[] {
  const step = TICK_STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / 86_400_000) * 86_400_000;
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(t);
  return out;
}

/** "340 ms", "1.2 s", "12 s", "2 min 5 s", "1 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(1).replace(/\.0$/, "")} s`;
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  const totalS = Math.round(ms / 1_000);
  if (totalS < 3_600) {
    const m = Math.floor(totalS / 60);
    const s = totalS % 60;
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  const totalM = Math.round(totalS / 60);
  const h = Math.floor(totalM / 60);
  const m = totalM % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** What a bar says, e.g. "fetch: attempt 2, 1.2 s, failed (LUA_ERROR)"; `t0` is the run's start. */
export function spanLabel(name: string, span: Span, t0: number): string {
  const detail = span.detail ? ` (${span.detail})` : "";
  if (span.kind === "waiting") {
    return span.end === undefined
      ? `${name}: waiting for a person since ${formatDuration(span.start - t0)}`
      : `${name}: waited for a person ${formatDuration(span.end - span.start)}${span.detail ? `, ${span.detail}` : ""}`;
  }
  const attempt = span.attempt !== undefined ? `attempt ${span.attempt}` : "attempt";
  return span.end === undefined
    ? `${name}: ${attempt}, started at ${formatDuration(span.start - t0)}, running`
    : `${name}: ${attempt}, ${formatDuration(span.end - span.start)}, ${span.status}${detail}`;
}

/** What a point mark says, e.g. "b: skipped at 1.2 s (condition_false)". */
export function markLabel(name: string, mark: PointMark, t0: number): string {
  return `${name}: ${mark.kind} at ${formatDuration(mark.at - t0)}${mark.reason ? ` (${mark.reason})` : ""}`;
}

/** What an agent round's mark says, e.g. "triage: round 2, search, failed at 1.2 s". */
export function agentRoundLabel(name: string, round: AgentRound, t0: number): string {
  return `${name}: round ${round.round}, ${round.tool}, ${round.ok ? "ok" : "failed"} at ${formatDuration(round.at - t0)}`;
}

const LIMIT_TEXT: Record<AgentLimit, string> = { max_turns: "stopped at its turn limit (max_turns)", token_budget: "stopped at its token budget (token_budget)" };

/** What the limit marker says, e.g. "triage: stopped at its turn limit (max_turns) at 3 s". */
export function agentLimitLabel(name: string, limit: { at: number; reason: AgentLimit }, t0: number): string {
  return `${name}: ${LIMIT_TEXT[limit.reason]} at ${formatDuration(limit.at - t0)}`;
}

const RUN_MARK_TEXT: Record<RunMarkKind, string> = {
  paused: "paused",
  resumed: "resumed",
  draining: "stopping gracefully",
  completed: "completed",
  failed: "failed",
  stopped: "stopped",
  rejected: "rejected",
};

/** The short text of a run marker, e.g. "paused" or "failed (LUA_ERROR)". */
export function runMarkText(mark: RunMark): string {
  return `${RUN_MARK_TEXT[mark.kind]}${mark.detail ? ` (${mark.detail})` : ""}`;
}
