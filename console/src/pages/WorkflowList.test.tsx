// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, polyfillBlobText, polyfillDialog, renderAt } from "../test/harness";
import { sourceOfFile } from "./WaysToStart";
import { WorkflowList } from "./WorkflowList";

beforeAll(() => {
  polyfillBlobText();
  // The MCP mapping step is a modal dialog.
  polyfillDialog();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const workflows = [
  { id: "w1", name: "Enrich contacts", status: "published", latest_version: 2 },
  { id: "w2", name: "Weekly digest", status: "draft", description: "metrics" },
  { id: "w3", name: "Old thing", status: "archived" },
];

describe("WorkflowList", () => {
  it("lists workflows that are not archived and filters by search", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/workflows": { body: { workflows } } });
    renderAt(<WorkflowList />, "/workflow");
    await screen.findByRole("link", { name: "Enrich contacts" });
    expect(screen.queryByText("Old thing")).toBeNull();
    fireEvent.change(screen.getByLabelText("Search workflows"), { target: { value: "metrics" } });
    expect(screen.queryByRole("link", { name: "Enrich contacts" })).toBeNull();
    expect(screen.getByRole("link", { name: "Weekly digest" })).toBeTruthy();
  });

  it("hides create and archive from a viewer", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/workflows": { body: { workflows } } });
    renderAt(<WorkflowList />, "/workflow");
    await screen.findByRole("link", { name: "Enrich contacts" });
    expect(screen.queryByRole("button", { name: "Create workflow" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Archive/ })).toBeNull();
  });

  it("creates a draft with an empty graph and opens it", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows } },
      "POST /v1/workflows": { status: 201, body: { id: "w9", name: "New one", status: "draft" } },
    });
    renderAt(<WorkflowList />, "/workflow");
    fireEvent.change(await screen.findByLabelText("New workflow name"), { target: { value: "New one" } });
    fireEvent.click(screen.getByRole("button", { name: "Create workflow" }));
    await screen.findByText("elsewhere");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "New one", graph: { steps: [] } });
  });

  it("shows why creating failed next to the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/starters": { body: { starters: [] } },
      "POST /v1/workflows": { status: 403, body: { error: "Your token lacks the workflow:write scope." } },
    });
    renderAt(<WorkflowList />, "/workflow");
    fireEvent.change(await screen.findByLabelText("New workflow name"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Create workflow" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Your token lacks the workflow:write scope.");
  });
});

const starterCards = [
  { id: "expense-report-review", name: "Expense report review", description: "Total it, approve it, pay it.", step_count: 8, step_types: ["for_each", "human_task", "lua_script", "while"] },
  { id: "triage-support-tickets", name: "Support ticket triage", description: "Classify tickets.", step_count: 5, step_types: ["llm_call", "mcp_call"] },
];
const expenseGraph = { input_schema: { type: "object" }, steps: [{ id: "summarize", type: "lua_script", script: "return {}" }] };

/** A workspace admin (the getting-started checklist is theirs) in a project where they contribute. */
function adminMe() {
  const me = meWithRole("project_contributor");
  return { ...me, workspaces: me.workspaces.map((w) => ({ ...w, role: "admin" })) };
}

describe("WorkflowList on an empty project", () => {
  it("leads with the ways to start and the server's starter gallery, each card saying what it needs", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/starters": { body: { starters: starterCards } },
    });
    renderAt(<WorkflowList />, "/workflow");
    const gallery = await screen.findByRole("list", { name: "Starters" });
    const cards = within(gallery).getAllByRole("article");
    expect(cards.map((c) => c.querySelector("h3")?.textContent)).toEqual(["Expense report review", "Support ticket triage"]);
    expect(cards[0]?.textContent).toContain("8 steps · runs with nothing to set up");
    expect(cards[1]?.textContent).toContain("5 steps · needs an LLM key and MCP servers");
    expect(screen.getByRole("list", { name: "Ways to start" })).toBeTruthy();
    expect(screen.getByLabelText("Import a workflow file")).toBeTruthy();
    expect(screen.getByLabelText("New workflow name")).toBeTruthy();
    // Autopilot does not exist yet: no card offers to describe a workflow.
    expect(screen.queryByText(/Describe it/)).toBeNull();
  });

  it("Use this creates a workflow from the starter's graph as the server sent it, then opens it", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/starters": { body: { starters: starterCards } },
      "GET /v1/starters/expense-report-review": { body: { ...starterCards[0], graph: expenseGraph } },
      "POST /v1/workflows": { status: 201, body: { id: "w9", name: "Expense report review", status: "draft" } },
    });
    renderAt(<WorkflowList />, "/workflow");
    fireEvent.click(await screen.findByRole("button", { name: "Use this: Expense report review" }));
    await screen.findByText("elsewhere");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Expense report review", description: "Total it, approve it, pay it.", graph: expenseGraph });
  });

  it("a starter calling MCP servers goes through the mapping step first: the chosen instance is written into the new workflow", async () => {
    const url = "https://mcp.helpdesk.example.com/mcp";
    const triage = { steps: [{ id: "fetch", type: "mcp_call", server_url: url, tool_name: "list_tickets", tool_args: {} }] };
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/starters": { body: { starters: starterCards } },
      "GET /v1/starters/triage-support-tickets": { body: { ...starterCards[1], graph: triage } },
      "GET /v1/mcp/instances": { body: { instances: [{ id: "inst-help", project_id: "p1", server_id: "s1", name: "helpdesk", server_url: "https://helpdesk.internal/mcp" }] } },
      "POST /v1/workflows": { status: 201, body: { id: "w9", name: "Support ticket triage", status: "draft" } },
    });
    renderAt(<WorkflowList />, "/workflow");
    fireEvent.click(await screen.findByRole("button", { name: "Use this: Support ticket triage" }));
    const dialog = within(await screen.findByRole("dialog", { name: "MCP servers of the imported graph" }));
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    fireEvent.change(await dialog.findByRole("combobox", { name: `Instance for ${url}` }), { target: { value: "inst-help" } });
    fireEvent.click(dialog.getByRole("button", { name: "Import" }));
    await screen.findByText("elsewhere");
    const body = calls.find((c) => c.method === "POST")?.body as { name: string; graph: { steps: Record<string, unknown>[] } };
    expect(body.name).toBe("Support ticket triage");
    expect(body.graph.steps[0]).toMatchObject({ id: "fetch", instance_id: "inst-help", server_url: "https://helpdesk.internal/mcp", tool_name: "list_tickets" });
  });

  it("imports a file: its name and description name the workflow, bad files are refused at the field", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
      "GET /v1/starters": { body: { starters: [] } },
      "POST /v1/workflows": { status: 201, body: { id: "w9", name: "x", status: "draft" } },
    });
    renderAt(<WorkflowList />, "/workflow");
    const input = (await screen.findByLabelText("Import a workflow file")) as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(["{not json"], "broken.json")] } });
    expect((await screen.findByRole("alert")).textContent).toMatch(/^broken\.json: not valid JSON/);
    const doc = { name: "Nightly sync", description: "Copies rows", steps: [{ id: "a", type: "lua_script", script: "return {}" }] };
    fireEvent.change(input, { target: { files: [new File([JSON.stringify(doc)], "sync.json")] } });
    await screen.findByText("elsewhere");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Nightly sync", description: "Copies rows", graph: { steps: doc.steps } });
  });

  it("shows a viewer the gallery-less empty state", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/workflows": { body: { workflows: [] } } });
    renderAt(<WorkflowList />, "/workflow");
    await screen.findByText(/Contributors of this project can create them/);
    expect(screen.queryByRole("button", { name: /Use this/ })).toBeNull();
  });
});

describe("sourceOfFile", () => {
  it("names the workflow after the file when the graph has no name, and keeps non-text names as graph data", () => {
    expect(sourceOfFile("flow.json", '{"steps": []}')).toEqual({ name: "flow", description: undefined, graph: { steps: [] } });
    expect(sourceOfFile("x.json", '{"name": {"k": 1}, "steps": []}').graph).toEqual({ name: { k: 1 }, steps: [] });
    expect(() => sourceOfFile("x.json", "[1]")).toThrow(/JSON object/);
  });
});

describe("getting-started checklist", () => {
  const state = (over: Record<string, unknown> = {}) => ({
    "GET /v1/workflows": { body: { workflows: [] } },
    "GET /v1/starters": { body: { starters: [] } },
    "GET /v1/mcp/instances": { body: { instances: [{ id: "i1", project_id: "p1", server_id: "s1", name: "crm" }] } },
    "GET /v1/llm-provider-keys/catalog": { body: { providers: [{ name: "openai", flavor: "openai", requires_api_key: true, workspace_key: false, system_key: false }] } },
    "GET /v1/runs": { body: { runs: [], next_cursor: null } },
    "GET /v1/members": { body: { members: [{ user_id: "u1", email: "ada@example.com", role: "admin", active: true }] } },
    ...over,
  });

  it("ticks each item from what exists and says what to do about the rest", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: adminMe() }, ...state() });
    renderAt(<WorkflowList />, "/workflow");
    const list = await screen.findByRole("region", { name: "Set up this workspace" });
    expect(list.textContent).toContain("1 of 4 done");
    const item = (key: string) => list.querySelector(`[data-item="${key}"]`) as HTMLElement;
    expect(item("mcp").className).toBe("done");
    expect(item("llm").className).toBe("");
    expect(item("llm").textContent).toContain("Providers");
    expect(item("run").textContent).toContain("(to do)");
    expect(item("invite").className).toBe("");
    expect(calls.find((c) => c.path.startsWith("/v1/runs"))?.path).toBe("/v1/runs?limit=1");
  });

  it("counts a system key, a run and a second member, and goes away when all is done", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: adminMe() },
      ...state({
        "GET /v1/llm-provider-keys/catalog": { body: { providers: [{ name: "openai", flavor: "openai", requires_api_key: true, workspace_key: false, system_key: true }] } },
        "GET /v1/runs": { body: { runs: [{ run_id: "r1", workflow_id: "w1", version: 1, status: "completed" }], next_cursor: null } },
        "GET /v1/members": { body: { members: [{ user_id: "u1", email: "a@x", role: "admin", active: true }, { user_id: "u2", email: "b@x", role: "member", active: true }] } },
      }),
    });
    renderAt(<WorkflowList />, "/workflow");
    await screen.findByLabelText("New workflow name");
    await waitFor(() => expect(screen.queryByRole("region", { name: "Set up this workspace" })).toBeNull());
  });

  it("leaves an item it could not read unticked, hides on request and stays hidden for the workspace", async () => {
    fakeServer({ "GET /v1/auth/me": { body: adminMe() }, ...state({ "GET /v1/members": { status: 500, body: { error: "boom" } } }) });
    renderAt(<WorkflowList />, "/workflow");
    const list = await screen.findByRole("region", { name: "Set up this workspace" });
    expect(list.querySelector('[data-item="invite"]')?.textContent).toContain("(could not be checked)");
    fireEvent.click(screen.getByRole("button", { name: "Hide" }));
    expect(screen.queryByRole("region", { name: "Set up this workspace" })).toBeNull();
    expect(localStorage.getItem("agentruntime.checklist.hidden.acme")).toBe("1");
  });

  it("is not shown to members who are not workspace admins", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_contributor") }, ...state() });
    renderAt(<WorkflowList />, "/workflow");
    await screen.findByLabelText("New workflow name");
    expect(screen.queryByRole("region", { name: "Set up this workspace" })).toBeNull();
    expect(calls.some((c) => c.path.startsWith("/v1/members"))).toBe(false);
  });
});
