import { describe, expect, it, vi } from "vitest";
import { openRunStream, parseEventFrame, streamUrl } from "./stream";
import type { RunEvent } from "./types";

/** A minimal WebSocket stand-in driven by the test. */
class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  close() {
    this.closed = true;
  }
}

const ev = (seq: number): RunEvent => ({ seq, run_id: "r", workflow_id: "w", event_type: "step_started", step_id: "a", at: "t" });

describe("stream", () => {
  it("builds a ws URL on the page origin with the run and cursor", () => {
    expect(streamUrl({ protocol: "https:", host: "x.io" }, "w 1", "r1", 5)).toBe("wss://x.io/v1/workflows/w%201/stream?run_id=r1&after_seq=5");
    expect(streamUrl({ protocol: "http:", host: "localhost:8080" }, "w", "r", 0)).toMatch(/^ws:\/\/localhost:8080\//);
  });

  it("names the workspace in the query, since a browser cannot send X-Tenant-Id on a WebSocket", () => {
    const url = new URL(streamUrl({ protocol: "http:", host: "h" }, "w", "r", 3, "acme"));
    expect(Object.fromEntries(url.searchParams)).toEqual({ run_id: "r", after_seq: "3", tenant: "acme" });
    FakeSocket.made = [];
    const stop = openRunStream(
      { workflowId: "w", runId: "r", afterSeq: 0, tenant: "acme", createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, location: { protocol: "http:", host: "h" } },
      { onEvent: () => {} },
    );
    expect(new URL((FakeSocket.made[0] as FakeSocket).url).searchParams.get("tenant")).toBe("acme");
    stop();
  });

  it.each([["not json"], ['{"seq":"1","event_type":"x"}'], ['{"event_type":"x"}'], [42]])("drops the malformed frame %j", (frame) => {
    expect(parseEventFrame(frame)).toBeNull();
  });

  it("reconnects after a drop from the last sequence it delivered, without duplicates", () => {
    vi.useFakeTimers();
    FakeSocket.made = [];
    const got: number[] = [];
    const stop = openRunStream(
      { workflowId: "w", runId: "r", afterSeq: 0, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, location: { protocol: "http:", host: "h" } },
      { onEvent: (e) => got.push(e.seq) },
    );
    const first = FakeSocket.made[0] as FakeSocket;
    first.onmessage?.({ data: JSON.stringify(ev(1)) });
    first.onmessage?.({ data: JSON.stringify(ev(2)) });
    first.onclose?.();
    vi.advanceTimersByTime(1000);
    const second = FakeSocket.made[1] as FakeSocket;
    expect(second.url).toContain("after_seq=2");
    second.onmessage?.({ data: JSON.stringify(ev(2)) }); // a replayed duplicate
    second.onmessage?.({ data: JSON.stringify(ev(3)) });
    expect(got).toEqual([1, 2, 3]);
    stop();
    expect(second.closed).toBe(true);
    second.onclose?.();
    vi.advanceTimersByTime(20_000);
    expect(FakeSocket.made).toHaveLength(2);
    vi.useRealTimers();
  });

  it("does not reconnect once the run is finished", () => {
    vi.useFakeTimers();
    FakeSocket.made = [];
    openRunStream(
      { workflowId: "w", runId: "r", afterSeq: 0, isFinished: () => true, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, location: { protocol: "http:", host: "h" } },
      { onEvent: () => {} },
    );
    FakeSocket.made[0]?.onclose?.();
    vi.advanceTimersByTime(20_000);
    expect(FakeSocket.made).toHaveLength(1);
    vi.useRealTimers();
  });
});
