/**
 * JSON mode: the whole graph as text. "Apply to canvas" reads it in any of the three shapes
 * and replaces the canvas; problems found while reading are listed.
 */
import { useState } from "react";
import { LazyCodeEditor } from "../editors/LazyCodeEditor";
import { exportGraph } from "../graph/exportGraph";
import { GraphImportError, importGraphText, type ImportProblem } from "../graph/importGraph";
import type { WorkflowGraph } from "../graph/types";
import { ErrorMessage } from "../components/ErrorMessage";

export function JsonMode({ graph, onApply, readOnly }: { graph: WorkflowGraph; onApply: (g: WorkflowGraph, problems: ImportProblem[]) => void; readOnly?: boolean }) {
  const [text, setText] = useState(() => JSON.stringify(exportGraph(graph, "backend"), null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="json-mode" aria-label="Graph JSON">
      <LazyCodeEditor language="json" ariaLabel="Workflow graph JSON" value={text} onChange={setText} readOnly={readOnly} />
      <ErrorMessage error={error} />
      {!readOnly && (
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() => {
              try {
                const r = importGraphText(text);
                setError(null);
                onApply(r.graph, r.problems);
              } catch (e) {
                setError(e instanceof GraphImportError ? e.message : String(e));
              }
            }}
          >
            Apply to canvas
          </button>
          <button type="button" onClick={() => setText(JSON.stringify(exportGraph(graph, "backend"), null, 2))}>
            Revert to canvas
          </button>
        </div>
      )}
    </section>
  );
}
