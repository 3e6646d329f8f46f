/**
 * Comparing two workflow graphs for the Studio's versions view: which steps were added,
 * removed or changed (keyed by step id; loop body steps as `loop/inner`, since inner ids are
 * only unique within their loop), whether the input schema changed, and a line diff of each
 * step's pretty-printed JSON for a side-by-side view.
 *
 * Only what a published version keeps is compared. Publishing stores the engine's canonical
 * form of the graph (`Graph::to_engine_value` in crates/model): steps and input schema, no
 * node positions, no other top-level keys, editor keys (`position`, `ui`) stripped from
 * steps, default values and nulls omitted. Both sides are read in that form here, so a draft
 * that was just published shows no difference from its version.
 */
import { bodyOf, isLoopStep, type Step, type WorkflowGraph } from "./types";

// --- line diff --------------------------------------------------------------------------

/**
 * One row of a side-by-side diff. `same`: the line is on both sides; `removed`: only on the
 * left; `added`: only on the right; `changed`: a left line replaced by a right line.
 */
export type DiffRow =
  | { kind: "same"; left: string; right: string }
  | { kind: "removed"; left: string }
  | { kind: "added"; right: string }
  | { kind: "changed"; left: string; right: string };

/**
 * Side-by-side rows from a longest-common-subsequence line diff. A run of removed lines
 * followed by a run of added lines is paired up row by row as `changed`, so an edited value
 * sits next to its old version instead of on separate rows.
 */
export function diffLines(left: string[], right: string[]): DiffRow[] {
  // lcs(i, j): length of the LCS of left[i..] and right[j..], in a flat table.
  const width = right.length + 1;
  const table = new Int32Array((left.length + 1) * width);
  const lcs = (i: number, j: number) => table[i * width + j] ?? 0;
  for (let i = left.length - 1; i >= 0; i--) {
    for (let j = right.length - 1; j >= 0; j--) {
      table[i * width + j] = left[i] === right[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
    }
  }
  const rows: DiffRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    removed.forEach((line, k) => {
      const replacement = added[k];
      rows.push(replacement === undefined ? { kind: "removed", left: line } : { kind: "changed", left: line, right: replacement });
    });
    for (const line of added.slice(removed.length)) rows.push({ kind: "added", right: line });
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  for (;;) {
    const l = left[i];
    const r = right[j];
    if (l === undefined && r === undefined) break;
    if (l !== undefined && l === r) {
      flush();
      rows.push({ kind: "same", left: l, right: l });
      i++;
      j++;
    } else if (l !== undefined && (r === undefined || lcs(i + 1, j) >= lcs(i, j + 1))) {
      removed.push(l);
      i++;
    } else if (r !== undefined) {
      added.push(r);
      j++;
    }
  }
  flush();
  return rows;
}

// --- canonical JSON -----------------------------------------------------------------------

/** Keys shown first in a step's JSON, in this order; the rest follow alphabetically. */
const LEADING_KEYS = ["id", "type", "name", "description", "depends_on"];

const keyOrder = (a: string, b: string): number => {
  const ia = LEADING_KEYS.indexOf(a);
  const ib = LEADING_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
};

/** A copy with object keys in a fixed order, so key order alone never reads as a change. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort(keyOrder)
        .map((k) => [k, canonical(obj[k])]),
    );
  }
  return value;
}

/** Pretty-printed JSON lines with keys in canonical order (`[]` for an absent value). */
export function jsonLines(value: unknown): string[] {
  return value === undefined ? [] : JSON.stringify(canonical(value), null, 2).split("\n");
}

// --- step diff ----------------------------------------------------------------------------

/** Keys a step carries for the editor only (docs/contract.md §2); not compared, not shown. */
const EDITOR_KEYS = ["position", "ui"];
const BODY_KEYS = ["for_each_body_steps", "while_body_steps"];
/** Step fields at their engine default, which the published form omits. */
const DEFAULTS: Record<string, unknown> = {
  enabled: true,
  retry_count: 0,
  no_auto_start: false,
  terminal: false,
  for_each_error_policy: "fail_fast",
  while_mode: "until",
};

const isDefault = (key: string, value: unknown) =>
  value === null || DEFAULTS[key] === value || (key === "depends_on" && Array.isArray(value) && value.length === 0);

/**
 * Every step of a graph by key (`id`, or `loop/inner` for a loop body step) with the JSON that
 * is compared: editor keys dropped, and a loop's body left out of the loop's own JSON because
 * its steps are compared one by one.
 */
export function stepsByKey(graph: WorkflowGraph): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const comparable = (step: Step, dropBody: boolean) => {
    const json: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(step)) {
      if (EDITOR_KEYS.includes(k) || isDefault(k, v)) continue;
      if (BODY_KEYS.includes(k) && (dropBody || (Array.isArray(v) && v.length === 0))) continue;
      json[k] = v;
    }
    return json;
  };
  for (const step of graph.steps) {
    // A step with a duplicate id keeps its first occurrence, as the canvas draws it.
    if (!out.has(step.id)) out.set(step.id, comparable(step, isLoopStep(step)));
    if (!isLoopStep(step)) continue;
    for (const inner of bodyOf(step)) {
      const key = `${step.id}/${inner.id}`;
      if (!out.has(key)) out.set(key, comparable(inner, false));
    }
  }
  return out;
}

export type StepChange = "added" | "removed" | "changed";

/** One step that differs, with its JSON lines on each side (empty on the side it is missing from). */
export interface StepDiff {
  key: string;
  change: StepChange;
  rows: DiffRow[];
}

export interface GraphDiff {
  /** Differing steps in order: the left graph's step order, then steps only on the right. */
  steps: StepDiff[];
  added: number;
  removed: number;
  changed: number;
  inputSchemaChanged: boolean;
  /** Line diff of the input schema (empty when it did not change). */
  inputSchemaRows: DiffRow[];
}

const sameLines = (a: string[], b: string[]) => a.length === b.length && a.every((line, i) => line === b[i]);

/** What changed from `left` to `right`, in the published form (layout ignored). */
export function diffGraphs(left: WorkflowGraph, right: WorkflowGraph): GraphDiff {
  const l = stepsByKey(left);
  const r = stepsByKey(right);
  const steps: StepDiff[] = [];
  for (const key of new Set([...l.keys(), ...r.keys()])) {
    const before = jsonLines(l.get(key));
    const after = jsonLines(r.get(key));
    if (sameLines(before, after)) continue;
    const change: StepChange = !l.has(key) ? "added" : !r.has(key) ? "removed" : "changed";
    steps.push({ key, change, rows: diffLines(before, after) });
  }
  const schemaBefore = jsonLines(left.input_schema);
  const schemaAfter = jsonLines(right.input_schema);
  const inputSchemaChanged = !sameLines(schemaBefore, schemaAfter);
  return {
    steps,
    added: steps.filter((s) => s.change === "added").length,
    removed: steps.filter((s) => s.change === "removed").length,
    changed: steps.filter((s) => s.change === "changed").length,
    inputSchemaChanged,
    inputSchemaRows: inputSchemaChanged ? diffLines(schemaBefore, schemaAfter) : [],
  };
}

/** "1 step added, 2 changed; input schema changed", or "No differences". */
export function summarize(diff: GraphDiff): string {
  const parts: string[] = [];
  if (diff.added) parts.push(`${diff.added} step${diff.added === 1 ? "" : "s"} added`);
  if (diff.removed) parts.push(`${diff.removed} step${diff.removed === 1 ? "" : "s"} removed`);
  if (diff.changed) parts.push(`${diff.changed} step${diff.changed === 1 ? "" : "s"} changed`);
  const steps = parts.length ? parts.join(", ") : "steps unchanged";
  if (!parts.length && !diff.inputSchemaChanged) return "No differences (node positions are not compared).";
  return diff.inputSchemaChanged ? `${steps}; input schema changed.` : `${steps}.`;
}
