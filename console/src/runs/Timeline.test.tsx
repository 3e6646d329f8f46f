// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "../api/types";
import { importGraph } from "../graph/importGraph";
import { Timeline } from "./Timeline";
import { applyTimelineEvents, emptyTimeline } from "./timeline";

const T0 = Date.parse("2026-11-28T10:00:00.000Z");
const ev = (seq: number, s: number, event_type: string, step_id: string | null = null, data: Record<string, unknown> = {}): RunEvent => ({
  seq,
  run_id: "r",
  workflow_id: "w",
  event_type,
  step_id,
  data: data as RunEvent["data"],
  at: new Date(T0 + s * 1000).toISOString(),
});
const graph = importGraph({
  steps: [
    { id: "fetch", type: "lua_script" },
    {
      id: "each",
      type: "for_each",
      depends_on: ["fetch"],
      for_each_items: [1, 2],
      for_each_body_steps: [{ id: "score", type: "lua_script" }],
    },
    { id: "report", type: "lua_script", depends_on: ["each"], condition: "{{steps.each.result.count}}" },
  ],
}).graph;
const axisNow = () => (document.querySelector(".tl-chart") as HTMLElement).style.getPropertyValue("--now");

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("Timeline", () => {
  it("grows a live run's open bars with the clock and stops the clock when the run ends", () => {
    vi.useFakeTimers({ now: T0 + 2_000 });
    const running = applyTimelineEvents(emptyTimeline, [ev(1, 0, "run_started"), ev(2, 1, "step_started", "fetch", { attempt: 1 })]);
    const { rerender } = render(<Timeline graph={graph} timeline={running} live />);
    expect(axisNow()).toBe("2000");
    act(() => vi.advanceTimersByTime(3_000));
    expect(axisNow()).toBe("5000");
    // The open bar has no end of its own: it is drawn up to --now.
    const bar = screen.getByText("fetch: attempt 1, started at 1 s, running").parentElement as HTMLElement;
    expect(bar.style.getPropertyValue("--s")).toBe("1000");
    expect(bar.style.getPropertyValue("--e")).toBe("");

    const done = applyTimelineEvents(running, [ev(3, 6, "step_completed", "fetch"), ev(4, 6, "run_completed")]);
    rerender(<Timeline graph={graph} timeline={done} live={false} />);
    expect(axisNow()).toBe("6000");
    act(() => vi.advanceTimersByTime(10_000));
    expect(axisNow()).toBe("6000");
    expect(screen.getByText("fetch: attempt 1, 5 s, completed")).toBeTruthy();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("draws inner loop steps inside the loop's row and a skipped step as a mark", () => {
    const tl = applyTimelineEvents(emptyTimeline, [
      ev(1, 0, "run_started"),
      ev(2, 0, "step_started", "each"),
      ev(3, 0.5, "step_started", "each/score"),
      ev(4, 1.5, "step_completed", "each/score"),
      ev(5, 2, "step_completed", "each"),
      ev(6, 2, "step_completed", "report", { skipped: true, reason: "condition_false" }),
      ev(7, 2, "run_completed"),
    ]);
    render(<Timeline graph={graph} timeline={tl} live={false} />);
    const loop = screen.getByRole("list", { name: "each over time" });
    expect([...loop.children].map((li) => li.textContent)).toEqual(["each: attempt 1, 2 s, completed", "each › score: attempt 1, 1 s, completed"]);
    expect(screen.getByRole("list", { name: "report over time" }).textContent).toBe("report: skipped at 2 s (condition_false)");
    expect(document.querySelector('[data-step-id="fetch"]')?.textContent).toContain("not started");
    expect(screen.getByRole("list", { name: "Run events" }).textContent).toBe("completed at 2 s");
  });

  it("draws an agent step's tool rounds as sub-rows under it, and the limit its turn hit", () => {
    const agentGraph = importGraph({ steps: [{ id: "triage", type: "agent_call", agent_id: "a1", prompt: "hi" }, { id: "after", type: "lua_script", depends_on: ["triage"] }] }).graph;
    const tl = applyTimelineEvents(emptyTimeline, [
      ev(1, 0, "run_started"),
      ev(2, 0, "step_started", "triage", { attempt: 1 }),
      ev(3, 0, "agent_turn_started", "triage", { agent_id: "a1" }),
      ev(4, 1, "agent_tool_round", "triage", { round: 1, tool: "search", ok: true }),
      ev(5, 2, "agent_tool_round", "triage", { round: 2, tool: "fetch", ok: false }),
      ev(6, 3, "agent_turn_completed", "triage", { turns: 2, stopped_reason: "max_turns" }),
      ev(7, 3, "step_completed", "triage"),
    ]);
    render(<Timeline graph={agentGraph} timeline={tl} live={false} />);
    const sub = screen.getByRole("list", { name: "Agent rounds of triage" });
    expect([...sub.children].map((li) => li.textContent)).toEqual([
      "round 1 · searchtriage: round 1, search, ok at 1 s",
      "round 2 · fetchtriage: round 2, fetch, failed at 2 s",
      "limit: max_turnstriage: stopped at its turn limit (max_turns) at 3 s",
    ]);
    expect(sub.querySelector(".tl-round.status-failed")?.getAttribute("style")).toContain("--s: 2000");
    // The sub-rows sit right under their step, before the next step's row.
    const rows = [...screen.getByRole("list", { name: "Steps" }).children];
    expect(rows.map((li) => li.getAttribute("data-step-id") ?? li.className)).toEqual(["triage", "tl-agent", "after"]);
  });

  it("says so when the run has no events yet", () => {
    render(<Timeline graph={graph} timeline={emptyTimeline} live />);
    expect(screen.getByRole("status").textContent).toBe("No events yet.");
  });
});
