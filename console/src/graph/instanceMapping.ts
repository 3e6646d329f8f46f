/**
 * The import's `server_url` → instance mapping (docs/contract.md §11 "Import"). A graph brought in
 * from elsewhere names MCP servers by `server_url` and/or by `instance_id`s of the
 * workspace it came from, which mean nothing here. Before the graph goes into the draft,
 * the user points each foreign server at one of this project's instances, or keeps it.
 *
 * Agrees with the server's import (`crates/server/src/mcp/import.rs`):
 * - an `instance_id` of this project is kept as it is (not listed);
 * - a foreign `instance_id` is the key a step is mapped by (two foreign instances of one
 *   server may carry different credentials, so each gets its own row); a step without
 *   one is mapped by its `server_url`;
 * - a mapped step gets `instance_id` = the chosen instance, and `server_url` = that
 *   instance's server URL (dropped if it has none). A run uses the instance either way (an
 *   `instance_id` wins over a `server_url`); the pair is what the Studio writes for its own
 *   steps, and a foreign URL left beside an instance of another server would mislead
 *   whoever reads the step.
 */
import type { Step, WorkflowGraph } from "./types";

/** What the mapping needs to know of one of this project's MCP instances. */
export interface InstanceRef {
  id: string;
  server_url?: string | null;
}

/** A server the imported graph names that is not one of this project's instances. */
export interface ForeignServer {
  /** Identifies the row: `instance:<foreign id>` or `url:<server url>`. */
  key: string;
  /** The foreign instance id the steps carry, if they are grouped by one. */
  instanceId?: string;
  /** The server URL the steps name (the first one seen). */
  serverUrl?: string;
  /** Ids of the steps using it; a loop body step as `loop/inner`. */
  steps: string[];
  /** An instance of this project whose server URL is the steps' `server_url`. */
  suggested?: string;
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";

/** The row key a step is mapped by, or null for a step naming no server. */
function keyOf(step: Step): string | null {
  if (step.type !== "mcp_call") return null;
  if (nonEmpty(step.instance_id)) return `instance:${step.instance_id}`;
  if (nonEmpty(step.server_url)) return `url:${step.server_url}`;
  return null;
}

/** Calls `visit` for every step, loop bodies included, with the id the editor shows. */
function eachStep(steps: Step[], visit: (step: Step, shownId: string) => void, loop?: string) {
  for (const s of steps) {
    visit(s, loop ? `${loop}/${s.id}` : s.id);
    if (s.type === "for_each" && Array.isArray(s.for_each_body_steps)) eachStep(s.for_each_body_steps, visit, s.id);
    if (s.type === "while" && Array.isArray(s.while_body_steps)) eachStep(s.while_body_steps, visit, s.id);
  }
}

/** The foreign servers of the graph's `mcp_call` steps, in the order steps first use them. */
export function foreignServers(graph: WorkflowGraph, instances: InstanceRef[]): ForeignServer[] {
  const ours = new Set(instances.map((i) => i.id));
  const rows = new Map<string, ForeignServer>();
  eachStep(graph.steps, (step, shownId) => {
    const key = keyOf(step);
    if (!key || step.type !== "mcp_call") return;
    if (nonEmpty(step.instance_id) && ours.has(step.instance_id)) return;
    let row = rows.get(key);
    if (!row) {
      row = { key, steps: [] };
      if (nonEmpty(step.instance_id)) row.instanceId = step.instance_id;
      rows.set(key, row);
    }
    if (!row.serverUrl && nonEmpty(step.server_url)) row.serverUrl = step.server_url;
    row.steps.push(shownId);
  });
  for (const row of rows.values()) {
    const match = row.serverUrl ? instances.find((i) => i.server_url === row.serverUrl) : undefined;
    if (match) row.suggested = match.id;
  }
  return [...rows.values()];
}

/**
 * Points the steps of each chosen row (`ForeignServer.key` → instance id of this project)
 * at that instance, with the instance's server URL (from `instances`). Rows not in `chosen`
 * are kept as they are. Returns a new graph; the given one is not changed.
 */
export function applyInstanceMapping(graph: WorkflowGraph, chosen: Record<string, string>, instances: InstanceRef[]): WorkflowGraph {
  const urlOf = new Map(instances.map((i) => [i.id, i.server_url]));
  const mapSteps = (steps: Step[]): Step[] =>
    steps.map((s) => {
      const key = keyOf(s);
      const target = key ? chosen[key] : undefined;
      if (s.type === "mcp_call" && target) {
        const { server_url: _foreign, ...rest } = s;
        const url = urlOf.get(target);
        return nonEmpty(url) ? { ...rest, instance_id: target, server_url: url } : { ...rest, instance_id: target };
      }
      if (s.type === "for_each" && Array.isArray(s.for_each_body_steps)) return { ...s, for_each_body_steps: mapSteps(s.for_each_body_steps) };
      if (s.type === "while" && Array.isArray(s.while_body_steps)) return { ...s, while_body_steps: mapSteps(s.while_body_steps) };
      return s;
    });
  return { ...graph, steps: mapSteps(graph.steps) };
}
