/**
 * `/chat` and `/chat/:threadId`: conversations with the Autopilot and rooms with the
 * project's agents (docs/contract.md §13, docs/console.md "Chat"). Viewers chat too; what the
 * Autopilot may do is bounded by the user's own permissions on the server.
 */
import { useEffect, useState } from "react";
import { useLocation, useNavigate, useParams } from "react-router";
import type { AutopilotMode, ChatThread } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { NewChat } from "./NewChat";
import { NewRoomForm } from "./NewRoomForm";
import { ThreadList } from "./ThreadList";
import { ThreadView, type PendingAnswer } from "./ThreadView";

const PAGE = 50;

export default function ChatPage() {
  const { api, scope } = useSession();
  const { threadId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const deps = [api, scope.tenant, scope.project];
  const first = useAsync(() => (scope.project ? api.listChatThreads({ limit: PAGE }) : Promise.resolve({ threads: [], next_cursor: null })), deps);
  const [more, setMore] = useState<{ threads: ChatThread[]; next_cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const agents = useAsync(() => (scope.project ? api.listAgents() : Promise.resolve([])), deps);
  const [roomForm, setRoomForm] = useState(false);
  const [mode, setMode] = useState<AutopilotMode>("ask");
  // Following a link (a thread, New chat) leaves the room form.
  useEffect(() => setRoomForm(false), [location.key]);

  if (!scope.project) return <p className="page">Pick a project in the header bar first.</p>;

  const reloadThreads = () => {
    setMore(null);
    void first.reload();
  };
  const threads = [...(first.data?.threads ?? []), ...(more?.threads ?? [])].filter((t, i, all) => all.findIndex((x) => x.id === t.id) === i);
  const cursor = more ? more.next_cursor : first.data?.next_cursor;
  const pending = (location.state as { pending?: PendingAnswer } | null)?.pending;

  return (
    <div className="chat">
      <div className="chat-side">
        <h1 id="chat-heading">Chat</h1>
        <div className="actions wrap">
          <button
            type="button"
            className="primary"
            onClick={() => navigate("/chat")}
          >
            New chat
          </button>
          <button type="button" aria-expanded={roomForm} onClick={() => setRoomForm(!roomForm)}>
            New agent room
          </button>
        </div>
        <nav aria-label="Conversations">
          <ErrorMessage error={first.error} />
          {first.loading && !first.data && <p role="status">Loading conversations…</p>}
          {first.data && <ThreadList threads={threads} />}
          {cursor && (
            <button
              type="button"
              className="small"
              onClick={async () => {
                setMoreError(null);
                try {
                  const page = await api.listChatThreads({ limit: PAGE, cursor });
                  setMore((prev) => ({ threads: [...(prev?.threads ?? []), ...page.threads], next_cursor: page.next_cursor }));
                } catch (e) {
                  setMoreError(e instanceof Error ? e.message : String(e));
                }
              }}
            >
              Load more
            </button>
          )}
          <ErrorMessage error={moreError} />
        </nav>
      </div>
      <div className="chat-main">
        {roomForm ? (
          <NewRoomForm
            agents={agents.data}
            onCancel={() => setRoomForm(false)}
            onCreated={(thread) => {
              setRoomForm(false);
              reloadThreads();
              navigate(`/chat/${encodeURIComponent(thread.id)}`);
            }}
          />
        ) : threadId ? (
          <ThreadView key={threadId} threadId={threadId} agents={agents.data} pending={pending} mode={mode} onMode={setMode} onActivity={reloadThreads} />
        ) : (
          <NewChat mode={mode} onMode={setMode} onActivity={reloadThreads} />
        )}
      </div>
    </div>
  );
}
