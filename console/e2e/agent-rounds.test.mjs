/**
 * The run view's Timeline shows an `agent_call` step's tool rounds as sub-rows, against the
 * real server: an agent with the reference MCP server's `echo` tool and `max_turns: 1`, on
 * the scripted model (e2e/model-server.mjs, which answers every request offering `echo`
 * with an `echo` call), runs in a one-step workflow. Its one round is stored and its turn
 * stops at the limit; the Timeline has "round 1 · echo" (ok) and the limit marker under the
 * step. Audited with axe.
 *
 * Needs the MCP fixtures: `eval "$(bash scripts/mcp-fixtures.sh)"` (scripts/test does).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage, everythingServer } from "./harness.mjs";
import { startModelServer } from "./model-server.mjs";

/** server-everything over Streamable HTTP on a free port; its URL is `mcp.url`. */
const mcp = everythingServer();

const model = await startModelServer({ delayMs: 5 });
after(() => model.close());

// The server must be allowed to reach the local MCP server (the SSRF guard refuses loopback).
const env = serverAndBrowser({
  env: { AR_MCP_ALLOWED_HOSTS: "127.0.0.1", AR_OPENAI_BASE_URL: `${model.url}/v1`, AR_OPENAI_API_KEY: "sk-e2e-scripted" },
});

const TERMINAL = new Set(["completed", "failed", "stopped", "rejected"]);

test("an agent step's tool rounds and its turn limit are sub-rows of its Timeline row", async () => {
  const { url } = env.server;
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  const scope = { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
  const server = await api(url, "POST", "/mcp/servers", { ...scope, body: { url: mcp.url, name: "everything" } });
  assert.equal(server.status, 201, JSON.stringify(server.body));
  const instance = await api(url, "POST", "/mcp/instances", { ...scope, body: { server_id: server.body.id, name: "docs" } });
  assert.equal(instance.status, 201, JSON.stringify(instance.body));
  const agent = await api(url, "POST", "/agents", {
    ...scope,
    body: { name: "Echoer", instructions: "Use echo.", model_ref: "direct.openai.gpt-4o-mini", tools: [{ instance_id: instance.body.id, tool_names: ["echo"] }], max_turns: 1 },
  });
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  const graph = { steps: [{ id: "triage", type: "agent_call", agent_id: agent.body.id, prompt: "Say hello through echo." }] };
  const wf = await api(url, "POST", "/workflows", { ...scope, body: { name: "Agent rounds", graph } });
  assert.equal(wf.status, 201, JSON.stringify(wf.body));
  const version = await api(url, "POST", `/workflows/${wf.body.id}/versions`, { ...scope, body: { changelog: "first" } });
  assert.equal(version.status, 201, JSON.stringify(version.body));
  const started = await api(url, "POST", `/workflows/${wf.body.id}/command`, { ...scope, body: { command: "start", params: {} } });
  assert.ok(started.body?.run_id, JSON.stringify(started.body));
  const runId = started.body.run_id;
  let run;
  for (let i = 0; i < 300; i++) {
    run = (await api(url, "GET", `/workflows/${wf.body.id}/runs/${runId}`, scope)).body;
    if (TERMINAL.has(run.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(run.status, "completed", JSON.stringify(run));

  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${url}/workflow/${wf.body.id}/runs/${runId}`);
  await page.getByRole("button", { name: "Timeline", exact: true }).click();
  const rounds = page.getByRole("list", { name: "Agent rounds of triage" });
  await rounds.waitFor();
  const items = await rounds.getByRole("listitem").allTextContents();
  assert.equal(items.length, 2, JSON.stringify(items));
  assert.match(items[0], /^round 1 · echotriage: round 1, echo, ok at /);
  assert.match(items[1], /^limit: max_turnstriage: stopped at its turn limit \(max_turns\) at /);
  await auditAccessibility(page, "run view, Timeline with agent rounds");
  await screenshot(page, "agent-rounds");
  watch.assertClean();
  await page.close();
});
