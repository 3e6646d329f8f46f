// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt, type Recorded } from "../test/harness";
import { CommandCenter } from "./CommandCenter";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setHidden(false);
});

/** jsdom's tab is always visible; tests switch `document.hidden` and fire the event. */
function setHidden(hidden: boolean) {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event("visibilitychange"));
}

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

const runningRun = { run_id: "r1", workflow_id: "w1", workflow_name: "Publish post", version: 1, status: "running" };
const drainingRun = {
  run_id: "r2",
  workflow_id: "w2",
  workflow_name: "Nightly sync",
  version: 3,
  status: "draining",
  started_at: "2026-11-28T09:00:00Z",
};
const failedRun = {
  run_id: "r3",
  workflow_id: "w3",
  workflow_name: "Invoice import",
  version: 2,
  status: "failed",
  failure_code: "step_failed",
  started_at: "2026-11-28T08:00:00Z",
  finished_at: "2026-11-28T08:05:00Z",
};

/** `GET /v1/runs` answering from `byStatus` by the `status` filter, as the server does. */
function runsByStatus(byStatus: Record<string, unknown[]>) {
  return (req: Recorded) => {
    const status = new URL(req.path, "http://localhost").searchParams.get("status") ?? "";
    return { body: { runs: byStatus[status] ?? [], next_cursor: null } };
  };
}

function server(role: string) {
  let pending = [task];
  const runs: Record<string, unknown[]> = { running: [runningRun] };
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole(role) },
    "GET /v1/tasks/pending": () => ({ body: { tasks: pending } }),
    "GET /v1/runs": runsByStatus(runs),
    "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": (req) => {
      pending = [];
      runs.running = []; // the run goes on and finishes
      return { body: { status: "completed", task_id: "approve", approved: (req.body as { approved: boolean }).approved } };
    },
  });
}

describe("CommandCenter", () => {
  it("lists the pending task as a readable summary of its payload, with the counts", async () => {
    server("project_contributor");
    renderAt(<CommandCenter />, "/command-center");
    const card = await screen.findByRole("article", { name: "Approve the draft" });
    // The payload's fields as words, not a JSON dump.
    expect(within(card).getByText("Draft").tagName).toBe("DT");
    expect(within(card).getByText("Hello").tagName).toBe("SPAN");
    expect(card.textContent).not.toMatch(/"draft"/);
    await waitFor(() => expect(screen.getByText("1 awaiting approval")).toBeTruthy());
    expect(screen.getByText("1 running now")).toBeTruthy();
  });

  it.each([
    ["Approve", true],
    ["Reject", false],
  ])("%s sends approved=%s with the comment, then refreshes", async (button, approved) => {
    const { calls } = server("project_contributor");
    // A long interval: what changes on screen is the refresh that follows the answer.
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    await screen.findByText("1 running now");
    fireEvent.change(screen.getByLabelText("Comment (optional)"), { target: { value: "  ok by me " } });
    fireEvent.click(screen.getByRole("button", { name: `${button} Approve the draft` }));
    await screen.findByText("Nothing is waiting for a human.");
    await screen.findByText("0 running now");
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ approved, result: { comment: "ok by me" } });
    expect(post?.headers["X-Tenant-Id"]).toBe("acme");
  });

  it("sends no result at all when nothing was typed", async () => {
    const { calls } = server("project_contributor");
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    fireEvent.click(screen.getByRole("button", { name: "Approve Approve the draft" }));
    await screen.findByText("Nothing is waiting for a human.");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ approved: true });
  });

  it("draws a payload's JSON Schema as a form whose values become the result; required fields are checked first", async () => {
    const schemaTask = {
      ...task,
      task_type: "edit",
      task_payload: {
        title: "Fix the invoice",
        description: "The total looks wrong.",
        invoice: "INV-7",
        amount: 120,
        schema: {
          type: "object",
          required: ["amount", "reason"],
          properties: {
            amount: { type: "number", title: "Corrected amount", minimum: 0 },
            reason: { type: "string", enum: ["typo", "discount", "other"] },
            notify: { type: "boolean", title: "Tell the customer" },
          },
        },
      },
    };
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [schemaTask] } },
      "GET /v1/runs": { body: { runs: [] } },
      "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": { body: { status: "completed", task_id: "approve", approved: true } },
    });
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    const card = await screen.findByRole("article", { name: "Fix the invoice" });
    expect(within(card).getByText("The total looks wrong.")).toBeTruthy();
    // The field the form edits starts from the payload's value and is not repeated in the summary.
    const amount = within(card).getByLabelText(/Corrected amount/) as HTMLInputElement;
    expect(amount.value).toBe("120");
    expect(within(card).queryByText("Amount")).toBeNull();
    expect(within(card).getByText("INV-7")).toBeTruthy();

    // Not an approval: the button says Submit. A required field left empty is refused on the field.
    fireEvent.click(within(card).getByRole("button", { name: "Submit Fix the invoice" }));
    expect((await within(card).findAllByRole("alert")).map((a) => a.textContent)).toContain("Required.");
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    fireEvent.change(amount, { target: { value: "99.5" } });
    fireEvent.change(within(card).getByLabelText(/reason/), { target: { value: "discount" } });
    fireEvent.click(within(card).getByLabelText("Tell the customer"));
    fireEvent.change(within(card).getByLabelText("Comment (optional)"), { target: { value: "agreed on the phone" } });
    fireEvent.click(within(card).getByRole("button", { name: "Submit Fix the invoice" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      approved: true,
      result: { amount: 99.5, reason: "discount", notify: true, comment: "agreed on the phone" },
    });
  });

  it("rejecting a schema form sends only the comment, without checking the form", async () => {
    const schemaTask = { ...task, task_payload: { title: "Pick one", schema: { type: "object", required: ["x"], properties: { x: { type: "string" } } } } };
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [schemaTask] } },
      "GET /v1/runs": { body: { runs: [] } },
      "POST /v1/workflows/w1/runs/r1/tasks/approve/complete": { body: { status: "completed", task_id: "approve", approved: false } },
    });
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    await screen.findByRole("article", { name: "Pick one" });
    fireEvent.change(screen.getByLabelText("Comment (optional)"), { target: { value: "not now" } });
    fireEvent.click(screen.getByRole("button", { name: "Reject Pick one" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ approved: false, result: { comment: "not now" } });
  });

  it("takes keyboard shortcuts: A approves from the card, R rejects, letters typed in a field are text, Ctrl+Enter approves from a field", async () => {
    const { calls } = server("project_contributor");
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    const card = await screen.findByRole("article", { name: "Approve the draft" });
    const comment = within(card).getByLabelText("Comment (optional)");
    fireEvent.keyDown(comment, { key: "a" });
    fireEvent.keyDown(comment, { key: "r" });
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    fireEvent.keyDown(comment, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ approved: true });
  });

  it.each([
    ["a", true],
    ["r", false],
  ])("the %s key on a focused card completes it (approved=%s)", async (key, approved) => {
    const { calls } = server("project_contributor");
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    const card = await screen.findByRole("article", { name: "Approve the draft" });
    card.focus();
    fireEvent.keyDown(card, { key });
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ approved });
  });

  it("J and K move the focus between task cards", async () => {
    const second = { ...task, task_id: "second", step_id: "second", task_payload: { title: "Second task" } };
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [task, second] } },
      "GET /v1/runs": { body: { runs: [] } },
    });
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    const first = await screen.findByRole("article", { name: "Approve the draft" });
    const next = screen.getByRole("article", { name: "Second task" });
    first.focus();
    fireEvent.keyDown(first, { key: "j" });
    expect(document.activeElement).toBe(next);
    fireEvent.keyDown(next, { key: "k" });
    expect(document.activeElement).toBe(first);
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

  it("lists runs stopping gracefully and runs failed in the last 24 hours, with all four counts", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [task] } },
      "GET /v1/runs": runsByStatus({ running: [runningRun], draining: [drainingRun], failed: [failedRun, { ...failedRun, run_id: "r4", failure_code: null }] }),
    });
    renderAt(<CommandCenter />, "/command-center");

    const stopping = within(await screen.findByRole("list", { name: "Stopping gracefully" }));
    const drainLink = await stopping.findByRole("link", { name: "Nightly sync — run r2" });
    expect(drainLink.getAttribute("href")).toBe("/workflow/w2/runs/r2");

    const failedList = within(screen.getByRole("list", { name: "Failed recently" }));
    const failedLink = await failedList.findByRole("link", { name: "Invoice import — run r3" });
    expect(failedLink.getAttribute("href")).toBe("/workflow/w3/runs/r3");
    expect(failedLink.closest("li")?.textContent).toMatch(/failed · step_failed · failed /);
    expect(failedList.getByRole("link", { name: "Invoice import — run r4" }).closest("li")?.textContent).toMatch(/no failure code/);

    await waitFor(() => expect(screen.getByText("1 awaiting approval")).toBeTruthy());
    expect(screen.getByText("1 running now")).toBeTruthy();
    expect(screen.getByText("1 stopping gracefully")).toBeTruthy();
    expect(screen.getByText("2 failed in the last 24 h")).toBeTruthy();

    // The failed list asks the server for failed runs created in the last 24 hours.
    const failedQuery = calls.map((c) => new URL(c.path, "http://localhost").searchParams).find((q) => q.get("status") === "failed");
    const since = Date.parse(failedQuery?.get("since") ?? "");
    expect(Math.abs(Date.now() - 24 * 3600 * 1000 - since)).toBeLessThan(60_000);
  });

  it("says so when a section is empty, and counts a longer list as more than a page", async () => {
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [] } },
      "GET /v1/runs": (req: Recorded) =>
        req.path.includes("status=failed")
          ? { body: { runs: [failedRun], next_cursor: "abc" } }
          : { body: { runs: [], next_cursor: null } },
    });
    renderAt(<CommandCenter />, "/command-center");
    expect(await screen.findByText("No run is stopping.")).toBeTruthy();
    expect(screen.getByText("No run is in progress.")).toBeTruthy();
    await waitFor(() => expect(screen.getByText("1+ failed in the last 24 h")).toBeTruthy());
  });

  it("refreshes on its own: a run that starts draining shows up without a reload", async () => {
    const byStatus: Record<string, unknown[]> = { running: [runningRun, drainingRun] };
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [] } },
      "GET /v1/runs": runsByStatus(byStatus),
    });
    renderAt(<CommandCenter refreshMs={30} />, "/command-center");
    await waitFor(() => expect(screen.getByText("2 running now")).toBeTruthy());
    expect(screen.getByText("No run is stopping.")).toBeTruthy();

    byStatus.running = [runningRun];
    byStatus.draining = [{ ...drainingRun }];
    const stopping = within(screen.getByRole("list", { name: "Stopping gracefully" }));
    expect(await stopping.findByRole("link", { name: "Nightly sync — run r2" })).toBeTruthy();
    expect(screen.getByText("1 running now")).toBeTruthy();
    expect(screen.getByText("1 stopping gracefully")).toBeTruthy();
  });

  it("keeps the lists on screen while refreshing (no flicker back to loading)", async () => {
    let answer: (() => void) | null = null;
    let held = false;
    fakeServer({
      "GET /v1/auth/me": { body: meWithRole("project_contributor") },
      "GET /v1/tasks/pending": { body: { tasks: [task] } },
      "GET /v1/runs": runsByStatus({ running: [runningRun] }),
    });
    // Hold every request after the first round, so the screen is caught mid-refresh.
    const fake = globalThis.fetch as unknown as (input: string, init: RequestInit) => Promise<Response>;
    vi.stubGlobal("fetch", async (input: string, init: RequestInit) => {
      if (held) await new Promise<void>((resolve) => (answer = resolve));
      return fake(input, init);
    });
    renderAt(<CommandCenter refreshMs={30} />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    await waitFor(() => expect(screen.getByText("1 running now")).toBeTruthy());
    held = true;
    await waitFor(() => expect(answer).not.toBeNull()); // a refresh is waiting for its answer
    expect(screen.getByRole("heading", { name: "Approve the draft" })).toBeTruthy();
    expect(screen.getByText("1 running now")).toBeTruthy();
    expect(screen.queryByText("Loading tasks…")).toBeNull();
  });

  it("sends nothing while the tab is hidden and refreshes at once when it is shown again", async () => {
    const { calls } = server("project_contributor");
    const listCalls = () => calls.filter((c) => c.path.startsWith("/v1/runs")).length;
    renderAt(<CommandCenter refreshMs={20} />, "/command-center");
    await waitFor(() => expect(listCalls()).toBeGreaterThan(3)); // first load, then a refresh
    setHidden(true);
    await new Promise((r) => setTimeout(r, 30)); // a refresh already under way finishes
    const whileHidden = listCalls();
    await new Promise((r) => setTimeout(r, 120));
    expect(listCalls()).toBe(whileHidden);

    // A long interval from here on, so only the visibility change can refresh.
    cleanup();
    const again = server("project_contributor");
    renderAt(<CommandCenter refreshMs={60_000} />, "/command-center");
    await screen.findByRole("heading", { name: "Approve the draft" });
    setHidden(true);
    const initial = again.calls.length;
    setHidden(false);
    await waitFor(() => expect(again.calls.length).toBeGreaterThan(initial));
    expect(again.calls.slice(initial).map((c) => c.path.split("?")[0])).toContain("/v1/tasks/pending");
  });
});
