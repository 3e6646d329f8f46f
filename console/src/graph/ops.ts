/**
 * Edits of a {@link WorkflowGraph}, each returning a new graph (the old one is left as is,
 * so React state and undo stay simple). A step is addressed by a {@link StepRef}: its id and,
 * for a step inside a loop body, the id of the loop.
 */
import {
  bodyOf,
  BODY_STEP_TYPES,
  isLoopStep,
  type JsonObject,
  type Step,
  type StepType,
  type WorkflowGraph,
  type XY,
} from "./types";

/** Where a step lives: top level (`parent` unset) or inside the body of loop `parent`. */
export interface StepRef {
  id: string;
  parent?: string;
}

/** An edit the graph refuses, with words to show the user. */
export class GraphEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphEditError";
  }
}

const ID_PREFIX: Record<StepType, string> = {
  mcp_call: "mcp",
  llm_call: "llm",
  human_task: "approval",
  lua_script: "lua",
  for_each: "for-each",
  while: "while",
  agent_call: "agent",
};

/** Every id in use (top level and inside every body), since inner ids must not clash with top-level ones. */
export function allStepIds(graph: WorkflowGraph): Set<string> {
  const ids = new Set<string>();
  for (const s of graph.steps) {
    ids.add(s.id);
    for (const inner of bodyOf(s)) ids.add(inner.id);
  }
  return ids;
}

/** A fresh id for a new step of `type`: `lua-1`, `lua-2`, … */
export function newStepId(graph: WorkflowGraph, type: StepType): string {
  const used = allStepIds(graph);
  for (let n = 1; ; n++) {
    const id = `${ID_PREFIX[type]}-${n}`;
    if (!used.has(id)) return id;
  }
}

/** A new step of `type` with the fields its type requires filled with editable starting values. */
export function defaultStep(type: StepType, id: string): Step {
  const name = `New ${type.replace("_", " ")}`;
  switch (type) {
    case "mcp_call":
      return { id, type, name, tool_name: "", tool_args: {} };
    case "llm_call":
      return { id, type, name, model_ref: "", prompt: "" };
    case "human_task":
      return { id, type, name, task_type: "approval", task_payload: { title: "Review", description: "" } };
    case "lua_script":
      return { id, type, name, script: "return {}\n" };
    case "for_each":
      return { id, type, name, for_each_items: "", for_each_body_steps: [], for_each_max_parallel: 10 };
    case "while":
      return { id, type, name, while_mode: "until", while_max_iterations: 5, while_body_steps: [], while_condition: "" };
    case "agent_call":
      return { id, type, name, agent_id: "", prompt: "" };
  }
}

/** The steps of one scope: the top level, or the body of loop `parent`. */
export function scopeSteps(graph: WorkflowGraph, parent?: string): Step[] {
  if (parent === undefined) return graph.steps;
  const loop = graph.steps.find((s) => s.id === parent);
  if (!loop || !isLoopStep(loop)) throw new GraphEditError(`"${parent}" is not a loop step`);
  return bodyOf(loop);
}

/** Finds a step by reference, or undefined. */
export function findStep(graph: WorkflowGraph, ref: StepRef): Step | undefined {
  try {
    return scopeSteps(graph, ref.parent).find((s) => s.id === ref.id);
  } catch {
    return undefined;
  }
}

/** Replaces the steps of one scope, rebuilding only the path to it. */
function withScope(graph: WorkflowGraph, parent: string | undefined, f: (steps: Step[]) => Step[]): WorkflowGraph {
  if (parent === undefined) return { ...graph, steps: f(graph.steps) };
  return {
    ...graph,
    steps: graph.steps.map((s) => {
      if (s.id !== parent) return s;
      if (s.type === "for_each") return { ...s, for_each_body_steps: f(s.for_each_body_steps ?? []) };
      if (s.type === "while") return { ...s, while_body_steps: f(s.while_body_steps ?? []) };
      throw new GraphEditError(`"${parent}" is not a loop step`);
    }),
  };
}

/** Adds a new step of `type` (inside loop `parent` when given) and returns the graph and its id. */
export function addStep(
  graph: WorkflowGraph,
  type: StepType,
  opts: { parent?: string; position?: XY } = {},
): { graph: WorkflowGraph; id: string } {
  if (opts.parent !== undefined && !BODY_STEP_TYPES.includes(type)) {
    throw new GraphEditError(`A loop body can hold only ${BODY_STEP_TYPES.join(", ")} steps, not ${type}.`);
  }
  const id = newStepId(graph, type);
  const step = defaultStep(type, id);
  let next = withScope(graph, opts.parent, (steps) => {
    // A body is a chain: a new inner step runs after the current last one.
    const last = steps[steps.length - 1];
    const placed = opts.parent !== undefined && last ? { ...step, depends_on: [last.id] } : step;
    return [...steps, placed];
  });
  if (opts.parent === undefined && opts.position) next = moveStep(next, id, opts.position);
  return { graph: next, id };
}

/** Removes a step and every reference to it in `depends_on` of its scope. */
export function removeStep(graph: WorkflowGraph, ref: StepRef): WorkflowGraph {
  const next = withScope(graph, ref.parent, (steps) =>
    steps
      .filter((s) => s.id !== ref.id)
      .map((s) => withoutDependency(s, ref.id)),
  );
  if (ref.parent !== undefined || !(ref.id in next.layout)) return next;
  const { [ref.id]: _removed, ...layout } = next.layout;
  return { ...next, layout };
}

/** Replaces the fields of a step. Changing the id renames every reference in its scope. */
export function updateStep(graph: WorkflowGraph, ref: StepRef, step: Step): WorkflowGraph {
  if (step.id !== ref.id) {
    if (!step.id) throw new GraphEditError("A step needs an id.");
    if (allStepIds(graph).has(step.id)) throw new GraphEditError(`The id "${step.id}" is already used by another step.`);
  }
  let next = withScope(graph, ref.parent, (steps) =>
    steps.map((s) => {
      if (s.id === ref.id) return step;
      if (step.id !== ref.id && s.depends_on?.includes(ref.id)) {
        return { ...s, depends_on: s.depends_on.map((d) => (d === ref.id ? step.id : d)) };
      }
      return s;
    }),
  );
  if (ref.parent === undefined && step.id !== ref.id && next.layout[ref.id]) {
    const { [ref.id]: moved, ...rest } = next.layout;
    next = { ...next, layout: { ...rest, [step.id]: moved as JsonObject } };
  }
  return next;
}

/** Records the editor position of a top-level step. */
export function moveStep(graph: WorkflowGraph, id: string, position: XY): WorkflowGraph {
  return { ...graph, layout: { ...graph.layout, [id]: { ...graph.layout[id], position } } };
}

/** Ids of every step `id` transitively depends on within one scope (not including itself). */
export function ancestorsOf(steps: Step[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.depends_on ?? [])];
  // Iterative walk: a cyclic or very deep graph cannot overflow the stack.
  while (stack.length > 0) {
    const dep = stack.pop() as string;
    if (seen.has(dep)) continue;
    seen.add(dep);
    stack.push(...(byId.get(dep)?.depends_on ?? []));
  }
  seen.delete(id);
  return seen;
}

/**
 * Makes `target` depend on `source` (a canvas edge source → target). Both must be in the same
 * scope; an edge that would close a cycle is refused.
 */
export function connect(graph: WorkflowGraph, source: StepRef, target: StepRef): WorkflowGraph {
  if (source.parent !== target.parent) {
    throw new GraphEditError("Steps inside a loop can only be connected to steps of the same loop.");
  }
  if (source.id === target.id) throw new GraphEditError("A step cannot depend on itself.");
  const steps = scopeSteps(graph, source.parent);
  if (!steps.some((s) => s.id === source.id) || !steps.some((s) => s.id === target.id)) {
    throw new GraphEditError("Both ends of a connection must be steps of this graph.");
  }
  if (ancestorsOf(steps, source.id).has(target.id)) {
    throw new GraphEditError(`Connecting ${source.id} → ${target.id} would create a cycle: ${source.id} already runs after ${target.id}.`);
  }
  return withScope(graph, source.parent, (list) =>
    list.map((s) => {
      if (s.id !== target.id || s.depends_on?.includes(source.id)) return s;
      return { ...s, depends_on: [...(s.depends_on ?? []), source.id] };
    }),
  );
}

/** Removes the dependency of `target` on `source`. */
export function disconnect(graph: WorkflowGraph, source: StepRef, target: StepRef): WorkflowGraph {
  return withScope(graph, target.parent, (list) => list.map((s) => (s.id === target.id ? withoutDependency(s, source.id) : s)));
}

/** The step without `dep` in its `depends_on`; an emptied list is dropped, as the export omits it. */
function withoutDependency(step: Step, dep: string): Step {
  if (!step.depends_on?.includes(dep)) return step;
  const depends_on = step.depends_on.filter((d) => d !== dep);
  const { depends_on: _old, ...rest } = step;
  return (depends_on.length > 0 ? { ...rest, depends_on } : rest) as Step;
}

/**
 * The steps of a scope in an order where every step comes after what it depends on
 * (array order among independent steps). Dependencies outside the scope and cycles are
 * ignored, so this always returns every step once.
 */
export function dependencyOrder(steps: Step[]): Step[] {
  const ids = new Set(steps.map((s) => s.id));
  const placed = new Set<string>();
  const out: Step[] = [];
  let remaining = steps;
  while (remaining.length > 0) {
    const ready = remaining.filter((s) => (s.depends_on ?? []).every((d) => placed.has(d) || !ids.has(d) || d === s.id));
    // A cycle: take the first remaining step to make progress; validation reports the cycle.
    const batch = ready.length > 0 ? ready : remaining.slice(0, 1);
    for (const s of batch) {
      placed.add(s.id);
      out.push(s);
    }
    const taken = new Set(batch);
    remaining = remaining.filter((s) => !taken.has(s));
  }
  return out;
}
