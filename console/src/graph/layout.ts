/**
 * Auto-layout: a layered top-to-bottom drawing of the top-level DAG (dagre), using each
 * node's real size so loop boxes get the room their body chain needs. Top to bottom because
 * cards are wider than tall: a chain of them fits the canvas at a legible zoom far sooner
 * stacked than side by side.
 */
import dagre from "@dagrejs/dagre";
import { sizeOf } from "./flow";
import type { WorkflowGraph, XY } from "./types";

export interface LayoutOptions {
  /** Gap between layers (rows). */
  rankSep?: number;
  /** Gap between nodes in one layer. */
  nodeSep?: number;
}

/** Top-left positions for every top-level step. Dependencies on unknown ids are ignored. */
export function autoLayout(graph: WorkflowGraph, opts: LayoutOptions = {}): Record<string, XY> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", ranksep: opts.rankSep ?? 40, nodesep: opts.nodeSep ?? 48, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(graph.steps.map((s) => s.id));
  for (const s of graph.steps) g.setNode(s.id, sizeOf(s));
  for (const s of graph.steps) {
    for (const dep of s.depends_on ?? []) if (ids.has(dep) && dep !== s.id) g.setEdge(dep, s.id);
  }
  dagre.layout(g);
  const out: Record<string, XY> = {};
  for (const s of graph.steps) {
    const n = g.node(s.id);
    // dagre gives centres; xyflow positions are top-left corners.
    out[s.id] = { x: Math.round(n.x - n.width / 2), y: Math.round(n.y - n.height / 2) };
  }
  return out;
}

/** The graph with every top-level step placed by {@link autoLayout}. */
export function withAutoLayout(graph: WorkflowGraph, opts?: LayoutOptions): WorkflowGraph {
  const positions = autoLayout(graph, opts);
  const layout = { ...graph.layout };
  for (const [id, position] of Object.entries(positions)) layout[id] = { ...layout[id], position };
  return { ...graph, layout };
}
