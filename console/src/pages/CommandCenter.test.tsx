// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { CommandCenter } from "./CommandCenter";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const task = {
  task_id: "approve",
  run_id: "r1",
  workflow_id: "w1",
  workflow_name: "Publish post",
  step_id: "approve",
  task_type: "approval",
  task_payload: { title: "Approve the draft", draft: "Hello" },
  created_at: "2026-11-28T10:00:00Z",
};

function server(role: string) {
  let pending = [task];
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole(role) },
    "GET /v1/tasks/pending": () => ({ body: { tasks: pending } }),
    "GET /v1/runs": { body: { runs: [{ run_id: "r1", workflow_id: "w1", workflow_name: "Publish post", version: 1, status: "running" }] } },
    "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": (req) => {
      pending = [];
      return { body: { status: "completed", task_id: "approve", approved: (req.body as { approved: boolean }).approved } };
    },
  });
}

describe("CommandCenter", () => {
  it("lists the pending task with its payload and the counts", async () => {
    server("project_contributor");
    renderAt(<CommandCenter />, "/command-center");
    expect(await screen.findByRole("heading", { name: "Approve the draft" })).toBeTruthy();
    expect(screen.getByText(/"draft": "Hello"/)).toBeTruthy();
    await waitFor(() => expect(screen.getByText("1 awaiting approval")).toBeTruthy());
    expect(screen.getByText("1 running now")).toBeTruthy();
  });

  it.each([
    ["Approve", true],
    ["Reject", false],
  ])("%s sends approved=%s with the optional result, then refreshes", async (button, approved) => {
    const { calls } = server("project_contributor");
    renderAt(<CommandCenter />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    fireEvent.change(screen.getByLabelText("Result (optional JSON object)"), { target: { value: '{"note":"ok"}' } });
    fireEvent.click(screen.getByRole("button", { name: `${button} Approve the draft` }));
    await screen.findByText("Nothing is waiting for a human.");
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ approved, result: { note: "ok" } });
    expect(post?.headers["X-Tenant-Id"]).toBe("acme");
  });

  it("refuses a result that is not a JSON object and sends nothing", async () => {
    const { calls } = server("project_contributor");
    renderAt(<CommandCenter />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    fireEvent.change(screen.getByLabelText("Result (optional JSON object)"), { target: { value: "[1,2]" } });
    fireEvent.click(screen.getByRole("button", { name: "Approve Approve the draft" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/must be a JSON object/);
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("shows a conflict from the server on the task the user acted on", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [task] } },
      "GET /v1/runs": { body: { runs: [] } },
      "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": { status: 409, body: { error: "This task was already completed." } },
    });
    renderAt(<CommandCenter />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    fireEvent.click(screen.getByRole("button", { name: "Approve Approve the draft" }));
    expect((await screen.findByRole("alert")).textContent).toBe("This task was already completed.");
  });

  it("shows a viewer the task without approve or reject", async () => {
    server("project_viewer");
    renderAt(<CommandCenter />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    await screen.findByText("Viewers cannot complete tasks.");
    expect(screen.queryByRole("button", { name: /Approve/ })).toBeNull();
  });
});
