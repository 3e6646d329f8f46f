import type { JsonValue } from "../graph/types";

/** Values longer than this (as JSON) start collapsed, so big results do not flood the page. */
const COLLAPSE_OVER = 400;

/** A JSON value, pretty-printed; large values collapse behind a summary. */
export function JsonView({ value, label }: { value: JsonValue | undefined; label: string }) {
  const text = JSON.stringify(value ?? null, null, 2);
  if (text.length <= COLLAPSE_OVER) {
    return (
      <pre className="json" aria-label={label}>
        {text}
      </pre>
    );
  }
  return (
    <details className="json-details">
      <summary>
        {label} ({Math.round(text.length / 1024)} KB)
      </summary>
      <pre className="json">{text}</pre>
    </details>
  );
}
