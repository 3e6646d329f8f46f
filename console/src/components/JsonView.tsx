import type { JsonValue } from "../graph/types";

/** Values longer than this (as JSON) start collapsed, so big results do not flood the page. */
const COLLAPSE_OVER = 400;

/**
 * A JSON value, pretty-printed; large values collapse behind a summary. The block scrolls
 * (styles.css caps its height), so it takes keyboard focus: arrow keys must reach what the
 * mouse can scroll to.
 */
export function JsonView({ value, label }: { value: JsonValue | undefined; label: string }) {
  const text = JSON.stringify(value ?? null, null, 2);
  if (text.length <= COLLAPSE_OVER) {
    return (
      <pre className="json" aria-label={label} tabIndex={0}>
        {text}
      </pre>
    );
  }
  return (
    <details className="json-details">
      <summary>
        {label} ({Math.round(text.length / 1024)} KB)
      </summary>
      <pre className="json" aria-label={label} tabIndex={0}>
        {text}
      </pre>
    </details>
  );
}
