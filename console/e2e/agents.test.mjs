/**
 * The Agents page against the real server: a workspace owner, with an MCP instance of the
 * reference server (server-everything over Streamable HTTP, created through the API), creates
 * an agent with tools picked from that instance (a refused value is shown at its field
 * first), edits it, sees it listed and deletes it. The list and the form are audited with axe.
 *
 * Needs the MCP fixtures: `eval "$(bash scripts/mcp-fixtures.sh)"` (scripts/test does).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage, everythingServer } from "./harness.mjs";

/** server-everything over Streamable HTTP on a free port; its URL is `mcp.url`. */
const mcp = everythingServer();

// The server must be allowed to reach the local MCP server (the SSRF guard refuses loopback).
const env = serverAndBrowser({ env: { AR_MCP_ALLOWED_HOSTS: "127.0.0.1" } });

test("create an agent with tools of an MCP instance, edit it, delete it", async () => {
  const { url } = env.server;
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  const scope = { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
  const server = await api(url, "POST", "/mcp/servers", { ...scope, body: { url: mcp.url, name: "everything" } });
  assert.equal(server.status, 201, JSON.stringify(server.body));
  const instance = await api(url, "POST", "/mcp/instances", { ...scope, body: { server_id: server.body.id, name: "docs" } });
  assert.equal(instance.status, 201, JSON.stringify(instance.body));

  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  watch.expect("POST", /^\/v1\/agents$/, 400); // the refused max_turns below
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
  await page.getByRole("heading", { name: "Agents", level: 1 }).waitFor();
  await page.getByText("No agents in this project yet.").waitFor();
  await page.getByRole("button", { name: "New agent" }).click();
  const form = page.getByRole("form", { name: "New agent" });
  await form.getByLabel("Name").fill("Support triage");
  await form.getByLabel("Description").fill("Answers from the docs server");
  await form.getByLabel(/^Instructions/).fill("You answer support questions. Use echo first.");
  await form.getByLabel("Model", { exact: true }).fill("direct.openai.gpt-4o-mini");
  await form.getByLabel(/^Model parameters/).fill('{"temperature": 0.2}');
  const tools = form.getByRole("group", { name: /Tools of instance docs/ });
  await tools.getByLabel("echo", { exact: true }).check();
  await tools.getByLabel("get-sum", { exact: true }).check();

  // The server refuses max_turns 99; its message is shown at that field and the form stays.
  const turns = form.getByLabel(/^Tool rounds/);
  await turns.fill("99");
  await form.getByRole("button", { name: "Create agent" }).click();
  const refusal = form.getByRole("alert");
  await refusal.getByText(/`max_turns` must be between 1 and 50/).waitFor();
  assert.equal(await turns.getAttribute("aria-invalid"), "true");
  assert.equal(await turns.getAttribute("aria-describedby"), await refusal.getAttribute("id"));
  await auditAccessibility(page, "Agents → new agent with a refused field");
  await screenshot(page, "agents-form");

  await turns.fill("4");
  await form.getByRole("button", { name: "Create agent" }).click();
  const row = page.getByRole("row").filter({ hasText: "Support triage" });
  await row.waitFor();
  await row.getByRole("cell", { name: "direct.openai.gpt-4o-mini", exact: true }).waitFor();
  await row.getByRole("cell", { name: "echo, get-sum (docs)", exact: true }).waitFor();

  const stored = await api(url, "GET", "/agents", scope);
  assert.equal(stored.body.agents.length, 1);
  const agent = stored.body.agents[0];
  assert.deepEqual(agent.tools, [{ instance_id: instance.body.id, tool_names: ["echo", "get-sum"] }]);
  assert.equal(agent.max_turns, 4);
  assert.deepEqual(agent.llm_params, { temperature: 0.2 });
  await auditAccessibility(page, "Agents list");
  await screenshot(page, "agents");

  // Edit: drop a tool, set a token budget, switch to a model of the default provider.
  await row.getByRole("button", { name: "Edit agent Support triage" }).click();
  const edit = page.getByRole("form", { name: "Edit agent Support triage" });
  await edit.getByRole("group", { name: /Tools of instance docs/ }).getByLabel("get-sum", { exact: true }).uncheck();
  await edit.getByLabel(/^Token budget/).fill("20000");
  await edit.getByLabel("Model given as").selectOption("model");
  await edit.getByLabel("Model", { exact: true }).fill("gpt-4o-mini");
  await edit.getByRole("button", { name: "Save agent" }).click();
  await edit.waitFor({ state: "detached" });
  await row.getByRole("cell", { name: "gpt-4o-mini", exact: true }).waitFor();
  await row.getByRole("cell", { name: "echo (docs)", exact: true }).waitFor();
  const edited = (await api(url, "GET", `/agents/${agent.id}`, scope)).body;
  assert.deepEqual(edited.tools, [{ instance_id: instance.body.id, tool_names: ["echo"] }]);
  assert.equal(edited.token_budget, 20000);
  assert.equal(edited.model, "gpt-4o-mini");
  assert.equal(edited.model_ref, null);

  // Delete: dismissing the confirmation keeps it, accepting deletes it.
  page.once("dialog", (d) => d.dismiss());
  await row.getByRole("button", { name: "Delete agent Support triage" }).click();
  await row.waitFor();
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Delete agent Support triage" }).click();
  await page.getByText("No agents in this project yet.").waitFor();
  assert.equal((await api(url, "GET", "/agents", scope)).body.agents.length, 0);

  watch.assertClean();
  await page.close();
});
