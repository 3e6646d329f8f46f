import { describe, expect, it } from "vitest";
import { diffGraphs, diffLines, jsonLines, summarize } from "./diff";
import { sampleGraph } from "./fixtures";
import type { Step, WorkflowGraph } from "./types";

/** The sample graph with `edit` applied to a deep copy. */
function edited(edit: (g: WorkflowGraph) => void): WorkflowGraph {
  const g = structuredClone(sampleGraph());
  edit(g);
  return g;
}

const loopBody = (g: WorkflowGraph) => (g.steps[1] as Step & { for_each_body_steps: Step[] }).for_each_body_steps;

describe("diffLines", () => {
  it("keeps common lines and marks removed and added ones", () => {
    expect(diffLines(["a", "b", "c"], ["a", "c", "d"])).toEqual([
      { kind: "same", left: "a", right: "a" },
      { kind: "removed", left: "b" },
      { kind: "same", left: "c", right: "c" },
      { kind: "added", right: "d" },
    ]);
  });

  it("pairs a replaced line with its replacement on one row", () => {
    expect(diffLines(["{", '  "x": 1,', '  "y": 2', "}"], ["{", '  "x": 5,', '  "y": 2', "}"])).toEqual([
      { kind: "same", left: "{", right: "{" },
      { kind: "changed", left: '  "x": 1,', right: '  "x": 5,' },
      { kind: "same", left: '  "y": 2', right: '  "y": 2' },
      { kind: "same", left: "}", right: "}" },
    ]);
  });

  it("puts every line on one side when the other is empty", () => {
    expect(diffLines([], ["a", "b"])).toEqual([
      { kind: "added", right: "a" },
      { kind: "added", right: "b" },
    ]);
    expect(diffLines(["a"], [])).toEqual([{ kind: "removed", left: "a" }]);
  });
});

describe("jsonLines", () => {
  it("orders keys the same way whatever order they were written in", () => {
    expect(jsonLines({ script: "s", type: "lua_script", id: "a" })).toEqual(jsonLines({ id: "a", type: "lua_script", script: "s" }));
    expect(jsonLines({ script: "s", id: "a" })[1]).toBe('  "id": "a",');
  });
});

describe("diffGraphs", () => {
  it("finds nothing between a graph and itself moved around the canvas", () => {
    const moved = edited((g) => {
      g.layout = { fetch: { position: { x: 999, y: 5 } } };
      (g.steps[0] as Step).position = { x: 1, y: 2 };
    });
    const diff = diffGraphs(sampleGraph(), moved);
    expect(diff.steps).toEqual([]);
    expect(diff.inputSchemaChanged).toBe(false);
    expect(summarize(diff)).toMatch(/^No differences/);
  });

  it("reports added, removed and changed steps by id", () => {
    const right = edited((g) => {
      g.steps = g.steps.filter((s) => s.id !== "audit");
      g.steps.push({ id: "notify", type: "lua_script", script: "return {}" });
      (g.steps[2] as Step & { prompt: string }).prompt = "Sum up briefly";
    });
    const diff = diffGraphs(sampleGraph(), right);
    expect(diff.steps.map((s) => [s.key, s.change])).toEqual([
      ["summarize", "changed"],
      ["audit", "removed"],
      ["notify", "added"],
    ]);
    expect([diff.added, diff.removed, diff.changed]).toEqual([1, 1, 1]);
    expect(summarize(diff)).toBe("1 step added, 1 step removed, 1 step changed.");
  });

  it("marks only the changed lines of a changed step", () => {
    const right = edited((g) => {
      (g.steps[2] as Step & { prompt: string }).prompt = "Sum up briefly";
    });
    const rows = diffGraphs(sampleGraph(), right).steps[0]?.rows ?? [];
    expect(rows.filter((r) => r.kind !== "same")).toEqual([
      { kind: "changed", left: '  "prompt": "Sum up"', right: '  "prompt": "Sum up briefly"' },
    ]);
    expect(rows.some((r) => r.kind === "same" && r.left.includes('"model_ref"'))).toBe(true);
  });

  it("compares loop body steps one by one as loop/inner, not as part of the loop", () => {
    const right = edited((g) => {
      (loopBody(g)[1] as Step & { script: string }).script = "return { id = item.id, score = 2 }";
      loopBody(g).push({ id: "tag", type: "lua_script", depends_on: ["merge"] });
    });
    const diff = diffGraphs(sampleGraph(), right);
    expect(diff.steps.map((s) => [s.key, s.change])).toEqual([
      ["each/merge", "changed"],
      ["each/tag", "added"],
    ]);
    // The added inner step is all on the right.
    expect(diff.steps[1]?.rows.every((r) => r.kind === "added")).toBe(true);
  });

  it("notices a changed input schema", () => {
    const right = edited((g) => {
      g.input_schema = { type: "object", properties: {} };
    });
    const diff = diffGraphs(sampleGraph(), right);
    expect(diff.steps).toEqual([]);
    expect(diff.inputSchemaChanged).toBe(true);
    expect(diff.inputSchemaRows.some((r) => r.kind === "removed" && r.left.includes('"topic"'))).toBe(true);
    expect(summarize(diff)).toBe("steps unchanged; input schema changed.");
  });

  it("compares in the published form: defaults, nulls, editor keys and other top-level keys are no change", () => {
    // What the draft may hold, spelled out...
    const draft = edited((g) => {
      Object.assign(g.steps[0] as Step, { enabled: true, retry_count: 0, no_auto_start: false, depends_on: [], condition: null, ui: { color: "red" } });
      Object.assign(g.steps[1] as Step, { for_each_error_policy: "fail_fast" });
      g.steps.push({ id: "poll", type: "while", while_body_steps: [] });
      g.extra = { ...g.extra, editor_note: "draft only" };
    });
    // ...and what the server keeps when it is published (no layout, no other keys, defaults omitted).
    const published = edited((g) => {
      g.layout = {};
      g.extra = {};
      g.steps.push({ id: "poll", type: "while", while_mode: "until", while_body_steps: [] });
    });
    expect(diffGraphs(draft, published).steps).toEqual([]);
    // A value that is not the default is a change.
    const disabled = structuredClone(published);
    Object.assign(disabled.steps[0] as Step, { enabled: false });
    expect(diffGraphs(published, disabled).steps.map((s) => s.key)).toEqual(["fetch"]);
  });
});
