/** A Copy button for a text, with its outcome announced beside it. */
import { useState } from "react";

export function CopyButton({ text, label, className }: { text: string; label: string; className?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <>
      <button
        type="button"
        className={className}
        aria-label={label}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setCopied("yes");
          } catch {
            // Clipboard access needs a secure context or permission; the text stays selectable.
            setCopied("failed");
          }
        }}
      >
        Copy
      </button>
      <span role="status" className="muted">
        {copied === "yes" ? "Copied." : copied === "failed" ? "Copy failed: select the text and copy it yourself." : ""}
      </span>
    </>
  );
}
