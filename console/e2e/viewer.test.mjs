/**
 * A project viewer sees the workflow list, Studio, the run view and Command Center without
 * any edit control; the same edits sent straight to the API with the viewer's session are
 * refused with 403. (Setup goes through the API: the owner builds, publishes and starts a
 * workflow, invites the viewer and makes them a viewer of the project.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";
import { node } from "./canvas.mjs";

const env = serverAndBrowser();
const VIEWER_EMAIL = "viewer@example.com";
const VIEWER_PASSWORD = "viewer password long enough";

const graph = {
  steps: [
    { id: "prepare", type: "lua_script", name: "Prepare", script: "return { total = 3 }" },
    { id: "sign-off", type: "human_task", name: "Sign off", depends_on: ["prepare"], task_type: "approval", task_payload: { title: "Sign off the total" } },
  ],
};

/**
 * What the viewer's checks need: ids of the workflow, its waiting run and task, the scope.
 * Made once, by whichever test runs first (after the harness has started the server).
 */
let made;
const setUp = () => (made ??= makeSetup());

async function makeSetup() {
  const url = env.server.url;
  const owner = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie: owner });
  const tenant = me.body.workspaces[0].slug;
  const project = me.body.workspaces[0].projects[0].id;
  const as = (cookie) => ({ cookie, tenant, project });

  const wf = await api(url, "POST", "/workflows", { ...as(owner), body: { name: "Monthly totals", graph } });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  const published = await api(url, "POST", `/workflows/${wf.body.id}/versions`, { ...as(owner), body: { changelog: "first" } });
  assert.equal(published.status, 201, JSON.stringify(published.body));
  const run = await api(url, "POST", `/workflows/${wf.body.id}/command`, { ...as(owner), body: { command: "start", params: {} } });
  assert.ok(run.status < 300, JSON.stringify(run.body));
  // The run stops at the human task; wait for its task to exist.
  let task;
  for (let i = 0; i < 100 && !task; i++) {
    const tasks = await api(url, "GET", "/tasks/pending", as(owner));
    task = tasks.body?.tasks?.find((t) => t.run_id === run.body.run_id);
    if (!task) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(task, "the run is waiting for a human");

  const invite = await api(url, "POST", "/invites", { ...as(owner), body: { email: VIEWER_EMAIL, role: "member" } });
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  const viewer = await sessionCookie(url, VIEWER_EMAIL, VIEWER_PASSWORD, { signup: { invite_token: invite.body.token } });
  const role = await api(url, "POST", `/projects/${project}/members`, { ...as(owner), body: { email: VIEWER_EMAIL, role: "project_viewer" } });
  assert.ok(role.status < 300, JSON.stringify(role.body));

  return { tenant, project, viewer, workflowId: wf.body.id, runId: run.body.run_id, taskId: task.task_id };
}

test("a viewer sees workflows, Studio, runs and tasks without edit controls", async () => {
  const url = env.server.url;
  const setup = await setUp();
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, VIEWER_EMAIL, VIEWER_PASSWORD);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
  const row = page.getByRole("link", { name: "Monthly totals" });
  await row.waitFor();
  assert.equal(await page.getByRole("form", { name: "Create workflow" }).count(), 0, "no create form");
  assert.equal(await page.getByRole("button", { name: /^Archive/ }).count(), 0, "no archive button");
  await screenshot(page, "viewer-workflows");

  await row.click();
  await page.getByRole("region", { name: "Workflow Studio: Monthly totals" }).waitFor();
  await node(page, "sign-off").waitFor();
  for (const name of ["Auto-layout", "Save draft", "Publish…", "Run…"]) {
    assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `no ${name} button`);
  }
  assert.equal(await page.getByRole("region", { name: "Step palette" }).count(), 0, "no palette");
  assert.equal(await page.getByText("Import JSON").count(), 0, "no import");
  assert.equal(await page.locator(".react-flow__handle.connectable").count(), 0, "handles do not connect");
  // Reading a step's settings is allowed; changing them is not.
  await node(page, "sign-off").click();
  const panel = page.getByRole("region", { name: "Configure step sign-off" });
  await panel.waitFor();
  assert.equal(await panel.getByRole("button", { name: /^Delete step/ }).count(), 0, "no delete button");
  assert.equal(await panel.getByLabel(/^Step id/).getAttribute("readonly"), "", "the id is read-only");
  assert.equal(await panel.getByRole("checkbox", { name: "Prepare" }).isDisabled(), true, "dependencies are read-only");
  await auditAccessibility(page, "Studio (viewer)");
  await screenshot(page, "viewer-studio");

  await page.goto(`${url}/workflow/${setup.workflowId}/runs/${setup.runId}`);
  await node(page, "sign-off").locator('[data-status="waiting"]').waitFor();
  for (const name of ["Pause", "Resume", "Stop gracefully", "Stop now", "Retry from failure"]) {
    assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `no ${name} button`);
  }
  await auditAccessibility(page, "run view (viewer)");
  await screenshot(page, "viewer-run");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Command Center" }).click();
  await page.getByRole("heading", { name: "Sign off the total" }).waitFor();
  assert.equal(await page.getByRole("button", { name: /^(Approve|Reject) / }).count(), 0, "no approve or reject");
  await page.getByText("Viewers cannot complete tasks.").waitFor();
  await auditAccessibility(page, "Command Center (viewer)");
  await screenshot(page, "viewer-command-center");

  // My access explains the same limits in words.
  await page.goto(`${url}/settings/access`);
  const rights = page.getByRole("list", { name: /^What you can do in the project / });
  await rights.getByText("Create, edit and publish workflows: not allowed").waitFor();
  await rights.getByText("Read workflows, versions, runs and their events: allowed").waitFor();
  await auditAccessibility(page, "My access (viewer)");
  await screenshot(page, "viewer-my-access");

  watch.assertClean();
  await page.close();
});

test("the API refuses a viewer's edits even without the console", async () => {
  const url = env.server.url;
  const { tenant, project, viewer, workflowId, runId, taskId } = await setUp();
  const as = { cookie: viewer, tenant, project };
  // Reading works: the refusals below are about the role, not about access.
  assert.equal((await api(url, "GET", `/workflows/${workflowId}`, as)).status, 200);

  const refused = [
    ["POST", "/workflows", { name: "mine", graph: { steps: [] } }],
    ["PATCH", `/workflows/${workflowId}`, { graph: { steps: [] } }],
    ["POST", `/workflows/${workflowId}/versions`, { changelog: "sneaky" }],
    ["POST", `/workflows/${workflowId}/command`, { command: "start", params: {} }],
    ["POST", `/workflows/${workflowId}/command`, { command: "pause", params: { run_id: runId } }],
    ["POST", `/workflows/${workflowId}/runs/${runId}/tasks/${taskId}/complete`, { approved: true }],
    ["DELETE", `/workflows/${workflowId}`, undefined],
  ];
  for (const [method, path, body] of refused) {
    const r = await api(url, method, path, { ...as, body });
    assert.equal(r.status, 403, `${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }

  // Nothing changed: the run still waits for its task and the draft keeps its steps.
  const wf = await api(url, "GET", `/workflows/${workflowId}`, as);
  assert.equal(wf.body.status, "published");
  assert.equal(wf.body.graph.steps.length, 2);
  const tasks = await api(url, "GET", "/tasks/pending", as);
  assert.ok(tasks.body.tasks.some((t) => t.task_id === taskId), "the task is still pending");
});
