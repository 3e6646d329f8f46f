/**
 * Writing a {@link WorkflowGraph} back to JSON in one of the three shapes. `backend` is what
 * the console saves as the draft (steps for the engine, nodes for the editor); `steps` is the
 * portable engine-only form; `canvas` is nodes + edges, as other canvas tools exchange.
 */
import type { GraphDocument, Step, WorkflowGraph } from "./types";

export type ExportShape = "backend" | "steps" | "canvas";

/** The node type name used in canvas exports. */
export const CANVAS_NODE_TYPE = "stepNode";

export function exportGraph(graph: WorkflowGraph, shape: ExportShape = "backend"): GraphDocument {
  const doc: GraphDocument = structuredClone(graph.extra);
  if (shape !== "canvas") doc.steps = structuredClone(graph.steps);
  if (graph.input_schema) doc.input_schema = structuredClone(graph.input_schema);
  if (shape === "steps") return doc;

  if (shape === "backend") {
    const nodes = graph.steps
      .filter((s) => graph.layout[s.id])
      .map((s) => ({ id: s.id, ...structuredClone(graph.layout[s.id]) }));
    if (nodes.length > 0) doc.nodes = nodes;
    return doc;
  }

  doc.nodes = graph.steps.map((s) => {
    const layout = structuredClone(graph.layout[s.id] ?? {});
    const { depends_on: _deps, ...step } = structuredClone(s) as Step & { depends_on?: string[] };
    const data = { ...((layout.data as Record<string, unknown> | undefined) ?? {}), step };
    return { type: CANVAS_NODE_TYPE, position: { x: 0, y: 0 }, ...layout, id: s.id, data };
  });
  doc.edges = graph.steps.flatMap((s) =>
    (s.depends_on ?? []).map((dep) => ({ id: `${dep}->${s.id}`, source: dep, target: s.id })),
  );
  return doc;
}
