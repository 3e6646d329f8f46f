/**
 * The Studio's versions and run setup, and Command Center's failed runs, against the real
 * server (their screen tests use a fake one): a published version is compared with the
 * draft; a run is set up from the input schema's form (a missing required field is refused
 * at the field), its values saved as the workflow's defaults, started and completed with
 * the typed input; a run that failed shows under "Failed recently".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";

const env = serverAndBrowser();

const greetGraph = {
  input_schema: {
    type: "object",
    required: ["topic"],
    properties: {
      topic: { type: "string", title: "Topic", description: "What the greeting is about" },
      times: { type: "integer", title: "Times", default: 2, minimum: 1 },
    },
  },
  steps: [{ id: "greet", type: "lua_script", name: "Greet", script: 'return { text = string.rep("hi " .. input.topic .. " ", input.times) }' }],
};

async function ownerScope(url) {
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  return { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
}

async function created(response) {
  assert.ok(response.status < 300, JSON.stringify(response.body));
  return response.body;
}

test("versions are compared with the draft, and a run is set up from the input schema", async () => {
  const url = env.server.url;
  const as = await ownerScope(url);
  const wf = await created(await api(url, "POST", "/workflows", { ...as, body: { name: "Greeter", graph: greetGraph } }));
  await created(await api(url, "POST", `/workflows/${wf.id}/versions`, { ...as, body: { changelog: "first greeting" } }));
  // The draft moves on: a second step the published version does not have.
  const draft = { ...greetGraph, steps: [...greetGraph.steps, { id: "shout", type: "lua_script", depends_on: ["greet"], script: "return { loud = true }" }] };
  await created(await api(url, "PATCH", `/workflows/${wf.id}`, { ...as, body: { graph: draft } }));

  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401); // the sign-in page, before signing in
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${url}/workflow/${wf.id}`);
  await page.getByRole("region", { name: "Workflow Studio: Greeter" }).waitFor();

  // Versions: v1 against the draft names the added step.
  await page.getByRole("button", { name: "Versions", exact: true }).click();
  const versions = page.getByRole("dialog", { name: "Versions" });
  await versions.getByText("first greeting").waitFor();
  await versions.getByText(/1 step added/).waitFor();
  await versions.getByText("shout").first().waitFor();
  await auditAccessibility(page, "Studio versions");
  await screenshot(page, "studio-versions");
  await page.keyboard.press("Escape");
  await versions.waitFor({ state: "hidden" });

  // Run setup: the form comes from the published input schema.
  await page.getByRole("button", { name: "Run…" }).click();
  const topic = page.getByLabel(/^Topic/);
  await topic.waitFor();
  assert.equal(await page.getByLabel(/^Times/).inputValue(), "2", "the schema's default is filled in");
  await page.getByRole("button", { name: "Start run" }).click();
  const topicProblem = page.getByText(/required/i).first();
  await topicProblem.waitFor();
  assert.equal(await topic.getAttribute("aria-invalid"), "true", "the missing field is marked");
  await topic.fill("cats");
  await page.getByLabel(/^Times/).fill("3");
  await page.getByRole("button", { name: "Save as defaults" }).click();
  await page.getByText("Saved as this workflow's defaults.").waitFor();
  const saved = await api(url, "GET", `/workflows/${wf.id}`, as);
  assert.deepEqual(saved.body.run_setup?.trigger_payload, { topic: "cats", times: 3 });
  await auditAccessibility(page, "Run setup");
  await screenshot(page, "studio-run-setup");

  await page.getByRole("button", { name: "Start run" }).click();
  await page.getByRole("region", { name: /^Run [0-9a-f-]+$/ }).waitFor();
  await page.getByTestId("run-status").filter({ hasText: /^completed$/ }).waitFor();
  const runId = new URL(page.url()).pathname.split("/").at(-1);
  const context = await api(url, "GET", `/workflows/${wf.id}/runs/${runId}/context`, as);
  assert.equal(context.body.steps.greet.result.text, "hi cats hi cats hi cats ");

  watch.assertClean();
  await page.close();
});

test("a failed run is listed under Failed recently in Command Center", async () => {
  const url = env.server.url;
  const as = await ownerScope(url);
  const graph = { steps: [{ id: "explode", type: "lua_script", script: 'error("boom")' }] };
  const wf = await created(await api(url, "POST", "/workflows", { ...as, body: { name: "Doomed", graph } }));
  await created(await api(url, "POST", `/workflows/${wf.id}/versions`, { ...as, body: { changelog: "v1" } }));
  const run = await created(await api(url, "POST", `/workflows/${wf.id}/command`, { ...as, body: { command: "start", params: {} } }));
  for (let i = 0; i < 100; i++) {
    const r = await api(url, "GET", `/workflows/${wf.id}/runs/${run.run_id}`, as);
    if (r.body.status === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401); // the sign-in page, before signing in
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Command Center" }).click();
  const failed = page.getByRole("list", { name: "Failed recently" });
  const item = failed.getByRole("link", { name: new RegExp(`run ${run.run_id}`) });
  await item.waitFor();
  assert.match(await failed.innerText(), /LUA_ERROR/);
  await auditAccessibility(page, "Command Center with a failed run");
  await screenshot(page, "command-center-failed");
  await item.click();
  await page.getByTestId("run-status").filter({ hasText: /^failed \(LUA_ERROR\)$/ }).waitFor();

  watch.assertClean();
  await page.close();
});
