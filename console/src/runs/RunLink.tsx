import type { ReactNode } from "react";
import { Link } from "react-router";

/** The console path of a run's view, or null for a run of no workflow (a chat agent's turn,
 * docs/agents.md "Chat"), which has no run view of its own. */
export function runPath(r: { workflow_id: string | null; run_id: string }): string | null {
  if (!r.workflow_id) return null;
  return `/workflow/${encodeURIComponent(r.workflow_id)}/runs/${encodeURIComponent(r.run_id)}`;
}

/** A link to the run's view; a chat turn's run is plain text saying what it is. */
export function RunLink({ run, children }: { run: { workflow_id: string | null; run_id: string }; children: ReactNode }) {
  const to = runPath(run);
  return to ? <Link to={to}>{children}</Link> : <span title="the run of a chat agent's turn">{children}</span>;
}

/** What a run list names a run by: its workflow, or "Chat turn" for a run of no workflow. */
export function runLabel(r: { workflow_id: string | null; workflow_name?: string | null }): string {
  if (!r.workflow_id) return "Chat turn";
  return r.workflow_name ?? r.workflow_id;
}
