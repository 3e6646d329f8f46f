/** Validation issues as a list; each one can take the user to its step on the canvas. */
import type { ValidationIssue } from "../api/types";
import { refOfIssue } from "../graph/issues";
import type { StepRef } from "../graph/ops";
import type { WorkflowGraph } from "../graph/types";

export function IssuesList({ issues, graph, onShow }: { issues: ValidationIssue[]; graph: WorkflowGraph; onShow: (ref: StepRef) => void }) {
  if (issues.length === 0) return <p className="ok" role="status">No issues: the graph is valid.</p>;
  return (
    <ul className="issues" aria-label="Validation issues">
      {issues.map((issue, i) => {
        const ref = refOfIssue(graph, issue);
        return (
          <li key={i} className={`issue ${issue.severity}`}>
            <span className="issue-code">
              {issue.severity === "error" ? "Error" : "Warning"} · {issue.code}
            </span>
            <span className="issue-message">{issue.message}</span>
            {issue.suggestion && <span className="issue-suggestion">{issue.suggestion}</span>}
            <span className="muted">{issue.json_path}</span>
            {ref && (
              <button type="button" className="link" onClick={() => onShow(ref)}>
                Show step {ref.id}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
