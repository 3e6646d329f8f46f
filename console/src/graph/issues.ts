/**
 * Placing validation issues (docs/contract.md §8) on canvas nodes. The issue's `json_path` always
 * refers to the normalized steps shape (`$.steps[2].for_each_body_steps[0].script`), which
 * pins an inner step even when two loops reuse an inner id; `step_id` is the fallback.
 */
import type { ValidationIssue } from "../api/types";
import { nodeIdOf } from "./flow";
import type { StepRef } from "./ops";
import { bodyOf, type WorkflowGraph } from "./types";

const PATH_RE = /^\$\.steps\[(\d+)\](?:\.(?:for_each|while)_body_steps\[(\d+)\])?/;

/** The step an issue is about, or null for graph-level issues. */
export function refOfIssue(graph: WorkflowGraph, issue: Pick<ValidationIssue, "json_path" | "step_id">): StepRef | null {
  const m = PATH_RE.exec(issue.json_path ?? "");
  if (m) {
    const top = graph.steps[Number(m[1])];
    if (top) {
      if (m[2] === undefined) return { id: top.id };
      const inner = bodyOf(top)[Number(m[2])];
      if (inner) return { id: inner.id, parent: top.id };
    }
  }
  const id = issue.step_id;
  if (!id) return null;
  if (graph.steps.some((s) => s.id === id)) return { id };
  for (const s of graph.steps) {
    if (bodyOf(s).some((inner) => inner.id === id)) return { id, parent: s.id };
  }
  return null;
}

/** Issue counts and worst severity per canvas node id. */
export function issuesByNode(
  graph: WorkflowGraph,
  issues: ValidationIssue[],
): Map<string, { count: number; severity: "error" | "warning" }> {
  const out = new Map<string, { count: number; severity: "error" | "warning" }>();
  for (const issue of issues) {
    const ref = refOfIssue(graph, issue);
    if (!ref) continue;
    const key = nodeIdOf(ref);
    const prev = out.get(key);
    const severity = prev?.severity === "error" || issue.severity === "error" ? "error" : "warning";
    out.set(key, { count: (prev?.count ?? 0) + 1, severity });
  }
  return out;
}
