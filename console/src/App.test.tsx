// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter } from "react-router";
import type { Me } from "./api/types";
import { App } from "./App";
import { SessionProvider } from "./session/SessionContext";
import { fakeServer, meWithRole } from "./test/harness";

// The Analytics page's chart library needs a real canvas and matchMedia, which jsdom lacks.
vi.mock("uplot", () => ({
  default: class {
    setSize() {}
    destroy() {}
  },
}));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const renderApp = (path: string) => {
  localStorage.clear();
  return render(
    <MemoryRouter initialEntries={[path]}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </MemoryRouter>,
  );
};

const twoWorkspaces: Me = {
  user: { id: "u1", email: "ada@example.com" },
  workspaces: [
    { slug: "acme", name: "Acme", role: "owner", projects: [{ id: "p1", name: "Default", role: "project_admin" }] },
    { slug: "beta", name: "Beta", role: "member", projects: [{ id: "p9", name: "Ops", role: "project_viewer" }] },
  ],
};

describe("App", () => {
  it("sends a signed-out visitor to the sign-in page", async () => {
    fakeServer({ "GET /v1/auth/me": { status: 401, body: { error: "not signed in" } } });
    renderApp("/command-center");
    expect(await screen.findByRole("heading", { name: "Sign in to agentruntime" })).toBeTruthy();
  });

  it("opens the workflow list at / for a signed-in user", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") }, "GET /v1/workflows": { body: { workflows: [] } } });
    renderApp("/");
    expect(await screen.findByRole("heading", { name: "Workflows" })).toBeTruthy();
    expect(screen.getByText("viewer")).toBeTruthy();
  });

  it("opens Analytics from the navigation, loaded on demand", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/workflows": { body: { workflows: [] } },
    });
    renderApp("/workflow");
    await screen.findByRole("heading", { name: "Workflows" });
    fireEvent.click(screen.getByRole("link", { name: "Analytics" }));
    expect(await screen.findByRole("heading", { name: "Analytics", level: 1 })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Analytics" }).getAttribute("aria-current")).toBe("page");
  });

  it("sends requests to the workspace and project picked in the header", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": { body: twoWorkspaces }, "GET /v1/workflows": { body: { workflows: [] } } });
    renderApp("/workflow");
    await screen.findByRole("heading", { name: "Workflows" });
    fireEvent.change(screen.getByLabelText("Workspace"), { target: { value: "beta" } });
    await waitFor(() => {
      const last = calls.filter((c) => c.path === "/v1/workflows").at(-1);
      expect(last?.headers).toMatchObject({ "X-Tenant-Id": "beta", "X-Project-Id": "p9" });
    });
    expect(JSON.parse(localStorage.getItem("agentruntime.scope") ?? "{}")).toEqual({ tenant: "beta", project: "p9" });
  });

  it("asks a user without a workspace to create one", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: { user: { id: "u", email: "x@y.z" }, workspaces: [] } },
      "POST /v1/workspaces": { status: 201, body: {} },
    });
    renderApp("/workflow");
    fireEvent.change(await screen.findByLabelText("Name"), { target: { value: "Acme Labs" } });
    fireEvent.click(screen.getByRole("button", { name: "Create workspace" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ slug: "acme-labs", name: "Acme Labs" });
  });

  it("shows an unknown path as such inside the frame", async () => {
    fakeServer({ "GET /v1/auth/me": { body: meWithRole("project_viewer") } });
    renderApp("/nowhere");
    expect(await screen.findByText("This page does not exist.")).toBeTruthy();
  });
});
