import { describe, expect, it, vi } from "vitest";
import { HttpClient } from "../api/client";
import { openAutopilotStream, openThreadStream, streamPath } from "./streams";

/** An event-stream body holding `frames`, then closed (a dropped connection, to the client). */
const body = (...frames: [string, unknown, number?][]) =>
  new Response(frames.map(([event, data, id]) => `event: ${event}\n${id !== undefined ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`).join(""), {
    headers: { "Content-Type": "text/event-stream" },
  });

/** A client whose fetch answers the n-th request with `answers[n]` and records the URLs. */
function client(answers: (() => Response)[]) {
  const urls: string[] = [];
  const fetch = vi.fn(async (url: string) => {
    urls.push(url);
    const answer = answers[urls.length - 1];
    // After the scripted answers: a stream that stays open and says nothing.
    return answer ? answer() : new Response(new ReadableStream());
  });
  return { http: new HttpClient({ fetch, getScope: () => ({ tenant: "acme", project: "p1" }) }), urls, fetch };
}

const msg = (seq: number) => ({ id: `m${seq}`, thread_id: "t", seq, author: { kind: "user", id: "u" }, text: `#${seq}`, actions: [], error: null, run_id: null, created_at: "" });

describe("thread stream", () => {
  it("reopens a dropped stream after the last seq it saw, passing each message once", async () => {
    const { http, urls } = client([() => body(["message", msg(3), 3], ["message", msg(4), 4]), () => body(["message", msg(4), 4], ["message", msg(5), 5])]);
    const seen: number[] = [];
    const close = openThreadStream(http, "cth_1", 2, { onMessage: (m) => seen.push(m.seq), onTurn: () => undefined, onError: () => undefined });
    await vi.waitFor(() => expect(seen).toEqual([3, 4, 5]), { timeout: 3_000 });
    close();
    expect(urls.slice(0, 2)).toEqual(["/v1/chat/threads/cth_1/stream?after_seq=2", "/v1/chat/threads/cth_1/stream?after_seq=4"]);
  });

  it("stops at a refusal and reports it", async () => {
    const { http, fetch } = client([() => new Response(JSON.stringify({ error: "chat thread not found" }), { status: 404 })]);
    const onError = vi.fn();
    const close = openThreadStream(http, "cth_gone", 0, { onMessage: () => undefined, onTurn: () => undefined, onError });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith("chat thread not found"));
    await new Promise((r) => setTimeout(r, 700));
    expect(fetch).toHaveBeenCalledTimes(1);
    close();
  });
});

describe("Autopilot stream", () => {
  it("starts the answer over when a dropped stream is replayed, and ends at done", async () => {
    const { http, fetch } = client([() => body(["token", { text: "Hel" }]), () => body(["token", { text: "Hel" }], ["token", { text: "lo" }], ["done", { message_id: "m9", text: "Hello" }])]);
    const log: string[] = [];
    const close = openAutopilotStream(http, "/v1/autopilot/stream?thread_id=t&message_id=m9", {
      onRestart: () => log.push("restart"),
      onToken: (t) => log.push(t),
      onAction: () => undefined,
      onDone: (d) => log.push(`done:${d.text}`),
      onError: (e) => log.push(`error:${e.message}`),
    });
    await vi.waitFor(() => expect(log).toEqual(["Hel", "restart", "Hel", "lo", "done:Hello"]), { timeout: 3_000 });
    await new Promise((r) => setTimeout(r, 700));
    expect(fetch).toHaveBeenCalledTimes(2);
    close();
  });

  it("splits the stream URL the server gave into the client's path and query", () => {
    expect(streamPath("/v1/autopilot/stream?thread_id=cth_1&message_id=cmsg_2")).toEqual({ path: "/autopilot/stream", query: { thread_id: "cth_1", message_id: "cmsg_2" } });
  });
});
