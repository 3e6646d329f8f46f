/** A read-only value (a secret shown once, a command) with a Copy button. */
import { useId, useState } from "react";

export function CopyField({ label, value, multiline = false }: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea id={id} readOnly value={value} rows={4} onFocus={(e) => e.currentTarget.select()} />
      ) : (
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      )}
      <button
        type="button"
        aria-label={`Copy ${label}`}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied("yes");
          } catch {
            // Clipboard access needs a secure context or permission; the field stays selectable.
            setCopied("failed");
          }
        }}
      >
        Copy
      </button>
      <span role="status" className="muted">
        {copied === "yes" ? "Copied." : copied === "failed" ? "Copy failed: select the text and copy it yourself." : ""}
      </span>
    </div>
  );
}
