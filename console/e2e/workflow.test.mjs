/**
 * The main scenario, done the way a new user does it: sign in, build a workflow on the
 * canvas with the mouse (steps dragged from the palette, edges dragged between handles,
 * fields typed in the config panel), validate and see the issue on its node, fix it,
 * publish, run, watch the nodes change colour live, approve the human task in Command
 * Center from another tab, and read the loop's results in the run view's step inspector.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, auditAccessibility, screenshot, serverAndBrowser, signIn, watchPage } from "./harness.mjs";
import { borderColour, dragStep, drawEdge, node, typeInEditor } from "./canvas.mjs";

const env = serverAndBrowser();

/** Renames the step shown in the config panel (the id field commits on Enter). */
async function renameSelected(page, id) {
  const field = page.getByLabel(/^Step id/);
  await field.fill(id);
  await field.press("Enter");
  await page.getByRole("region", { name: `Configure step ${id}` }).waitFor();
}

test("a workflow built with the mouse is validated, fixed, published, run, approved and completes", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.url });
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);

  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByLabel("New workflow name").fill("Double the numbers");
  await page.getByRole("button", { name: "Create workflow" }).click();
  await page.getByRole("region", { name: "Workflow Studio: Double the numbers" }).waitFor();

  // A Lua step that produces the list, a human approval, and a loop over the list.
  await dragStep(page, "Lua script", { x: 120, y: 200 });
  await renameSelected(page, "numbers");
  await typeInEditor(page, "Lua script (must return a table)", "return { items = {1, 2, 3} }");
  // The first step zooms the view in; zoom out so the next steps fit beside it.
  for (let i = 0; i < 3; i++) await page.getByRole("button", { name: "Zoom Out" }).click();

  await dragStep(page, "Human task", { beside: "numbers" });
  await renameSelected(page, "review");
  await dragStep(page, "For each", { beside: "review" });
  await renameSelected(page, "each");
  await typeInEditor(page, "Items (template resolving to a list)", "{{ steps.numbers.result.items }}");
  await page.keyboard.press("Escape"); // closes the template completion popup
  // A Lua step dropped inside the loop box joins the loop's body.
  await dragStep(page, "Lua script", { into: "each" });
  await page.getByRole("region", { name: "Configure step lua-1" }).waitFor();
  assert.match(await page.getByRole("region", { name: "Configure step lua-1" }).innerText(), /in each/);
  await renameSelected(page, "double");
  await typeInEditor(page, "Lua script (must return a table)", "return { doubled = item * 2 }");

  // An edge, dragged from a step's right handle to the next step's left handle, with every
  // step in view. The loop is left unconnected: a mistake validation should catch.
  await page.getByRole("button", { name: "Fit View" }).click();
  await drawEdge(page, "numbers", "review");

  // The loop reads the Lua step's result without running after it: validation marks the
  // loop's node and lists the issue.
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByText("1 error(s) to fix before publishing.").waitFor();
  await node(page, "each").locator(".issue-badge.error").waitFor();
  const issues = page.getByRole("list", { name: "Validation issues" });
  assert.equal(await page.locator(".issue-badge.error").count(), 1, `only the loop has an error; issues: ${await issues.innerText()}`);
  assert.match(await issues.innerText(), /template_missing_dependency/);
  await auditAccessibility(page, "Studio with a validation issue");
  await screenshot(page, "studio-validation-issue");

  // Fix it with the mouse: connect the review to the loop, then validate again.
  await drawEdge(page, "review", "each");
  assert.equal(await page.locator(".react-flow__edge").count(), 2, "two edges are drawn");
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByText("Valid: ready to publish.").waitFor();
  assert.equal(await page.locator(".issue-badge").count(), 0, `no node is marked any more; issues: ${await page.getByRole("region", { name: "Validation" }).innerText()}`);
  await page.getByRole("button", { name: "Auto-layout" }).click();

  await page.getByRole("button", { name: "Publish…" }).click();
  await page.getByLabel("Changelog").fill("First version: doubles each number after a review.");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByText("Published version 1.").waitFor();
  await screenshot(page, "studio-published");

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.getByRole("region", { name: /^Run [0-9a-f-]+$/ }).waitFor();

  // The run view colours nodes from the live stream: the Lua step completes, the review waits.
  await node(page, "numbers").locator('[data-status="completed"]').waitFor();
  await node(page, "review").locator('[data-status="waiting"]').waitFor();
  const completedColour = await borderColour(page, "numbers");
  const waitingColour = await borderColour(page, "review");
  const pendingColour = await borderColour(page, "each");
  assert.notEqual(waitingColour, completedColour, "a waiting step looks different from a completed one");
  assert.equal(await node(page, "each").locator("[data-status]").count(), 0, "the loop has not started");
  // Marks this document, to prove below that what follows arrives without a reload.
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
  await auditAccessibility(page, "run view, waiting for a human");
  await screenshot(page, "run-waiting");

  // Command Center, in another tab: approve the task.
  const inbox = await context.newPage();
  const inboxWatch = watchPage(inbox);
  await inbox.goto(`${env.server.url}/command-center`);
  const approve = inbox.getByRole("button", { name: "Approve Review" });
  await approve.waitFor();
  await auditAccessibility(inbox, "Command Center");
  await screenshot(inbox, "command-center");
  await approve.click();
  await inbox.getByText("Nothing is waiting for a human.").waitFor();

  // Back in the first tab, unreloaded: the review and the loop turn completed, then the run.
  await page.getByTestId("run-status").filter({ hasText: /^completed$/ }).waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the run view was not reloaded");
  assert.equal(await node(page, "review").locator("[data-status]").getAttribute("data-status"), "completed");
  assert.equal(await node(page, "each").locator("[data-status]").getAttribute("data-status"), "completed");
  assert.equal(await borderColour(page, "review"), completedColour, "the review changed colour to completed");
  assert.notEqual(await borderColour(page, "each"), pendingColour, "the loop changed colour");

  // Picking the loop on the canvas shows its result, one doubled number per item in item
  // order; Copy gives the whole value as JSON.
  await node(page, "each").click({ position: { x: 30, y: 12 } });
  await page.getByRole("group", { name: "Result of each" }).waitFor();
  await page.getByRole("button", { name: "Copy Result of each" }).click();
  await page.getByText("Copied.").waitFor();
  const result = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(result.succeeded_count, 3);
  assert.deepEqual(
    result.results.map((r) => [r.index, r.result.doubled]),
    [[0, 2], [1, 4], [2, 6]],
  );
  await auditAccessibility(page, "run view, completed");
  await screenshot(page, "run-completed");

  // The Timeline has a row per step; the human task's row shows the wait for the approval.
  await page.getByRole("button", { name: "Timeline", exact: true }).click();
  const steps = page.getByRole("list", { name: "Steps" });
  await steps.waitFor();
  for (const id of ["numbers", "review", "each"]) {
    await page.getByRole("list", { name: `${id} over time` }).waitFor();
  }
  assert.match(await page.getByRole("list", { name: "review over time" }).innerText(), /wait/i);
  await auditAccessibility(page, "run view, timeline");
  await screenshot(page, "run-timeline");

  watch.assertClean();
  inboxWatch.assertClean();
  await context.close();
});
