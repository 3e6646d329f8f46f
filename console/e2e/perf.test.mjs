/**
 * Performance figure, measured in the real browser and printed with the test results:
 * dragging a step on a 500-step graph, as main-thread work per frame from a Chromium
 * trace.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, serverAndBrowser, signIn } from "./harness.mjs";

const env = serverAndBrowser();

/** The value below which `fraction` of `values` lie. */
function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** Signs in from a script and returns the session cookie and the default scope. */
async function session(url) {
  const r = await fetch(`${url}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: url },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  assert.equal(r.status, 200);
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith("ar_session=")).split(";")[0];
  const me = await api(url, "GET", "/auth/me", { cookie });
  const ws = me.body.workspaces[0];
  return { cookie, tenant: ws.slug, project: ws.projects[0].id };
}

/** 500 Lua steps in 25 chains of 20, laid out on a grid. */
function bigGraph() {
  const steps = [];
  const nodes = [];
  for (let chain = 0; chain < 25; chain++) {
    for (let i = 0; i < 20; i++) {
      const id = `s${chain}-${i}`;
      steps.push({ id, type: "lua_script", script: "return {}", ...(i > 0 ? { depends_on: [`s${chain}-${i - 1}`] } : {}) });
      nodes.push({ id, position: { x: i * 260, y: chain * 120 } });
    }
  }
  return { steps, nodes };
}

/**
 * Main-thread work per frame in a Chromium trace: the renderer main thread's tasks summed
 * between consecutive frame starts.
 */
function frameWork(trace) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const mains = events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
  let best = null;
  for (const m of mains) {
    const frames = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.name === "BeginMainThreadFrame");
    if (!best || frames.length > best.frames.length) best = { ...m, frames };
  }
  assert.ok(best && best.frames.length > 10, "the trace holds the renderer's frames");
  const tasks = events.filter((e) => e.pid === best.pid && e.tid === best.tid && e.name === "RunTask" && e.ph === "X");
  const starts = best.frames.map((f) => f.ts).sort((a, b) => a - b);
  const work = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const busy = tasks.filter((t) => t.ts >= starts[i] && t.ts < starts[i + 1]).reduce((sum, t) => sum + t.dur, 0);
    work.push(busy / 1000);
  }
  return work;
}

test("dragging a step on a 500-step graph", async () => {
  const { url } = env.server;
  const scope = await session(url);
  const created = await api(url, "POST", "/workflows", { ...scope, body: { name: "Five hundred steps", graph: bigGraph() } });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const opened = Date.now();
  await page.goto(`${url}/workflow/${encodeURIComponent(created.body.id)}`);
  await page.locator(".react-flow__node").first().waitFor();
  const openMs = Date.now() - opened;

  const box = await page.locator(".react-flow__node").first().boundingBox();
  await env.browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline.frame"] });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 120; i++) {
    await page.mouse.move(box.x + box.width / 2 + i * 3, box.y + box.height / 2 + i * 2);
  }
  await page.mouse.up();
  const work = frameWork(await env.browser.stopTracing());
  const p95 = percentile(work, 0.95);
  console.log(`500-step Studio: opened in ${openMs} ms; drag: ${work.length} frames, main-thread work per frame p50 ${percentile(work, 0.5).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  await page.close();
});
