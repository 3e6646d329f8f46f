/**
 * A reader for Server-Sent Events bodies (the chat and Autopilot streams, docs/contract.md
 * §13), per the WHATWG event-stream format: `event:` / `id:` / `data:` lines, a blank line
 * ends a frame, lines starting with `:` are comments (the server's keep-alives).
 */

/** One dispatched frame; `event` is "message" when the frame named none. */
export interface SseFrame {
  event: string;
  id?: string;
  data: string;
}

/** Splits a text stream into frames; feed it chunks as they arrive. */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;

  constructor(private readonly onFrame: (frame: SseFrame) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    // A lone `\r` at the end may be the first half of `\r\n`: kept until the next chunk.
    const lines = this.buffer.split(/\r\n|\n|\r(?!$)/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length > 0) this.onFrame({ event: this.event || "message", ...(this.id !== undefined ? { id: this.id } : {}), data: this.data.join("\n") });
      this.event = "";
      this.data = [];
      this.id = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }
}

/**
 * Reads `body` to its end, calling `onFrame` per frame in order. Resolves when the server
 * closes the stream; rejects when the connection breaks (or `signal` aborts).
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onFrame: (frame: SseFrame) => void, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(onFrame);
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
      if (signal?.aborted) return;
    }
    parser.push(decoder.decode());
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}

/** Decodes a frame's JSON data; `null` when it is not JSON (such a frame is skipped). */
export function frameJson(frame: SseFrame): unknown {
  try {
    return JSON.parse(frame.data);
  } catch {
    return null;
  }
}
