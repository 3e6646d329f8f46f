/**
 * The live run stream (`GET /v1/workflows/{id}/stream?run_id=…&after_seq=…`, WebSocket, one
 * event per text frame). On a dropped connection it reconnects with the last sequence it
 * saw, so the server replays exactly what was missed (docs/contract.md §9).
 */
import type { RunEvent } from "./types";

/**
 * The WebSocket URL for a run's stream on the page's own origin. The workspace travels in
 * the query (`tenant`): a browser cannot set `X-Tenant-Id` on a WebSocket handshake, and
 * without it the server refuses the stream.
 */
export function streamUrl(location: { protocol: string; host: string }, workflowId: string, runId: string, afterSeq: number, tenant?: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const q = new URLSearchParams({ run_id: runId, after_seq: String(afterSeq) });
  if (tenant) q.set("tenant", tenant);
  return `${scheme}//${location.host}/v1/workflows/${encodeURIComponent(workflowId)}/stream?${q}`;
}

/** Parses one frame; `null` for frames that are not an event object (ignored, not fatal). */
export function parseEventFrame(data: unknown): RunEvent | null {
  if (typeof data !== "string") return null;
  try {
    const v: unknown = JSON.parse(data);
    if (v && typeof v === "object" && typeof (v as RunEvent).seq === "number" && typeof (v as RunEvent).event_type === "string") {
      return v as RunEvent;
    }
  } catch {
    // A malformed frame is dropped; the next reconnect replays from the last good seq.
  }
  return null;
}

export interface StreamHandlers {
  /** Called with events in arrival order; batched per animation frame by the caller if needed. */
  onEvent: (event: RunEvent) => void;
  /** Connection state, for a "live / reconnecting" indicator. */
  onStatus?: (status: "connecting" | "open" | "closed") => void;
}

export interface StreamOptions {
  workflowId: string;
  runId: string;
  /** The last sequence number already applied (0 = from the start). */
  afterSeq: number;
  /** The workspace slug (sent as the `tenant` query parameter). */
  tenant?: string;
  /** Stop reconnecting once this returns true (e.g. the run reached a terminal state). */
  isFinished?: () => boolean;
  createSocket?: (url: string) => WebSocket;
  location?: { protocol: string; host: string };
}

/** Opens the stream; returns a function that closes it for good. */
export function openRunStream(opts: StreamOptions, handlers: StreamHandlers): () => void {
  let lastSeq = opts.afterSeq;
  let closed = false;
  let socket: WebSocket | null = null;
  let retryDelay = 500;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const create = opts.createSocket ?? ((url: string) => new WebSocket(url));
  const loc = opts.location ?? window.location;

  const connect = () => {
    if (closed) return;
    handlers.onStatus?.("connecting");
    socket = create(streamUrl(loc, opts.workflowId, opts.runId, lastSeq, opts.tenant));
    socket.onopen = () => {
      retryDelay = 500;
      handlers.onStatus?.("open");
    };
    socket.onmessage = (msg) => {
      const event = parseEventFrame(msg.data);
      // The server guarantees no duplicates after a resume; the check guards the reducer anyway.
      if (event && event.seq > lastSeq) {
        lastSeq = event.seq;
        handlers.onEvent(event);
      }
    };
    socket.onclose = () => {
      handlers.onStatus?.("closed");
      if (closed || opts.isFinished?.()) return;
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10_000);
    };
  };
  connect();

  return () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    socket?.close();
  };
}
