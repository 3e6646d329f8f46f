/**
 * Template autocomplete (docs/contract.md §3): what a `{{ … }}` expression in a step may refer to.
 * `input.*` comes from the input schema; `steps.<id>.result.*` is offered only for real
 * ancestors (steps the edited step transitively depends on), with the fields known from
 * the ancestor's type; loop scopes (`item`, `body.*`, `while.*`) only inside loops.
 */
import { ancestorsOf, dependencyOrder, type StepRef } from "./ops";
import { bodyOf, type JsonValue, type Step, type WorkflowGraph } from "./types";

/** One suggestion: the full path to insert and what it is. */
export interface TemplateSuggestion {
  path: string;
  detail: string;
}

/** Result fields every step of a type is known to produce (docs/contract.md §2, §5, §6). */
const KNOWN_RESULT_FIELDS: Partial<Record<Step["type"], string[]>> = {
  llm_call: ["model", "text", "tokens_in", "tokens_out", "latency_ms"],
  human_task: ["approved"],
  for_each: ["count", "max_parallel", "succeeded_count", "failed_count", "results"],
  while: ["iteration_count", "max_iterations", "stopped_reason", "last", "iterations"],
};

/** How deep into nested `properties` of the input schema suggestions go. */
const MAX_SCHEMA_DEPTH = 4;

/**
 * The open template expression at `pos` in `text`, if the cursor is inside `{{ … }}`: the
 * path typed so far (after the last `|`) and where it starts. Null outside templates or
 * inside a quoted literal.
 */
export function templateContextAt(text: string, pos: number): { from: number; path: string } | null {
  const before = text.slice(0, pos);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.indexOf("}}", open) >= 0) return null;
  const expr = before.slice(open + 2);
  if ((expr.match(/"/g) ?? []).length % 2 === 1) return null; // typing a "literal" default
  const segment = expr.slice(expr.lastIndexOf("|") + 1);
  const m = /[A-Za-z0-9_.\-]*$/.exec(segment);
  const path = m ? m[0] : "";
  // Anything but whitespace between the pipe/brace and the path means we are not at a path.
  if (segment.slice(0, segment.length - path.length).trim() !== "") return null;
  return { from: pos - path.length, path };
}

/** Paths under `input.` described by the input schema's `properties` (nested objects included). */
export function inputPaths(schema: JsonValue | undefined): TemplateSuggestion[] {
  const out: TemplateSuggestion[] = [];
  // Iterative walk with an explicit depth bound: a hostile schema cannot recurse forever.
  const stack: { node: JsonValue | undefined; prefix: string; depth: number }[] = [{ node: schema, prefix: "input", depth: 0 }];
  while (stack.length > 0) {
    const { node, prefix, depth } = stack.pop() as (typeof stack)[number];
    const props = isObj(node) && isObj(node.properties) ? node.properties : undefined;
    if (!props || depth >= MAX_SCHEMA_DEPTH) continue;
    const entries = Object.entries(props);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [name, sub] = entries[i] as [string, JsonValue];
      const path = `${prefix}.${name}`;
      const type = isObj(sub) && typeof sub.type === "string" ? sub.type : "value";
      const described = isObj(sub) && typeof sub.description === "string" ? ` — ${sub.description}` : "";
      out.push({ path, detail: `run input (${type})${described}` });
      stack.push({ node: sub, prefix: path, depth: depth + 1 });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Keys of the table a Lua script returns last (`return { a = …, b = … }`), best effort. */
export function luaReturnKeys(script: string): string[] {
  const start = script.lastIndexOf("return");
  if (start < 0) return [];
  const brace = script.indexOf("{", start);
  if (brace < 0 || script.slice(start + 6, brace).trim() !== "") return [];
  const keys: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  for (let i = brace; i < script.length; i++) {
    const c = script[i] as string;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") {
      depth--;
      if (depth === 0) break;
    } else if (depth === 1 && /[A-Za-z_]/.test(c) && !/[A-Za-z0-9_.]/.test(script[i - 1] ?? "")) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(script.slice(i));
      if (m?.[1]) keys.push(m[1]);
      const word = /^[A-Za-z0-9_]*/.exec(script.slice(i));
      i += (word?.[0].length ?? 1) - 1;
    }
  }
  return [...new Set(keys)];
}

/** Known result paths of one step (`<prefix>.<field>`), including the bare prefix. */
function resultPaths(step: Step, prefix: string, detail: string): TemplateSuggestion[] {
  const fields = step.type === "lua_script" ? luaReturnKeys(step.script ?? "") : (KNOWN_RESULT_FIELDS[step.type] ?? []);
  return [{ path: prefix, detail }, ...fields.map((f) => ({ path: `${prefix}.${f}`, detail: `${detail}: ${f}` }))];
}

/** Every template path the step at `ref` may use, in a stable order. */
export function availableTemplatePaths(graph: WorkflowGraph, ref: StepRef): TemplateSuggestion[] {
  const out: TemplateSuggestion[] = [...inputPaths(graph.input_schema)];
  out.push(
    { path: "run.id", detail: "this run's id" },
    { path: "run.workflow_id", detail: "the workflow's id" },
    { path: "run.version", detail: "the version being run" },
  );
  const topId = ref.parent ?? ref.id;
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  const ancestors = ancestorsOf(graph.steps, topId);
  // Upstream steps in dependency order, so suggestions read like the flow.
  for (const s of dependencyOrder(graph.steps)) {
    if (!ancestors.has(s.id)) continue;
    const label = `result of ${s.name ?? s.id} (${s.type})`;
    out.push(...resultPaths(s, `steps.${s.id}.result`, label));
    out.push({ path: `steps.${s.id}.input`, detail: `resolved inputs of ${s.name ?? s.id}` });
  }

  const loop = ref.parent !== undefined ? byId.get(ref.parent) : undefined;
  if (loop?.type === "for_each") {
    out.push(
      { path: "item", detail: "current item" },
      { path: "index", detail: "current item's index (0-based)" },
      { path: "foreach.item", detail: "current item" },
      { path: "foreach.index", detail: "current item's index (0-based)" },
      { path: `steps.${loop.id}.item`, detail: "current item of this loop" },
    );
  }
  if (loop?.type === "while") {
    out.push({ path: "while.iteration", detail: "iteration counter" });
  }
  if (loop) {
    const body = bodyOf(loop);
    const inner = ancestorsOf(body, ref.id);
    for (const s of dependencyOrder(body)) {
      if (inner.has(s.id)) out.push(...resultPaths(s, `body.${s.id}`, `this iteration's ${s.name ?? s.id}`));
      if (loop.type === "while") out.push(...resultPaths(s, `while.prev.${s.id}`, `previous iteration's ${s.name ?? s.id}`));
    }
  }
  return out;
}

/** Suggestions for a typed path prefix: every available path that starts with it. */
export function suggestTemplatePaths(graph: WorkflowGraph, ref: StepRef, typed: string): TemplateSuggestion[] {
  return availableTemplatePaths(graph, ref).filter((s) => s.path.startsWith(typed));
}

function isObj(v: unknown): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
