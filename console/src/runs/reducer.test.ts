import { describe, expect, it } from "vitest";
import type { RunEvent } from "../api/types";
import { applyEvent, applyEvents, initialRunState, isTerminal, statusCounts, type RunState } from "./reducer";

let seq = 0;
const ev = (event_type: string, step_id: string | null = null, data: Record<string, unknown> = {}): RunEvent => ({
  seq: ++seq,
  run_id: "r",
  workflow_id: "w",
  event_type,
  step_id,
  data: data as RunEvent["data"],
  at: `t${seq}`,
});
const run = (...events: RunEvent[]): RunState => applyEvents(initialRunState, events);

describe("step statuses from events", () => {
  const cases: [string, RunEvent[], string, Record<string, unknown>][] = [
    ["started", [ev("step_started", "a", { attempt: 1 })], "running", { attempt: 1 }],
    ["completed", [ev("step_started", "a", { attempt: 1 }), ev("step_completed", "a", { result: {} })], "completed", {}],
    ["skipped for a false condition", [ev("step_completed", "a", { skipped: true, reason: "condition_false" })], "skipped", { reason: "condition_false" }],
    ["skipped as blocked", [ev("step_completed", "a", { skipped: true, reason: "blocked" })], "skipped", { reason: "blocked" }],
    ["failed for good", [ev("step_started", "a"), ev("step_failed", "a", { error: "boom", failure_code: "LUA_ERROR", attempt: 1, will_retry: false })], "failed", { error: "boom", failureCode: "LUA_ERROR" }],
    ["failed and retrying", [ev("step_started", "a"), ev("step_failed", "a", { error: { message: "503" }, attempt: 1, will_retry: true })], "running", { retrying: true, error: "503" }],
    ["retried after a failure", [ev("step_failed", "a", { attempt: 1, will_retry: true }), ev("step_started", "a", { attempt: 2 })], "running", { attempt: 2 }],
    ["cancelled", [ev("step_started", "a"), ev("step_cancelled", "a", { reason: "run_failed" })], "cancelled", { reason: "run_failed" }],
    ["waiting on a task", [ev("step_started", "a"), ev("step_paused", "a", { task_id: "a" })], "waiting", { taskId: "a" }],
    ["still waiting after the task is completed", [ev("step_paused", "a", { task_id: "a" }), ev("task_completed", "a", { approved: true })], "waiting", {}],
    ["completed after approval", [ev("step_paused", "a", { task_id: "a" }), ev("task_completed", "a"), ev("step_completed", "a", { result: { approved: true } })], "completed", { taskId: undefined }],
  ];
  it.each(cases)("%s", (_name, events, status, extra) => {
    const s = run(...events).steps.a;
    expect(s?.status).toBe(status);
    expect(s).toMatchObject(extra);
  });
});

describe("run status from events", () => {
  const cases: [string, RunEvent[], string][] = [
    ["started", [ev("run_started")], "running"],
    ["paused", [ev("run_started"), ev("state_changed", null, { from: "running", to: "paused" })], "paused"],
    ["draining", [ev("run_started"), ev("state_changed", null, { from: "running", to: "draining" })], "draining"],
    ["completed", [ev("run_started"), ev("run_completed")], "completed"],
    ["failed", [ev("run_started"), ev("run_failed", null, { failure_code: "LUA_ERROR" })], "failed"],
    ["stopped", [ev("run_started"), ev("run_stopped")], "stopped"],
    ["rejected", [ev("run_rejected", null, { failure_code: "INSUFFICIENT_CREDITS" })], "failed"],
  ];
  it.each(cases)("%s", (_name, events, status) => {
    expect(run(...events).status).toBe(status);
  });

  it("keeps the failure code of a failed or rejected run", () => {
    expect(run(ev("run_failed", null, { failure_code: "STEP_TIMEOUT" })).failureCode).toBe("STEP_TIMEOUT");
    expect(run(ev("run_rejected", null, { failure_code: "INSUFFICIENT_CREDITS" })).failureCode).toBe("INSUFFICIENT_CREDITS");
  });

  it.each([["completed", true], ["failed", true], ["stopped", true], ["running", false], ["draining", false], ["unknown", false]] as const)(
    "treats %s as terminal: %s",
    (status, terminal) => {
      expect(isTerminal(status)).toBe(terminal);
    },
  );
});

describe("ordering and replays", () => {
  it("ignores an event whose sequence was already applied", () => {
    const started = ev("step_started", "a");
    const done = ev("step_completed", "a");
    const s = run(started, done);
    expect(applyEvent(s, started)).toBe(s);
    expect(applyEvent(s, { ...started, seq: 0 })).toBe(s);
  });

  it("applies a batch in sequence order whatever the arrival order", () => {
    const a = ev("step_started", "a");
    const b = ev("step_completed", "a");
    expect(run(b, a).steps.a?.status).toBe("completed");
  });

  it("moves the cursor on unknown event types without changing anything else", () => {
    const before = run(ev("run_started"));
    const after = applyEvent(before, ev("something_new", "a"));
    expect(after.lastSeq).toBe(before.lastSeq + 1);
    expect(after.steps).toEqual(before.steps);
    expect(after.status).toBe("running");
  });

  it("does not mutate the state it was given", () => {
    const before = run(ev("step_started", "a"));
    const snapshot = structuredClone(before);
    applyEvents(before, [ev("step_completed", "a"), ev("step_started", "b")]);
    expect(before).toEqual(snapshot);
  });

  it("applies 10,000 events for 500 steps quickly (the run view's 1,000 events/s budget)", () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ev(i % 2 ? "step_completed" : "step_started", `s${i % 500}`));
    const start = performance.now();
    let s = initialRunState;
    for (let i = 0; i < events.length; i += 100) s = applyEvents(s, events.slice(i, i + 100));
    expect(performance.now() - start).toBeLessThan(1000);
    expect(Object.keys(s.steps)).toHaveLength(500);
  });

  it("counts steps per status", () => {
    const s = run(ev("step_started", "a"), ev("step_started", "b"), ev("step_completed", "b"), ev("step_completed", "c", { skipped: true }));
    expect(statusCounts(s)).toEqual({ running: 1, completed: 1, skipped: 1 });
  });
});
