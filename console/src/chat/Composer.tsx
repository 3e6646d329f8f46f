/**
 * The message box: Enter sends, Shift+Enter starts a new line. `children` go in its bar
 * (the Ask / Autopilot switch). The text is kept when sending fails, with the refusal shown.
 */
import { useId, useState, type ReactNode } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";

/** The server's limit on a message (32 KiB of UTF-8). */
const MAX_BYTES = 32 * 1024;

export function Composer({ label, placeholder, busy = false, onSend, children }: { label: string; placeholder: string; busy?: boolean; onSend: (text: string) => Promise<unknown>; children?: ReactNode }) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const { error, run } = useAction();
  const errorId = useId();
  const tooLong = new TextEncoder().encode(text).length > MAX_BYTES;
  const disabled = busy || sending || text.trim() === "" || tooLong;

  const send = async () => {
    if (disabled) return;
    setSending(true);
    const ok = await run(() => onSend(text.trim()));
    setSending(false);
    if (ok) setText("");
  };

  return (
    <form
      className="composer"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label>
        <span className="sr-only">{label}</span>
        <textarea
          value={text}
          rows={3}
          placeholder={placeholder}
          aria-invalid={error || tooLong ? true : undefined}
          aria-describedby={error || tooLong ? errorId : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void send();
            }
          }}
        />
      </label>
      <div className="composer-bar">
        {children}
        <span className="muted composer-hint">Enter sends, Shift+Enter adds a line</span>
        <button type="submit" className="primary" disabled={disabled}>
          {sending ? "Sending…" : "Send"}
        </button>
      </div>
      <ErrorMessage id={errorId} error={tooLong ? "The message is longer than 32 KiB." : error} />
    </form>
  );
}
