/**
 * Issue 18 against the real server, done as a new user does it: an empty workspace leads
 * to the starter gallery and a getting-started checklist that ticks itself; a starter
 * becomes a workflow whose cards are legible at the first view; it is published and run;
 * its approval is answered as a form in the run view; the finished run is inspected step
 * by step (input, result, attempts), live; a human task with a JSON Schema is completed as
 * a form in Command Center (its values reach the run); the dark theme is shown.
 *
 * Each screen passes an axe audit and is captured; with E2E_ARTIFACTS_DIR set the
 * captures are also written there (docs/screenshots/ holds the committed ones).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, artifact, auditAccessibility, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";
import { node } from "./canvas.mjs";

const env = serverAndBrowser();

async function ownerScope(url) {
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  return { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
}

/** The on-screen height (px) of a step card's name: what the eye has to read. */
function nameHeight(page, id) {
  return node(page, id).locator(".step-name").evaluate((el) => el.getBoundingClientRect().height);
}

/** Whether the whole node is inside the canvas pane. */
async function inPane(page, id) {
  const pane = await page.locator(".react-flow__pane").boundingBox();
  const box = await node(page, id).boundingBox();
  return box && pane && box.x >= pane.x && box.y >= pane.y && box.x + box.width <= pane.x + pane.width && box.y + box.height <= pane.y + pane.height;
}

const EXPENSE_STEPS = ["summarize", "score-lines", "flagged", "finance-approval", "pay-out", "receipt"];

test("empty workspace → starter → run, its approval answered as a form, then inspected step by step", async () => {
  const url = env.server.url;
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  // The empty project leads with the ways to start; the owner's checklist has nothing done.
  const checklist = page.getByRole("region", { name: "Set up this workspace" });
  await checklist.waitFor();
  assert.match(await checklist.innerText(), /0 of 4 done/);
  const starters = page.getByRole("list", { name: "Starters" });
  await starters.getByRole("article").first().waitFor();
  assert.equal(await starters.getByRole("article").count(), 7, "one card per example graph");
  assert.match(await starters.getByRole("article").first().innerText(), /Expense report review[\s\S]*runs with nothing to set up/);
  await auditAccessibility(page, "empty Workflows page");
  await artifact(page, "01-empty-workspace");

  // Use this: the starter becomes a workflow and opens in the Studio.
  await page.getByRole("button", { name: "Use this: Expense report review" }).click();
  await page.getByRole("region", { name: "Workflow Studio: Expense report review" }).waitFor();
  for (const id of EXPENSE_STEPS) await node(page, id).waitFor();
  // Readable at the first view: every step on screen, names at least 10 px tall.
  for (const id of EXPENSE_STEPS) {
    assert.ok(await inPane(page, id), `${id} is in view at the first fit`);
    const h = await nameHeight(page, id);
    assert.ok(h >= 10, `${id}'s name is ${h.toFixed(1)} px tall at the first fit`);
  }
  assert.match(await node(page, "score-lines").innerText(), /each of steps\.summarize\.result\.lines/);
  assert.match(await node(page, "finance-approval").innerText(), /task: approval/);
  await auditAccessibility(page, "Studio with a starter");
  await artifact(page, "02-starter-in-studio");

  await page.getByRole("button", { name: "Publish…" }).click();
  await page.getByLabel("Changelog").fill("From the gallery.");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByText("Published version 1.").waitFor();
  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.getByRole("region", { name: /^Run [0-9a-f-]+$/ }).waitFor();

  // The approval waits; the run's panel shows it as a form: title, fields in words.
  const task = page.getByRole("article", { name: "Approve expenses of Ada Lovelace" });
  await task.waitFor();
  const fields = await task.locator("dl").innerText();
  assert.match(fields, /Total\s+1171\.49/);
  assert.match(fields, /Flagged lines\s+e-3/);
  assert.match(fields, /Note\s+no note from the employee/);
  await auditAccessibility(page, "run view, approval form");
  await artifact(page, "03-run-approval-form");
  await task.getByLabel("Comment (optional)").fill("Travel line checked with the receipt.");
  // Approve from the keyboard: Ctrl+Enter in the comment.
  await task.getByLabel("Comment (optional)").press("Control+Enter");
  await page.getByTestId("run-status").filter({ hasText: /^completed$/ }).waitFor({ timeout: 30_000 });

  // Inspect step by step: each card opens its input, result and attempts in the panel.
  const expected = {
    summarize: /total: 1171\.49/,
    "score-lines": /succeeded_count: 4/,
    flagged: /count: 1/,
    "finance-approval": /comment: "Travel line checked with the receipt\."/,
    "pay-out": /iteration_count: 3/,
    receipt: /batches: 3/,
  };
  for (const id of EXPENSE_STEPS) {
    await node(page, id).click({ position: { x: 30, y: 12 } });
    const panel = page.getByRole("region", { name: "Run details" });
    const result = panel.getByRole("group", { name: `Result of ${id}` });
    await result.waitFor();
    assert.match(await result.innerText(), expected[id], `${id}'s result`);
    const input = panel.getByRole("group", { name: `Input of ${id}` });
    await input.waitFor();
    // A while loop records its own fields as its input (docs/contract.md §2).
    if (id === "pay-out") assert.match(await input.innerText(), /while_max_iterations/, "the while loop's input");
    assert.match(await panel.locator("table.attempts").innerText(), /completed/, `${id} lists its attempt`);
    assert.equal(new URL(page.url()).searchParams.get("step"), id, "the picked step is in the address");
    if (id === "score-lines") {
      // A loop card says how many items it ran over.
      assert.match(await node(page, id).innerText(), /4 items/);
      await auditAccessibility(page, "run view, inspector");
      await artifact(page, "04-run-inspector");
    }
  }
  // The inputs are the resolved ones: the approval's title template was filled in.
  await node(page, "finance-approval").click({ position: { x: 30, y: 12 } });
  const input = page.getByRole("group", { name: "Input of finance-approval" });
  await input.waitFor();
  assert.match(await input.innerText(), /Approve expenses of Ada Lovelace/);
  await page.getByRole("button", { name: "Copy Input of finance-approval" }).click();
  await page.getByText("Copied.").waitFor();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /"title": "Approve expenses of Ada Lovelace"/);

  // Back on the Workflows page the checklist has ticked the run.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
  await checklist.waitFor();
  assert.match(await checklist.innerText(), /1 of 4 done/);
  assert.equal(await checklist.locator('[data-item="run"]').getAttribute("class"), "done");
  watch.assertClean();
  await context.close();
});

test("an edge that skips a step is drawn around the card in between, not through it", async () => {
  const url = env.server.url;
  const as = await ownerScope(url);
  const graph = {
    steps: [
      { id: "fetch", type: "lua_script", name: "Fetch", script: "return {}" },
      { id: "clean", type: "lua_script", name: "Clean", depends_on: ["fetch"], script: "return {}" },
      { id: "report", type: "lua_script", name: "Report", depends_on: ["clean", "fetch"], script: "return {}" },
    ],
  };
  const wf = (await api(url, "POST", "/workflows", { ...as, body: { name: "Skip edge", graph } })).body;
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${url}/workflow/${wf.id}`);
  await node(page, "clean").waitFor();
  // Points along the drawn fetch → report edge, in screen coordinates, against the card of "clean".
  const crossing = await page.evaluate(() => {
    const path = document.querySelector('.react-flow__edge[data-id="fetch->report"] path.react-flow__edge-path');
    const card = document.querySelector('.react-flow__node[data-id="clean"]').getBoundingClientRect();
    const ctm = path.getScreenCTM();
    const length = path.getTotalLength();
    const inside = [];
    for (let i = 0; i <= 200; i++) {
      const p = path.getPointAtLength((length * i) / 200);
      const x = ctm.a * p.x + ctm.c * p.y + ctm.e;
      const y = ctm.b * p.x + ctm.d * p.y + ctm.f;
      if (x > card.left && x < card.right && y > card.top && y < card.bottom) inside.push([Math.round(x), Math.round(y)]);
    }
    return { inside, length };
  });
  assert.ok(crossing.length > 0, "the edge is drawn");
  assert.deepEqual(crossing.inside, [], "no point of the skip edge lies on the card between");
  await artifact(page, "09-edge-around-card");
  watch.assertClean();
  await page.close();
});

test("a task whose payload carries a JSON Schema is completed as a form; its values become the step's result", async () => {
  const url = env.server.url;
  const as = await ownerScope(url);
  const graph = {
    steps: [
      {
        id: "fix-invoice",
        type: "human_task",
        task_type: "edit",
        task_payload: {
          title: "Correct invoice INV-7",
          description: "The customer says the total is wrong.",
          invoice: "INV-7",
          total: 120,
          schema: {
            type: "object",
            required: ["total", "reason"],
            properties: {
              total: { type: "number", title: "Corrected total", minimum: 0 },
              reason: { type: "string", title: "Reason", enum: ["typo", "discount", "other"] },
              notify: { type: "boolean", title: "Tell the customer" },
            },
          },
        },
      },
      { id: "after", type: "lua_script", depends_on: ["fix-invoice"], script: "return { total = steps['fix-invoice'].result.total }" },
    ],
  };
  const wf = (await api(url, "POST", "/workflows", { ...as, body: { name: "Invoice fix", graph } })).body;
  await api(url, "POST", `/workflows/${wf.id}/versions`, { ...as, body: { changelog: "v1" } });
  const run = (await api(url, "POST", `/workflows/${wf.id}/command`, { ...as, body: { command: "start", params: {} } })).body;

  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${url}/command-center`);
  const card = page.getByRole("article", { name: "Correct invoice INV-7" });
  await card.waitFor();
  assert.equal(await card.getByLabel(/Corrected total/).inputValue(), "120", "the payload's value is the starting value");
  // Submit without the required reason: refused at the field, nothing sent.
  await card.getByRole("button", { name: "Submit Correct invoice INV-7" }).click();
  await card.getByText("Required.").waitFor();
  await card.getByLabel(/Corrected total/).fill("99.5");
  await card.getByLabel(/Reason/).selectOption("discount");
  await card.getByLabel("Tell the customer").check();
  await auditAccessibility(page, "Command Center, schema form");
  await artifact(page, "05-schema-form");
  await card.getByRole("button", { name: "Submit Correct invoice INV-7" }).click();
  await page.getByText("Nothing is waiting for a human.").waitFor();

  // The form's values are the step's result, and the next step read them.
  let ctx;
  for (let i = 0; i < 100; i++) {
    ctx = (await api(url, "GET", `/workflows/${wf.id}/runs/${run.run_id}/context`, as)).body;
    if (ctx.status === "completed") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(ctx.steps["fix-invoice"].result, { approved: true, total: 99.5, reason: "discount", notify: true });
  assert.deepEqual(ctx.steps.after.result, { total: 99.5 });
  watch.assertClean();
  await page.close();
});

test("the dark theme: every main screen in dark, audited", async () => {
  const url = env.server.url;
  const as = await ownerScope(url);
  const wf = (await api(url, "GET", "/workflows", as)).body.workflows.find((w) => w.name === "Expense report review");
  const runs = (await api(url, "GET", `/workflows/${wf.id}/runs`, as)).body.runs;
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByLabel("Theme").selectOption("dark");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  // Remembered: a reload stays dark.
  await page.reload();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, "rgb(245, 246, 248)", "the page is not drawn in the light background");

  await page.getByRole("table").waitFor();
  await auditAccessibility(page, "Workflows, dark");
  await artifact(page, "06-dark-workflows");
  await page.goto(`${url}/workflow/${wf.id}/runs/${runs[0].run_id}?step=score-lines`);
  await page.getByRole("group", { name: "Result of score-lines" }).waitFor();
  await auditAccessibility(page, "run view, dark");
  await artifact(page, "07-dark-run-inspector");
  await page.goto(`${url}/workflow/${wf.id}`);
  await node(page, "summarize").waitFor();
  await auditAccessibility(page, "Studio, dark");
  await artifact(page, "08-dark-studio");
  watch.assertClean();
  await page.close();
});
