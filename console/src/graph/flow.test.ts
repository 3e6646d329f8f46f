import { describe, expect, it } from "vitest";
import { sampleGraph } from "./fixtures";
import { flowNodes, fromFlow, graphDirection, LOOP_BOX, loopAt, nodeIdOf, reconcileEdges, reconcileNodes, routeEdges, sizeOf, STEP_SIZE, toFlow } from "./flow";
import { moveStep, removeStep } from "./ops";
import { withAutoLayout, autoLayout } from "./layout";
import type { Step, WorkflowGraph } from "./types";

describe("toFlow", () => {
  it("draws one node per step with loop bodies as children of their loop box", () => {
    const { nodes } = toFlow(sampleGraph());
    expect(nodes.map((n) => [n.id, n.type, n.parentId])).toEqual([
      ["fetch", "step", undefined],
      ["each", "loop", undefined],
      ["each/lookup", "step", "each"],
      ["each/merge", "step", "each"],
      ["summarize", "step", undefined],
      ["audit", "step", undefined],
    ]);
  });

  it("draws an edge from each dependency to its dependant, inside loops too", () => {
    const { edges } = toFlow(sampleGraph());
    expect(edges.map((e) => `${e.source}->${e.target}`)).toEqual(["fetch->each", "each/lookup->each/merge", "each->summarize"]);
  });

  it("draws no edge for a dependency on a missing step", () => {
    const g = sampleGraph();
    g.steps[3] = { id: "audit", type: "lua_script", depends_on: ["ghost"] };
    expect(toFlow(g).edges.some((e) => e.source === "ghost")).toBe(false);
  });

  it("places saved positions and puts unsaved steps on a grid without overlap", () => {
    const { nodes } = toFlow(sampleGraph());
    const top = nodes.filter((n) => !n.parentId);
    expect(top.find((n) => n.id === "each")?.position).toEqual({ x: 300, y: 0 });
    const unsaved = top.filter((n) => n.id === "summarize" || n.id === "audit").map((n) => `${n.position.x},${n.position.y}`);
    expect(new Set(unsaved).size).toBe(2);
  });

  it("sizes a loop box to hold its whole body chain, stacked downwards", () => {
    const each = sampleGraph().steps[1] as Step;
    const size = sizeOf(each);
    expect(size.width).toBe(STEP_SIZE.width + 2 * LOOP_BOX.padding);
    expect(size.height).toBe(LOOP_BOX.header + 2 * STEP_SIZE.height + LOOP_BOX.gap + LOOP_BOX.padding);
    const { nodes } = toFlow(sampleGraph());
    const lookup = nodes.find((n) => n.id === "each/lookup");
    const merge = nodes.find((n) => n.id === "each/merge");
    expect(merge?.position.y).toBeGreaterThan((lookup?.position.y ?? 0) + STEP_SIZE.height);
    expect((merge?.position.y ?? 0) + STEP_SIZE.height).toBeLessThanOrEqual(size.height);
  });

  it("draws every edge with the routed edge and carries a route only where a card is in the way", () => {
    const g: WorkflowGraph = {
      steps: [
        { id: "a", type: "lua_script" },
        { id: "b", type: "lua_script", depends_on: ["a"] },
        { id: "c", type: "lua_script", depends_on: ["b", "a"] },
      ],
      layout: {},
      extra: {},
    };
    const laid = withAutoLayout(g);
    const edges = toFlow(laid).edges;
    expect(edges.every((e) => e.type === "routed")).toBe(true);
    // a → c skips b, which sits right between them in the chain.
    expect(edges.find((e) => e.id === "a->c")?.data?.route?.bends.length).toBe(4);
    expect(edges.find((e) => e.id === "a->b")?.data?.route).toBeUndefined();
    expect(routeEdges(laid).size).toBe(1);
  });

  it("marks nodes with their issues, run status and run line", () => {
    const run = { status: "completed", attempt: 2, durationMs: 1200, retried: true };
    const { nodes } = toFlow(sampleGraph(), {
      issues: new Map([["each/merge", { count: 2, severity: "error" as const }]]),
      statuses: new Map([["fetch", "running"]]),
      runs: new Map([["summarize", run]]),
    });
    expect(nodes.find((n) => n.id === "each/merge")?.data).toMatchObject({ issueCount: 2, issueSeverity: "error" });
    expect(nodes.find((n) => n.id === "fetch")?.data.status).toBe("running");
    expect(nodes.find((n) => n.id === "summarize")?.data.run).toEqual(run);
  });

  it("reads the flow direction from saved positions: across for side-by-side layouts, else down", () => {
    const g = sampleGraph(); // fetch at (0, 0), each at (300, 0): laid out across
    expect(graphDirection(g)).toBe("LR");
    expect(toFlow(g).nodes.find((n) => n.id === "fetch")?.data.direction).toBe("LR");
    // Inner steps are always stacked downwards in their box.
    expect(toFlow(g).nodes.find((n) => n.id === "each/lookup")?.data.direction).toBe("TB");
    expect(graphDirection(withAutoLayout(g))).toBe("TB");
    expect(graphDirection({ ...g, layout: {} })).toBe("TB");
  });

  it("gives every node an accessible label naming its type and step", () => {
    for (const n of toFlow(sampleGraph()).nodes) expect(n.ariaLabel).toMatch(new RegExp(`${n.data.step.type} step`));
  });

  it("gives every edge an accessible label saying what runs after what", () => {
    expect(toFlow(sampleGraph()).edges.map((e) => e.ariaLabel)).toEqual(["each runs after fetch", "merge runs after lookup", "summarize runs after each"]);
  });

  it("namespaces inner node ids by their loop", () => {
    expect(nodeIdOf({ id: "x", parent: "loop" })).toBe("loop/x");
    expect(nodeIdOf({ id: "x" })).toBe("x");
  });
});

describe("fromFlow", () => {
  it("rebuilds the same steps from the drawn nodes and edges", () => {
    const g = sampleGraph();
    const { nodes, edges } = toFlow(g);
    expect(fromFlow(nodes, edges, g).steps).toEqual(g.steps);
  });

  it("takes dependencies from edges and positions from moved nodes", () => {
    const g = sampleGraph();
    const { nodes, edges } = toFlow(g);
    const moved = nodes.map((n) => (n.id === "audit" ? { ...n, position: { x: 11, y: 22 } } : n));
    const withEdge = [...edges.filter((e) => e.target !== "each"), { id: "audit->each", source: "audit", target: "each" }];
    const back = fromFlow(moved, withEdge, g);
    expect(back.steps.find((s) => s.id === "each")?.depends_on).toEqual(["audit"]);
    expect(back.layout.audit?.position).toEqual({ x: 11, y: 22 });
  });

  it("keeps a dependency on an id that has no node, for validation to report", () => {
    const g = sampleGraph();
    g.steps[3] = { id: "audit", type: "lua_script", depends_on: ["ghost"] };
    const { nodes, edges } = toFlow(g);
    expect(fromFlow(nodes, edges, g).steps[3]?.depends_on).toEqual(["ghost"]);
  });

  it("ignores an edge that crosses into a loop body", () => {
    const g = sampleGraph();
    const { nodes, edges } = toFlow(g);
    const back = fromFlow(nodes, [...edges, { id: "x", source: "fetch", target: "each/merge" }], g);
    expect(back.steps).toEqual(g.steps);
  });
});

describe("auto-layout", () => {
  const chain = (n: number): WorkflowGraph => ({
    steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: "lua_script" as const, ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })),
    layout: {},
    extra: {},
  });

  it("places every step below what it depends on", () => {
    const g = sampleGraph();
    const pos = autoLayout(g);
    for (const s of g.steps) {
      for (const dep of s.depends_on ?? []) {
        const depEnd = (pos[dep]?.y ?? 0) + sizeOf(g.steps.find((x) => x.id === dep) as Step).height;
        expect(pos[s.id]?.y ?? 0).toBeGreaterThanOrEqual(depEnd);
      }
    }
  });

  it("gives no two steps overlapping boxes", () => {
    const g = withAutoLayout(sampleGraph());
    const boxes = g.steps.map((s) => ({ ...(g.layout[s.id]?.position ?? { x: 0, y: 0 }), ...sizeOf(s) }));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i] as (typeof boxes)[number];
        const b = boxes[j] as (typeof boxes)[number];
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap).toBe(false);
      }
    }
  });

  it("lays out a 500-step chain within two seconds", () => {
    const start = performance.now();
    const pos = autoLayout(chain(500));
    expect(Object.keys(pos)).toHaveLength(500);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it("survives a cycle and a dependency on a missing step", () => {
    const g: WorkflowGraph = {
      steps: [
        { id: "a", type: "lua_script", depends_on: ["b", "ghost"] },
        { id: "b", type: "lua_script", depends_on: ["a"] },
      ],
      layout: {},
      extra: {},
    };
    expect(Object.keys(autoLayout(g)).sort()).toEqual(["a", "b"]);
  });
});

describe("loopAt", () => {
  const g = sampleGraph();
  const positions = (id: string) => g.layout[id]?.position;
  const box = sizeOf(g.steps[1] as Step);
  it.each([
    ["inside the loop box", { x: 310, y: 10 }, "each"],
    ["on its far corner", { x: 300 + box.width, y: box.height }, "each"],
    ["just right of it", { x: 301 + box.width, y: 10 }, undefined],
    ["on a plain step", { x: 10, y: 10 }, undefined],
  ])("finds the loop %s", (_name, point, expected) => {
    expect(loopAt(g, positions, point)).toBe(expected);
  });
});

describe("reconcileNodes", () => {
  it("returns the previous array when the same graph is drawn again", () => {
    const g = sampleGraph();
    const prev = toFlow(g).nodes;
    expect(reconcileNodes(prev, toFlow(g).nodes)).toBe(prev);
  });

  it("replaces a node whose step changed even if it looks the same", () => {
    const prev = toFlow(sampleGraph()).nodes;
    const next = reconcileNodes(prev, toFlow(sampleGraph()).nodes);
    expect(next[0]).not.toBe(prev[0]);
  });

  it("replaces only the node whose status changed", () => {
    const g = sampleGraph();
    const prev = toFlow(g).nodes;
    const next = reconcileNodes(prev, toFlow(g, { statuses: new Map([["summarize", "running"]]) }).nodes);
    expect(next).not.toBe(prev);
    next.forEach((n, i) => {
      if (n.id === "summarize") expect(n).not.toBe(prev[i]);
      else expect(n).toBe(prev[i]);
    });
  });

  it("replaces a moved node and a newly selected one", () => {
    const g = sampleGraph();
    const prev = toFlow(g).nodes;
    const moved = toFlow(moveStep(g, "audit", { x: 1, y: 1 })).nodes.map((n) => (n.id === "fetch" ? { ...n, selected: true } : n));
    const next = reconcileNodes(prev, moved);
    expect(next.find((n) => n.id === "audit")).not.toBe(prev.find((n) => n.id === "audit"));
    expect(next.find((n) => n.id === "fetch")?.selected).toBe(true);
    expect(next.find((n) => n.id === "summarize")).toBe(prev.find((n) => n.id === "summarize"));
  });

  it("drops removed nodes", () => {
    const g = sampleGraph();
    const prev = toFlow(g).nodes;
    const next = reconcileNodes(prev, toFlow(removeStep(g, { id: "audit" })).nodes);
    expect(next.map((n) => n.id)).not.toContain("audit");
  });

  it("rebuilds 500 steps and reconciles a status change in a few milliseconds", () => {
    const steps: Step[] = Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, type: "lua_script", ...(i ? { depends_on: [`s${i - 1}`] } : {}) }));
    const g: WorkflowGraph = { steps, layout: {}, extra: {} };
    const prev = toFlow(g).nodes;
    const start = performance.now();
    // Per frame the run view rebuilds the nodes only (edges and routes depend on the graph alone).
    for (let frame = 0; frame < 60; frame++) {
      reconcileNodes(prev, flowNodes(g, { statuses: new Map([[`s${frame}`, "running"]]) }));
    }
    // 60 frames' worth of work must fit in well under a second of a 2-core machine.
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe("reconcileEdges", () => {
  const chain: WorkflowGraph = {
    steps: [
      { id: "a", type: "lua_script" },
      { id: "b", type: "lua_script", depends_on: ["a"] },
      { id: "c", type: "lua_script", depends_on: ["b", "a"] },
      { id: "d", type: "lua_script", depends_on: ["c"] },
    ],
    layout: {},
    extra: {},
  };

  it("keeps every edge object, and the array, when the graph draws the same edges again", () => {
    const g = withAutoLayout(chain);
    const prev = toFlow(g).edges;
    expect(reconcileEdges(prev, toFlow(g).edges)).toBe(prev);
  });

  it("replaces only the edges whose route changed when a step moves, keeping a selected edge selected", () => {
    const g = withAutoLayout(chain);
    const prev = toFlow(g).edges.map((e) => (e.id === "c->d" ? { ...e, selected: true } : e));
    // b moves far aside: a → c no longer needs to go around it.
    const next = reconcileEdges(prev, toFlow(moveStep(g, "b", { x: 2000, y: g.layout.b?.position?.y ?? 0 })).edges);
    expect(next.find((e) => e.id === "a->c")).not.toBe(prev.find((e) => e.id === "a->c"));
    expect(next.find((e) => e.id === "a->c")?.data?.route).toBeUndefined();
    expect(next.find((e) => e.id === "c->d")).toBe(prev.find((e) => e.id === "c->d"));
    expect(next.find((e) => e.id === "c->d")?.selected).toBe(true);
  });
});
