// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { WorkflowList } from "./WorkflowList";

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
      "POST /v1/workflows": { status: 403, body: { error: "Your token lacks the workflow:write scope." } },
    });
    renderAt(<WorkflowList />, "/workflow");
    fireEvent.change(await screen.findByLabelText("New workflow name"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Create workflow" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Your token lacks the workflow:write scope.");
  });
});
