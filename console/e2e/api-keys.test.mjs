/**
 * A user creates an API key in Settings, sees it once, uses it from a script with
 * bearer-token requests (allowed within its scopes, refused beyond them), then revokes it
 * and the same request is refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  api,
  auditAccessibility,
  screenshot,
  signIn,
  serverAndBrowser,
  tabTo,
  watchPage,
} from "./harness.mjs";

const env = serverAndBrowser();

test("an API key is created in Settings, shown once, works from a script and stops working when revoked", async () => {
  const page = await env.browser.newPage();
  const watch = watchPage(page);
  // Before signing in, the console asks who the user is and is told "nobody".
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);

  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "API keys" }).waitFor();
  await auditAccessibility(page, "Settings → API keys");

  // Keyboard: from the skip link, Tab reaches the form and Space ticks a scope.
  await page.getByRole("link", { name: "Skip to content" }).focus();
  await tabTo(page, page.getByLabel("Key name"));
  await page.keyboard.type("ci script");
  await tabTo(page, page.getByRole("checkbox", { name: /workflow:read/ }), 3);
  assert.equal(await page.getByRole("checkbox", { name: /workflow:read/ }).isChecked(), true);
  // Read-only: workflow:read is ticked by default; nothing else.
  await page.getByLabel("Expires after (days, empty for the server default)").fill("30");
  await page.getByRole("button", { name: "Create API key" }).click();

  const field = page.getByLabel("New API key", { exact: true });
  await field.waitFor();
  const token = await field.inputValue();
  assert.match(token, /^\S{20,}$/, "the new token is shown");
  await screenshot(page, "settings-api-keys");
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await field.count(), 0, "the token is not shown again");
  await page.reload();
  await page.getByRole("cell", { name: "ci script", exact: true }).waitFor();
  assert.equal(await page.getByText(token).count(), 0, "the token is never listed");

  // Use it like a script would: the workspace comes from the token.
  const me = await api(env.server.url, "GET", "/auth/me", { token });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  const tenant = me.body.workspaces[0].slug;
  const project = me.body.workspaces[0].projects[0].id;
  const list = await api(env.server.url, "GET", "/workflows", { token, tenant, project });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.ok(Array.isArray(list.body.workflows));
  const write = await api(env.server.url, "POST", "/workflows", {
    token,
    tenant,
    project,
    body: { name: "from a script", graph: { steps: [] } },
  });
  assert.equal(write.status, 403, "a workflow:read key cannot create workflows");

  // Revoke it in Settings; the same request is then refused.
  await page.getByRole("button", { name: "Revoke ci script" }).click();
  await page.getByText("Revoked").waitFor();
  const afterRevoke = await api(env.server.url, "GET", "/workflows", { token, tenant, project });
  assert.equal(afterRevoke.status, 401);

  watch.assertClean();
  await page.close();
});

test("a refused API key is explained next to the form", async () => {
  const page = await env.browser.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  watch.expect("POST", /^\/v1\/pats$/, 400);

  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${env.server.url}/settings/api-keys`);
  await page.getByLabel("Key name").fill("no scopes");
  await page.getByRole("checkbox", { name: /workflow:read/ }).uncheck();
  await page.getByRole("button", { name: "Create API key" }).click();
  const form = page.getByRole("form", { name: "Create API key" });
  await form.getByRole("alert").filter({ hasText: "scope" }).waitFor();

  watch.assertClean();
  await page.close();
});
