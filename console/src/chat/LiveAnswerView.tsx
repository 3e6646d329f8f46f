/**
 * The Autopilot's answer as it is written: tokens appear as they arrive, action cards as the
 * Autopilot acts. The text is a polite live region, busy until the answer is complete, so a
 * screen reader reads the answer once instead of every token.
 */
import { useEffect, useReducer, useRef } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useSession } from "../session/SessionContext";
import { ActionCard } from "./ActionCard";
import { applyLiveFrame, startingAnswer, type LiveAnswer } from "./liveAnswer";
import { openAutopilotStream } from "./streams";

export function LiveAnswerView({ streamUrl, onEnd }: { streamUrl: string; onEnd: (answer: LiveAnswer) => void }) {
  const { api } = useSession();
  const [answer, dispatch] = useReducer(applyLiveFrame, startingAnswer);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(
    () =>
      openAutopilotStream(api.http, streamUrl, {
        onRestart: () => dispatch({ kind: "restart" }),
        onToken: (text) => dispatch({ kind: "token", text }),
        onAction: (action) => dispatch({ kind: "action", action }),
        onDone: ({ text }) => dispatch({ kind: "done", text }),
        onError: ({ message, code }) => dispatch({ kind: "error", message: code ? `${message} (${code})` : message }),
      }),
    [api, streamUrl],
  );

  useEffect(() => {
    if (answer.status !== "streaming") onEndRef.current(answer);
  }, [answer]);

  // Keep the growing answer in view (the thread scrolls, not the page).
  const item = useRef<HTMLLIElement>(null);
  // In braces: newer browsers' scrollIntoView returns a promise, which React would take for a cleanup.
  useEffect(() => {
    void item.current?.scrollIntoView?.({ block: "nearest" });
  }, [answer.text.length, answer.actions.length]);

  const streaming = answer.status === "streaming";
  return (
    <li ref={item} className="chat-message from-autopilot live" aria-label="The Autopilot's answer">
      <div className="chat-message-head">
        <span className="chat-author">Autopilot</span>
        {streaming && (
          <span className="muted" role="status">
            writing…
          </span>
        )}
      </div>
      <p className="chat-text" aria-live="polite" aria-busy={streaming} data-testid="live-text">
        {answer.text}
      </p>
      {answer.actions.map((a, i) => (
        <ActionCard key={i} action={a} />
      ))}
      <ErrorMessage error={answer.error} />
    </li>
  );
}
