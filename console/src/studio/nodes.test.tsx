// @vitest-environment jsdom
import { cleanup, render } from "@testing-library/react";
import { ReactFlow, ReactFlowProvider } from "@xyflow/react";
import axe from "axe-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { toFlow, type FlowDecorations } from "../graph/flow";
import type { WorkflowGraph } from "../graph/types";
import { DETAIL_ZOOM, nodeTypes } from "./nodes";

beforeAll(() => {
  // jsdom lacks the layout API @xyflow/react measures with; an inert stand-in is enough here.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(cleanup);

const graph: WorkflowGraph = {
  steps: [
    { id: "fetch", type: "lua_script", name: "Fetch", script: "return {}" },
    { id: "each", type: "for_each", name: "Each", depends_on: ["fetch"], for_each_items: "{{ steps.fetch.result }}", for_each_body_steps: [] },
  ],
  layout: { fetch: { position: { x: 0, y: 0 } }, each: { position: { x: 300, y: 0 } } },
  extra: {},
};

function drawn({ connectable = true, zoom = 1, deco = {} as FlowDecorations } = {}) {
  const { nodes, edges } = toFlow(graph, deco);
  return render(
    <ReactFlowProvider>
      <div style={{ width: 800, height: 600 }}>
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} nodesConnectable={connectable} minZoom={0.05} defaultViewport={{ x: 0, y: 0, zoom }} />
      </div>
    </ReactFlowProvider>,
  );
}

describe("step and loop nodes", () => {
  it("draw connection handles that pass the ARIA attribute rules", async () => {
    const { container } = drawn();
    const handles = container.querySelectorAll(".react-flow__handle");
    expect(handles.length).toBe(4); // in and out, on the step and on the loop
    const result = await axe.run(container, { runOnly: ["aria-prohibited-attr", "aria-allowed-attr"] });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" ")}`)).toEqual([]);
  });

  it("tell the mouse user what each handle connects", () => {
    const { container } = drawn();
    const titles = [...container.querySelectorAll(".react-flow__handle")].map((h) => h.getAttribute("title"));
    expect(titles).toEqual([
      "fetch: connect a step this one runs after",
      "fetch: connect a step that runs after this one",
      "each: connect a step this loop runs after",
      "each: connect a step that runs after this loop",
    ]);
  });

  it("offer connections only on a canvas that allows them", () => {
    const connectable = (c: HTMLElement) => c.querySelectorAll(".react-flow__handle.connectable").length;
    expect(connectable(drawn().container)).toBe(4);
    cleanup();
    expect(connectable(drawn({ connectable: false }).container)).toBe(0);
  });

  it("draw each type's icon as a picture, never as a font glyph", () => {
    const { container } = drawn();
    const icons = [...container.querySelectorAll(".step-node .step-icon, .loop-node .step-icon")];
    expect(icons.map((i) => [i.tagName.toLowerCase(), i.getAttribute("aria-hidden"), i.querySelector("path") !== null])).toEqual([
      ["svg", "true", true],
      ["svg", "true", true],
    ]);
    // The heads hold only words: no symbol whose look depends on the installed fonts.
    const heads = [...container.querySelectorAll(".step-node-head, .loop-node-head")].map((h) => h.textContent ?? "");
    for (const head of heads) expect(head).toMatch(/^[\p{L}\p{N}\s-]*$/u);
  });

  it("draw steps as bare cards below the detail zoom, keeping status, handles and name", () => {
    const far = drawn({ zoom: DETAIL_ZOOM / 2 }).container;
    const step = far.querySelector('[data-step-id="fetch"]') as HTMLElement;
    expect(step.classList.contains("compact")).toBe(true);
    expect(step.textContent).toBe("");
    expect(step.querySelectorAll(".react-flow__handle")).toHaveLength(2);
    expect(far.querySelector('[aria-label="lua_script step Fetch"]')).not.toBeNull();
    cleanup();
    const near = drawn({ zoom: DETAIL_ZOOM }).container;
    expect(near.querySelector('[data-step-id="fetch"]')?.textContent).toContain("Fetch");
  });

  it("show the step's key field under its name, and its id until a run fills that line", () => {
    const { container } = drawn();
    const fetch = container.querySelector('[data-step-id="fetch"]') as HTMLElement;
    expect(fetch.querySelector(".step-name")?.textContent).toBe("Fetch");
    expect(fetch.querySelector(".step-key")?.textContent).toBe("Lua, 1 line");
    expect(fetch.querySelector(".step-id")?.textContent).toBe("fetch");
    expect(container.querySelector('[data-step-id="each"] .step-key')?.textContent).toBe("each of steps.fetch.result");
  });

  it("show a run's duration, attempt and badges for retries, skips and items", () => {
    const { container } = drawn({
      deco: {
        statuses: new Map([["fetch", "completed"], ["each", "skipped"]]),
        runs: new Map([
          ["fetch", { status: "completed", attempt: 3, durationMs: 1250, retried: true }],
          ["each", { status: "skipped", attempt: 0, retried: false, skipReason: "condition_false", itemCount: 4 }],
        ]),
      },
    });
    const fetch = container.querySelector('[data-step-id="fetch"] .step-run') as HTMLElement;
    expect(fetch.textContent).toBe("1.3 s · attempt 3retried");
    expect(container.querySelector('[data-step-id="fetch"] .step-id')).toBeNull();
    const each = container.querySelector('[data-step-id="each"] .step-run') as HTMLElement;
    expect(each.textContent).toBe("4 itemsskipped: condition_false");
  });

  it("say a step without a finished attempt is running or waiting for a person", () => {
    const { container } = drawn({
      deco: {
        runs: new Map([
          ["fetch", { status: "waiting", attempt: 1, retried: false }],
          ["each", { status: "running", attempt: 1, retried: false, itemCount: 2 }],
        ]),
      },
    });
    expect(container.querySelector('[data-step-id="fetch"] .step-run')?.textContent).toBe("waiting for a person");
    expect(container.querySelector('[data-step-id="each"] .step-run')?.textContent).toBe("running…2 items");
  });
});
