import { describe, expect, it } from "vitest";
import type { RunEvent } from "../api/types";
import { importGraph } from "../graph/importGraph";
import {
  applyTimelineEvents,
  axisTicks,
  emptyTimeline,
  formatDuration,
  markLabel,
  spanLabel,
  stepOrder,
  timelineRows,
  type Timeline,
} from "./timeline";

const T0 = Date.parse("2026-11-28T10:00:00.000Z");
let seq = 0;
/** An event `ms` milliseconds after T0. */
const ev = (ms: number, event_type: string, step_id: string | null = null, data: Record<string, unknown> = {}): RunEvent => ({
  seq: ++seq,
  run_id: "r",
  workflow_id: "w",
  event_type,
  step_id,
  data: data as RunEvent["data"],
  at: new Date(T0 + ms).toISOString(),
});
const fold = (...events: RunEvent[]): Timeline => applyTimelineEvents(emptyTimeline, events);

describe("step spans", () => {
  it("draws one attempt from its start to its completion", () => {
    const tl = fold(ev(0, "run_started"), ev(100, "step_started", "a", { attempt: 1 }), ev(1_300, "step_completed", "a", { result: {} }));
    expect(tl.start).toBe(T0);
    expect(tl.steps.a?.spans).toEqual([{ kind: "attempt", start: T0 + 100, end: T0 + 1_300, status: "completed", attempt: 1 }]);
  });

  it("leaves a running step's attempt open (drawn up to now)", () => {
    const tl = fold(ev(0, "run_started"), ev(100, "step_started", "a", { attempt: 1 }));
    expect(tl.steps.a?.spans).toEqual([{ kind: "attempt", start: T0 + 100, status: "running", attempt: 1 }]);
    expect(tl.end).toBeUndefined();
  });

  it("draws a retry as a second attempt of the same row, the first one failed", () => {
    const tl = fold(
      ev(0, "step_started", "a", { attempt: 1 }),
      ev(500, "step_failed", "a", { attempt: 1, will_retry: true, error: { message: "503" } }),
      ev(1_500, "step_started", "a", { attempt: 2 }),
      ev(2_700, "step_failed", "a", { attempt: 2, will_retry: false, failure_code: "LUA_ERROR", error: "boom" }),
    );
    expect(tl.steps.a?.spans).toEqual([
      { kind: "attempt", start: T0, end: T0 + 500, status: "failed", attempt: 1, detail: "503" },
      { kind: "attempt", start: T0 + 1_500, end: T0 + 2_700, status: "failed", attempt: 2, detail: "LUA_ERROR" },
    ]);
  });

  it("draws a human task's wait from step_paused to task_completed inside its attempt", () => {
    const tl = fold(
      ev(0, "step_started", "ok", { attempt: 1 }),
      ev(0, "step_paused", "ok", { task_id: "ok" }),
      ev(60_000, "task_completed", "ok", { approved: false }),
      ev(60_000, "step_completed", "ok", { result: { approved: false } }),
    );
    expect(tl.steps.ok?.spans).toEqual([
      { kind: "attempt", start: T0, end: T0 + 60_000, status: "completed", attempt: 1 },
      { kind: "waiting", start: T0, end: T0 + 60_000, status: "waiting", detail: "rejected" },
    ]);
  });

  it("keeps a wait open until the task is completed", () => {
    const tl = fold(ev(0, "step_started", "ok"), ev(5, "step_paused", "ok", { task_id: "ok" }));
    expect(tl.steps.ok?.spans[1]).toEqual({ kind: "waiting", start: T0 + 5, status: "waiting" });
  });

  it("marks a skipped step with its reason and a reused step as reused", () => {
    const tl = fold(ev(10, "step_completed", "b", { skipped: true, reason: "condition_false" }), ev(20, "step_completed", "c", { reused_from_run_id: "r0", result: 1 }));
    expect(tl.steps.b).toEqual({ spans: [], marks: [{ at: T0 + 10, kind: "skipped", reason: "condition_false" }] });
    expect(tl.steps.c?.marks).toEqual([{ at: T0 + 20, kind: "reused" }]);
  });

  it("ends an attempt cancelled by the run's failure as cancelled", () => {
    const tl = fold(ev(0, "step_started", "a"), ev(900, "step_cancelled", "a", { reason: "run_failed" }));
    expect(tl.steps.a?.spans).toEqual([{ kind: "attempt", start: T0, end: T0 + 900, status: "cancelled", attempt: 1, detail: "run_failed" }]);
  });
});

describe("agent rounds", () => {
  it("keeps each tool call of an agent turn in order, ok or failed, and no limit after a final answer", () => {
    const tl = fold(
      ev(0, "step_started", "triage", { attempt: 1 }),
      ev(0, "agent_turn_started", "triage", { agent_id: "a1" }),
      ev(800, "agent_tool_round", "triage", { round: 1, tool: "search", ok: true }),
      ev(800, "agent_tool_round", "triage", { round: 1, tool: "fetch", ok: false }),
      ev(1_900, "agent_tool_round", "triage", { round: 2, tool: "search", ok: true }),
      ev(2_500, "agent_turn_completed", "triage", { turns: 3, stopped_reason: "final_answer" }),
    );
    expect(tl.steps.triage?.agent).toEqual({
      rounds: [
        { at: T0 + 800, round: 1, tool: "search", ok: true },
        { at: T0 + 800, round: 1, tool: "fetch", ok: false },
        { at: T0 + 1_900, round: 2, tool: "search", ok: true },
      ],
    });
  });

  it("records the limit a turn stopped at, and copies rows so the earlier timeline is unchanged", () => {
    const before = fold(ev(0, "step_started", "triage"), ev(500, "agent_tool_round", "triage", { round: 1, tool: "echo", ok: true }));
    const after = applyTimelineEvents(before, [ev(900, "agent_turn_completed", "triage", { turns: 1, stopped_reason: "max_turns" })]);
    expect(after.steps.triage?.agent?.limit).toEqual({ at: T0 + 900, reason: "max_turns" });
    expect(before.steps.triage?.agent?.limit).toBeUndefined();
    const more = applyTimelineEvents(after, [ev(1_000, "agent_tool_round", "triage", { round: 2, tool: "echo", ok: true })]);
    expect(after.steps.triage?.agent?.rounds).toHaveLength(1);
    expect(more.steps.triage?.agent?.rounds).toHaveLength(2);
    const budget = fold(ev(0, "agent_turn_completed", "b", { turns: 2, stopped_reason: "token_budget" }));
    expect(budget.steps.b?.agent).toEqual({ rounds: [], limit: { at: T0, reason: "token_budget" } });
  });
});

describe("run markers", () => {
  it("marks pause, resume, graceful stop and the stop, but not the start or terminal state changes", () => {
    const tl = fold(
      ev(0, "run_started"),
      ev(0, "state_changed", null, { from: "queued", to: "running" }),
      ev(1_000, "state_changed", null, { from: "running", to: "paused" }),
      ev(4_000, "state_changed", null, { from: "paused", to: "running" }),
      ev(6_000, "state_changed", null, { from: "running", to: "draining" }),
      ev(7_000, "state_changed", null, { from: "draining", to: "stopped" }),
      ev(7_000, "run_stopped"),
    );
    expect(tl.marks.map((m) => [m.kind, m.at - T0])).toEqual([
      ["paused", 1_000],
      ["resumed", 4_000],
      ["draining", 6_000],
      ["stopped", 7_000],
    ]);
    expect(tl.end).toBe(T0 + 7_000);
  });

  it("marks a failed run with its failure code and a completed run", () => {
    expect(fold(ev(0, "run_started"), ev(10, "run_failed", null, { failure_code: "STEP_TIMEOUT" })).marks).toMatchObject([{ kind: "failed", detail: "STEP_TIMEOUT" }]);
    expect(fold(ev(0, "run_started"), ev(10, "run_completed")).marks).toMatchObject([{ kind: "completed" }]);
  });
});

describe("folding in batches", () => {
  it("returns the same timeline for events already seen and ignores their replay", () => {
    const started = ev(0, "step_started", "a");
    const tl = fold(started, ev(10, "step_completed", "a"));
    expect(applyTimelineEvents(tl, [started])).toBe(tl);
  });

  it("keeps untouched rows and does not change the timeline it was given", () => {
    const before = fold(ev(0, "step_started", "a"), ev(0, "step_started", "b"));
    const snapshot = structuredClone(before);
    const after = applyTimelineEvents(before, [ev(10, "step_completed", "b"), ev(10, "state_changed", null, { from: "running", to: "paused" })]);
    expect(before).toEqual(snapshot);
    expect(after.steps.a).toBe(before.steps.a);
    expect(after.steps.b).not.toBe(before.steps.b);
    expect(after.steps.b?.spans[0]?.status).toBe("completed");
  });

  it("folds 10,000 events for 500 steps in frame-sized batches quickly", () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ev(i, i % 2 ? "step_completed" : "step_started", `s${Math.floor(i / 2) % 500}`));
    const start = performance.now();
    let tl = emptyTimeline;
    for (let i = 0; i < events.length; i += 100) tl = applyTimelineEvents(tl, events.slice(i, i + 100));
    expect(performance.now() - start).toBeLessThan(1000);
    expect(Object.keys(tl.steps)).toHaveLength(500);
    expect(tl.steps.s0?.spans).toHaveLength(10);
  });
});

describe("rows", () => {
  const graph = importGraph({
    steps: [
      { id: "report", type: "lua_script", depends_on: ["each"] },
      { id: "fetch", type: "lua_script" },
      {
        id: "each",
        type: "for_each",
        depends_on: ["fetch"],
        for_each_items: "{{steps.fetch.result.items}}",
        for_each_body_steps: [
          { id: "summarise", type: "lua_script" },
          { id: "score", type: "lua_script", depends_on: ["summarise"] },
        ],
      },
    ],
  }).graph;

  it("orders top-level steps after the steps they depend on", () => {
    expect(stepOrder(graph).map((s) => s.id)).toEqual(["fetch", "each", "report"]);
  });

  it("gives every step a row, puts inner loop events in their loop's row and unknown ids last", () => {
    const tl = fold(
      ev(0, "step_started", "each"),
      ev(1, "step_started", "each/score"),
      ev(2, "step_started", "summarise"),
      ev(3, "step_started", "ghost"),
    );
    const rows = timelineRows(graph, tl.steps);
    expect(rows.map((r) => r.id)).toEqual(["fetch", "each", "report", "ghost"]);
    expect(rows[0]?.own).toBeUndefined();
    expect(rows[1]?.own?.spans).toHaveLength(1);
    expect(rows[1]?.inner.map((i) => i.id)).toEqual(["summarise", "score"]);
  });
});

describe("axis and labels", () => {
  it("picks round tick intervals", () => {
    expect(axisTicks(10_000)).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(axisTicks(3_500)).toEqual([0, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500]);
    expect(axisTicks(90 * 60_000)).toEqual([0, 15, 30, 45, 60, 75, 90].map((m) => m * 60_000));
  });

  it.each([
    [340, "340 ms"],
    [1_200, "1.2 s"],
    [2_000, "2 s"],
    [12_400, "12 s"],
    [125_000, "2 min 5 s"],
    [5_400_000, "1 h 30 min"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("names bars and marks for screen readers", () => {
    expect(spanLabel("fetch", { kind: "attempt", start: T0 + 300, end: T0 + 1_500, status: "failed", attempt: 2, detail: "LUA_ERROR" }, T0)).toBe(
      "fetch: attempt 2, 1.2 s, failed (LUA_ERROR)",
    );
    expect(spanLabel("fetch", { kind: "attempt", start: T0 + 3_000, status: "running", attempt: 1 }, T0)).toBe("fetch: attempt 1, started at 3 s, running");
    expect(spanLabel("ok", { kind: "waiting", start: T0, end: T0 + 120_000, status: "waiting", detail: "approved" }, T0)).toBe(
      "ok: waited for a person 2 min, approved",
    );
    expect(markLabel("b", { at: T0 + 1_200, kind: "skipped", reason: "condition_false" }, T0)).toBe("b: skipped at 1.2 s (condition_false)");
  });
});
