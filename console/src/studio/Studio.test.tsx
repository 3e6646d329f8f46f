// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, polyfillDialog, renderAt, type Recorded } from "../test/harness";
import { STEP_DRAG_TYPE } from "./Canvas";

// CodeMirror measures layout jsdom does not have, and loads lazily (so a test would race
// its arrival). Screens are tested with a plain text area in its place; the completion
// logic is tested on its own in editors/templateCompletion.test.ts.
vi.mock("../editors/CodeEditor", () => ({
  default: (props: { value: string; onChange: (v: string) => void; ariaLabel: string }) => (
    <textarea aria-label={props.ariaLabel} value={props.value} onChange={(e) => props.onChange(e.target.value)} />
  ),
}));
import Studio from "./Studio";

beforeAll(() => {
  // jsdom lacks the layout APIs @xyflow/react measures with; inert stand-ins are enough here.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  // jsdom has no DragEvent; a MouseEvent carries the drop coordinates the canvas reads.
  globalThis.DragEvent ??= class extends MouseEvent {} as unknown as typeof DragEvent;
  polyfillDialog();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const savedGraph = {
  steps: [
    { id: "fetch", type: "lua_script", name: "Fetch", script: "return { items = {} }" },
    { id: "approve", type: "human_task", name: "Approve", depends_on: ["fetch"], task_type: "approval", task_payload: { title: "ok?" } },
  ],
  nodes: [
    { id: "fetch", position: { x: 0, y: 0 } },
    { id: "approve", position: { x: 300, y: 0 } },
  ],
};

function server(role: string, extra: Record<string, (req: Recorded) => { status?: number; body?: unknown }> = {}) {
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole(role) },
    "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "draft", graph: savedGraph } },
    ...extra,
  });
}

const openStudio = async () => {
  renderAt(<Studio />, "/workflow/w1", "/workflow/:id");
  await screen.findByRole("heading", { name: "Publish post" });
};

describe("Studio", () => {
  it("draws the saved graph as labelled nodes", async () => {
    server("project_contributor");
    await openStudio();
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"]')).not.toBeNull());
    expect(document.querySelector('[data-step-id="approve"]')).not.toBeNull();
    // Focusable node wrappers carry a name a screen reader can announce.
    const fetchNode = document.querySelector('[aria-label="lua_script step Fetch"]');
    expect(fetchNode?.getAttribute("tabindex")).toBe("0");
    expect(document.querySelector('[aria-label="human_task step Approve"]')).not.toBeNull();
  });

  it("opens the config panel of a clicked node", async () => {
    server("project_contributor");
    await openStudio();
    await waitFor(() => expect(document.querySelector('[data-step-id="approve"]')).not.toBeNull());
    fireEvent.click(document.querySelector('[data-step-id="approve"]') as Element);
    expect(await screen.findByRole("region", { name: "Configure step approve" })).toBeTruthy();
  });

  it("deletes the selected node with the Delete key and drops references to it", async () => {
    const { calls } = server("project_contributor", { "PATCH /v1/workflows/w1": () => ({ body: {} }) });
    await openStudio();
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"]')).not.toBeNull());
    const node = document.querySelector('[aria-label="lua_script step Fetch"]') as HTMLElement;
    fireEvent.click(document.querySelector('[data-step-id="fetch"]') as Element);
    await screen.findByRole("region", { name: "Configure step fetch" });
    fireEvent.keyDown(node, { key: "Delete", code: "Delete" });
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"]')).toBeNull());
    expect(screen.getByText("Select a step to configure it.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const saved = calls.find((c) => c.method === "PATCH")?.body as { graph: { steps: { id: string; depends_on?: string[] }[] } };
    expect(saved.graph.steps).toEqual([{ id: "approve", type: "human_task", name: "Approve", task_type: "approval", task_payload: { title: "ok?" } }]);
  });

  it("adds a step from the palette without a mouse and opens its config panel", async () => {
    server("project_contributor");
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Add Lua script step" }));
    const panel = await screen.findByRole("region", { name: "Configure step lua-1" });
    expect(within(panel).getByRole("heading").textContent).toMatch(/Lua script/);
    await waitFor(() => expect(document.querySelector('[data-step-id="lua-1"]')).not.toBeNull());
    expect(screen.getByText(/unsaved changes/)).toBeTruthy();
  });

  it("adds a dragged palette step to the canvas, or to the loop body it is dropped in", async () => {
    const withLoop = {
      steps: [...savedGraph.steps, { id: "each", type: "for_each", name: "Each", for_each_items: "{{ steps.fetch.result.items }}", for_each_body_steps: [] }],
      nodes: [...savedGraph.nodes, { id: "each", position: { x: 600, y: 0 } }],
    };
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "draft", graph: withLoop } },
    });
    await openStudio();
    // The loop box must be on the canvas before a drop can land in it (on a busy machine
    // the canvas draws its nodes after the heading appears).
    await waitFor(() => expect(document.querySelector('[data-step-id="each"]')).not.toBeNull());
    const canvas = document.querySelector(".canvas") as Element;
    const drop = (type: string, x: number, y: number) =>
      fireEvent.drop(canvas, { clientX: x, clientY: y, dataTransfer: { getData: (k: string) => (k === STEP_DRAG_TYPE ? type : "") } });

    // A human task is not allowed in a loop body: the drop is refused with a reason.
    drop("human_task", 620, 40);
    expect((await screen.findByRole("alert")).textContent).toMatch(/loop body can hold only/);
    expect(document.querySelector('[data-step-id="approval-1"]')).toBeNull();

    drop("lua_script", 620, 40);
    expect(await screen.findByRole("region", { name: "Configure step lua-1" })).toBeTruthy();
    expect(screen.getByText("in each")).toBeTruthy();

    // The view pans to the new inner step; a drop far below the loop still lands at top level.
    drop("llm_call", 40, 500);
    const panel = await screen.findByRole("region", { name: "Configure step llm-1" });
    expect(within(panel).queryByText("in each")).toBeNull();
  });

  it("connects steps with the keyboard through the Runs after checkboxes", async () => {
    const { calls } = server("project_contributor", { "PATCH /v1/workflows/w1": () => ({ body: {} }) });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Add Lua script step" }));
    const panel = await screen.findByRole("region", { name: "Configure step lua-1" });
    fireEvent.click(within(panel).getByRole("checkbox", { name: "Approve" }));
    fireEvent.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const saved = calls.find((c) => c.method === "PATCH")?.body as { graph: { steps: { id: string; depends_on?: string[] }[] } };
    expect(saved.graph.steps.find((s) => s.id === "lua-1")?.depends_on).toEqual(["approve"]);
  });

  it("refuses a Runs after choice that would close a cycle, saying why", async () => {
    server("project_contributor");
    await openStudio();
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"]')).not.toBeNull());
    fireEvent.click(document.querySelector('[data-step-id="fetch"]') as Element);
    const panel = await screen.findByRole("region", { name: "Configure step fetch" });
    fireEvent.click(within(panel).getByRole("checkbox", { name: "Approve" }));
    expect((await within(panel).findByRole("alert")).textContent).toMatch(/would create a cycle/);
    expect((within(panel).getByRole("checkbox", { name: "Approve" }) as HTMLInputElement).checked).toBe(false);
  });

  it("shows validation issues in the list and on their node", async () => {
    const { calls } = server("project_contributor", {
      "POST /v1/workflows/w1/validate": () => ({
        body: {
          valid: false,
          readiness: "blocked",
          blockers: [],
          checks_performed: ["lua_syntax"],
          check_results: { lua_syntax: "failed" },
          issues: [{ code: "lua_syntax", severity: "error", step_id: "fetch", json_path: "$.steps[0].script", message: "unexpected symbol near 'x'", suggestion: "check line 1" }],
          graph_hash: "h",
        },
      }),
    });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Validate" }));
    const list = await screen.findByRole("list", { name: "Validation issues" });
    expect(within(list).getByText("unexpected symbol near 'x'")).toBeTruthy();
    // The summary reads as a problem, not as the green of a success.
    const summary = screen.getByText("1 error(s) to fix before publishing.");
    expect(summary.getAttribute("role")).toBe("status");
    expect(summary.classList.contains("problem")).toBe(true);
    await waitFor(() => expect(document.querySelector('[data-step-id="fetch"] .issue-badge')?.textContent).toMatch(/1/));
    expect(document.querySelector('[data-step-id="approve"] .issue-badge')).toBeNull();
    expect((calls.find((c) => c.path === "/v1/workflows/w1/validate")?.body as { graph: { steps: unknown[] } }).graph.steps).toHaveLength(2);
    fireEvent.click(within(list).getByRole("button", { name: "Show step fetch" }));
    expect(await screen.findByRole("region", { name: "Configure step fetch" })).toBeTruthy();
  });

  it("publishes with the changelog and shows the new version", async () => {
    const { calls } = server("project_contributor", {
      "POST /v1/workflows/w1/versions": () => ({ body: { version: 1, workflow_id: "w1", published_at: "now" } }),
    });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Publish…" }));
    fireEvent.change(screen.getByLabelText("Changelog"), { target: { value: "first cut" } });
    fireEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText("Published version 1.")).toBeTruthy();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ changelog: "first cut" });
  });

  it("shows the issues of a publish the server refuses", async () => {
    server("project_contributor", {
      "POST /v1/workflows/w1/versions": () => ({
        status: 422,
        body: { error: "The graph has 1 error; fix it before publishing.", issues: [{ code: "missing_field", severity: "error", step_id: "approve", json_path: "$.steps[1].task_type", message: "task_type is required" }] },
      }),
    });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Publish…" }));
    fireEvent.change(screen.getByLabelText("Changelog"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText("The graph has 1 error; fix it before publishing.")).toBeTruthy();
    expect(await screen.findByText("task_type is required")).toBeTruthy();
  });

  it("picks an agent_call's agent from the project's agents, or keeps a template typed under Other", async () => {
    server("project_contributor", {
      "GET /v1/agents": () => ({ body: { agents: [{ id: "0193-triage", name: "Support triage", tools: [] }] } }),
    });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Add Agent call step" }));
    const panel = await screen.findByRole("region", { name: /Configure step agent/ });
    const picker = within(panel).getByLabelText("Agent (required)") as HTMLSelectElement;
    await within(panel).findByRole("option", { name: "Support triage" });
    fireEvent.change(picker, { target: { value: "0193-triage" } });
    await waitFor(() => expect(document.querySelector('[data-step-id="agent-1"]')?.textContent).toContain("0193-triage"));
    expect(within(panel).queryByLabelText("Agent id or template")).toBeNull();

    fireEvent.change(picker, { target: { value: picker.options[picker.options.length - 1]!.value } });
    const typed = within(panel).getByLabelText("Agent id or template");
    fireEvent.change(typed, { target: { value: "{{ input.agent }}" } });
    await waitFor(() => expect(document.querySelector('[data-step-id="agent-1"]')?.textContent).toContain("{{ input.agent }}"));
    expect(picker.value).not.toBe("0193-triage");
  });

  it("applies JSON mode to the canvas, in the canvas shape too", async () => {
    server("project_contributor");
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "JSON" }));
    const editor = await screen.findByLabelText("Workflow graph JSON");
    const canvasDoc = { nodes: [{ id: "a", data: { step: { id: "a", type: "lua_script" } } }, { id: "b", data: { step: { id: "b", type: "llm_call" } } }], edges: [{ source: "a", target: "b" }] };
    fireEvent.change(editor, { target: { value: JSON.stringify(canvasDoc) } });
    fireEvent.click(screen.getByRole("button", { name: "Apply to canvas" }));
    await waitFor(() => expect(document.querySelector('[data-step-id="b"]')).not.toBeNull());
    expect(document.querySelector('[data-step-id="fetch"]')).toBeNull();
  });

  it("starts a run of the published version with input pre-filled from its schema", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1": {
        body: {
          id: "w1",
          name: "Publish post",
          status: "published",
          latest_version: 3,
          // The draft's schema is not what runs: the published version's is.
          graph: { ...savedGraph, input_schema: { type: "object", properties: { draft_only: { type: "string", default: "no" } } } },
        },
      },
      "GET /v1/workflows/w1/versions/3": {
        body: { version: 3, workflow_id: "w1", published_at: "now", graph_snapshot: { steps: savedGraph.steps, input_schema: { type: "object", properties: { topic: { type: "string", default: "cats" } } } } },
      },
      "POST /v1/workflows/w1/command": { body: { run_id: "r9", status: "queued", workflow_id: "w1", version: 3, started_at: "now" } },
    });
    await openStudio();
    fireEvent.click(screen.getByRole("button", { name: "Run…" }));
    const input = (await screen.findByLabelText("topic")) as HTMLInputElement;
    expect(input.value).toBe("cats");
    expect(screen.queryByLabelText("draft_only")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Start run" }));
    await screen.findByText("elsewhere");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ command: "start", params: { trigger_payload: { topic: "cats" } } });
  });

  it("offers Run only once a version is published", async () => {
    server("project_contributor");
    await openStudio();
    expect((screen.getByRole("button", { name: "Run…" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("gives a viewer no palette and no edit controls", async () => {
    server("project_viewer");
    await openStudio();
    expect(screen.queryByRole("region", { name: "Step palette" })).toBeNull();
    for (const name of ["Save draft", "Publish…", "Run…", "Auto-layout"]) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.getByRole("button", { name: "Validate" })).toBeTruthy();
  });

  it("says why the workflow cannot be opened", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/workflows/w1": { status: 404, body: { error: "workflow w1 not found" } } });
    renderAt(<Studio />, "/workflow/w1", "/workflow/:id");
    expect((await screen.findByRole("alert")).textContent).toBe("workflow w1 not found");
  });
});

describe("Studio versions", () => {
  // v2 asked "Ready?" where the draft asks "ok?"; v1 had no approval step at all. Like the
  // server's snapshots, they carry no node positions (the draft does: not a change).
  const v2Graph = { steps: [savedGraph.steps[0], { ...savedGraph.steps[1], task_payload: { title: "Ready?" } }] };
  const v1Graph = { steps: [{ id: "fetch", type: "lua_script", name: "Fetch v1", script: "return {}" }] };
  const versionRoutes = {
    // Like the server: the list carries no snapshots, each version is fetched on its own.
    "GET /v1/workflows/w1/versions": () => ({
      body: {
        versions: [
          { version: 1, workflow_id: "w1", published_at: "2026-11-01T10:00:00.000Z", changelog: "first cut" },
          { version: 2, workflow_id: "w1", published_at: "2026-11-20T10:00:00.000Z", changelog: "ask before posting" },
        ],
      },
    }),
    "GET /v1/workflows/w1/versions/2": () => ({ body: { version: 2, workflow_id: "w1", published_at: "2026-11-20T10:00:00.000Z", graph_snapshot: v2Graph } }),
    "GET /v1/workflows/w1/versions/1": () => ({ body: { version: 1, workflow_id: "w1", published_at: "2026-11-01T10:00:00.000Z", graph_snapshot: v1Graph } }),
  };

  const openVersions = async () => {
    fireEvent.click(screen.getByRole("button", { name: "Versions" }));
    return screen.findByRole("dialog", { name: "Versions" });
  };

  it("lists versions newest first and diffs the latest one against the draft, side by side", async () => {
    server("project_contributor", versionRoutes);
    await openStudio();
    const dialog = await openVersions();
    const rows = await within(dialog).findAllByRole("row");
    // Header row, then v2, then v1.
    expect(rows.slice(1).map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["v2", "v1"]);
    expect(within(rows[1] as HTMLElement).getByText("ask before posting")).toBeTruthy();
    expect(within(rows[1] as HTMLElement).getByText(new Date("2026-11-20T10:00:00.000Z").toLocaleString())).toBeTruthy();

    expect(((await within(dialog).findByLabelText("Left")) as HTMLSelectElement).value).toBe("2");
    expect((within(dialog).getByLabelText("Right") as HTMLSelectElement).value).toBe("draft");
    // Only the approval's title is a change, not the draft's node positions.
    expect(await within(dialog).findByText("Version 2 → Draft (unsaved canvas): 1 step changed.")).toBeTruthy();
    const block = within(dialog).getByRole("region", { name: "Step approve (changed)" });
    expect([...block.querySelectorAll("del")].map((e) => e.textContent?.trim())).toEqual(['"title": "Ready?"']);
    expect([...block.querySelectorAll("ins")].map((e) => e.textContent?.trim())).toEqual(['"title": "ok?"']);
    expect(within(block).getAllByText('"id": "approve",')).toHaveLength(2); // unchanged lines on both sides
    expect(within(dialog).queryByRole("region", { name: /Step fetch/ })).toBeNull();

    // Comparing v1 with v2 instead: fetch changed, approve added.
    fireEvent.change(within(dialog).getByLabelText("Left"), { target: { value: "1" } });
    fireEvent.change(within(dialog).getByLabelText("Right"), { target: { value: "2" } });
    expect(await within(dialog).findByText("Version 1 → Version 2: 1 step added, 1 step changed.")).toBeTruthy();
    const added = within(dialog).getByRole("region", { name: "Step approve (added)" });
    expect(added.querySelectorAll("del")).toHaveLength(0);
    expect(added.querySelector("ins")?.textContent).toBe("{");
  });

  it("restores a version into the draft, unsaved until Save draft", async () => {
    // A top-level key of the draft that versions do not hold survives the restore.
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows/w1": { body: { id: "w1", name: "Publish post", status: "published", graph: { ...savedGraph, editor_note: "keep me" } } },
      ...versionRoutes,
      "PATCH /v1/workflows/w1": () => ({ body: {} }),
    });
    await openStudio();
    await waitFor(() => expect(document.querySelector('[data-step-id="approve"]')).not.toBeNull());
    const dialog = await openVersions();
    fireEvent.click(await within(dialog).findByRole("button", { name: "Restore to draft: version 1" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Replace draft" }));
    expect(await screen.findByText("Version 1 restored to the draft: Save draft keeps it.")).toBeTruthy();
    expect(screen.queryByRole("dialog", { name: "Versions" })).toBeNull();
    await waitFor(() => expect(document.querySelector('[data-step-id="approve"]')).toBeNull());
    expect(screen.getByText(/unsaved changes/)).toBeTruthy();
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Save draft" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const saved = calls.find((c) => c.method === "PATCH")?.body as { graph: { steps: unknown[]; editor_note?: string } };
    expect(saved.graph.steps).toEqual(v1Graph.steps);
    expect(saved.graph.editor_note).toBe("keep me");
  });

  it("shows a viewer the versions without Restore", async () => {
    server("project_viewer", versionRoutes);
    await openStudio();
    const dialog = await openVersions();
    expect(await within(dialog).findByText("ask before posting")).toBeTruthy();
    expect(within(dialog).queryByRole("button", { name: /Restore/ })).toBeNull();
  });

  it("says in the dialog when the versions cannot be loaded", async () => {
    server("project_contributor", { "GET /v1/workflows/w1/versions": () => ({ status: 500, body: { error: "database unavailable" } }) });
    await openStudio();
    const dialog = await openVersions();
    expect((await within(dialog).findByRole("alert")).textContent).toBe("The versions could not be loaded: database unavailable");
  });

  it("says which side could not be loaded", async () => {
    server("project_contributor", { ...versionRoutes, "GET /v1/workflows/w1/versions/2": () => ({ status: 404, body: { error: "version not found" } }) });
    await openStudio();
    const dialog = await openVersions();
    expect((await within(dialog).findByRole("alert")).textContent).toBe("Version 2 could not be loaded: version not found");
  });
});
