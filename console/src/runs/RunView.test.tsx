// @vitest-environment jsdom
import { act, cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import RunView from "./RunView";

/** Stands in for the browser WebSocket; the test pushes frames through `last`. */
class FakeSocket {
  static last: FakeSocket | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
    setTimeout(() => this.onopen?.(), 0);
  }
  send(e: RunEvent) {
    this.onmessage?.({ data: JSON.stringify(e) });
  }
  close() {}
}

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const graph = {
  steps: [
    { id: "fetch", type: "lua_script", script: "return {}" },
    { id: "approve", type: "human_task", depends_on: ["fetch"], task_type: "approval" },
  ],
};
const ev = (seq: number, event_type: string, step_id: string | null, data: Record<string, unknown> = {}): RunEvent => ({
  seq,
  run_id: "r1",
  workflow_id: "w1",
  event_type,
  step_id,
  data: data as RunEvent["data"],
  at: "2026-11-28T10:00:00Z",
});

describe("RunView", () => {
  it("colours nodes from the event history and then from the live stream", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1/runs/r1": { body: { run_id: "r1", workflow_id: "w1", version: 1, status: "running" } },
      "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "published", graph: { steps: [] } } },
      // As the server answers: the list carries no snapshots, the version itself does.
      "GET /v1/workflows/w1/versions": { body: { versions: [{ version: 1, workflow_id: "w1", published_at: "x" }] } },
      "GET /v1/workflows/w1/versions/1": { body: { version: 1, workflow_id: "w1", published_at: "x", graph_snapshot: graph } },
      "GET /v1/workflows/w1/runs/r1/events": (req) =>
        req.path.includes("after_seq=0") || !req.path.includes("after_seq")
          ? { body: { events: [ev(1, "run_started", null), ev(2, "step_started", "fetch", { attempt: 1 })], next_after_seq: null } }
          : { body: { events: [] } },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1", "/workflow/:id/runs/:runId");

    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"]')?.getAttribute("data-status")).toBe("running"));
    expect(screen.getByTestId("run-status").textContent).toBe("running");
    await waitFor(() => expect(FakeSocket.last).not.toBeNull());
    expect(FakeSocket.last?.url).toContain("run_id=r1&after_seq=2");

    act(() => {
      FakeSocket.last?.send(ev(3, "step_completed", "fetch", { result: {} }));
      FakeSocket.last?.send(ev(4, "step_started", "approve", { attempt: 1 }));
      FakeSocket.last?.send(ev(5, "step_paused", "approve", { task_id: "approve" }));
    });
    await waitFor(() => expect(document.querySelector('[data-step-id="approve"]')?.getAttribute("data-status")).toBe("waiting"));
    expect(document.querySelector('[data-step-id="fetch"]')?.getAttribute("data-status")).toBe("completed");
    expect(screen.getByRole("link", { name: "open Command Center" })).toBeTruthy();
    // The graph drawn is the run's version, not the (empty) draft.
    expect(calls.some((c) => c.path === "/v1/workflows/w1/versions/1")).toBe(true);
  });
});

describe("RunView controls", () => {
  const base = {
    "GET /v1/workflows/w1/runs/r1": { body: { run_id: "r1", workflow_id: "w1", version: 1, status: "running" } },
    "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "published", graph } },
    "GET /v1/workflows/w1/versions": { body: { versions: [] } },
  };

  it.each([
    ["Pause", { command: "pause", params: { run_id: "r1" } }],
    ["Stop gracefully", { command: "stop", params: { run_id: "r1", mode: "graceful" } }],
    ["Stop now", { command: "stop", params: { run_id: "r1", mode: "immediate" } }],
  ])("%s sends its command for this run", async (button, body) => {
    const { calls } = fakeServer({
      ...base,
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1/runs/r1/events": { body: { events: [ev(1, "run_started", null)], next_after_seq: null } },
      "POST /v1/workflows/w1/command": { body: {} },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1", "/workflow/:id/runs/:runId");
    await waitFor(() => expect(screen.getByTestId("run-status").textContent).toBe("running"));
    act(() => screen.getByRole("button", { name: button }).click());
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual(body));
  });

  it("shows no controls to a viewer and loads the context of a finished run", async () => {
    FakeSocket.last = null;
    fakeServer({
      ...base,
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "GET /v1/workflows/w1/runs/r1/events": { body: { events: [ev(1, "run_started", null), ev(2, "run_completed", null)], next_after_seq: null } },
      "GET /v1/workflows/w1/runs/r1/context": {
        body: { run_id: "r1", workflow_id: "w1", version: 1, status: "completed", input: { topic: "cats" }, steps: { fetch: { status: "completed", attempt: 1, result: { items: [1, 2] } } } },
      },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    // A step picked in the URL opens straight on its details.
    renderAt(<RunView />, "/workflow/w1/runs/r1?step=fetch", "/workflow/:id/runs/:runId");
    expect(await screen.findByRole("group", { name: "Result of fetch" })).toBeTruthy();
    expect(FakeSocket.last).toBeNull(); // nothing to stream for a finished run
    for (const name of ["Pause", "Stop now", "Stop gracefully"]) expect(screen.queryByRole("button", { name })).toBeNull();
    // Back to the run: its input.
    act(() => screen.getByRole("button", { name: "Back to the run" }).click());
    expect(await screen.findByRole("group", { name: "Run input" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Refresh/ })).toBeNull();
  });
});

describe("RunView inspector", () => {
  const base = {
    "GET /v1/auth/me": { body: meWithRole("project_contributor") },
    "GET /v1/workflows/w1/runs/r1": { body: { run_id: "r1", workflow_id: "w1", version: 1, status: "running" } },
    "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "published", graph } },
    "GET /v1/workflows/w1/versions": { body: { versions: [] } },
  };
  const history = [
    ev(1, "run_started", null),
    { ...ev(2, "step_started", "fetch", { attempt: 1 }), at: "2026-11-28T10:00:00Z" },
    { ...ev(3, "step_failed", "fetch", { attempt: 1, will_retry: true, failure_code: "LUA_ERROR", error: "boom" }), at: "2026-11-28T10:00:01Z" },
    { ...ev(4, "step_started", "fetch", { attempt: 2 }), at: "2026-11-28T10:00:02Z" },
  ];

  it("shows a picked step's input, attempts and, live, its result once it completes — no refresh button", async () => {
    let fetchDone = false;
    const { calls } = fakeServer({
      ...base,
      "GET /v1/workflows/w1/runs/r1/events": (req) => ({ body: { events: req.path.includes("after_seq=0") ? history : [], next_after_seq: null } }),
      "GET /v1/workflows/w1/runs/r1/context": () => ({
        body: {
          run_id: "r1",
          workflow_id: "w1",
          version: 1,
          status: "running",
          input: { topic: "cats" },
          steps: {
            fetch: fetchDone
              ? { status: "completed", attempt: 2, input: { script: "return {}" }, result: { rows: 3 } }
              : { status: "running", attempt: 2, input: { script: "return {}" } },
          },
        },
      }),
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1", "/workflow/:id/runs/:runId");
    // The card says the step is on its second attempt and was retried.
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"] .step-run')?.textContent).toBe("running… · attempt 2retried"));

    // Pick it on the canvas.
    act(() => (document.querySelector('.react-flow__node[data-id="fetch"]') as HTMLElement).click());
    expect(await screen.findByRole("heading", { name: "fetch" })).toBeTruthy();
    expect(await screen.findByRole("group", { name: "Input of fetch" })).toBeTruthy();
    const attempts = screen.getByRole("table");
    expect([...attempts.querySelectorAll("tbody tr")].map((r) => r.textContent)).toEqual(["1+0 ms1 sfailed (LUA_ERROR)", "2+2 srunningrunning"]);
    expect(screen.queryByRole("group", { name: "Result of fetch" })).toBeNull();

    // The attempt completes on the live stream: the panel reads the context again by itself.
    fetchDone = true;
    await waitFor(() => expect(FakeSocket.last).not.toBeNull());
    act(() => FakeSocket.last?.send({ ...ev(5, "step_completed", "fetch", {}), at: "2026-11-28T10:00:03.500Z" }));
    const result = await screen.findByRole("group", { name: "Result of fetch" });
    expect(result.textContent).toContain("rows: 3");
    expect(document.querySelector('[data-step-id="fetch"] .step-run')?.textContent).toBe("1.5 s · attempt 2retried");
    expect(calls.filter((c) => c.path.endsWith("/context")).length).toBeGreaterThanOrEqual(2);
    expect(screen.queryByRole("button", { name: /Refresh/ })).toBeNull();
  });

  it("shows a failed step's failure code and error", async () => {
    fakeServer({
      ...base,
      "GET /v1/workflows/w1/runs/r1/events": {
        body: { events: [...history, ev(5, "step_failed", "fetch", { attempt: 2, failure_code: "LUA_ERROR", error: "boom again" }), ev(6, "run_failed", null, { failure_code: "LUA_ERROR" })], next_after_seq: null },
      },
      "GET /v1/workflows/w1/runs/r1/context": {
        body: { run_id: "r1", workflow_id: "w1", version: 1, status: "failed", input: {}, steps: { fetch: { status: "failed", attempt: 2, error: "boom again", failure_code: "LUA_ERROR" } } },
      },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1?step=fetch", "/workflow/:id/runs/:runId");
    const failure = await screen.findByRole("note", { name: "Why fetch failed" });
    expect(failure.textContent).toBe("LUA_ERROR boom again");
  });

  it("answers a waiting approval with the same form as Command Center, from the run's panel", async () => {
    let pending = [
      { task_id: "approve", run_id: "r1", workflow_id: "w1", step_id: "approve", task_type: "approval", task_payload: { title: "Ship it?", total: 12 }, created_at: "2026-11-28T10:00:00Z" },
    ];
    const { calls } = fakeServer({
      ...base,
      "GET /v1/workflows/w1/runs/r1/events": (req) => ({
        body: {
          events: req.path.includes("after_seq=0") ? [ev(1, "run_started", null), ev(2, "step_started", "approve", { attempt: 1 }), ev(3, "step_paused", "approve", { task_id: "approve" })] : [],
          next_after_seq: null,
        },
      }),
      "GET /v1/workflows/w1/runs/r1/context": { body: { run_id: "r1", workflow_id: "w1", version: 1, status: "running", input: {}, steps: {} } },
      "GET /v1/workflows/w1/runs/r1/tasks/pending": () => ({ body: { tasks: pending } }),
      "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": () => {
        pending = [];
        return { body: { status: "completed", task_id: "approve", approved: true } };
      },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1", "/workflow/:id/runs/:runId");
    const card = await screen.findByRole("article", { name: "Ship it?" });
    expect(card.querySelector("dd")?.textContent).toBe("12");
    act(() => screen.getByRole("button", { name: "Approve Ship it?" }).click());
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ approved: true }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "Ship it?" })).toBeNull());
  });
});

describe("RunView timeline", () => {
  const at = (s: number) => new Date(Date.parse("2026-11-28T10:00:00Z") + s * 1000).toISOString();
  const timed = (seq: number, s: number, type: string, step: string | null, data: Record<string, unknown> = {}): RunEvent => ({ ...ev(seq, type, step, data), at: at(s) });

  it("shows a row per step in graph order, their bars and the pause marker", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1/runs/r1": { body: { run_id: "r1", workflow_id: "w1", version: 1, status: "paused" } },
      "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "published", graph } },
      "GET /v1/workflows/w1/versions": { body: { versions: [] } },
      "GET /v1/workflows/w1/runs/r1/events": (req) =>
        req.path.includes("after_seq=0")
          ? {
              body: {
                events: [
                  timed(1, 0, "run_started", null),
                  timed(2, 0, "step_started", "fetch", { attempt: 1 }),
                  timed(3, 1.2, "step_failed", "fetch", { attempt: 1, will_retry: true, failure_code: "LUA_ERROR" }),
                  timed(4, 2, "step_started", "fetch", { attempt: 2 }),
                  timed(5, 3, "step_completed", "fetch", { result: {} }),
                  timed(6, 3, "step_started", "approve", { attempt: 1 }),
                  timed(7, 3, "step_paused", "approve", { task_id: "approve" }),
                  timed(8, 5, "state_changed", null, { from: "running", to: "paused" }),
                ],
                next_after_seq: null,
              },
            }
          : { body: { events: [] } },
    });
    vi.stubGlobal("WebSocket", FakeSocket);
    renderAt(<RunView />, "/workflow/w1/runs/r1", "/workflow/:id/runs/:runId");
    await waitFor(() => expect(screen.getByTestId("run-status").textContent).toBe("paused"));

    act(() => screen.getByRole("button", { name: "Timeline" }).click());
    expect(screen.getByRole("button", { name: "Timeline" }).getAttribute("aria-pressed")).toBe("true");
    const steps = screen.getByRole("list", { name: "Steps" });
    const rows = [...steps.children].map((li) => li.getAttribute("data-step-id"));
    expect(rows).toEqual(["fetch", "approve"]);

    const fetchBars = screen.getByRole("list", { name: "fetch over time" });
    expect([...fetchBars.querySelectorAll("li")].map((li) => li.textContent)).toEqual([
      "fetch: attempt 1, 1.2 s, failed (LUA_ERROR)",
      "fetch: attempt 2, 1 s, completed",
    ]);
    const approveBars = screen.getByRole("list", { name: "approve over time" });
    expect(approveBars.textContent).toContain("approve: waiting for a person since 3 s");
    expect(approveBars.querySelector(".tl-open.tl-attempt")).not.toBeNull();

    const marks = screen.getByRole("list", { name: "Run events" });
    expect(marks.textContent).toBe("paused at 5 s");

    // Back to the graph: the canvas is drawn again.
    act(() => screen.getByRole("button", { name: "Graph" }).click());
    await waitFor(() => expect(document.querySelector('[data-step-id="approve"]')?.getAttribute("data-status")).toBe("waiting"));
  });
});
