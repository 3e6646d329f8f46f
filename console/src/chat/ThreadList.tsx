/** The threads the user can see, latest activity first, each a link that opens it. */
import { NavLink } from "react-router";
import type { ChatThread } from "../api/types";
import { formatTime } from "./MessageItem";
import { byActivity, KIND_LABEL } from "./messages";

export function ThreadList({ threads }: { threads: ChatThread[] }) {
  if (threads.length === 0) return <p className="muted">No conversations yet. Start a new chat with the Autopilot, or open a room with your agents.</p>;
  return (
    <ul className="thread-list">
      {byActivity(threads).map((t) => (
        <li key={t.id}>
          <NavLink to={`/chat/${encodeURIComponent(t.id)}`} className="thread-link">
            <span className="thread-title">{t.title}</span>
            <span className="thread-meta">
              <span className={`badge kind-${t.kind}`}>{KIND_LABEL[t.kind]}</span>
              <time className="muted" dateTime={t.last_message_at ?? t.created_at}>
                {formatTime(t.last_message_at ?? t.created_at)}
              </time>
            </span>
          </NavLink>
        </li>
      ))}
    </ul>
  );
}
