/**
 * Conversion between a {@link WorkflowGraph} and @xyflow/react nodes and edges.
 *
 * Top-level steps are nodes; an edge source → target means target depends on source. A
 * `for_each`/`while` step is a group node whose body chain is drawn inside it as child nodes
 * (`parentId`), with its own edges. Node ids of inner steps are namespaced by their loop
 * (inner ids are only unique within their loop); every node carries its {@link StepRef}.
 */
import type { Edge, Node } from "@xyflow/react";
import { dependencyOrder, type StepRef } from "./ops";
import { bodyOf, isLoopStep, type Step, type WorkflowGraph, type XY } from "./types";

/** Size of a plain step node on the canvas. */
export const STEP_SIZE = { width: 200, height: 64 } as const;
/** Spacing inside a loop box: padding around the body, header height, gap between inner steps. */
export const LOOP_BOX = { padding: 20, header: 52, gap: 40, minBodyWidth: STEP_SIZE.width } as const;

/** What each canvas node carries. `status`/`issues` are filled by the Studio and the run view. */
export interface StepNodeData extends Record<string, unknown> {
  ref: StepRef;
  step: Step;
  /** Number of validation issues on this step (errors and warnings). */
  issueCount?: number;
  /** Worst severity among those issues. */
  issueSeverity?: "error" | "warning";
  /** Display status in the run view. */
  status?: string;
}

export type StepNode = Node<StepNodeData, "step" | "loop">;
export type StepEdge = Edge<{ source: StepRef; target: StepRef }>;

/** The node id of a step: its own id at the top level, `loop/inner` inside a loop. */
export const nodeIdOf = (ref: StepRef): string => (ref.parent === undefined ? ref.id : `${ref.parent}/${ref.id}`);

/** Canvas size of a step: a loop box grows with its body chain. */
export function sizeOf(step: Step): { width: number; height: number } {
  if (!isLoopStep(step)) return { ...STEP_SIZE };
  const n = bodyOf(step).length;
  const bodyWidth = n === 0 ? LOOP_BOX.minBodyWidth : n * STEP_SIZE.width + (n - 1) * LOOP_BOX.gap;
  return {
    width: bodyWidth + 2 * LOOP_BOX.padding,
    height: LOOP_BOX.header + STEP_SIZE.height + LOOP_BOX.padding,
  };
}

/** Position of the i-th inner step, relative to its loop box. */
export const bodyPosition = (i: number): XY => ({
  x: LOOP_BOX.padding + i * (STEP_SIZE.width + LOOP_BOX.gap),
  y: LOOP_BOX.header,
});

/** Where a step without a saved position goes: a simple grid, so nothing overlaps before auto-layout. */
const fallbackPosition = (index: number): XY => ({ x: (index % 6) * 280, y: Math.floor(index / 6) * 160 });

/** Per-step decorations the caller wants drawn (validation issues, run status). */
export interface FlowDecorations {
  issues?: Map<string, { count: number; severity: "error" | "warning" }>;
  statuses?: Map<string, string>;
}

/** The nodes and edges to draw for a graph. Parents come before their children, as xyflow requires. */
export function toFlow(graph: WorkflowGraph, deco: FlowDecorations = {}): { nodes: StepNode[]; edges: StepEdge[] } {
  const nodes: StepNode[] = [];
  const edges: StepEdge[] = [];
  const decorate = (data: StepNodeData): StepNodeData => {
    const key = nodeIdOf(data.ref);
    const issue = deco.issues?.get(key);
    const status = deco.statuses?.get(key);
    if (issue) {
      data.issueCount = issue.count;
      data.issueSeverity = issue.severity;
    }
    if (status) data.status = status;
    return data;
  };
  const topIds = new Set(graph.steps.map((s) => s.id));

  graph.steps.forEach((step, index) => {
    const ref: StepRef = { id: step.id };
    const size = sizeOf(step);
    const loop = isLoopStep(step);
    nodes.push({
      id: nodeIdOf(ref),
      type: loop ? "loop" : "step",
      position: graph.layout[step.id]?.position ?? fallbackPosition(index),
      data: decorate({ ref, step }),
      width: size.width,
      height: size.height,
      ariaLabel: `${step.type} step ${step.name ?? step.id}`,
    });
    for (const dep of step.depends_on ?? []) {
      if (!topIds.has(dep)) continue; // a dangling id is shown by validation, not as an edge to nowhere
      edges.push(edgeBetween({ id: dep }, ref));
    }
    if (!loop) return;
    const body = bodyOf(step);
    const innerIds = new Set(body.map((s) => s.id));
    dependencyOrder(body).forEach((inner, i) => {
      const innerRef: StepRef = { id: inner.id, parent: step.id };
      nodes.push({
        id: nodeIdOf(innerRef),
        type: "step",
        parentId: step.id,
        extent: "parent",
        // The chain is laid out by the box; dragging inside it would be lost on the next render.
        draggable: false,
        position: bodyPosition(i),
        data: decorate({ ref: innerRef, step: inner }),
        width: STEP_SIZE.width,
        height: STEP_SIZE.height,
        ariaLabel: `${inner.type} step ${inner.name ?? inner.id} inside ${step.name ?? step.id}`,
      });
      for (const dep of inner.depends_on ?? []) {
        if (innerIds.has(dep)) edges.push(edgeBetween({ id: dep, parent: step.id }, innerRef));
      }
    });
  });
  return { nodes, edges };
}

function edgeBetween(source: StepRef, target: StepRef): StepEdge {
  const s = nodeIdOf(source);
  const t = nodeIdOf(target);
  return { id: `${s}->${t}`, source: s, target: t, data: { source, target }, ariaLabel: `${target.id} runs after ${source.id}` };
}

/**
 * Rebuilds a graph from canvas nodes and edges: steps from node data (top-level node order,
 * bodies in their drawn order), `depends_on` from the edges, positions from top-level nodes.
 * Dependencies on ids that have no node in the same scope are kept (validation reports
 * them), so a canvas round trip never loses data. Input schema and extra keys come from `base`.
 */
export function fromFlow(nodes: StepNode[], edges: StepEdge[], base: WorkflowGraph): WorkflowGraph {
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const depsOf = new Map<string, string[]>();
  for (const e of edges) {
    const source = nodeById.get(e.source)?.data.ref;
    const target = nodeById.get(e.target)?.data.ref;
    if (!source || !target || source.parent !== target.parent) continue;
    const key = nodeIdOf(target);
    depsOf.set(key, [...(depsOf.get(key) ?? []), source.id]);
  }
  const idsInScope = new Map<string | undefined, Set<string>>();
  for (const n of nodes) {
    const scope = n.data.ref.parent;
    if (!idsInScope.has(scope)) idsInScope.set(scope, new Set());
    idsInScope.get(scope)?.add(n.data.ref.id);
  }
  const rebuild = (n: StepNode): Step => {
    const scopeIds = idsInScope.get(n.data.ref.parent) ?? new Set<string>();
    const kept = (n.data.step.depends_on ?? []).filter((d) => !scopeIds.has(d));
    const drawn = depsOf.get(n.id) ?? [];
    const step = { ...n.data.step };
    const depends_on = [...new Set([...drawn, ...kept])];
    if (depends_on.length > 0) step.depends_on = depends_on;
    else delete step.depends_on;
    return step;
  };

  const children = new Map<string, StepNode[]>();
  for (const n of nodes) {
    if (n.parentId) children.set(n.parentId, [...(children.get(n.parentId) ?? []), n]);
  }
  const layout = { ...base.layout };
  const steps: Step[] = [];
  for (const n of nodes) {
    if (n.parentId) continue;
    let step = rebuild(n);
    if (step.type === "for_each" || step.type === "while") {
      const body = (children.get(n.id) ?? []).slice().sort((a, b) => a.position.x - b.position.x).map(rebuild);
      step = step.type === "for_each" ? { ...step, for_each_body_steps: body } : { ...step, while_body_steps: body };
    }
    steps.push(step);
    layout[step.id] = { ...layout[step.id], position: { x: n.position.x, y: n.position.y } };
  }
  return { ...base, steps, layout };
}

/**
 * The loop box (top-level for_each/while) containing `point`, if any: where a palette drop
 * lands inside a loop body. `positionOf` gives each node's current top-left corner.
 */
export function loopAt(graph: WorkflowGraph, positionOf: (id: string) => XY | undefined, point: XY): string | undefined {
  for (const s of graph.steps) {
    if (!isLoopStep(s)) continue;
    const pos = positionOf(s.id);
    if (!pos) continue;
    const size = sizeOf(s);
    if (point.x >= pos.x && point.x <= pos.x + size.width && point.y >= pos.y && point.y <= pos.y + size.height) return s.id;
  }
  return undefined;
}

const sameData = (a: StepNodeData, b: StepNodeData): boolean =>
  a.step === b.step &&
  a.ref.id === b.ref.id &&
  a.ref.parent === b.ref.parent &&
  a.issueCount === b.issueCount &&
  a.issueSeverity === b.issueSeverity &&
  a.status === b.status;

/**
 * Keeps the previous node object wherever nothing visible changed, so React Flow and the
 * memoized node views re-render only the nodes that did change (a live run recolours a few
 * nodes per frame; rebuilding all 500 would not keep up). Previous objects also keep what
 * React Flow measured on them.
 */
export function reconcileNodes(prev: StepNode[], next: StepNode[]): StepNode[] {
  if (prev.length === 0) return next;
  const byId = new Map(prev.map((n) => [n.id, n]));
  let changed = prev.length !== next.length;
  const out = next.map((n, i) => {
    const old = byId.get(n.id);
    const same =
      old !== undefined &&
      old.type === n.type &&
      old.parentId === n.parentId &&
      old.width === n.width &&
      old.height === n.height &&
      Boolean(old.selected) === Boolean(n.selected) &&
      old.position.x === n.position.x &&
      old.position.y === n.position.y &&
      sameData(old.data, n.data);
    if (!same || prev[i] !== old) changed = true;
    return same ? old : n;
  });
  // Same objects in the same order: hand back the previous array so nothing re-renders.
  return changed ? out : prev;
}
