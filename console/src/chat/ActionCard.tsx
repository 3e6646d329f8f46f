/**
 * One thing the Autopilot did (docs/contract.md §13), as a card with the link that follows
 * it up: a created or scaffolded workflow opens in the Studio, a started run in the run
 * view, `navigate` goes where it says; other tools show their answer as JSON.
 */
import { Link } from "react-router";
import type { AutopilotAction } from "../api/types";
import { JsonView } from "../components/JsonView";
import type { JsonValue } from "../graph/types";

const ACTION_TITLE: Record<string, string> = {
  create_workflow: "Created a workflow",
  scaffold_starter: "Created a workflow from a starter",
  run_workflow: "Started a run",
  navigate: "Suggested a page",
};

const field = (result: JsonValue, key: string): string | undefined => {
  if (!result || typeof result !== "object" || Array.isArray(result)) return undefined;
  const v = result[key];
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
};

/** Only paths inside the console are followed (never another origin or a `javascript:` URL). */
export const isConsolePath = (to: string | undefined): to is string => !!to && to.startsWith("/") && !to.startsWith("//") && !to.includes("\\");

const enc = encodeURIComponent;

export function ActionCard({ action }: { action: AutopilotAction }) {
  const { result } = action;
  const failed = action.status !== "ok";
  const title = failed ? `${action.action} failed` : (ACTION_TITLE[action.action] ?? `Used ${action.action}`);
  const workflowId = field(result, "workflow_id");
  const runId = field(result, "run_id");
  const name = field(result, "name");
  const to = field(result, "to");

  let body: React.ReactNode = null;
  if (!failed && (action.action === "create_workflow" || action.action === "scaffold_starter") && workflowId) {
    const valid = result && typeof result === "object" && !Array.isArray(result) ? result.valid : undefined;
    body = (
      <>
        <p className="action-summary">
          <strong>{name ?? workflowId}</strong>
          {valid === false && <span className="badge warn-badge">has validation issues</span>}
        </p>
        <Link className="button-link" to={`/workflow/${enc(workflowId)}`}>
          Open in Studio
        </Link>
      </>
    );
  } else if (!failed && action.action === "run_workflow" && workflowId && runId) {
    body = (
      <>
        <p className="action-summary">
          Run <code>{runId}</code>
          {field(result, "status") && <span className="badge">{field(result, "status")}</span>}
        </p>
        <Link className="button-link" to={`/workflow/${enc(workflowId)}/runs/${enc(runId)}`}>
          Open the run
        </Link>
      </>
    );
  } else if (!failed && action.action === "navigate" && isConsolePath(to)) {
    body = (
      <Link className="button-link" to={to}>
        Go to {to}
      </Link>
    );
  } else {
    body = <JsonView value={result} label={`Result of ${action.action}`} />;
  }

  return (
    <article className={`action-card${failed ? " failed" : ""}`} aria-label={title}>
      <h3>
        {title} <code className="muted">{action.action}</code>
      </h3>
      {body}
    </article>
  );
}
