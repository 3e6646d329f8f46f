/**
 * Run state from the event stream (docs/contract.md §7): a pure reducer from events to the run's
 * status and each step's display status, so the run view can colour nodes live. Events are
 * applied in sequence order; a repeated or older sequence number is ignored, which makes a
 * replay after reconnecting harmless.
 */
import type { RunEvent, RunStatus } from "../api/types";

/** What a node shows: the step statuses of docs/contract.md §7, with a skip told apart from a completion. */
export type StepDisplayStatus = "pending" | "running" | "waiting" | "completed" | "skipped" | "failed" | "cancelled";

export interface StepRunState {
  status: StepDisplayStatus;
  attempt: number;
  /** Why the step was skipped or cancelled (`blocked`, `condition_false`, `rejected`, …). */
  reason?: string;
  error?: string;
  failureCode?: string;
  /** Set while a failed attempt will be retried. */
  retrying?: boolean;
  /** The pending human task while `waiting`. */
  taskId?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Items of a `for_each` (its `step_started` says how many). */
  itemCount?: number;
}

export interface RunState {
  status: RunStatus | "unknown";
  failureCode?: string;
  lastSeq: number;
  steps: Record<string, StepRunState>;
}

export const initialRunState: RunState = { status: "unknown", lastSeq: 0, steps: {} };

const TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "stopped"]);
export const isTerminal = (status: RunState["status"]): boolean => TERMINAL.has(status);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A readable error from an event's `error` field (a string or `{message}`). */
function errorText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { message?: unknown }).message === "string") {
    return (v as { message: string }).message;
  }
  return v === undefined || v === null ? undefined : JSON.stringify(v);
}

/**
 * Applies one event to a draft whose `steps` map is already a private copy (so a batch
 * copies the map once, not once per event: the run view must keep up with 1,000 events/s).
 */
function applyInto(draft: RunState, event: RunEvent): void {
  if (event.seq <= draft.lastSeq) return;
  draft.lastSeq = event.seq;
  const data = event.data ?? {};
  const stepId = event.step_id ?? undefined;
  const prev: StepRunState = (stepId && draft.steps[stepId]) || { status: "pending", attempt: 0 };
  const setStep = (s: StepRunState) => {
    if (stepId) draft.steps[stepId] = s;
  };

  switch (event.event_type) {
    case "run_started":
      draft.status = "running";
      break;
    case "state_changed": {
      const to = str(data.to);
      if (to) draft.status = to as RunStatus;
      break;
    }
    case "run_rejected":
      draft.status = "failed";
      draft.failureCode = str(data.failure_code) ?? str(data.code);
      break;
    case "run_completed":
      draft.status = "completed";
      break;
    case "run_failed":
      draft.status = "failed";
      draft.failureCode = str(data.failure_code) ?? draft.failureCode;
      break;
    case "run_stopped":
      draft.status = "stopped";
      break;
    case "step_started": {
      const attempt = typeof data.attempt === "number" ? data.attempt : prev.attempt + 1;
      const itemCount = typeof data.item_count === "number" ? data.item_count : undefined;
      setStep({ status: "running", attempt, startedAt: event.at, ...(itemCount !== undefined ? { itemCount } : {}) });
      break;
    }
    case "step_completed":
      setStep({
        ...prev,
        status: data.skipped === true ? "skipped" : "completed",
        reason: str(data.reason),
        retrying: undefined,
        taskId: undefined,
        finishedAt: event.at,
      });
      break;
    case "step_failed": {
      const willRetry = data.will_retry === true;
      setStep({
        ...prev,
        // A failed attempt that will be retried is still in progress, not a failure.
        status: willRetry ? "running" : "failed",
        attempt: typeof data.attempt === "number" ? data.attempt : prev.attempt,
        error: errorText(data.error),
        failureCode: str(data.failure_code),
        retrying: willRetry || undefined,
        finishedAt: willRetry ? undefined : event.at,
      });
      break;
    }
    case "step_cancelled":
      setStep({ ...prev, status: "cancelled", reason: str(data.reason), finishedAt: event.at });
      break;
    case "step_paused":
      setStep({ ...prev, status: "waiting", taskId: str(data.task_id) ?? stepId });
      break;
    case "task_completed":
      // The step stays waiting until its own step_completed; nothing to show differently.
      break;
    default:
      // Unknown event types are tolerated (the server may add more); only the cursor moves.
      break;
  }
}

/**
 * Applies a batch of events (e.g. one animation frame's worth) in sequence order. Returns
 * the same object when every event was already seen.
 */
export function applyEvents(state: RunState, events: RunEvent[]): RunState {
  const fresh = events.filter((e) => e.seq > state.lastSeq).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return state;
  const draft: RunState = { ...state, steps: { ...state.steps } };
  for (const e of fresh) applyInto(draft, e);
  return draft;
}

/** Applies one event. Returns the same object when the event was already seen. */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  return applyEvents(state, [event]);
}

/** Counts of steps per display status, for the run header. */
export function statusCounts(state: RunState): Partial<Record<StepDisplayStatus, number>> {
  const out: Partial<Record<StepDisplayStatus, number>> = {};
  for (const s of Object.values(state.steps)) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}
