/**
 * Roles: the owner invites a colleague and gives them the viewer role on the project from
 * Settings; signed in, the viewer sees no edit controls, and the API refuses their edits
 * anyway.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, signIn, serverAndBrowser, watchPage } from "./harness.mjs";

const VIEWER_EMAIL = "viewer@example.com";
const VIEWER_PASSWORD = "viewer-password-1";

const env = serverAndBrowser();

/** Signs up from a script and returns the session cookie (`ar_session=…`). */
async function signUpFromScript(email, password) {
  const r = await fetch(`${env.server.url}/v1/auth/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: env.server.url },
    body: JSON.stringify({ email, password, name: "Vera Viewer" }),
  });
  assert.equal(r.status, 201, await r.text());
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith("ar_session="));
  assert.ok(cookie, "signup sets a session cookie");
  return cookie.split(";")[0];
}

test("a viewer sees no edit controls and the API refuses their edits", async () => {
  // --- the owner: a workflow, an invitation, the viewer role on the project -------------
  const owner = await env.browser.newContext();
  const ownerPage = await owner.newPage();
  const ownerWatch = watchPage(ownerPage);
  ownerWatch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(ownerPage, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await ownerPage.getByLabel("New workflow name").fill("Quarterly report");
  await ownerPage.getByRole("button", { name: "Create workflow" }).click();
  await ownerPage.getByRole("heading", { name: "Quarterly report" }).waitFor();
  const workflowId = decodeURIComponent(new URL(ownerPage.url()).pathname.split("/").pop());

  await ownerPage.getByRole("link", { name: "Settings" }).click();
  await ownerPage.getByRole("link", { name: "Members" }).click();
  await ownerPage.getByLabel("Email").fill(VIEWER_EMAIL);
  await ownerPage.getByRole("button", { name: "Send invite" }).click();
  const inviteToken = await ownerPage.getByLabel("Invite token", { exact: true }).inputValue();
  await auditAccessibility(ownerPage, "Settings → Members");
  await screenshot(ownerPage, "settings-members");

  // The colleague signs up and accepts the invitation (as their own script would).
  const viewerCookie = await signUpFromScript(VIEWER_EMAIL, VIEWER_PASSWORD);
  const accepted = await api(env.server.url, "POST", `/invites/${encodeURIComponent(inviteToken)}/accept`, { cookie: viewerCookie, body: {} });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

  await ownerPage.getByRole("link", { name: "Project" }).click();
  await ownerPage.getByLabel("Member email").fill(VIEWER_EMAIL);
  await ownerPage.getByLabel("Project role").selectOption("project_viewer");
  await ownerPage.getByRole("button", { name: "Add to project" }).click();
  await ownerPage.getByRole("cell", { name: VIEWER_EMAIL }).waitFor();
  await auditAccessibility(ownerPage, "Settings → Project");
  await screenshot(ownerPage, "settings-project");
  ownerWatch.assertClean();
  await owner.close();

  // --- the viewer, in the console ---------------------------------------------------------
  const viewer = await env.browser.newContext();
  const page = await viewer.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, env.server.url, VIEWER_EMAIL, VIEWER_PASSWORD);
  await page.getByRole("link", { name: "Quarterly report" }).waitFor();
  assert.equal(await page.getByText("viewer", { exact: true }).count(), 1, "the role badge says viewer");
  assert.equal(await page.getByRole("button", { name: "Create workflow" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: /^Archive/ }).count(), 0);
  await auditAccessibility(page, "Workflows (viewer)");
  await screenshot(page, "workflows-viewer");

  await page.getByRole("link", { name: "Quarterly report" }).click();
  await page.getByRole("heading", { name: "Quarterly report" }).waitFor();
  await page.getByRole("button", { name: "Validate" }).waitFor();
  for (const control of ["Publish…", "Save draft", "Run…", "Auto-layout"]) {
    assert.equal(await page.getByRole("button", { name: control }).count(), 0, `no “${control}” for a viewer`);
  }
  assert.equal(await page.getByRole("region", { name: "Step palette" }).count(), 0, "no step palette for a viewer");
  await screenshot(page, "studio-viewer");
  watch.assertClean();

  // --- and the API refuses the edits the console hides -----------------------------------
  const me = await api(env.server.url, "GET", "/auth/me", { cookie: viewerCookie });
  const ws = me.body.workspaces.find((w) => w.projects.length > 0);
  const scope = { cookie: viewerCookie, tenant: ws.slug, project: ws.projects[0].id };
  const read = await api(env.server.url, "GET", `/workflows/${workflowId}`, scope);
  assert.equal(read.status, 200, "a viewer can read");
  const patch = await api(env.server.url, "PATCH", `/workflows/${workflowId}`, { ...scope, body: { graph: { steps: [] } } });
  assert.equal(patch.status, 403, JSON.stringify(patch.body));
  const create = await api(env.server.url, "POST", "/workflows", { ...scope, body: { name: "sneaky", graph: { steps: [] } } });
  assert.equal(create.status, 403, JSON.stringify(create.body));
  const publish = await api(env.server.url, "POST", `/workflows/${workflowId}/versions`, { ...scope, body: { changelog: "x" } });
  assert.equal(publish.status, 403, JSON.stringify(publish.body));
  await viewer.close();
});
