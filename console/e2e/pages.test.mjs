/**
 * Every page of the console, in the light and the dark theme, at the narrowest width the
 * console supports (1024 px) and at 1440 px: an axe audit (no serious or critical
 * violation) and the layout holds (nothing wider than the window; the page does not
 * scroll sideways). The pages are filled with real data first (a workflow, a finished run
 * with a skipped step, a waiting task, a vault secret, an agent) so the audit sees them as a user does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";

const env = serverAndBrowser();

const graph = {
  steps: [
    { id: "prepare", type: "lua_script", name: "Prepare", script: "return { total = 3, items = json.array({1, 2}) }" },
    { id: "maybe", type: "lua_script", name: "Only on Mondays", depends_on: ["prepare"], condition: "{{ input.monday }}", script: "return {}" },
    { id: "each", type: "for_each", name: "Each item", depends_on: ["prepare"], for_each_items: "{{ steps.prepare.result.items }}", for_each_body_steps: [{ id: "double", type: "lua_script", script: "return { v = item * 2 }" }] },
    { id: "sign-off", type: "human_task", name: "Sign off", depends_on: ["each"], task_type: "approval", task_payload: { title: "Sign off the total", total: "{{ steps.prepare.result.total }}" } },
  ],
};

async function setUp(url) {
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  const as = { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
  const wf = (await api(url, "POST", "/workflows", { ...as, body: { name: "Monthly totals", graph } })).body;
  await api(url, "POST", `/workflows/${wf.id}/versions`, { ...as, body: { changelog: "first" } });
  const run = (await api(url, "POST", `/workflows/${wf.id}/command`, { ...as, body: { command: "start", params: { monday: false } } })).body;
  for (let i = 0; i < 100; i++) {
    const tasks = (await api(url, "GET", "/tasks/pending", as)).body.tasks ?? [];
    if (tasks.some((t) => t.run_id === run.run_id)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await api(url, "PUT", "/vault/secrets/CRM_TOKEN", { ...as, body: { value: "s3cret-value", description: "CRM API token" } });
  const agent = { name: "Support triage", description: "Answers from the docs", instructions: "Be brief.", model_ref: "direct.openai.gpt-4o-mini" };
  assert.equal((await api(url, "POST", "/agents", { ...as, body: agent })).status, 201);
  return { workflowId: wf.id, runId: run.run_id };
}

/** Every route of docs/console.md's table (signed in), with what to wait for on it. */
function pages({ workflowId, runId }) {
  const run = `/workflow/${workflowId}/runs/${runId}`;
  return [
    ["Workflows", "/workflow", (p) => p.getByRole("table").waitFor()],
    ["Studio", `/workflow/${workflowId}`, (p) => p.locator('.react-flow__node[data-id="prepare"]').waitFor()],
    ["Studio, a step's config and code editor", `/workflow/${workflowId}`, async (p) => {
      await p.locator('.react-flow__node[data-id="prepare"]').click({ position: { x: 30, y: 12 } });
      await p.locator('.cm-content[aria-label="Lua script (must return a table)"]').waitFor();
    }],
    ["run view", run, (p) => p.getByRole("article", { name: "Sign off the total" }).first().waitFor()],
    ["run view, a step picked", `${run}?step=each`, (p) => p.getByRole("group", { name: "Result of each" }).waitFor()],
    ["run view, timeline", run, async (p) => {
      await p.getByRole("article", { name: "Sign off the total" }).first().waitFor();
      await p.getByRole("button", { name: "Timeline", exact: true }).click();
      await p.getByRole("list", { name: "Steps" }).waitFor();
    }],
    ["Runs", "/runs", (p) => p.getByText(`run ${runId}`).waitFor()],
    ["Command Center", "/command-center", (p) => p.getByRole("article", { name: "Sign off the total" }).first().waitFor()],
    ["Analytics", "/analytics", (p) => p.getByRole("figure", { name: "Runs over time" }).locator("canvas").first().waitFor()],
    ["Connections", "/connections", (p) => p.getByRole("heading", { name: "In this project" }).waitFor()],
    ["MCP", "/mcp", (p) => p.getByRole("heading", { name: "Servers of this project" }).waitFor()],
    // Each theme's test sets up its own data, so the second one finds two agents.
    ["Agents", "/agents", (p) => p.getByRole("cell", { name: /^Support triage/ }).first().waitFor()],
    ["Agents, the form", "/agents", async (p) => {
      await p.getByRole("button", { name: "Edit agent Support triage" }).first().click();
      await p.getByRole("form", { name: "Edit agent Support triage" }).waitFor();
    }],
    ["Chat", "/chat", (p) => p.getByRole("heading", { name: "New chat" }).waitFor()],
    ["Chat, the new agent room form", "/chat", async (p) => {
      await p.getByRole("button", { name: "New agent room" }).click();
      await p.getByRole("form", { name: "New agent room" }).getByLabel("Support triage").first().waitFor();
    }],
    ["API keys", "/settings/api-keys", (p) => p.getByRole("heading", { name: "API keys" }).waitFor()],
    ["Connect an IDE", "/settings/ide", (p) => p.getByRole("heading", { name: "Connect an IDE" }).waitFor()],
    ["Members", "/settings/members", (p) => p.getByText(ADMIN_EMAIL).nth(1).waitFor()],
    ["Project", "/settings/project", (p) => p.getByRole("heading", { name: /^Project “/ }).waitFor()],
    ["Webhooks", "/settings/webhooks", (p) => p.getByRole("heading", { name: "Inbound webhooks" }).waitFor()],
    ["Providers", "/settings/providers", (p) => p.getByRole("heading", { name: "LLM providers" }).waitFor()],
    ["Secrets", "/settings/secrets", (p) => p.getByText("CRM_TOKEN").first().waitFor()],
    // The harness's server runs with billing off: the page says so.
    ["Billing", "/settings/billing", (p) => p.getByText(/^Billing is off on this server/).waitFor()],
    ["My access", "/settings/access", (p) => p.getByRole("heading", { name: "All your workspaces and projects" }).waitFor()],
    ["an invitation", "/invites/no-such-token", (p) => p.getByRole("heading", { name: "Workspace invitation" }).waitFor()],
    ["an unknown page", "/no-such-page", (p) => p.getByText("This page does not exist.").waitFor()],
  ];
}

/** The widest element's right edge against the window: nothing may stick out. */
async function assertFits(page, screen) {
  const { scroll, inner, culprit } = await page.evaluate(() => {
    const inner = window.innerWidth;
    let culprit = "";
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      // Content inside a scrolling box (canvas, tables, JSON) may be wider than the window.
      if (r.right > inner + 1 && !el.closest(".react-flow, .timeline, pre, .json-tree-body, .diff-table, table")) {
        culprit = `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ends at ${Math.round(r.right)}`;
        break;
      }
    }
    return { scroll: document.scrollingElement.scrollWidth, inner, culprit };
  });
  assert.ok(scroll <= inner, `${screen}: the page scrolls sideways (${scroll} > ${inner})`);
  assert.equal(culprit, "", `${screen}: an element sticks out of the window: ${culprit}`);
}

for (const theme of ["light", "dark"]) {
  test(`every page passes axe and fits from 1024 px up, ${theme} theme`, async () => {
    const url = env.server.url;
    const made = await setUp(url);
    const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, colorScheme: theme });
    const page = await context.newPage();
    const watch = watchPage(page);
    watch.expect("GET", /^\/v1\/auth\/me$/, 401);
    // Signed out: the sign-in page and an invite link that does not exist.
    await page.goto(`${url}/sign-in`);
    await page.getByLabel("Email").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, "the system's preference is followed");
    await auditAccessibility(page, `sign-in (${theme})`);
    await assertFits(page, `sign-in (${theme})`);
    await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: width === 1024 ? 768 : 900 });
      for (const [name, path, ready] of pages(made)) {
        await page.goto(`${url}${path}`);
        await ready(page).catch(async (e) => {
          await screenshot(page, `pages-failed-${theme}-${width}`);
          throw e;
        });
        const screen = `${name} at ${width} px (${theme})`;
        await auditAccessibility(page, screen);
        await assertFits(page, screen);
      }
    }
    watch.assertClean();
    await context.close();
  });
}
