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
import { directionOf, routeAround, type Box, type Direction, type Route, entryPoint, exitPoint } from "./routing";
import { bodyOf, isLoopStep, type Step, type WorkflowGraph, type XY } from "./types";

/**
 * Size of a plain step node on the canvas: room for four lines (type, name, the key field,
 * then the step id or, in a run, its status line), legible at the initial fit's zoom.
 */
export const STEP_SIZE = { width: 240, height: 84 } as const;
/** Spacing inside a loop box: padding around the body, header height, gap between inner steps (stacked downwards). */
export const LOOP_BOX = { padding: 16, header: 56, gap: 32 } as const;

/** What a step's card shows of its run: the run view fills it from the event stream. */
export interface StepRunBadge {
  status: string;
  /** The attempt number (1 for the first). */
  attempt: number;
  /** How long the last attempt took, once it ended. */
  durationMs?: number;
  /** An attempt failed and was retried. */
  retried: boolean;
  /** Why the step was skipped (`condition_false`, `rejected`, …). */
  skipReason?: string;
  /** Items of a `for_each`, once it started. */
  itemCount?: number;
}

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
  /** The run view's status line (duration, attempt, retry and skip badges). */
  run?: StepRunBadge;
  /** Which sides the handles go on (the graph's flow direction; inner steps always flow down). */
  direction?: Direction;
}

export type StepNode = Node<StepNodeData, "step" | "loop">;
export type StepEdge = Edge<{ source: StepRef; target: StepRef; route?: Route }>;

/** The node id of a step: its own id at the top level, `loop/inner` inside a loop. */
export const nodeIdOf = (ref: StepRef): string => (ref.parent === undefined ? ref.id : `${ref.parent}/${ref.id}`);

/** Canvas size of a step: a loop box grows with its body chain, stacked downwards. */
export function sizeOf(step: Step): { width: number; height: number } {
  if (!isLoopStep(step)) return { ...STEP_SIZE };
  const n = Math.max(1, bodyOf(step).length);
  return {
    width: STEP_SIZE.width + 2 * LOOP_BOX.padding,
    height: LOOP_BOX.header + n * STEP_SIZE.height + (n - 1) * LOOP_BOX.gap + LOOP_BOX.padding,
  };
}

/** Position of the i-th inner step, relative to its loop box. */
export const bodyPosition = (i: number): XY => ({
  x: LOOP_BOX.padding,
  y: LOOP_BOX.header + i * (STEP_SIZE.height + LOOP_BOX.gap),
});

/** Where a step without a saved position goes: a simple grid, so nothing overlaps before auto-layout. */
const fallbackPosition = (index: number): XY => ({ x: (index % 6) * 300, y: Math.floor(index / 6) * 160 });

/** Per-step decorations the caller wants drawn (validation issues, run status). */
export interface FlowDecorations {
  issues?: Map<string, { count: number; severity: "error" | "warning" }>;
  statuses?: Map<string, string>;
  /** The run view's per-step status lines, by node id. */
  runs?: Map<string, StepRunBadge>;
}

const positionOf = (graph: WorkflowGraph, step: Step, index: number): XY => graph.layout[step.id]?.position ?? fallbackPosition(index);

/** The graph's flow direction (see `directionOf`): saved left-to-right layouts keep side handles. */
export function graphDirection(graph: WorkflowGraph): Direction {
  const at = new Map(graph.steps.map((s) => [s.id, graph.layout[s.id]?.position]));
  const edges: { from: XY | undefined; to: XY | undefined }[] = [];
  for (const s of graph.steps) for (const dep of s.depends_on ?? []) if (at.has(dep)) edges.push({ from: at.get(dep), to: at.get(s.id) });
  return directionOf(edges);
}

/** The nodes and edges to draw for a graph. Parents come before their children, as xyflow requires. */
export function toFlow(graph: WorkflowGraph, deco: FlowDecorations = {}): { nodes: StepNode[]; edges: StepEdge[] } {
  const direction = graphDirection(graph);
  return { nodes: flowNodes(graph, deco, direction), edges: flowEdges(graph, routeEdges(graph, direction)) };
}

/** The nodes of a graph with their decorations. */
export function flowNodes(graph: WorkflowGraph, deco: FlowDecorations = {}, direction: Direction = graphDirection(graph)): StepNode[] {
  const nodes: StepNode[] = [];
  const decorate = (data: StepNodeData): StepNodeData => {
    const key = nodeIdOf(data.ref);
    const issue = deco.issues?.get(key);
    const status = deco.statuses?.get(key);
    const run = deco.runs?.get(key);
    if (issue) {
      data.issueCount = issue.count;
      data.issueSeverity = issue.severity;
    }
    if (status) data.status = status;
    if (run) data.run = run;
    return data;
  };

  graph.steps.forEach((step, index) => {
    const ref: StepRef = { id: step.id };
    const size = sizeOf(step);
    const loop = isLoopStep(step);
    nodes.push({
      id: nodeIdOf(ref),
      type: loop ? "loop" : "step",
      position: positionOf(graph, step, index),
      data: decorate({ ref, step, direction }),
      width: size.width,
      height: size.height,
      ariaLabel: `${step.type} step ${step.name ?? step.id}`,
    });
    if (!loop) return;
    dependencyOrder(bodyOf(step)).forEach((inner, i) => {
      const innerRef: StepRef = { id: inner.id, parent: step.id };
      nodes.push({
        id: nodeIdOf(innerRef),
        type: "step",
        parentId: step.id,
        extent: "parent",
        // The chain is laid out by the box; dragging inside it would be lost on the next render.
        draggable: false,
        position: bodyPosition(i),
        data: decorate({ ref: innerRef, step: inner, direction: "TB" }),
        width: STEP_SIZE.width,
        height: STEP_SIZE.height,
        ariaLabel: `${inner.type} step ${inner.name ?? inner.id} inside ${step.name ?? step.id}`,
      });
    });
  });
  return nodes;
}

/**
 * Routes of the top-level edges that would cross a card, by edge id (see graph/routing.ts).
 * Depends on the steps and their positions only, so callers memoize it per graph.
 */
export function routeEdges(graph: WorkflowGraph, direction: Direction = graphDirection(graph)): Map<string, Route> {
  const boxes = new Map<string, Box>();
  graph.steps.forEach((s, i) => boxes.set(s.id, { ...positionOf(graph, s, i), ...sizeOf(s) }));
  const cards = [...boxes.values()];
  const routes = new Map<string, Route>();
  for (const s of graph.steps) {
    const to = boxes.get(s.id);
    if (!to) continue;
    for (const dep of s.depends_on ?? []) {
      const from = boxes.get(dep);
      if (!from || dep === s.id) continue;
      const bends = routeAround(from, to, cards, direction);
      if (bends) routes.set(edgeId({ id: dep }, { id: s.id }), { from: exitPoint(from, direction), to: entryPoint(to, direction), bends });
    }
  }
  return routes;
}

/** The edges of a graph: each dependency to its dependant (inside loops too), with its route if it has one. */
export function flowEdges(graph: WorkflowGraph, routes: Map<string, Route> = new Map()): StepEdge[] {
  const edges: StepEdge[] = [];
  const topIds = new Set(graph.steps.map((s) => s.id));
  for (const step of graph.steps) {
    const ref: StepRef = { id: step.id };
    for (const dep of step.depends_on ?? []) {
      if (!topIds.has(dep)) continue; // a dangling id is shown by validation, not as an edge to nowhere
      const edge = edgeBetween({ id: dep }, ref);
      const route = routes.get(edge.id);
      if (route && edge.data) edge.data.route = route;
      edges.push(edge);
    }
    if (!isLoopStep(step)) continue;
    const body = bodyOf(step);
    const innerIds = new Set(body.map((s) => s.id));
    for (const inner of dependencyOrder(body)) {
      for (const dep of inner.depends_on ?? []) {
        if (innerIds.has(dep)) edges.push(edgeBetween({ id: dep, parent: step.id }, { id: inner.id, parent: step.id }));
      }
    }
  }
  return edges;
}

const edgeId = (source: StepRef, target: StepRef): string => `${nodeIdOf(source)}->${nodeIdOf(target)}`;

function edgeBetween(source: StepRef, target: StepRef): StepEdge {
  return {
    id: edgeId(source, target),
    type: "routed",
    source: nodeIdOf(source),
    target: nodeIdOf(target),
    data: { source, target },
    ariaLabel: `${target.id} runs after ${source.id}`,
  };
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
      // The body chain is stacked downwards in the box.
      const body = (children.get(n.id) ?? []).slice().sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x).map(rebuild);
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

const sameRun = (a: StepRunBadge | undefined, b: StepRunBadge | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.status === b.status &&
    a.attempt === b.attempt &&
    a.durationMs === b.durationMs &&
    a.retried === b.retried &&
    a.skipReason === b.skipReason &&
    a.itemCount === b.itemCount);

const sameData = (a: StepNodeData, b: StepNodeData): boolean =>
  a.step === b.step &&
  a.ref.id === b.ref.id &&
  a.ref.parent === b.ref.parent &&
  a.issueCount === b.issueCount &&
  a.issueSeverity === b.issueSeverity &&
  a.status === b.status &&
  a.direction === b.direction &&
  sameRun(a.run, b.run);

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

const sameRoute = (a: Route | undefined, b: Route | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.from.x === b.from.x &&
    a.from.y === b.from.y &&
    a.to.x === b.to.x &&
    a.to.y === b.to.y &&
    a.bends.length === b.bends.length &&
    a.bends.every((p, i) => p.x === b.bends[i]?.x && p.y === b.bends[i]?.y));

/**
 * Keeps the previous edge object wherever the edge is the same (ends, route, selection), so
 * a graph edit (the end of a drag) re-renders only the edges it moved, not all of them.
 * `selected` edges of `prev` stay selected.
 */
export function reconcileEdges(prev: StepEdge[], next: StepEdge[]): StepEdge[] {
  const byId = new Map(prev.map((e) => [e.id, e]));
  let changed = prev.length !== next.length;
  const out = next.map((e, i) => {
    const old = byId.get(e.id);
    if (old && old.source === e.source && old.target === e.target && sameRoute(old.data?.route, e.data?.route)) {
      if (prev[i] !== old) changed = true;
      return old;
    }
    changed = true;
    return old?.selected ? { ...e, selected: true } : e;
  });
  return changed ? out : prev;
}
