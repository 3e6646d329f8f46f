/**
 * A workspace owner, with the mouse and the keyboard: adds a vault secret in Settings,
 * creates a connection, registers the reference MCP server (server-everything, run locally
 * over Streamable HTTP) after discovering its tools, validates it, creates an instance and
 * gives it a config profile whose Authorization header references the secret. Then the
 * Providers screen, and an invite link that is not valid. Every new screen is audited with
 * axe and saved as a screenshot; the secret's value never appears on a page.
 *
 * Needs the MCP fixtures: `eval "$(bash scripts/mcp-fixtures.sh)"` (scripts/test does).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, auditAccessibility, screenshot, serverAndBrowser, signIn, tabTo, watchPage, everythingServer } from "./harness.mjs";

const SECRET_VALUE = "e2e-secret-value-9f3b";

/** server-everything over Streamable HTTP on a free port; its URL is `mcp.url`. */
const mcp = everythingServer();

// The server must be allowed to reach the local MCP server (the SSRF guard refuses loopback).
const env = serverAndBrowser({ env: { AR_MCP_ALLOWED_HOSTS: "127.0.0.1" } });

test("secret, connection, MCP server, instance and a profile referencing the secret, all from the console", async () => {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  watch.expect("POST", /^\/v1\/invites\/[^/]+\/accept$/, 404);

  await signIn(page, env.server.url, ADMIN_EMAIL, ADMIN_PASSWORD);

  // --- Settings → Secrets, with the keyboard ---
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Secrets" }).click();
  await page.getByRole("heading", { name: "Workspace secrets" }).waitFor();
  await page.getByRole("link", { name: "Skip to content" }).focus();
  await tabTo(page, page.getByLabel("Secret name"));
  await page.keyboard.type("EVERYTHING_TOKEN");
  await page.keyboard.press("Tab");
  await page.keyboard.type(SECRET_VALUE);
  await page.keyboard.press("Tab");
  await page.keyboard.type("token for the everything server");
  await page.keyboard.press("Enter");
  await page.getByText("Secret EVERYTHING_TOKEN added.").waitFor();
  await page.getByRole("cell", { name: "EVERYTHING_TOKEN", exact: true }).waitFor();
  await auditAccessibility(page, "Settings → Secrets");
  await screenshot(page, "settings-secrets");

  // --- Connections ---
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  const create = page.getByRole("form", { name: "Create connection" });
  await create.waitFor();
  await create.getByLabel("Display name").fill("Stripe (test)");
  await create.getByLabel("Provider").fill("stripe");
  await create.getByLabel("Auth type").selectOption("token");
  await create.getByLabel("Value of token").fill("tok_e2e_value");
  await create.getByRole("button", { name: "Create connection" }).click();
  await page.getByRole("cell", { name: "Stripe (test)", exact: true }).waitFor();
  assert.equal(await page.getByText("tok_e2e_value").count(), 0, "a credential value is never shown");
  await auditAccessibility(page, "Connections");
  await screenshot(page, "connections");

  // --- MCP: discover, register, validate ---
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "MCP" }).click();
  await page.getByRole("heading", { name: "MCP servers" }).waitFor();
  await page.getByLabel("Server URL (Streamable HTTP)").fill(mcp.url);
  await page.getByLabel("Server URL (Streamable HTTP)").press("Enter");
  await page.getByText(/offers \d+ tools/).waitFor({ timeout: 30_000 });
  assert.ok((await page.getByRole("list", { name: "Discovered tools" }).getByRole("listitem").count()) > 1);
  await page.getByLabel("Server name (default: its host)").fill("everything");
  await page.getByRole("button", { name: "Register server" }).click();
  const card = page.getByRole("article", { name: "everything" }).first();
  await page.getByText("Server everything registered.").waitFor({ timeout: 30_000 });
  // The input schema of a tool opens from its summary, with the keyboard.
  const echo = card.getByRole("group").filter({ hasText: "echo" }).first();
  await echo.locator("summary").focus();
  await page.keyboard.press("Enter");
  await card.getByLabel("Input schema of echo").waitFor();
  await card.getByRole("button", { name: "Validate everything" }).click();
  await card.getByRole("status", { name: "Validation result" }).getByText(/^Valid: reachable/).waitFor({ timeout: 30_000 });
  await card.getByRole("button", { name: "Versions of everything" }).click();
  await card.getByRole("list", { name: "Versions of everything" }).getByText(/Version 1/).waitFor();

  // --- instance and a profile referencing the secret ---
  await card.getByRole("button", { name: "Create instance of everything" }).click();
  await page.getByRole("button", { name: "New profile for everything" }).click();
  const profile = page.getByRole("form", { name: "New config profile" });
  await profile.getByLabel("Profile name").fill("default");
  await profile.getByLabel("Header 1 name").fill("Authorization");
  await profile.getByLabel("Header 1 value from").selectOption("secret");
  await profile.getByLabel("Header 1 secret").selectOption("EVERYTHING_TOKEN");
  await profile.getByLabel("Header 1 prefix").fill("Bearer ");
  await profile.getByRole("button", { name: "Create profile" }).click();
  await page.getByText("vault secret EVERYTHING_TOKEN").waitFor();
  await page.getByRole("cell", { name: "active", exact: true }).waitFor();
  assert.equal(await page.getByText(SECRET_VALUE).count(), 0, "the secret's value is never shown");
  await auditAccessibility(page, "MCP");
  await screenshot(page, "mcp");

  // --- Providers ---
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Providers" }).click();
  await page.getByRole("table", { name: "Providers this server knows" }).getByRole("cell", { name: "openai", exact: true }).waitFor();
  await auditAccessibility(page, "Settings → Providers");
  await screenshot(page, "settings-providers");

  // --- an invite link that is not valid shows the API's words at the button ---
  await page.goto(`${env.server.url}/invites/inv_not_a_real_token`);
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await page.getByRole("alert").filter({ hasText: /invite/i }).waitFor();
  await auditAccessibility(page, "Invite acceptance");
  await screenshot(page, "invite-acceptance");

  assert.equal(await page.getByText(SECRET_VALUE).count(), 0);
  watch.assertClean();
});
