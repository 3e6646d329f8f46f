/**
 * Reading a graph document in any of the three accepted shapes (docs/contract.md §2) into one
 * {@link WorkflowGraph}:
 * - steps-only `{steps, input_schema?}`;
 * - canvas `{nodes: [{id, position, data: {step}}], edges: [{source, target}]}`, where an edge
 *   source → target means target depends on source;
 * - backend: both; `steps` wins and node positions are kept for the editor.
 *
 * Like the server, reading keeps whatever it can and reports the rest as problems, so a
 * half-broken graph still opens in the editor. Only a document that is not a graph at all
 * throws {@link GraphImportError}.
 */
import { isLoopType, type JsonObject, type NodeLayout, type Step, type WorkflowGraph } from "./types";

/** A document that cannot be read as a graph. */
export class GraphImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphImportError";
  }
}

/** Something dropped or not understood while reading; shown to the user after an import. */
export interface ImportProblem {
  path: string;
  message: string;
}

export interface ImportResult {
  graph: WorkflowGraph;
  shape: "steps" | "canvas" | "backend";
  problems: ImportProblem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

/** Parses JSON text and reads it; JSON syntax errors become {@link GraphImportError}. */
export function importGraphText(text: string): ImportResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new GraphImportError(`The text is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return importGraph(doc);
}

/** Reads a parsed graph document in any accepted shape. */
export function importGraph(doc: unknown): ImportResult {
  if (!isObject(doc)) {
    throw new GraphImportError(`A graph must be a JSON object with "steps" (or canvas "nodes"); found ${typeName(doc)}.`);
  }
  const { steps, nodes, edges } = doc;
  if (steps === undefined && nodes === undefined) {
    throw new GraphImportError('The graph has neither "steps" nor "nodes": nothing to run.');
  }
  if (steps !== undefined && !Array.isArray(steps)) throw new GraphImportError(`"steps" must be an array; found ${typeName(steps)}.`);
  if (nodes !== undefined && !Array.isArray(nodes)) throw new GraphImportError(`"nodes" must be an array; found ${typeName(nodes)}.`);

  const problems: ImportProblem[] = [];
  const layout: Record<string, NodeLayout> = {};
  let stepObjects: Record<string, unknown>[];
  let shape: ImportResult["shape"];

  if (Array.isArray(steps)) {
    shape = Array.isArray(nodes) ? "backend" : "steps";
    stepObjects = [];
    steps.forEach((s, i) => {
      if (isObject(s)) stepObjects.push(structuredClone(s));
      else problems.push({ path: `$.steps[${i}]`, message: `a step must be an object; found ${typeName(s)} (dropped)` });
    });
    for (const node of Array.isArray(nodes) ? nodes : []) {
      const entry = nodeLayout(node);
      if (entry) layout[entry.stepId] = entry.layout;
    }
  } else {
    shape = "canvas";
    stepObjects = canvasSteps(nodes as unknown[], edges, layout, problems);
  }

  const graph: WorkflowGraph = {
    steps: stepObjects.map((s) => s as unknown as Step),
    layout,
    extra: {},
  };
  if (isObject(doc.input_schema)) graph.input_schema = structuredClone(doc.input_schema) as JsonObject;
  else if (doc.input_schema !== undefined && doc.input_schema !== null) {
    problems.push({ path: "$.input_schema", message: `the input schema must be an object; found ${typeName(doc.input_schema)} (dropped)` });
  }
  for (const [k, v] of Object.entries(doc)) {
    // Edges become `depends_on` (canvas) or are stale copies of it (backend): steps are the truth.
    if (!["steps", "nodes", "edges", "input_schema"].includes(k)) graph.extra[k] = structuredClone(v);
  }
  checkStepIds(graph.steps, problems);
  return { graph, shape, problems };
}

/** The step id a canvas node stands for and its editor data, or null for a non-node. */
function nodeLayout(node: unknown): { nodeId: string; stepId: string; layout: NodeLayout } | null {
  if (!isObject(node) || typeof node.id !== "string") return null;
  const layout: NodeLayout = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "id") continue;
    if (k === "data" && isObject(v)) {
      const rest = Object.fromEntries(Object.entries(v).filter(([dk]) => dk !== "step"));
      if (Object.keys(rest).length > 0) layout.data = structuredClone(rest);
      continue;
    }
    layout[k] = structuredClone(v);
  }
  const step = isObject(node.data) && isObject(node.data.step) ? node.data.step : undefined;
  const stepId = step && typeof step.id === "string" ? step.id : node.id;
  return { nodeId: node.id, stepId, layout };
}

/** Canvas nodes to step objects, with edges turned into `depends_on`. */
function canvasSteps(
  nodes: unknown[],
  edges: unknown,
  layout: Record<string, NodeLayout>,
  problems: ImportProblem[],
): Record<string, unknown>[] {
  const steps: Record<string, unknown>[] = [];
  const stepIdOfNode = new Map<string, string>();
  nodes.forEach((node, i) => {
    const step = isObject(node) && isObject(node.data) && isObject(node.data.step) ? node.data.step : undefined;
    if (!step) {
      problems.push({ path: `$.nodes[${i}]`, message: "canvas node has no data.step object (dropped)" });
      return;
    }
    const copy = structuredClone(step);
    const entry = nodeLayout(node);
    if (typeof copy.id !== "string" && entry) copy.id = entry.nodeId;
    if (entry) {
      stepIdOfNode.set(entry.nodeId, String(copy.id));
      layout[String(copy.id)] = entry.layout;
    }
    steps.push(copy);
  });
  if (edges === undefined) return steps;
  if (!Array.isArray(edges)) {
    problems.push({ path: "$.edges", message: `"edges" must be an array; found ${typeName(edges)} (ignored)` });
    return steps;
  }
  const byId = new Map<string, Record<string, unknown>>();
  for (const s of steps) if (typeof s.id === "string" && !byId.has(s.id)) byId.set(s.id, s);
  edges.forEach((edge, i) => {
    const source = isObject(edge) && typeof edge.source === "string" ? edge.source : undefined;
    const target = isObject(edge) && typeof edge.target === "string" ? edge.target : undefined;
    if (!source || !target) {
      problems.push({ path: `$.edges[${i}]`, message: "an edge needs string source and target node ids (ignored)" });
      return;
    }
    const from = stepIdOfNode.get(source) ?? source;
    const to = stepIdOfNode.get(target) ?? target;
    const step = byId.get(to);
    if (!step) {
      problems.push({ path: `$.edges[${i}]`, message: `edge target "${to}" is not a node of this graph (ignored)` });
      return;
    }
    const deps = step.depends_on === undefined ? (step.depends_on = []) : step.depends_on;
    if (!Array.isArray(deps)) {
      problems.push({ path: `$.edges[${i}]`, message: `edge ${from} → ${to} cannot be added: the step's depends_on is not an array` });
      return;
    }
    if (!deps.includes(from)) deps.push(from);
  });
  return steps;
}

/** Reports steps without a string id and duplicate ids (the editor needs ids to draw nodes). */
function checkStepIds(steps: Step[], problems: ImportProblem[]): void {
  const seen = new Set<string>();
  steps.forEach((s, i) => {
    if (typeof s.id !== "string" || s.id === "") {
      problems.push({ path: `$.steps[${i}]`, message: "a step has no id; give it one before validating" });
      return;
    }
    if (seen.has(s.id)) problems.push({ path: `$.steps[${i}]`, message: `the step id "${s.id}" is used twice` });
    seen.add(s.id);
    if (isLoopType(s.type)) {
      const key = s.type === "for_each" ? "for_each_body_steps" : "while_body_steps";
      const body = (s as unknown as Record<string, unknown>)[key];
      if (body !== undefined && !Array.isArray(body)) {
        problems.push({ path: `$.steps[${i}].${key}`, message: `${key} must be an array of steps` });
      }
    }
  });
}
