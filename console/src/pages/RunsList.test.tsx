// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { RunsList } from "./RunsList";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const run = (id: string, status: string) => ({ run_id: id, workflow_id: "w1", workflow_name: "Publish post", version: 2, status });

describe("RunsList", () => {
  it("lists runs with links to their run view and pages with the cursor", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "GET /v1/runs": (req) =>
        req.path.includes("cursor=c2")
          ? { body: { runs: [run("r3", "failed")], next_cursor: null } }
          : { body: { runs: [run("r1", "running"), run("r2", "completed")], next_cursor: "c2" } },
    });
    renderAt(<RunsList />, "/runs");
    const link = (await screen.findAllByRole("link", { name: "Publish post" }))[0] as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("/workflow/w1/runs/r1");
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("run r3");
    expect(screen.getAllByRole("row")).toHaveLength(4);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(calls.filter((c) => c.path === "/v1/runs?cursor=c2")).toHaveLength(1);
  });

  it("names a chat agent's run (no workflow) without a broken link", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "GET /v1/runs": { body: { runs: [{ run_id: "rc", workflow_id: null, version: null, status: "completed" }, run("r1", "completed")] } },
    });
    renderAt(<RunsList />, "/runs");
    await screen.findByText("run rc");
    expect(screen.getByText("Chat turn").closest("a")).toBeNull();
    const hrefs = screen.getAllByRole("link").map((a) => a.getAttribute("href") ?? "");
    expect(hrefs.filter((h) => h.includes("/runs/"))).toEqual(["/workflow/w1/runs/r1"]);
  });

  it("filters by status through the query", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "GET /v1/runs": (req) => ({ body: { runs: req.path.includes("status=failed") ? [] : [run("r1", "running")] } }),
    });
    renderAt(<RunsList />, "/runs");
    await screen.findByText("run r1");
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failed" } });
    await screen.findByText("No failed runs.");
    await waitFor(() => expect(calls.some((c) => c.path === "/v1/runs?status=failed")).toBe(true));
  });

  it("shows a load error", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_viewer") },
      "GET /v1/runs": { status: 403, body: { error: "no access to this project" } },
    });
    renderAt(<RunsList />, "/runs");
    expect((await screen.findByRole("alert")).textContent).toBe("no access to this project");
  });
});
