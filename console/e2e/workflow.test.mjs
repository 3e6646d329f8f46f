/**
 * A new user's first workflow, with the mouse: a Lua step, a human approval and a
 * `for_each` built on the canvas from the palette; validation marks the unfinished loop on
 * its node; fixed, published and run; the nodes change colour live; the approval is given
 * in Command Center; the run completes with the loop's results in the Context.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, auditAccessibility, screenshot, signIn, serverAndBrowser, watchPage } from "./harness.mjs";

const env = serverAndBrowser();

const node = (page, stepId) => page.locator(`.react-flow__node:has([data-step-id="${stepId}"])`).first();

/** Drags a palette item and drops it on the canvas at (x, y) of the canvas pane, or onto a node. */
async function dragFromPalette(page, label, target) {
  const item = page.getByRole("button", { name: `Add ${label} step` });
  if ("x" in target) await item.dragTo(page.locator(".react-flow__pane"), { targetPosition: target });
  else await item.dragTo(target);
}

/** Draws an edge with the mouse: from the right handle of `from` to the left handle of `to`. */
async function connect(page, from, to) {
  const source = await node(page, from).locator(".react-flow__handle.source").boundingBox();
  const target = await node(page, to).locator(".react-flow__handle.target").boundingBox();
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** Replaces the text of the code editor (CodeMirror) labelled `label`. */
async function typeInEditor(page, label, text) {
  const editor = page.locator(`.cm-content[aria-label="${label}"]`);
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** The status colour of a node on the run view (its border), as CSS computes it. */
const colourOf = (page, stepId) =>
  page.locator(`[data-step-id="${stepId}"]`).first().evaluate((el) => getComputedStyle(el).borderColor);

test("build, validate, fix, publish, run, approve and read the loop's results", async () => {
  const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);

  await page.goto(env.server.url);
  await page.getByRole("heading", { name: "Sign in to agentruntime" }).waitFor();
  await auditAccessibility(page, "Sign in");
  await screenshot(page, "sign-in");
  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await auditAccessibility(page, "Workflows");
  await screenshot(page, "workflows");

  await page.getByLabel("New workflow name").fill("Score and approve");
  await page.getByRole("button", { name: "Create workflow" }).click();
  await page.getByRole("region", { name: "Step palette" }).waitFor();

  // --- build the graph with the mouse ------------------------------------------------------
  await dragFromPalette(page, "Lua script", { x: 120, y: 120 });
  await node(page, "lua-1").waitFor();
  await typeInEditor(page, "Lua script (must return a table)", "return { items = json.array({ 1, 2, 3 }) }");

  await dragFromPalette(page, "Human task", { x: 420, y: 120 });
  await node(page, "approval-1").waitFor();
  await dragFromPalette(page, "For each", { x: 720, y: 120 });
  await node(page, "for-each-1").waitFor();

  await connect(page, "lua-1", "approval-1");
  await connect(page, "approval-1", "for-each-1");
  assert.equal(await page.locator(".react-flow__edge").count(), 2, "two edges drawn");

  // --- validation marks the unfinished loop on its node ------------------------------------
  await page.getByRole("button", { name: "Validate" }).click();
  await node(page, "for-each-1").locator(".issue-badge.error").waitFor();
  assert.equal(await node(page, "lua-1").locator(".issue-badge").count(), 0, "the Lua step is fine");
  const issues = page.getByRole("region", { name: "Validation" });
  assert.match(await issues.innerText(), /for-each-1/);
  await auditAccessibility(page, "Workflow Studio");
  await screenshot(page, "studio-with-issues");

  // --- fix it: the loop's items and a body step dropped into the box -----------------------
  await node(page, "for-each-1").click();
  await typeInEditor(page, "Items (template resolving to a list)", "{{steps.lua-1.result.items}}");
  await dragFromPalette(page, "Lua script", node(page, "for-each-1"));
  await page.getByRole("region", { name: "Configure step lua-2" }).waitFor();
  await typeInEditor(page, "Lua script (must return a table)", "return { doubled = item * 2 }");

  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByText("Valid: ready to publish.").waitFor();
  assert.equal(await page.locator(".issue-badge.error").count(), 0, "no node is marked any more");
  await screenshot(page, "studio-valid");

  // --- publish and run ----------------------------------------------------------------------
  await page.getByRole("button", { name: "Publish…" }).click();
  await page.getByLabel("Changelog").fill("First version: score, approve, double each item.");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByText("Published version 1.").waitFor();

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/workflow\/[^/]+\/runs\/[^/]+$/);
  const runUrl = page.url();

  // Live colours: the Lua step completes and the approval waits, with distinct colours.
  await page.locator('[data-step-id="lua-1"][data-status="completed"]').first().waitFor();
  await page.locator('[data-step-id="approval-1"][data-status="waiting"]').first().waitFor();
  const completedColour = await colourOf(page, "lua-1");
  const waitingColour = await colourOf(page, "approval-1");
  assert.notEqual(completedColour, waitingColour, "completed and waiting steps are drawn in different colours");
  await auditAccessibility(page, "Run view");
  await screenshot(page, "run-waiting");

  // --- approve in Command Center ------------------------------------------------------------
  await page.getByRole("link", { name: "Command Center" }).click();
  const approve = page.getByRole("button", { name: /^Approve / }).first();
  await approve.waitFor();
  await auditAccessibility(page, "Command Center");
  await screenshot(page, "command-center");
  await approve.click();
  await page.getByRole("button", { name: /^Approve / }).waitFor({ state: "detached" });

  // --- the run completes, with the loop's results in the Context ---------------------------
  await page.goto(runUrl);
  await page.locator('[data-step-id="for-each-1"][data-status="completed"]').first().waitFor({ timeout: 30_000 });
  const approvalColour = await colourOf(page, "approval-1");
  assert.equal(approvalColour, completedColour, "the approval turned to the completed colour");
  const context = page.getByRole("region", { name: "Context" });
  await context.getByRole("button", { name: "Refresh context" }).click();
  await context.getByRole("heading", { name: /^for-each-1/ }).waitFor();
  // A large result starts collapsed: open it as a reader would.
  const collapsed = context.locator("summary", { hasText: "Result of for-each-1" });
  if ((await collapsed.count()) > 0) await collapsed.click();
  await context.getByText(/"doubled": 6/).waitFor();
  const text = await context.innerText();
  for (const doubled of [2, 4, 6]) assert.match(text, new RegExp(`"doubled": ${doubled}\\b`));
  await screenshot(page, "run-completed");

  watch.assertClean();
  await page.close();
});
