/**
 * Test harness for screens: a fake server (routes answered by handlers) behind `fetch`, and
 * the app's providers around the screen under test.
 */
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { vi } from "vitest";
import type { Me } from "../api/types";
import { SessionProvider } from "../session/SessionContext";

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

/** A route's answer: status and JSON body, or a whole `Response` (e.g. {@link sseStream}'s). */
type Handler = (req: Recorded) => { status?: number; body?: unknown } | Response | undefined;

/** Installs a fake `fetch` answering `"METHOD /v1/path"` keys; unknown routes answer 404. */
export function fakeServer(routes: Record<string, Handler | { status?: number; body?: unknown }>) {
  const calls: Recorded[] = [];
  const fetchMock = vi.fn(async (input: string, init: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const req: Recorded = {
      method: init.method ?? "GET",
      path: url.pathname + url.search,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      headers: (init.headers ?? {}) as Record<string, string>,
    };
    calls.push(req);
    const route = routes[`${req.method} ${url.pathname}`];
    const answer = typeof route === "function" ? route(req) : route;
    if (answer instanceof Response) return answer;
    const status = answer?.status ?? (route ? 200 : 404);
    const body = answer?.body ?? (route ? {} : { error: `no fake route for ${req.method} ${url.pathname}` });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls };
}

/** A signed-in user with one workspace and one project, in the given project role. */
export function meWithRole(role: string): Me {
  return {
    user: { id: "u1", email: "ada@example.com", name: "Ada" },
    workspaces: [{ slug: "acme", name: "Acme", role: "member", projects: [{ id: "p1", name: "Default", role }] }],
  };
}

/** Renders `element` at `path` (matched by `pattern`) inside the session and router. */
export function renderAt(element: ReactElement, path: string, pattern = path) {
  localStorage.clear();
  return render(
    <MemoryRouter initialEntries={[path]}>
      <SessionProvider>
        <Routes>
          <Route path={pattern} element={element} />
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
      </SessionProvider>
    </MemoryRouter>,
  );
}

/** jsdom's Blob has no text(); screens read chosen files with it. Installs a FileReader-based one. */
export function polyfillBlobText() {
  Blob.prototype.text ??= function (this: Blob) {
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsText(this);
    });
  };
}

/** jsdom has <dialog> but not its modal methods: opening sets `open`, closing clears it and fires `close`, as browsers do. */
export function polyfillDialog() {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
    this.dispatchEvent(new Event("close"));
  };
}

/**
 * A Server-Sent Events response the test writes to as it goes: `send` writes one frame,
 * `close` ends the stream. The screen reads it as it would a live server's.
 */
export function sseStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } }),
    send(event: string, data: unknown, id?: number) {
      controller.enqueue(encoder.encode(`event: ${event}\n${id !== undefined ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`));
    },
    comment(text: string) {
      controller.enqueue(encoder.encode(`: ${text}\n\n`));
    },
    close() {
      controller.close();
    },
  };
}
