import { describe, expect, it } from "vitest";
import { exportGraph, type ExportShape } from "./exportGraph";
import { sampleGraph } from "./fixtures";
import { GraphImportError, importGraph, importGraphText } from "./importGraph";

describe("importGraph shapes", () => {
  it("reads a steps-only graph as is", () => {
    const doc = { steps: [{ id: "a", type: "lua_script", script: "return {}" }], input_schema: { type: "object" } };
    const r = importGraph(doc);
    expect(r.shape).toBe("steps");
    expect(r.graph.steps).toEqual(doc.steps);
    expect(r.graph.input_schema).toEqual({ type: "object" });
    expect(r.problems).toEqual([]);
  });

  it("turns canvas edges into depends_on of the edge target and keeps positions", () => {
    const r = importGraph({
      nodes: [
        { id: "n1", type: "stepNode", position: { x: 1, y: 2 }, data: { label: "A", step: { id: "a", type: "lua_script" } } },
        { id: "n2", position: { x: 3, y: 4 }, data: { step: { id: "b", type: "lua_script" } } },
      ],
      edges: [{ source: "n1", target: "n2" }],
    });
    expect(r.shape).toBe("canvas");
    expect(r.graph.steps.map((s) => [s.id, s.depends_on])).toEqual([
      ["a", undefined],
      ["b", ["a"]],
    ]);
    expect(r.graph.layout.a).toEqual({ type: "stepNode", position: { x: 1, y: 2 }, data: { label: "A" } });
    expect(r.graph.layout.b?.position).toEqual({ x: 3, y: 4 });
  });

  it("gives a canvas step without an id its node id", () => {
    const r = importGraph({ nodes: [{ id: "n1", data: { step: { type: "lua_script" } } }], edges: [] });
    expect(r.graph.steps[0]?.id).toBe("n1");
  });

  it("lets steps win over nodes in the backend shape and keeps node positions", () => {
    const r = importGraph({
      steps: [{ id: "a", type: "lua_script", script: "return {}" }],
      nodes: [{ id: "a", position: { x: 9, y: 9 }, data: { step: { id: "a", type: "llm_call" } } }],
      edges: [{ source: "x", target: "a" }],
    });
    expect(r.shape).toBe("backend");
    expect(r.graph.steps).toEqual([{ id: "a", type: "lua_script", script: "return {}" }]);
    expect(r.graph.layout.a?.position).toEqual({ x: 9, y: 9 });
    expect(r.graph.extra).toEqual({});
  });

  it("does not add a duplicate dependency for a repeated edge", () => {
    const r = importGraph({
      nodes: [
        { id: "a", data: { step: { id: "a", type: "lua_script" } } },
        { id: "b", data: { step: { id: "b", type: "lua_script", depends_on: ["a"] } } },
      ],
      edges: [
        { source: "a", target: "b" },
        { source: "a", target: "b" },
      ],
    });
    expect(r.graph.steps[1]?.depends_on).toEqual(["a"]);
  });

  it("keeps unknown top-level keys and unknown step fields", () => {
    const r = importGraph({ name: "x", tags: ["t"], steps: [{ id: "a", type: "lua_script", scirpt: "typo" }] });
    expect(r.graph.extra).toEqual({ name: "x", tags: ["t"] });
    expect((r.graph.steps[0] as unknown as Record<string, unknown>).scirpt).toBe("typo");
  });
});

describe("importGraph problems", () => {
  const cases: [string, unknown, string][] = [
    ["a non-step entry in steps", { steps: [1, { id: "a", type: "lua_script" }] }, "$.steps[0]"],
    ["a node without data.step", { nodes: [{ id: "x", data: {} }] }, "$.nodes[0]"],
    ["an edge to an unknown node", { nodes: [{ id: "a", data: { step: { id: "a", type: "lua_script" } } }], edges: [{ source: "a", target: "zz" }] }, "$.edges[0]"],
    ["an edge without a target", { nodes: [{ id: "a", data: { step: { id: "a", type: "lua_script" } } }], edges: [{ source: "a" }] }, "$.edges[0]"],
    ["edges that are not an array", { nodes: [{ id: "a", data: { step: { id: "a", type: "lua_script" } } }], edges: {} }, "$.edges"],
    ["a duplicate step id", { steps: [{ id: "a", type: "lua_script" }, { id: "a", type: "llm_call" }] }, "$.steps[1]"],
    ["a step without an id", { steps: [{ type: "lua_script" }] }, "$.steps[0]"],
    ["a body that is not an array", { steps: [{ id: "l", type: "for_each", for_each_body_steps: "x" }] }, "$.steps[0].for_each_body_steps"],
    ["an input schema that is not an object", { steps: [], input_schema: "x" }, "$.input_schema"],
  ];
  it.each(cases)("reports %s at its path", (_name, doc, path) => {
    const r = importGraph(doc);
    expect(r.problems.map((p) => p.path)).toContain(path);
  });

  const fatal: [string, unknown][] = [
    ["a non-object", [1, 2]],
    ["null", null],
    ["an object without steps or nodes", { name: "x" }],
    ["steps that are not an array", { steps: {} }],
    ["nodes that are not an array", { nodes: "n" }],
  ];
  it.each(fatal)("refuses %s with a GraphImportError", (_name, doc) => {
    expect(() => importGraph(doc)).toThrow(GraphImportError);
  });

  it("refuses text that is not JSON with a message naming the problem", () => {
    expect(() => importGraphText("{ steps: ")).toThrow(/not valid JSON/);
  });
});

describe("export and re-import", () => {
  const shapes: ExportShape[] = ["backend", "steps", "canvas"];
  it.each(shapes)("round-trips the steps through the %s shape", (shape) => {
    const g = sampleGraph();
    const back = importGraph(exportGraph(g, shape)).graph;
    expect(back.steps).toEqual(g.steps);
    expect(back.input_schema).toEqual(g.input_schema);
    expect(back.extra).toEqual(g.extra);
  });

  it("keeps positions through the backend and canvas shapes", () => {
    const g = sampleGraph();
    for (const shape of ["backend", "canvas"] as const) {
      const back = importGraph(exportGraph(g, shape)).graph;
      expect(back.layout.fetch?.position).toEqual({ x: 0, y: 0 });
      expect(back.layout.each?.position).toEqual({ x: 300, y: 0 });
    }
  });

  it("writes canvas edges as source → dependant and no depends_on inside node steps", () => {
    const doc = exportGraph(sampleGraph(), "canvas") as { edges: { source: string; target: string }[]; nodes: { data: { step: Record<string, unknown> } }[] };
    expect(doc.edges.map((e) => `${e.source}->${e.target}`)).toEqual(["fetch->each", "each->summarize"]);
    expect(doc.nodes.every((n) => !("depends_on" in n.data.step))).toBe(true);
  });

  it("exports steps-only without nodes or edges", () => {
    const doc = exportGraph(sampleGraph(), "steps");
    expect(Object.keys(doc).sort()).toEqual(["input_schema", "name", "steps"]);
  });
});
