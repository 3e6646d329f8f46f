/**
 * Settings → Connect an IDE: a user picks their client with the keyboard, creates a token
 * for it, and the copy-ready snippet carries this server's origin and that token (shown
 * once); the token works from outside the browser and is listed under API keys with the
 * name and scopes the page promised.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, signIn, tabTo, watchPage } from "./harness.mjs";

const env = serverAndBrowser();

test("a token made on Connect an IDE is filled into the client's snippet, copies, and works against the API", async () => {
  // Clipboard permission, so the Copy button's result can be read back.
  const context = await env.browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);

  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("link", { name: "Connect an IDE" }).click();
  await page.getByRole("heading", { name: "Connect an IDE" }).waitFor();
  await auditAccessibility(page, "Settings → Connect an IDE");

  // Before any token: this origin and the placeholder.
  const cursor = page.getByLabel("Cursor mcp.json", { exact: true });
  const before = JSON.parse(await cursor.inputValue()).mcpServers.agentruntime;
  assert.deepEqual(before, { url: `${env.server.url}/mcp`, headers: { Authorization: "Bearer <YOUR_PAT>" } });

  // Keyboard: Tab reaches the client picker, arrows move through it, Tab reaches the button.
  await page.getByRole("link", { name: "Skip to content" }).focus();
  await tabTo(page, page.getByRole("radio", { name: "Cursor" }));
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getByRole("radio", { name: "Claude Code" }).isChecked(), true);
  await page.getByLabel("Claude Code command", { exact: true }).waitFor();
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.getByRole("radio", { name: "Cursor" }).isChecked(), true);
  const create = page.getByRole("button", { name: "Create a token for Cursor" });
  await tabTo(page, create, 10);
  await page.keyboard.press("Enter");

  const tokenField = page.getByLabel("New IDE token", { exact: true });
  await tokenField.waitFor();
  const token = await tokenField.inputValue();
  assert.match(token, /^pat_\S{20,}$/, "the new token is shown");
  await page.getByText("It is shown only this once").waitFor();
  const filled = JSON.parse(await cursor.inputValue()).mcpServers.agentruntime;
  assert.deepEqual(filled, { url: `${env.server.url}/mcp`, headers: { Authorization: `Bearer ${token}` } });
  await auditAccessibility(page, "Settings → Connect an IDE, token shown");
  await screenshot(page, "settings-connect-ide");

  // The Copy button copies the snippet as shown, token included.
  await page.getByRole("button", { name: "Copy Cursor mcp.json" }).click();
  await page.getByText("Copied.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await cursor.inputValue());

  // The token works from outside the browser, in the signed-in user's workspace.
  const me = await api(env.server.url, "GET", "/auth/me", { token });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.body.user.email, ADMIN_EMAIL);
  const tenant = me.body.workspaces[0].slug;
  const project = me.body.workspaces[0].projects[0].id;
  const list = await api(env.server.url, "GET", "/workflows", { token, tenant, project });
  assert.equal(list.status, 200, JSON.stringify(list.body));

  // Dismissed, the token leaves the page; API keys lists it by name and scopes, never the token.
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await tokenField.count(), 0, "the token is not shown again");
  assert.match(await cursor.inputValue(), /<YOUR_PAT>/);
  await page.getByRole("link", { name: "API keys" }).first().click();
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "IDE (Cursor)", exact: true }) });
  await row.waitFor();
  assert.equal(await row.getByRole("cell", { name: "mcp:execute, workflow:read, workflow:run", exact: true }).count(), 1);
  assert.equal(await page.getByText(token).count(), 0, "the token is never listed");

  watch.assertClean();
  await context.close();
});
