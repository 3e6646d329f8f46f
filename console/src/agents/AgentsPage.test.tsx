// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Agent } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import AgentsPage from "./AgentsPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const triage: Agent = {
  id: "a1",
  project_id: "p1",
  name: "Triage",
  description: "Answers from the docs",
  instructions: "Be brief.",
  model: null,
  model_ref: "direct.openai.gpt-4o-mini",
  llm_params: null,
  tools: [{ instance_id: "i1", tool_names: ["echo"] }],
  workflows_as_tools: [],
  max_turns: 8,
  token_budget: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const mcpRoutes = {
  "GET /v1/mcp/instances": { body: { instances: [{ id: "i1", project_id: "p1", server_id: "s1", name: "everything", server_name: "Everything" }] } },
  "GET /v1/mcp/servers": {
    body: {
      servers: [
        {
          id: "s1",
          project_id: "p1",
          name: "Everything",
          canonical_url: "stdio:everything",
          transport: "stdio",
          auth_mode: "none",
          source: "catalog",
          current_version: 1,
          tools: [{ name: "echo" }, { name: "add" }, { name: "longRunningOperation" }],
        },
      ],
    },
  },
};

describe("Agents page", () => {
  it("lists the project's agents with their model and tools", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_contributor") }, "GET /v1/agents": { body: { agents: [triage] } }, ...mcpRoutes });
    renderAt(<AgentsPage />, "/agents");
    const row = (await screen.findByRole("cell", { name: /Triage/ })).closest("tr")!;
    expect(within(row).getByText("direct.openai.gpt-4o-mini")).toBeTruthy();
    expect(within(row).getByText("echo (everything)")).toBeTruthy();
    expect(within(row).getByRole("button", { name: "Edit agent Triage" })).toBeTruthy();
  });

  it("creates an agent: the tool picker builds `tools` and the POST carries the form", async () => {
    let list: Agent[] = [];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/agents": () => ({ body: { agents: list } }),
      "POST /v1/agents": () => {
        list = [triage];
        return { status: 201, body: triage };
      },
      ...mcpRoutes,
    });
    renderAt(<AgentsPage />, "/agents");
    await screen.findByText("No agents in this project yet.");
    fireEvent.click(screen.getByRole("button", { name: "New agent" }));
    const form = screen.getByRole("form", { name: "New agent" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "Triage" } });
    fireEvent.change(within(form).getByLabelText(/^Instructions/), { target: { value: "Be brief." } });
    fireEvent.change(within(form).getByLabelText("Model"), { target: { value: "direct.openai.gpt-4o-mini" } });
    fireEvent.change(within(form).getByLabelText(/^Model parameters/), { target: { value: '{"temperature": 0.2}' } });
    fireEvent.change(within(form).getByLabelText(/^Tool rounds/), { target: { value: "4" } });
    const group = await within(form).findByRole("group", { name: /Tools of instance everything/ });
    fireEvent.click(within(group).getByLabelText("add"));
    fireEvent.click(within(group).getByLabelText("echo"));
    fireEvent.click(within(form).getByRole("button", { name: "Create agent" }));

    await screen.findByRole("cell", { name: /Triage/ });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "Triage",
      description: "",
      instructions: "Be brief.",
      model_ref: "direct.openai.gpt-4o-mini",
      llm_params: { temperature: 0.2 },
      tools: [{ instance_id: "i1", tool_names: ["add", "echo"] }],
      max_turns: 4,
    });
    expect(screen.queryByRole("form", { name: "New agent" })).toBeNull();
  });

  it("shows the server's 400 at the field it names and keeps the form", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/agents": { body: { agents: [] } },
      "POST /v1/agents": { status: 400, body: { error: "`max_turns` must be between 1 and 50 (default 8)" } },
      ...mcpRoutes,
    });
    renderAt(<AgentsPage />, "/agents");
    fireEvent.click(await screen.findByRole("button", { name: "New agent" }));
    const form = screen.getByRole("form", { name: "New agent" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "x" } });
    fireEvent.change(within(form).getByLabelText("Model"), { target: { value: "m" } });
    const turns = within(form).getByLabelText(/^Tool rounds/);
    fireEvent.change(turns, { target: { value: "99" } });
    fireEvent.submit(form);
    const alert = await within(form).findByRole("alert");
    expect(alert.textContent).toBe("`max_turns` must be between 1 and 50 (default 8)");
    expect(turns.getAttribute("aria-invalid")).toBe("true");
    expect(turns.getAttribute("aria-describedby")).toBe(alert.id);
    expect((within(form).getByLabelText("Name") as HTMLInputElement).value).toBe("x");
  });

  it("edits with a PATCH of the whole form and deletes after confirming", async () => {
    let list: Agent[] = [triage];
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_admin") },
      "GET /v1/agents": () => ({ body: { agents: list } }),
      "PATCH /v1/agents/a1": (req) => {
        list = [{ ...triage, ...(req.body as object) }];
        return { body: list[0] };
      },
      "DELETE /v1/agents/a1": () => {
        list = [];
        return { body: {} };
      },
      ...mcpRoutes,
    });
    renderAt(<AgentsPage />, "/agents");
    fireEvent.click(await screen.findByRole("button", { name: "Edit agent Triage" }));
    const form = screen.getByRole("form", { name: "Edit agent Triage" });
    expect((within(form).getByLabelText("echo") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(form).getByLabelText("echo"));
    fireEvent.click(within(form).getByLabelText("longRunningOperation"));
    fireEvent.change(within(form).getByLabelText(/^Token budget/), { target: { value: "1000" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save agent" }));
    await waitFor(() => expect(screen.queryByRole("form")).toBeNull());
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
      name: "Triage",
      description: "Answers from the docs",
      instructions: "Be brief.",
      model_ref: "direct.openai.gpt-4o-mini",
      llm_params: null,
      tools: [{ instance_id: "i1", tool_names: ["longRunningOperation"] }],
      max_turns: 8,
      token_budget: 1000,
    });

    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(screen.getByRole("button", { name: "Delete agent Triage" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Delete agent Triage" }));
    await screen.findByText("No agents in this project yet.");
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  it("a viewer reads the list but gets no buttons to change it", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/agents": { body: { agents: [triage] } }, ...mcpRoutes });
    renderAt(<AgentsPage />, "/agents");
    await screen.findByRole("cell", { name: /Triage/ });
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByText(/can read agents, not change them/)).toBeTruthy();
    expect(screen.getByText("Be brief.")).toBeTruthy(); // the instructions, behind their summary
    expect(calls.every((c) => c.method === "GET")).toBe(true);
  });
});
