/** One stored message of a thread: who wrote it and when, its text, its actions, its error. */
import type { ChatMessage } from "../api/types";
import { ActionCard } from "./ActionCard";

export function MessageItem({ message, author }: { message: ChatMessage; author: string }) {
  return (
    <li className={`chat-message from-${message.author.kind}`} data-seq={message.seq}>
      <div className="chat-message-head">
        <span className="chat-author">{author}</span>
        <time className="muted" dateTime={message.created_at}>
          {formatTime(message.created_at)}
        </time>
      </div>
      {message.text && <p className="chat-text">{message.text}</p>}
      {message.actions.map((a, i) => (
        <ActionCard key={i} action={a} />
      ))}
      {message.error && (
        <p className="error">
          {message.error.message} <code>{message.error.code}</code>
        </p>
      )}
    </li>
  );
}

/** Today's messages show the time, older ones the date too. */
export function formatTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
