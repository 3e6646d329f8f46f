// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, polyfillDialog, renderAt, type Recorded } from "../test/harness";

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
  polyfillDialog();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const inputSchema = {
  type: "object",
  required: ["topic", "count"],
  properties: {
    topic: { type: "string", description: "What the post is about" },
    tone: { type: "string", enum: ["calm", "bold"], default: "calm" },
    count: { type: "integer", minimum: 1 },
    draft: { type: "boolean", default: true },
    tags: { type: "array" },
  },
};

const steps = [
  { id: "fetch", type: "lua_script", name: "Fetch", script: "return {}" },
  { id: "manual", type: "lua_script", name: "Manual", no_auto_start: true, script: "return {}" },
  { id: "write", type: "llm_call", name: "Write", depends_on: ["fetch"], prompt: "{{input.topic}}" },
];

type Answer = (req: Recorded) => { status?: number; body?: unknown };

function server(opts: { runSetup?: unknown; routes?: Record<string, Answer> } = {}) {
  return fakeServer({
    "GET /v1/auth/me": { body: meWithRole("project_contributor") },
    "GET /v1/workflows/w1": {
      body: { id: "w1", name: "Publish post", status: "published", latest_version: 2, run_setup: opts.runSetup ?? null, graph: { steps } },
    },
    "GET /v1/workflows/w1/versions/2": { body: { version: 2, workflow_id: "w1", published_at: "now", graph_snapshot: { steps, input_schema: inputSchema } } },
    "POST /v1/workflows/w1/command": { body: { run_id: "r9", status: "queued", workflow_id: "w1", version: 2, started_at: "now" } },
    ...opts.routes,
  });
}

/** Opens Studio, presses Run… and waits for the form. */
async function openRunSetup() {
  renderAt(<Studio />, "/workflow/w1", "/workflow/:id");
  fireEvent.click(await screen.findByRole("button", { name: "Run…" }));
  const dialog = screen.getByRole("dialog", { name: "Run the latest version" });
  await within(dialog).findByLabelText(/^topic/);
  return dialog;
}

/** Opens the per-step section (a <details>; its toggle event arrives after the click). */
async function openSteps(dialog: HTMLElement) {
  fireEvent.click(within(dialog).getByText("Per-step overrides (3 steps)"));
  await within(dialog).findByRole("group", { name: "Fetch (fetch)" });
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });
const startCommand = (calls: Recorded[]) => calls.find((c) => c.method === "POST" && c.path === "/v1/workflows/w1/command")?.body;

describe("Run setup", () => {
  it("draws one field per schema property, with defaults, help text and required marks", async () => {
    server();
    const dialog = await openRunSetup();
    const topic = within(dialog).getByLabelText(/^topic/) as HTMLInputElement;
    expect(topic.type).toBe("text");
    expect(topic.getAttribute("aria-required")).toBe("true");
    expect(document.getElementById(topic.getAttribute("aria-describedby") ?? "")?.textContent).toBe("What the post is about");
    const tone = within(dialog).getByLabelText(/^tone/) as HTMLSelectElement;
    expect(tone.value).toBe("calm");
    expect([...tone.options].map((o) => o.value)).toEqual(["", "calm", "bold"]);
    expect((within(dialog).getByLabelText(/^count/) as HTMLInputElement).type).toBe("number");
    expect((within(dialog).getByLabelText(/^draft/) as HTMLInputElement).checked).toBe(true);
    expect(within(dialog).getByLabelText(/^tags/).tagName).toBe("TEXTAREA");
    expect(within(dialog).queryByText("Using saved defaults.")).toBeNull();
  });

  it("blocks Start on a missing required field and says so next to it", async () => {
    const { calls } = server();
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^count/), "2");
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    const topic = within(dialog).getByLabelText(/^topic/);
    expect(topic.getAttribute("aria-invalid")).toBe("true");
    expect(topic.getAttribute("aria-describedby")).toContain(within(dialog).getByText("Required.").id);
    expect(within(dialog).getByText("Fix the marked fields first.")).toBeTruthy();
    expect(startCommand(calls)).toBeUndefined();
  });

  it("checks a JSON field as it is typed", async () => {
    server();
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^tags/), "[1,");
    expect(within(dialog).getByText(/^Not valid JSON/)).toBeTruthy();
    type(within(dialog).getByLabelText(/^tags/), '["a"]');
    expect(within(dialog).queryByText(/^Not valid JSON/)).toBeNull();
  });

  it("starts with the typed payload, step overrides, grants and exclusions, then opens the run", async () => {
    const { calls } = server();
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^topic/), "cats");
    type(within(dialog).getByLabelText(/^count/), "3");
    fireEvent.click(within(dialog).getByLabelText(/^draft/));
    type(within(dialog).getByLabelText(/^tags/), '["a", "b"]');
    await openSteps(dialog);
    const fetch = within(dialog).getByRole("group", { name: "Fetch (fetch)" });
    fireEvent.click(within(fetch).getByLabelText("Exclude from this run"));
    const manual = within(dialog).getByRole("group", { name: "Manual (manual)" });
    expect(within(manual).queryByLabelText("Exclude from this run")).toBeNull();
    fireEvent.click(within(manual).getByLabelText("Run this step"));
    const write = within(dialog).getByRole("group", { name: "Write (write)" });
    expect(within(write).queryByLabelText("Exclude from this run")).toBeNull();
    type(within(write).getByLabelText("Input overrides (JSON object)"), '{"topic": "dogs"}');
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    await screen.findByText("elsewhere");
    expect(startCommand(calls)).toEqual({
      command: "start",
      params: {
        trigger_payload: { topic: "cats", tone: "calm", count: 3, draft: false, tags: ["a", "b"] },
        trigger_steps: { write: { topic: "dogs" }, manual: {} },
        excluded_step_ids: ["fetch"],
      },
    });
  });

  it("refuses step overrides that are not a JSON object, on that step", async () => {
    const { calls } = server();
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^topic/), "cats");
    type(within(dialog).getByLabelText(/^count/), "3");
    await openSteps(dialog);
    const write = within(dialog).getByRole("group", { name: "Write (write)" });
    type(within(write).getByLabelText("Input overrides (JSON object)"), "[1]");
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    expect(within(write).getByRole("alert").textContent).toBe("Input overrides: Must be a JSON object ({ … }).");
    expect(startCommand(calls)).toBeUndefined();
  });

  it("shows the server's 422 in the dialog, on the field it names", async () => {
    server({
      routes: {
        "POST /v1/workflows/w1/command": () => ({
          status: 422,
          body: {
            error: "the trigger payload does not satisfy the workflow's input_schema: \"x\" is too short",
            issues: [{ code: "INPUT_INVALID", severity: "error", json_path: "$.params.trigger_payload.topic", message: '"x" is too short' }],
          },
        }),
      },
    });
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^topic/), "x");
    type(within(dialog).getByLabelText(/^count/), "1");
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    expect(await within(dialog).findByText(/does not satisfy the workflow's input_schema/)).toBeTruthy();
    expect(within(dialog).getByText('"x" is too short')).toBeTruthy();
    expect(within(dialog).getByLabelText(/^topic/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByText("elsewhere")).toBeNull();
  });

  it("edits the whole payload as JSON and checks it against the schema", async () => {
    const { calls } = server();
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^topic/), "cats");
    fireEvent.click(within(dialog).getByLabelText("Edit the input as JSON"));
    const json = within(dialog).getByLabelText("Input (trigger_payload, JSON)") as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ topic: "cats", tone: "calm", draft: true });
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    expect(within(dialog).getByRole("alert", { name: "Input problems" }).textContent).toBe("count: Required.");
    expect(startCommand(calls)).toBeUndefined();
    type(json, '{"topic": "cats", "count": 4, "extra": true}');
    // Back in the form, the typed values are there and the extra key is kept.
    fireEvent.click(within(dialog).getByLabelText("Edit the input as JSON"));
    expect((within(dialog).getByLabelText(/^count/) as HTMLInputElement).value).toBe("4");
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    await screen.findByText("elsewhere");
    expect(startCommand(calls)).toEqual({ command: "start", params: { trigger_payload: { topic: "cats", count: 4, extra: true, draft: false } } });
  });

  it("saves the form as the workflow's defaults", async () => {
    const { calls } = server({
      routes: { "PATCH /v1/workflows/w1": (req) => ({ body: { id: "w1", name: "Publish post", status: "published", latest_version: 2, run_setup: (req.body as { run_setup: unknown }).run_setup } }) },
    });
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^topic/), "cats");
    type(within(dialog).getByLabelText(/^count/), "3");
    await openSteps(dialog);
    fireEvent.click(within(within(dialog).getByRole("group", { name: "Manual (manual)" })).getByLabelText("Run this step"));
    fireEvent.click(within(within(dialog).getByRole("group", { name: "Fetch (fetch)" })).getByLabelText("Exclude from this run"));
    type(within(within(dialog).getByRole("group", { name: "Write (write)" })).getByLabelText("Input overrides (JSON object)"), '{"tone": "bold"}');
    fireEvent.click(within(dialog).getByRole("button", { name: "Save as defaults" }));
    expect(await within(dialog).findByText("Saved as this workflow's defaults.")).toBeTruthy();
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
      run_setup: {
        trigger_payload: { topic: "cats", tone: "calm", count: 3, draft: true },
        trigger_steps: { write: { tone: "bold" } },
        trigger_step_ids: ["manual"],
      },
    });
    expect(startCommand(calls)).toBeUndefined();
    // Opened again, the form starts from what was saved.
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    fireEvent.click(screen.getByRole("button", { name: "Run…" }));
    expect(((await within(dialog).findByLabelText(/^topic/)) as HTMLInputElement).value).toBe("cats");
    expect(within(dialog).getByText("Using saved defaults.")).toBeTruthy();
  });

  it("saves defaults that leave required fields empty, but not unreadable ones", async () => {
    const { calls } = server({ routes: { "PATCH /v1/workflows/w1": (req) => ({ body: { id: "w1", run_setup: (req.body as { run_setup: unknown }).run_setup } }) } });
    const dialog = await openRunSetup();
    type(within(dialog).getByLabelText(/^tags/), "[1,");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save as defaults" }));
    expect(within(dialog).getByText("Fix the marked fields first.")).toBeTruthy();
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    type(within(dialog).getByLabelText(/^tags/), "");
    fireEvent.click(within(dialog).getByRole("button", { name: "Save as defaults" }));
    await within(dialog).findByText("Saved as this workflow's defaults.");
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ run_setup: { trigger_payload: { tone: "calm", draft: true } } });
  });

  it("pre-fills saved defaults and can reset to the schema's", async () => {
    const { calls } = server({
      runSetup: { trigger_payload: { topic: "saved topic", count: 7, draft: false }, trigger_steps: { write: { tone: "bold" } }, trigger_step_ids: ["manual"] },
    });
    const dialog = await openRunSetup();
    expect(within(dialog).getByText("Using saved defaults.")).toBeTruthy();
    expect((within(dialog).getByLabelText(/^topic/) as HTMLInputElement).value).toBe("saved topic");
    expect((within(dialog).getByLabelText(/^count/) as HTMLInputElement).value).toBe("7");
    expect((within(dialog).getByLabelText(/^draft/) as HTMLInputElement).checked).toBe(false);
    // Saved step settings open the overrides section.
    const write = within(dialog).getByRole("group", { name: "Write (write)" });
    expect(JSON.parse((within(write).getByLabelText("Input overrides (JSON object)") as HTMLTextAreaElement).value)).toEqual({ tone: "bold" });
    expect((within(within(dialog).getByRole("group", { name: "Manual (manual)" })).getByLabelText("Run this step") as HTMLInputElement).checked).toBe(true);

    fireEvent.click(within(dialog).getByRole("button", { name: "Reset to schema defaults" }));
    expect(within(dialog).queryByText("Using saved defaults.")).toBeNull();
    expect((within(dialog).getByLabelText(/^topic/) as HTMLInputElement).value).toBe("");
    expect((within(dialog).getByLabelText(/^draft/) as HTMLInputElement).checked).toBe(true);
    expect((within(write).getByLabelText("Input overrides (JSON object)") as HTMLTextAreaElement).value).toBe("");
    type(within(dialog).getByLabelText(/^topic/), "fresh");
    type(within(dialog).getByLabelText(/^count/), "1");
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    await waitFor(() => expect(startCommand(calls)).toEqual({ command: "start", params: { trigger_payload: { topic: "fresh", tone: "calm", count: 1, draft: true } } }));
  });

  it("says so when the published version cannot be read", async () => {
    server({ routes: { "GET /v1/workflows/w1/versions/2": () => ({ status: 404, body: { error: "version not found" } }) } });
    renderAt(<Studio />, "/workflow/w1", "/workflow/:id");
    fireEvent.click(await screen.findByRole("button", { name: "Run…" }));
    const dialog = screen.getByRole("dialog", { name: "Run the latest version" });
    expect((await within(dialog).findByRole("alert")).textContent).toBe("The published version could not be read: version not found");
    expect(within(dialog).queryByRole("button", { name: "Start run" })).toBeNull();
  });
});
