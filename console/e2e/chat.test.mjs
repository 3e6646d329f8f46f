/**
 * The Chat page against the real server, with the Autopilot on a scripted OpenAI-compatible
 * model (e2e/model-server.mjs, the one allowed stand-in): a user opens /chat, describes a
 * workflow in Autopilot mode, watches the answer arrive token by token, and follows the
 * action card's "Open in Studio" to the workflow the Autopilot made, whose graph the Studio
 * shows. The page is audited with axe once the answer is complete.
 *
 * Needs a server binary with the chat and Autopilot routes (docs/contract.md §13).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, auditAccessibility, screenshot, serverAndBrowser, sessionCookie, signIn, watchPage } from "./harness.mjs";
import { FINAL_TEXT, GRAPH, startModelServer } from "./model-server.mjs";

const model = await startModelServer({ delayMs: 80 });
after(() => model.close());

const env = serverAndBrowser({
  env: {
    AR_OPENAI_BASE_URL: `${model.url}/v1`,
    AR_OPENAI_API_KEY: "sk-e2e-scripted",
    AR_AUTOPILOT_MODEL_REF: "direct.openai.gpt-4o-mini",
  },
});

const DESCRIPTION = "Every night, build a short report of the day's runs";

test("describe a workflow to the Autopilot, watch the answer stream, open the result in the Studio", async () => {
  const { url } = env.server;
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await page.getByRole("heading", { name: "Chat", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "New chat" }).waitFor();
  await page.getByText(/^No conversations yet/).waitFor();
  await auditAccessibility(page, "Chat, a new chat");

  // Every text the answer shows, in order, from the first token on.
  await page.evaluate(() => {
    const seen = [];
    window.__answerTexts = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="live-text"]');
      const text = el?.textContent ?? "";
      if (text && text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await page.getByRole("group", { name: "Mode" }).getByRole("button", { name: "Autopilot" }).click();
  const box = page.getByRole("textbox", { name: "Message to the Autopilot" });
  await box.fill(DESCRIPTION);
  await box.press("Enter");

  // The new thread opens with the question; the answer streams in below it.
  await page.waitForURL(/\/chat\/[^/]+$/);
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("link").first().waitFor();
  const card = page.getByRole("article", { name: "Created a workflow" });
  await card.waitFor({ timeout: 60_000 }).catch(async (e) => {
    await screenshot(page, "chat-failed");
    const asked = model.requests.map((r) => `${r.stream ? "stream" : "json"} tools=[${(r.tools ?? []).map((t) => t.function?.name).join(",")}] last=${r.messages?.at(-1)?.role}`);
    throw new Error(`${e.message}\nmodel requests:\n  ${asked.join("\n  ")}\nserver log (tail):\n${env.server.log.join("").slice(-3000)}`);
  });
  const studioLink = card.getByRole("link", { name: "Open in Studio" });
  // The answer is complete once "writing…" is gone; the stored reply then holds the final text.
  await page.getByText("writing…").waitFor({ state: "detached", timeout: 60_000 });
  await page.getByText(FINAL_TEXT.slice(0, 40)).waitFor();

  const texts = await page.evaluate(() => window.__answerTexts);
  const final = texts[texts.length - 1];
  assert.ok(final.includes(FINAL_TEXT), `the answer ends with the model's final text: ${JSON.stringify(final)}`);
  // Token by token: the text grew through several states, each extending the one before.
  assert.ok(texts.length >= 3, `the answer was shown in pieces, saw ${JSON.stringify(texts)}`);
  for (let i = 1; i < texts.length; i++) assert.ok(texts[i].startsWith(texts[i - 1]), `${JSON.stringify(texts[i])} extends ${JSON.stringify(texts[i - 1])}`);
  assert.ok(texts.some((t) => t.length < final.length && t.length > 0), "a partial answer was on screen");

  // The model was offered create_workflow, was called for the graph, and saw the user's words.
  const offered = model.requests.filter((r) => (r.tools ?? []).some((t) => t.function?.name === "create_workflow"));
  assert.ok(offered.length >= 2, `the Autopilot asked the model at least twice with its tools (${model.requests.length} requests)`);
  assert.ok(JSON.stringify(offered[0].messages).includes(DESCRIPTION));

  await auditAccessibility(page, "Chat, an Autopilot answer with an action card");
  await screenshot(page, "chat-autopilot");

  const href = await studioLink.getAttribute("href");
  const workflowId = decodeURIComponent(href.replace(/^\/workflow\//, ""));
  await studioLink.click();
  await page.waitForURL(new RegExp(`/workflow/${encodeURIComponent(workflowId)}$`));
  await page.locator(`.react-flow__node[data-id="${GRAPH.steps[0].id}"]`).waitFor();

  // The workflow is a stored draft of this project holding the model's graph.
  const cookie = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await api(url, "GET", "/auth/me", { cookie });
  const scope = { cookie, tenant: me.body.workspaces[0].slug, project: me.body.workspaces[0].projects[0].id };
  const wf = await api(url, "GET", `/workflows/${encodeURIComponent(workflowId)}`, scope);
  assert.equal(wf.status, 200, JSON.stringify(wf.body));
  assert.ok(JSON.stringify(wf.body).includes(GRAPH.steps[0].id), JSON.stringify(wf.body));

  // Back in the chat, the stored reply keeps its card and its link.
  await page.goBack();
  await page.getByRole("article", { name: "Created a workflow" }).getByRole("link", { name: "Open in Studio" }).waitFor();

  watch.assertClean();
  await page.close();
});
