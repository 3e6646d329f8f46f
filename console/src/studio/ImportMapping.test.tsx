// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, polyfillBlobText, polyfillDialog, renderAt } from "../test/harness";

// As in Studio.test.tsx: a text area stands in for CodeMirror, which needs layout jsdom lacks.
vi.mock("../editors/CodeEditor", () => ({
  default: (props: { value: string; onChange: (v: string) => void; ariaLabel: string }) => (
    <textarea aria-label={props.ariaLabel} value={props.value} onChange={(e) => props.onChange(e.target.value)} />
  ),
}));
import Studio from "./Studio";

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  polyfillBlobText();
  polyfillDialog();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const TOOLS = "https://tools.example.com/mcp";
const CRM = "https://crm.example.com/mcp";

const instances = [
  { id: "inst-tools", project_id: "p1", server_id: "s1", name: "Tools", server_url: TOOLS, server_name: "tools" },
  { id: "inst-crm", project_id: "p1", server_id: "s2", name: "CRM prod", server_url: CRM, server_name: "crm" },
];

/** A file from another workspace: a foreign instance id, a URL inside a loop, one of our ids. */
const importedFile = {
  steps: [
    { id: "fetch", type: "mcp_call", instance_id: "their-crm", server_url: CRM, tool_name: "search" },
    {
      id: "each",
      type: "for_each",
      depends_on: ["fetch"],
      for_each_items: "{{ steps.fetch.result.items }}",
      for_each_body_steps: [{ id: "lookup", type: "mcp_call", server_url: TOOLS, tool_name: "lookup" }],
    },
    { id: "legacy", type: "mcp_call", instance_id: "their-old", tool_name: "ping" },
    { id: "local", type: "mcp_call", instance_id: "inst-tools", tool_name: "ping" },
  ],
};

function server(listing: { status?: number; body?: unknown } = { body: { instances } }) {
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole("project_contributor") },
    "GET /v1/workflows/w1": {
      body: { id: "w1", name: "Publish post", status: "draft", graph: { steps: [{ id: "old", type: "lua_script", script: "return {}" }] } },
    },
    "GET /v1/mcp/instances": listing,
    "PATCH /v1/workflows/w1": () => ({ body: {} }),
  });
}

async function openAndImport(doc: unknown) {
  renderAt(<Studio />, "/workflow/w1", "/workflow/:id");
  await screen.findByRole("heading", { name: "Publish post" });
  const file = new File([JSON.stringify(doc)], "imported.json", { type: "application/json" });
  fireEvent.change(screen.getByLabelText("Import JSON"), { target: { files: [file] } });
}

type SavedStep = { id: string; instance_id?: string; server_url?: string; for_each_body_steps?: SavedStep[] };

async function savedSteps(calls: { method: string; body: unknown }[]): Promise<SavedStep[]> {
  fireEvent.click(screen.getByRole("button", { name: "Save draft" }));
  await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
  return (calls.find((c) => c.method === "PATCH")?.body as { graph: { steps: SavedStep[] } }).graph.steps;
}

// Each test opens the whole Studio (the canvas chunk included): slow on a loaded machine.
describe("Import's MCP server mapping step", { timeout: 20_000 }, () => {
  it("asks for each foreign server, pre-selects the instance serving its URL, and rewrites the steps", async () => {
    const { calls } = server();
    await openAndImport(importedFile);
    const dialog = within(await screen.findByRole("dialog", { name: "MCP servers of the imported graph" }));

    // One row per foreign server with the steps using it; our own instance is not asked about.
    const crm = (await dialog.findByRole("combobox", { name: `Instance for instance their-crm (${CRM})` })) as HTMLSelectElement;
    const tools = dialog.getByRole("combobox", { name: `Instance for ${TOOLS}` }) as HTMLSelectElement;
    const legacy = dialog.getByRole("combobox", { name: "Instance for instance their-old" }) as HTMLSelectElement;
    expect(dialog.getAllByRole("combobox")).toHaveLength(3);
    expect(crm.closest("tr")?.textContent).toContain("fetch");
    expect(tools.closest("tr")?.textContent).toContain("each/lookup");
    expect(crm.value).toBe("inst-crm");
    expect(tools.value).toBe("inst-tools");
    expect(legacy.value).toBe(""); // no URL to match: kept unless the user picks one

    fireEvent.change(legacy, { target: { value: "inst-crm" } });
    fireEvent.change(tools, { target: { value: "" } }); // keep as is
    fireEvent.click(dialog.getByRole("button", { name: "Import" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    const steps = await savedSteps(calls);
    expect(steps.map((s) => s.id)).toEqual(["fetch", "each", "legacy", "local"]);
    const [fetch, each, legacyStep, local] = steps;
    expect(fetch).toMatchObject({ instance_id: "inst-crm", server_url: CRM });
    expect(each?.for_each_body_steps?.[0]).toMatchObject({ server_url: TOOLS });
    expect(each?.for_each_body_steps?.[0]).not.toHaveProperty("instance_id");
    expect(legacyStep).toMatchObject({ instance_id: "inst-crm", server_url: CRM });
    expect(local).toMatchObject({ instance_id: "inst-tools" });
  });

  it("Cancel leaves the draft as it was", async () => {
    const { calls } = server();
    await openAndImport(importedFile);
    const dialog = within(await screen.findByRole("dialog", { name: "MCP servers of the imported graph" }));
    await dialog.findByRole("combobox", { name: `Instance for ${TOOLS}` });
    fireEvent.click(dialog.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.querySelector('[data-step-id="old"]')).not.toBeNull();
    expect(document.querySelector('[data-step-id="fetch"]')).toBeNull();
    expect((screen.getByRole("button", { name: "Save draft" }) as HTMLButtonElement).disabled).toBe(true);
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  });

  it("imports at once when every MCP step already uses this project's instances", async () => {
    const { calls } = server();
    await openAndImport({ steps: [{ id: "local", type: "mcp_call", instance_id: "inst-tools", tool_name: "ping" }] });
    await waitFor(() => expect(document.querySelector('[data-step-id="local"]')).not.toBeNull());
    expect(calls.some((c) => c.path === "/v1/mcp/instances")).toBe(true);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("does not ask about a graph without MCP servers", async () => {
    const { calls } = server();
    await openAndImport({ steps: [{ id: "calc", type: "lua_script", script: "return {}" }] });
    await waitFor(() => expect(document.querySelector('[data-step-id="calc"]')).not.toBeNull());
    expect(calls.some((c) => c.path === "/v1/mcp/instances")).toBe(false);
  });

  it("shows a failed instance listing in the dialog and still lets the user import the steps as they are", async () => {
    const { calls } = server({ status: 403, body: { error: "your role does not allow McpRead" } });
    await openAndImport(importedFile);
    const dialog = within(await screen.findByRole("dialog", { name: "MCP servers of the imported graph" }));
    expect((await dialog.findByRole("alert")).textContent).toBe("your role does not allow McpRead");
    const select = dialog.getByRole("combobox", { name: `Instance for ${TOOLS}` }) as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual(["Keep as is"]);
    fireEvent.click(dialog.getByRole("button", { name: "Import" }));
    const steps = await savedSteps(calls);
    expect(steps[0]).toMatchObject({ instance_id: "their-crm", server_url: CRM });
  });
});
