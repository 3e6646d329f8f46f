/** The code editor, loaded on demand (CodeMirror stays out of the initial bundle). */
import { lazy, Suspense } from "react";
import type { CodeEditorProps } from "./CodeEditor";

const CodeEditor = lazy(() => import("./CodeEditor"));

export function LazyCodeEditor(props: CodeEditorProps) {
  return (
    <Suspense
      fallback={
        // Until CodeMirror arrives, a plain text area keeps the field usable.
        <textarea
          aria-label={props.ariaLabel}
          className="code-fallback"
          value={props.value}
          readOnly={props.readOnly}
          onChange={(e) => props.onChange(e.target.value)}
          rows={props.variant === "field" ? 1 : 8}
        />
      }
    >
      <CodeEditor {...props} />
    </Suspense>
  );
}
