/**
 * An open thread: its stored messages, then whatever its stream appends, and the composer.
 * In an agent room a message goes to `POST …/messages` and the agents' replies arrive on the
 * thread's stream, with "… is replying" while their turn runs. In an Autopilot thread it
 * goes to `POST /v1/autopilot/chat` and the answer is shown as it is written; once its stream
 * has ended, the stored reply (the message whose id the start answered) takes its place.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/errors";
import type { Agent, AutopilotMode, ChatMessage, ChatTurn } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { Composer } from "./Composer";
import { LiveAnswerView } from "./LiveAnswerView";
import { agentName, authorName, KIND_LABEL, lastSeqOf, mergeMessages } from "./messages";
import { MessageItem } from "./MessageItem";
import { ModeSwitch } from "./ModeSwitch";
import { openThreadStream } from "./streams";

/** An Autopilot answer being written: the id its stored reply will have, and its stream. */
export interface PendingAnswer {
  messageId: string;
  streamUrl: string;
}

interface Props {
  threadId: string;
  agents: Agent[] | undefined;
  /** An answer started before this view opened (the first message of a new chat). */
  pending?: PendingAnswer;
  mode: AutopilotMode;
  onMode: (mode: AutopilotMode) => void;
  /** Something was posted: the thread list's order and titles may have changed. */
  onActivity: () => void;
}

/** Reads every stored message (the server pages them), oldest first. */
async function loadAll(load: (afterSeq: number) => Promise<{ messages: ChatMessage[]; next_after_seq: number | null }>): Promise<ChatMessage[]> {
  let all: ChatMessage[] = [];
  let after = 0;
  for (;;) {
    const page = await load(after);
    all = mergeMessages(all, page.messages);
    if (page.next_after_seq === null || page.next_after_seq === undefined || page.messages.length === 0) return all;
    after = page.next_after_seq;
  }
}

export function ThreadView({ threadId, agents, pending: initialPending, mode, onMode, onActivity }: Props) {
  const { api, me } = useSession();
  const thread = useAsync(() => api.getChatThread(threadId), [api, threadId]);
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [turns, setTurns] = useState<Record<string, ChatTurn>>({});
  const [pending, setPending] = useState<PendingAnswer | undefined>(initialPending);
  const [answering, setAnswering] = useState(initialPending !== undefined);
  const messagesRef = useRef<ChatMessage[]>([]);
  messagesRef.current = messages ?? [];
  const scroller = useRef<HTMLDivElement>(null);

  const append = useCallback((incoming: ChatMessage[]) => setMessages((prev) => mergeMessages(prev ?? [], incoming)), []);

  useEffect(() => {
    let cancelled = false;
    let close: (() => void) | undefined;
    loadAll((after) => api.listChatMessages(threadId, after))
      .then((all) => {
        if (cancelled) return;
        setMessages(all);
        // Opened again after the answer was stored: nothing left to stream.
        if (initialPending && all.some((m) => m.id === initialPending.messageId)) setAnswering(false);
        close = openThreadStream(api.http, threadId, lastSeqOf(all), {
          onMessage: (m) => append([m]),
          onTurn: (t) => setTurns((prev) => ({ ...prev, [t.turn_id]: t })),
          onError: setStreamError,
        });
      })
      .catch((e) => {
        if (!cancelled) setLoadError(messageOf(e));
      });
    return () => {
      cancelled = true;
      close?.();
    };
    // `initialPending` is read once, at mount, like the state it seeds.
  }, [api, threadId, append]);

  /** Fetches what was stored since the last message seen (the stream brings it too; merging is idempotent). */
  const catchUp = useCallback(async () => {
    try {
      append(await loadAll((after) => api.listChatMessages(threadId, Math.max(after, lastSeqOf(messagesRef.current)))));
    } catch {
      // The stream still delivers; a failed catch-up changes nothing shown.
    }
  }, [api, threadId, append]);

  // Follow the conversation: keep the newest message in view.
  const count = messages?.length ?? 0;
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, pending]);

  const t = thread.data;
  const isAutopilot = t?.kind === "autopilot";
  // The live answer stays until its own stream has ended (so no token is cut off), then gives
  // way to the stored reply; until then the stored copy, if it came first, is not shown twice.
  const live = messages !== null && pending !== undefined && (answering || !messages.some((m) => m.id === pending.messageId)) ? pending : undefined;
  const stored = (messages ?? []).filter((m) => m.id !== live?.messageId);
  const replying = Object.values(turns).filter((x) => x.status === "running");

  const send = async (text: string) => {
    if (isAutopilot) {
      const start = await api.autopilotChat(text, mode, threadId);
      setPending({ messageId: start.message_id, streamUrl: start.stream_url });
      setAnswering(true);
    } else {
      append([await api.postChatMessage(threadId, text)]);
    }
    void catchUp();
    onActivity();
  };

  if (thread.error) return <ErrorMessage error={thread.error} />;
  return (
    <section className="chat-thread" aria-labelledby="thread-title">
      <header className="chat-thread-head">
        <h2 id="thread-title">{t?.title ?? "Loading…"}</h2>
        {t && <span className={`badge kind-${t.kind}`}>{KIND_LABEL[t.kind]}</span>}
        {t && t.agent_ids.length > 0 && <span className="muted">with {t.agent_ids.map((id) => agentName(id, agents)).join(", ")}</span>}
      </header>
      <ErrorMessage error={loadError ?? streamError} />
      <div className="chat-scroll" ref={scroller} tabIndex={0} role="region" aria-label="Messages">
        {messages === null && !loadError && <p role="status">Loading messages…</p>}
        {messages !== null && stored.length === 0 && !live && <p className="muted">No messages yet. Write the first one below.</p>}
        <ol className="chat-messages">
          {stored.map((m) => (
            <MessageItem key={m.seq} message={m} author={authorName(m, me?.user.id, agents)} />
          ))}
          {live && (
            <LiveAnswerView
              key={live.messageId}
              streamUrl={live.streamUrl}
              onEnd={() => {
                setAnswering(false);
                void catchUp();
                onActivity();
              }}
            />
          )}
        </ol>
        {replying.length > 0 && (
          <p className="muted chat-replying" role="status">
            {replying.map((x) => agentName(x.agent_id, agents)).join(", ")} {replying.length > 1 ? "are" : "is"} replying…
          </p>
        )}
      </div>
      {t && (
        <Composer
          label={isAutopilot ? "Message to the Autopilot" : `Message to ${t.title}`}
          placeholder={isAutopilot ? "Ask a question, or describe a workflow to build" : "Write a message"}
          busy={isAutopilot && live !== undefined && answering}
          onSend={send}
        >
          {isAutopilot && <ModeSwitch mode={mode} onChange={onMode} />}
        </Composer>
      )}
    </section>
  );
}
