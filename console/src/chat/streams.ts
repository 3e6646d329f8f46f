/**
 * The two live streams of the Chat page (docs/contract.md §13), read as Server-Sent Events
 * with `fetch` so they carry the same session cookie and scope headers as every other call:
 *
 * - a thread's stream (`/chat/threads/{id}/stream?after_seq=N`): stored messages as they are
 *   appended, and `turn` frames while an agent answers. A dropped connection is reopened
 *   after the last sequence seen, so nothing is missed or repeated.
 * - an Autopilot turn's stream (`stream_url`): `token`, `action`, then `done` or `error`.
 *   The server replays a turn from its beginning to every new connection, so a reopened
 *   connection starts the answer over (`onRestart`) instead of appending twice.
 */
import type { HttpClient } from "../api/client";
import { ApiError, messageOf } from "../api/errors";
import { frameJson, readEventStream, type SseFrame } from "../api/sse";
import type { AutopilotAction, ChatMessage, ChatTurn } from "../api/types";

/** Waits before reopening a dropped stream: 0.5 s, doubling, at most 10 s. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** Refusals (401, 403, 404, …) end a stream for good: reconnecting would be refused again. */
const isRefusal = (e: unknown) => e instanceof ApiError && e.status >= 400 && e.status < 500;
const isAbort = (e: unknown) => e instanceof DOMException && e.name === "AbortError";

/**
 * Keeps one stream open until closed: `connect` reads it to its end; when it ends or breaks
 * it is called again after a pause, unless `finished()` says the stream has nothing more to
 * give. Returns the function that closes it.
 */
function keepOpen(connect: (signal: AbortSignal) => Promise<void>, finished: () => boolean, onFatal: (message: string) => void): () => void {
  const controller = new AbortController();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_RETRY_MS;
  const attempt = async () => {
    try {
      await connect(controller.signal);
      delay = FIRST_RETRY_MS;
    } catch (e) {
      if (controller.signal.aborted || isAbort(e)) return;
      if (isRefusal(e)) return onFatal(messageOf(e));
    }
    if (controller.signal.aborted || finished()) return;
    retryTimer = setTimeout(() => void attempt(), delay);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  };
  void attempt();
  return () => {
    controller.abort();
    if (retryTimer) clearTimeout(retryTimer);
  };
}

export interface ThreadStreamHandlers {
  onMessage: (message: ChatMessage) => void;
  onTurn: (turn: ChatTurn) => void;
  /** The stream was refused (e.g. access to the thread was lost). */
  onError: (message: string) => void;
}

/** Opens a thread's stream after `afterSeq`; returns the function that closes it. */
export function openThreadStream(http: HttpClient, threadId: string, afterSeq: number, handlers: ThreadStreamHandlers): () => void {
  let lastSeq = afterSeq;
  const onFrame = (frame: SseFrame) => {
    const data = frameJson(frame);
    if (!data || typeof data !== "object") return;
    if (frame.event === "message") {
      const message = data as ChatMessage;
      if (typeof message.seq !== "number" || message.seq <= lastSeq) return;
      lastSeq = message.seq;
      handlers.onMessage(message);
    } else if (frame.event === "turn") {
      handlers.onTurn(data as ChatTurn);
    }
  };
  return keepOpen(
    async (signal) => {
      const body = await http.openEventStream(`/chat/threads/${encodeURIComponent(threadId)}/stream`, { query: { after_seq: lastSeq }, signal });
      await readEventStream(body, onFrame, signal);
    },
    () => false,
    handlers.onError,
  );
}

export interface AutopilotStreamHandlers {
  /** The connection was reopened: the server replays the turn, so start the answer over. */
  onRestart: () => void;
  onToken: (text: string) => void;
  onAction: (action: AutopilotAction) => void;
  onDone: (done: { message_id: string; text: string }) => void;
  onError: (error: { code?: string; message: string }) => void;
}

/** Splits `/v1/autopilot/stream?…` into the client's path (under `/v1`) and its query. */
export function streamPath(streamUrl: string): { path: string; query: Record<string, string> } {
  const url = new URL(streamUrl, "http://console.invalid");
  return { path: url.pathname.replace(/^\/v1(?=\/)/, ""), query: Object.fromEntries(url.searchParams) };
}

/** Opens an Autopilot turn's stream; it ends at `done` or `error`. Returns its closer. */
export function openAutopilotStream(http: HttpClient, streamUrl: string, handlers: AutopilotStreamHandlers): () => void {
  const { path, query } = streamPath(streamUrl);
  let ended = false;
  let connections = 0;
  const onFrame = (frame: SseFrame) => {
    if (ended) return;
    const data = frameJson(frame) as Record<string, unknown> | null;
    if (!data || typeof data !== "object") return;
    switch (frame.event) {
      case "token":
        if (typeof data.text === "string") handlers.onToken(data.text);
        return;
      case "action":
        handlers.onAction(data as unknown as AutopilotAction);
        return;
      case "done":
        ended = true;
        handlers.onDone({ message_id: String(data.message_id ?? ""), text: typeof data.text === "string" ? data.text : "" });
        return;
      case "error":
        ended = true;
        handlers.onError({ code: typeof data.code === "string" ? data.code : undefined, message: typeof data.message === "string" ? data.message : "The Autopilot failed." });
        return;
    }
  };
  return keepOpen(
    async (signal) => {
      const body = await http.openEventStream(path, { query, signal });
      if (connections++ > 0) handlers.onRestart();
      await readEventStream(body, onFrame, signal);
    },
    () => ended,
    (message) => {
      ended = true;
      handlers.onError({ message });
    },
  );
}
