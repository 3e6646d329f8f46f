/**
 * Which canvas node an event's `step_id` belongs to: a top-level step id is its own node; an
 * inner loop step — as the server's events name it, `loop#body#inner` (docs/contract.md §7),
 * or as `loop/inner` or a bare inner id — maps to the namespaced node inside its loop box.
 */
import { nodeIdOf, type FlowDecorations, type StepRunBadge } from "../graph/flow";
import { bodyOf, type WorkflowGraph } from "../graph/types";
import type { StepRunState } from "./reducer";

export function nodeKeyResolver(graph: WorkflowGraph): (stepId: string) => string | undefined {
  const keys = new Map<string, string>();
  for (const s of graph.steps) {
    for (const inner of bodyOf(s)) {
      const key = nodeIdOf({ id: inner.id, parent: s.id });
      keys.set(key, key);
      keys.set(`${s.id}#body#${inner.id}`, key);
      if (!keys.has(inner.id)) keys.set(inner.id, key);
    }
  }
  // Top-level ids win over inner ids of the same name.
  for (const s of graph.steps) keys.set(s.id, s.id);
  return (stepId) => keys.get(stepId);
}

/** Node key → display status, for the canvas decorations. */
export function statusesByNode(graph: WorkflowGraph, steps: Record<string, StepRunState>): Map<string, string> {
  const resolve = nodeKeyResolver(graph);
  const out = new Map<string, string>();
  for (const [id, s] of Object.entries(steps)) {
    const key = resolve(id);
    if (key) out.set(key, s.status);
  }
  return out;
}

/** What a card's run line shows of a step's state. */
export function runBadge(s: StepRunState): StepRunBadge {
  const badge: StepRunBadge = { status: s.status, attempt: s.attempt, retried: s.attempt > 1 || s.retrying === true };
  if (s.startedAt && s.finishedAt) {
    const ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
    if (Number.isFinite(ms) && ms >= 0) badge.durationMs = ms;
  }
  if (s.status === "skipped") badge.skipReason = s.reason ?? "";
  if (s.itemCount !== undefined) badge.itemCount = s.itemCount;
  return badge;
}

/** The run view's canvas decorations: status colours and run lines, by node key. */
export function runDecorations(graph: WorkflowGraph, steps: Record<string, StepRunState>): FlowDecorations {
  const resolve = nodeKeyResolver(graph);
  const statuses = new Map<string, string>();
  const runs = new Map<string, StepRunBadge>();
  for (const [id, s] of Object.entries(steps)) {
    const key = resolve(id);
    if (!key) continue;
    statuses.set(key, s.status);
    runs.set(key, runBadge(s));
  }
  return { statuses, runs };
}
