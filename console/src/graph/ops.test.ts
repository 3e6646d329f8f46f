import { describe, expect, it } from "vitest";
import { sampleGraph } from "./fixtures";
import {
  addStep,
  ancestorsOf,
  connect,
  defaultStep,
  dependencyOrder,
  disconnect,
  findStep,
  GraphEditError,
  moveStep,
  newStepId,
  removeStep,
  updateStep,
} from "./ops";
import { STEP_TYPES, type Step } from "./types";

describe("adding steps", () => {
  it.each(STEP_TYPES.map((t) => [t]))("gives a new %s step a fresh id and its type", (type) => {
    const g = sampleGraph();
    const { graph, id } = addStep(g, type, { position: { x: 5, y: 6 } });
    expect(graph.steps.at(-1)).toMatchObject({ id, type });
    expect(graph.layout[id]?.position).toEqual({ x: 5, y: 6 });
    expect(g.steps).toHaveLength(4); // the old graph is untouched
  });

  it("never reuses an id taken by an inner step", () => {
    const g = sampleGraph();
    const each = g.steps[1] as Step & { for_each_body_steps: Step[] };
    each.for_each_body_steps.push({ id: "lua-1", type: "lua_script" });
    expect(newStepId(g, "lua_script")).toBe("lua-2");
  });

  it("chains a step added to a loop body after the current last inner step", () => {
    const { graph, id } = addStep(sampleGraph(), "llm_call", { parent: "each" });
    expect(findStep(graph, { id, parent: "each" })?.depends_on).toEqual(["merge"]);
  });

  it.each([["human_task"], ["for_each"], ["while"]] as const)("refuses a %s inside a loop body", (type) => {
    expect(() => addStep(sampleGraph(), type, { parent: "each" })).toThrow(GraphEditError);
  });

  it("gives each type's default step the fields its type requires", () => {
    expect(defaultStep("lua_script", "x")).toMatchObject({ script: expect.any(String) });
    expect(defaultStep("for_each", "x")).toMatchObject({ for_each_items: "", for_each_body_steps: [] });
    expect(defaultStep("while", "x")).toMatchObject({ while_max_iterations: 5, while_body_steps: [] });
    expect(defaultStep("human_task", "x")).toMatchObject({ task_type: "approval" });
  });
});

describe("connecting steps", () => {
  it("makes the target depend on the source", () => {
    const g = connect(sampleGraph(), { id: "audit" }, { id: "summarize" });
    expect(findStep(g, { id: "summarize" })?.depends_on).toEqual(["each", "audit"]);
  });

  it("does not duplicate an existing dependency", () => {
    const g = connect(sampleGraph(), { id: "fetch" }, { id: "each" });
    expect(findStep(g, { id: "each" })?.depends_on).toEqual(["fetch"]);
  });

  const refused: [string, { id: string; parent?: string }, { id: string; parent?: string }, RegExp][] = [
    ["a direct cycle", { id: "each" }, { id: "fetch" }, /cycle/],
    ["a transitive cycle", { id: "summarize" }, { id: "fetch" }, /cycle/],
    ["a self-loop", { id: "fetch" }, { id: "fetch" }, /itself/],
    ["an edge into a loop body", { id: "fetch" }, { id: "merge", parent: "each" }, /same loop/],
    ["an unknown step", { id: "nope" }, { id: "fetch" }, /steps of this graph/],
  ];
  it.each(refused)("refuses %s", (_name, source, target, message) => {
    expect(() => connect(sampleGraph(), source, target)).toThrow(message);
  });

  it("connects two inner steps of the same loop", () => {
    let g = addStep(sampleGraph(), "lua_script", { parent: "each" }).graph;
    g = disconnect(g, { id: "merge", parent: "each" }, { id: "lua-1", parent: "each" });
    g = connect(g, { id: "lookup", parent: "each" }, { id: "lua-1", parent: "each" });
    expect(findStep(g, { id: "lua-1", parent: "each" })?.depends_on).toEqual(["lookup"]);
  });

  it("drops depends_on entirely when its last entry is disconnected", () => {
    const g = disconnect(sampleGraph(), { id: "fetch" }, { id: "each" });
    expect(findStep(g, { id: "each" })).not.toHaveProperty("depends_on");
  });
});

describe("removing, updating and moving", () => {
  it("removes a step, its layout and every reference to it", () => {
    const g = removeStep(sampleGraph(), { id: "fetch" });
    expect(g.steps.map((s) => s.id)).toEqual(["each", "summarize", "audit"]);
    expect(findStep(g, { id: "each" })).not.toHaveProperty("depends_on");
    expect(g.layout.fetch).toBeUndefined();
  });

  it("removes an inner step and its references inside the loop", () => {
    const g = removeStep(sampleGraph(), { id: "lookup", parent: "each" });
    expect(findStep(g, { id: "merge", parent: "each" })).not.toHaveProperty("depends_on");
  });

  it("renames a step and every depends_on naming it, keeping its position", () => {
    const fetch = findStep(sampleGraph(), { id: "fetch" }) as Step;
    const g = updateStep(sampleGraph(), { id: "fetch" }, { ...fetch, id: "load" });
    expect(findStep(g, { id: "each" })?.depends_on).toEqual(["load"]);
    expect(g.layout.load?.position).toEqual({ x: 0, y: 0 });
    expect(g.layout.fetch).toBeUndefined();
  });

  it.each([["audit"], ["merge"]])("refuses to rename a step to the taken id %s", (taken) => {
    const fetch = findStep(sampleGraph(), { id: "fetch" }) as Step;
    expect(() => updateStep(sampleGraph(), { id: "fetch" }, { ...fetch, id: taken })).toThrow(/already used/);
  });

  it("records a moved position without touching the steps", () => {
    const before = sampleGraph();
    const g = moveStep(before, "audit", { x: 7, y: 8 });
    expect(g.layout.audit?.position).toEqual({ x: 7, y: 8 });
    expect(g.steps).toBe(before.steps);
  });
});

describe("dependency helpers", () => {
  it("finds transitive ancestors and nothing downstream", () => {
    expect([...ancestorsOf(sampleGraph().steps, "summarize")].sort()).toEqual(["each", "fetch"]);
    expect([...ancestorsOf(sampleGraph().steps, "fetch")]).toEqual([]);
  });

  it("terminates on a cyclic graph", () => {
    const steps: Step[] = [
      { id: "a", type: "lua_script", depends_on: ["b"] },
      { id: "b", type: "lua_script", depends_on: ["a"] },
    ];
    expect([...ancestorsOf(steps, "a")]).toEqual(["b"]);
    expect(dependencyOrder(steps).map((s) => s.id).sort()).toEqual(["a", "b"]);
  });

  it("orders steps after their dependencies, keeping array order otherwise", () => {
    const steps: Step[] = [
      { id: "c", type: "lua_script", depends_on: ["b"] },
      { id: "a", type: "lua_script" },
      { id: "b", type: "lua_script", depends_on: ["a", "elsewhere"] },
      { id: "d", type: "lua_script" },
    ];
    expect(dependencyOrder(steps).map((s) => s.id)).toEqual(["a", "d", "b", "c"]);
  });
});
