/**
 * The Analytics page against a real server: the owner runs two small workflows through the
 * API (three runs that complete, one that fails), then opens Analytics from the main
 * navigation and finds those runs in the key figures, both charts drawn (uPlot's canvas)
 * with data tables listing every bucket, and the steps by type; switching the period and
 * the granularity redraws them. A project viewer is told the page needs contributor access.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, artifact, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";

const env = serverAndBrowser();
const VIEWER_EMAIL = "analytics-viewer@example.com";
const VIEWER_PASSWORD = "viewer password long enough";

const oneStep = (script) => ({ steps: [{ id: "sum", type: "lua_script", name: "Sum", script }] });

/** Creates and publishes a workflow, starts it `times` times and waits for every run to end. */
async function runWorkflow(url, as, name, graph, times) {
  const wf = await api(url, "POST", "/workflows", { ...as, body: { name, graph } });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  const published = await api(url, "POST", `/workflows/${wf.body.id}/versions`, { ...as, body: { changelog: "first" } });
  assert.equal(published.status, 201, JSON.stringify(published.body));
  const statuses = [];
  for (let i = 0; i < times; i++) {
    const run = await api(url, "POST", `/workflows/${wf.body.id}/command`, { ...as, body: { command: "start", params: {} } });
    assert.ok(run.status < 300, JSON.stringify(run.body));
    let status;
    for (let tries = 0; tries < 200; tries++) {
      status = (await api(url, "GET", `/workflows/${wf.body.id}/runs/${run.body.run_id}`, as)).body?.status;
      if (["completed", "failed", "stopped"].includes(status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    statuses.push(status);
  }
  return statuses;
}

/** Made once, by whichever test runs first (after the harness has started the server). */
let made;
const setUp = () => (made ??= makeSetup());

async function makeSetup() {
  const url = env.server.url;
  const owner = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie: owner });
  const tenant = me.body.workspaces[0].slug;
  const project = me.body.workspaces[0].projects[0].id;
  const as = { cookie: owner, tenant, project };
  assert.deepEqual(await runWorkflow(url, as, "Add up", oneStep("return { total = 1 + 2 }"), 3), ["completed", "completed", "completed"]);
  assert.deepEqual(await runWorkflow(url, as, "Break", oneStep("error('boom')"), 1), ["failed"]);
  return { tenant, project, owner };
}

/** The value on the key-figure card named `label`. */
const kpi = (page, label) => page.locator(".kpi", { has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator(".kpi-value");

/** The data rows of a chart's table, as [bucket, ...counts] (the disclosure is opened first). */
async function tableRows(chart) {
  const details = chart.locator("details.chart-data");
  if (!(await details.evaluate((d) => d.open))) await details.locator("summary").click();
  return chart.locator("tbody tr").evaluateAll((rows) =>
    rows.map((r) => [...r.children].map((c, i) => (i === 0 ? c.textContent : Number(c.textContent.replace(/,/g, ""))))),
  );
}

const sumColumn = (rows, i) => rows.reduce((sum, r) => sum + r[i], 0);

test("the owner's runs show up in the key figures, the charts and the steps table", async () => {
  const url = env.server.url;
  await setUp();
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Analytics" }).click();
  await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
  await kpi(page, "Runs").filter({ hasText: "4" }).waitFor();
  assert.equal(await kpi(page, "Live runs").innerText(), "0");
  assert.equal(await kpi(page, "Success rate").innerText(), "75%");
  assert.equal(await kpi(page, "Steps executed").innerText(), "4");
  assert.equal(await kpi(page, "Credits consumed").innerText(), "0");
  assert.equal(await kpi(page, "LLM tokens").innerText(), "0");
  assert.match(await kpi(page, "Total execution time").innerText(), /^\d+(\.\d)? (ms|s)$/);

  // Both charts are drawn on a canvas, and their tables list a bucket per day of the last
  // 30 days (31 when the period starts and ends inside a day) with the runs in them.
  const runsChart = page.getByRole("figure", { name: "Runs over time" });
  const usageChart = page.getByRole("figure", { name: "Usage over time" });
  await runsChart.locator("canvas").first().waitFor();
  await usageChart.locator("canvas").first().waitFor();
  let rows = await tableRows(runsChart);
  assert.ok(rows.length === 30 || rows.length === 31, `a row per day, got ${rows.length}`);
  assert.match(rows[0][0], /^\d{4}-\d\d-\d\d$/);
  assert.deepEqual([1, 2, 3, 4].map((i) => sumColumn(rows, i)), [4, 3, 1, 0], "started, completed, failed, stopped");
  assert.equal(await runsChart.getByRole("listitem").filter({ hasText: "Started" }).innerText(), "Started: 4");
  assert.equal(sumColumn(await tableRows(usageChart), 1), 4, "steps executed");

  const steps = page.getByRole("table", { name: "Steps by type" });
  const luaRow = await steps.getByRole("row", { name: /lua_script/ }).innerText();
  assert.match(luaRow, /^lua_script\t3\t/, `3 completed lua_script steps: ${luaRow}`);
  await auditAccessibility(page, "Analytics");
  await artifact(page, "analytics");
  await screenshot(page, "analytics-month");

  // Another period and granularity: the URL keeps them, the tables follow.
  await page.getByLabel("Period").selectOption("week");
  await page.getByLabel("Granularity").selectOption("hour");
  await page.waitForURL(/window=week&granularity=hour/);
  await runsChart.getByRole("columnheader", { name: "Hour (UTC)" }).waitFor();
  await page.getByRole("status").filter({ hasText: /^From / }).waitFor();
  rows = await tableRows(runsChart);
  assert.ok(rows.length >= 168 && rows.length <= 169, `a row per hour of 7 days, got ${rows.length}`);
  assert.match(rows[0][0], /^\d{4}-\d\d-\d\d \d\d:00$/);
  assert.equal(sumColumn(rows, 1), 4);
  assert.equal(await kpi(page, "Runs").innerText(), "4");

  // The dark theme draws the same page within the accessibility rules.
  await page.getByLabel("Theme").selectOption("dark");
  await runsChart.locator("canvas").first().waitFor();
  await auditAccessibility(page, "Analytics (dark, by hour)");
  await artifact(page, "analytics-dark");

  watch.assertClean();
  await page.close();
});

test("a project viewer is told the page needs contributor access", async () => {
  const url = env.server.url;
  const { tenant, project, owner } = await setUp();
  const as = { cookie: owner, tenant, project };
  const invite = await api(url, "POST", "/invites", { ...as, body: { email: VIEWER_EMAIL, role: "member" } });
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  await sessionCookie(url, VIEWER_EMAIL, VIEWER_PASSWORD, { signup: { invite_token: invite.body.token } });
  const role = await api(url, "POST", `/projects/${project}/members`, { ...as, body: { email: VIEWER_EMAIL, role: "project_viewer" } });
  assert.ok(role.status < 300, JSON.stringify(role.body));

  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  // The server refuses every analytics route to a viewer; the page explains it.
  watch.expect("GET", /^\/v1\/analytics\//, 403);
  await signIn(page, url, VIEWER_EMAIL, VIEWER_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Analytics" }).click();
  await page.getByText(/^Analytics needs contributor access to this project \(your role here: Viewer\)/).waitFor();
  assert.equal(await page.locator(".kpi").count(), 0, "no figures");
  assert.equal(await page.locator("canvas").count(), 0, "no charts");
  await auditAccessibility(page, "Analytics (viewer)");
  watch.assertClean();
  await page.close();
});
