/**
 * Settings → Billing against a server with billing on (docs/billing.md): the workspace
 * owner grants credits on the page, a workflow with one metered `mcp_call` step (echo on
 * server-everything, run locally over Streamable HTTP) runs, and the page shows the balance
 * fell by the step's price and the debits in the usage history. Audited with axe.
 *
 * Needs the MCP fixtures: `eval "$(bash scripts/mcp-fixtures.sh)"` (scripts/test does).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage, everythingServer } from "./harness.mjs";

/** server-everything over Streamable HTTP on a free port; its URL is `mcp.url`. */
const mcp = everythingServer();

// One metered step costs 1 credit for the step plus 0.1 for the MCP call: 1.1 credits.
const env = serverAndBrowser({
  env: {
    AR_MCP_ALLOWED_HOSTS: "127.0.0.1",
    AR_BILLING_ENABLED: "true",
    AR_BILLING_PRICES: "workflow.step.execute=1000000,mcp.call=100000",
  },
});

test("the owner grants credits, a metered step spends them, the page shows the debit", async () => {
  const url = env.server.url;
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Billing" }).click();
  await page.getByRole("heading", { name: "Billing", level: 2 }).waitFor();
  const balances = page.getByLabel("Balances (credits)");
  const total = () => balances.locator(".kpi").filter({ hasText: "Total" }).locator(".kpi-value").textContent();
  await balances.waitFor();
  assert.equal(await total(), "0");
  assert.equal(await page.getByText(/Billing is off/).count(), 0, "billing is on");
  await page.getByText("No credits spent in this project yet.").waitFor();
  // No Stripe on this server: no checkout, only who grants credits.
  await page.getByText(/This server takes no card payments: an operator grants pay-as-you-go credits/).waitFor();
  assert.equal(await page.getByRole("form", { name: "Top up" }).count(), 0);

  // --- the owner grants 5 credits on the page ---
  const grant = page.getByRole("form", { name: "Grant credits" });
  await grant.getByLabel("Credits to grant").fill("5");
  await grant.getByLabel("Note (optional)").fill("e2e grant");
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await grant.getByText("Granted 5 credits.").waitFor();
  await page.waitForFunction(() => document.querySelector("[aria-label='Balances (credits)'] .kpi-value")?.textContent === "5");
  const payments = page.getByRole("table", { name: "Credits granted or paid for, newest first" });
  await payments.getByRole("cell", { name: "e2e grant" }).waitFor();
  await payments.getByRole("cell", { name: "+5", exact: true }).waitFor();
  await auditAccessibility(page, "Settings → Billing");

  // --- a workflow with one metered mcp_call step runs (through the API, as a script would) ---
  const owner = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie: owner });
  const as = { cookie: owner, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
  const graph = {
    steps: [{ id: "echo", type: "mcp_call", server_url: mcp.url, tool_name: "echo", tool_args: { message: "billed" } }],
  };
  const wf = await api(url, "POST", "/workflows", { ...as, body: { name: "metered", graph } });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  const published = await api(url, "POST", `/workflows/${wf.body.id}/versions`, { ...as, body: { changelog: "first" } });
  assert.equal(published.status, 201, JSON.stringify(published.body));
  const run = await api(url, "POST", `/workflows/${wf.body.id}/command`, { ...as, body: { command: "start", params: {} } });
  assert.ok(run.status < 300, JSON.stringify(run.body));
  let status;
  for (let tries = 0; tries < 300; tries++) {
    status = (await api(url, "GET", `/workflows/${wf.body.id}/runs/${run.body.run_id}`, as)).body?.status;
    if (["completed", "failed", "stopped"].includes(status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, "completed");

  // --- the page shows the balance fell by 1.1 and the two debits of that run ---
  await page.reload();
  await balances.waitFor();
  assert.equal(await total(), "3.9");
  const usage = page.getByRole("table", { name: "This project's debits, newest first" });
  await usage.waitFor();
  const runRows = usage.getByRole("row").filter({ hasText: run.body.run_id });
  assert.equal(await runRows.count(), 2, "one debit for the step, one for the MCP call");
  await runRows.filter({ hasText: "workflow.step.execute" }).getByRole("cell", { name: "-1", exact: true }).waitFor();
  await runRows.filter({ hasText: "mcp.call" }).getByRole("cell", { name: "-0.1", exact: true }).waitFor();
  const period = page.getByRole("table", { name: "Spending by action in this period" });
  await period.getByRole("cell", { name: "mcp.call" }).waitFor();
  await auditAccessibility(page, "Settings → Billing after a run");
  await screenshot(page, "settings-billing");
  watch.assertClean();
});
