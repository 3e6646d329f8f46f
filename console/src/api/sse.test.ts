import { describe, expect, it } from "vitest";
import { readEventStream, SseParser, type SseFrame } from "./sse";

const parse = (...chunks: string[]): SseFrame[] => {
  const frames: SseFrame[] = [];
  const p = new SseParser((f) => frames.push(f));
  for (const c of chunks) p.push(c);
  return frames;
};

describe("SseParser", () => {
  it("dispatches a frame at the blank line, with its event, id and data", () => {
    expect(parse('event: message\nid: 3\ndata: {"seq":3}\n\n')).toEqual([{ event: "message", id: "3", data: '{"seq":3}' }]);
  });

  it("reassembles frames split anywhere across chunks, CRLF included", () => {
    expect(parse("event: tok", "en\r", '\ndata: {"text":"a"}\r\n\r\nevent: token\ndata: {"text":"b"}\n', "\n")).toEqual([
      { event: "token", data: '{"text":"a"}' },
      { event: "token", data: '{"text":"b"}' },
    ]);
  });

  it("skips keep-alive comments, joins data lines and defaults the event name", () => {
    expect(parse(": keep-alive\n\ndata: one\ndata:two\n\n")).toEqual([{ event: "message", data: "one\ntwo" }]);
  });

  it("does not dispatch a frame the stream never finished", () => {
    expect(parse("event: token\ndata: {}\n")).toEqual([]);
  });
});

describe("readEventStream", () => {
  it("reads a body to its end, decoding UTF-8 split between chunks", async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"é"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    });
    const frames: SseFrame[] = [];
    await readEventStream(body, (f) => frames.push(f));
    expect(frames).toEqual([{ event: "token", data: '{"text":"é"}' }]);
  });
});
