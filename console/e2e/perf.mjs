/**
 * Performance figures for issue 6 — a benchmark, not a test: it prints numbers and never
 * fails on them (speed on a shared CI machine is not a pass/fail signal). Run it with
 * `node e2e/perf.mjs` from `console/` after `npm run build` and `cargo build -p ar-cli`.
 *
 * 1. Studio with a 500-step chain: time until the canvas shows its first node and all
 *    nodes, then three gestures of 60 real mouse moves (a hover as the floor, a node drag,
 *    a canvas pan) while the page records requestAnimationFrame intervals and a Chromium
 *    trace records main-thread tasks.
 * 2. Run view under a burst of events: 500 independent steps started from the UI; the
 *    WebSocket frames the page receives are counted from outside (Playwright), the DOM is
 *    watched from inside (a MutationObserver on node statuses and the run status), and the
 *    lag is how long after the server's `run_completed` the page says "completed".
 */
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, launchBrowser, screenshot, sessionCookie, signIn, startServer } from "./harness.mjs";
import { node } from "./canvas.mjs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHAIN_LENGTH = 500;
const WIDE_STEPS = 500;
const DRAG_MOVES = 60;
// One frame at 60 Hz: headless Chromium paces requestAnimationFrame at this interval, so
// an interval is never below it and a dropped frame shows up as about twice it.
const FRAME_MS = 1000 / 60;
// `--profile`: also break the drag's main-thread time down by trace event and JS function.
const PROFILE = process.argv.includes("--profile");
// `--studio`: the Studio figures only (skips the run view's burst).
const STUDIO_ONLY = process.argv.includes("--studio");

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
}

const ms = (v) => `${v.toFixed(1)} ms`;
const line = (s) => `n=${s.n} p50=${ms(s.p50)} p95=${ms(s.p95)} max=${ms(s.max)}`;

async function check(label, response, ok = (s) => s < 300) {
  if (!ok(response.status)) throw new Error(`${label} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Creates and publishes a workflow through the API; returns its id. */
async function publishedWorkflow(url, scope, name, graph) {
  const wf = await check(`create ${name}`, await api(url, "POST", "/workflows", { ...scope, body: { name, graph } }));
  await check(`publish ${name}`, await api(url, "POST", `/workflows/${wf.id}/versions`, { ...scope, body: { changelog: "perf" } }));
  return wf.id;
}

function chainGraph(n) {
  const id = (i) => `s${String(i).padStart(3, "0")}`;
  const steps = [];
  for (let i = 1; i <= n; i++) {
    const step = { id: id(i), type: "lua_script", script: `return { n = ${i} }` };
    if (i > 1) step.depends_on = [id(i - 1)];
    steps.push(step);
  }
  return { steps };
}

/**
 * A human approval, then independent steps: the run view opens and subscribes while the
 * run waits; once approved the engine runs the steps as fast as it can, each sending
 * step_started and step_completed, so the stream carries about two events per step in one
 * burst. (A for_each sends no event per item, so it cannot make the burst.)
 */
function gatedWideGraph(n) {
  const steps = [{ id: "gate", type: "human_task", depends_on: [], task_type: "approval", task_payload: { title: "Start the burst" } }];
  for (let i = 1; i <= n; i++) {
    steps.push({ id: `w${String(i).padStart(3, "0")}`, type: "lua_script", depends_on: ["gate"], script: `return { n = ${i} }` });
  }
  return { steps };
}

// Chromium names its scheduler's task event differently across versions.
const TASK_EVENTS = new Set(["RunTask", "ThreadControllerImpl::RunTask"]);

/**
 * The top-level tasks (`{ts, dur}` in ms, trace clock) on the busiest renderer main thread
 * of a Chromium trace. Nested task events are skipped so no time is counted twice.
 */
function rendererTasks(traceBuffer) {
  const trace = JSON.parse(traceBuffer.toString("utf8"));
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mainThreads = new Set(
    events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== "X" || !TASK_EVENTS.has(e.name) || !mainThreads.has(key)) continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  let busiest = [];
  for (const tasks of byThread.values()) {
    tasks.sort((a, b) => a.ts - b.ts);
    const topLevel = [];
    let end = -Infinity;
    for (const t of tasks) {
      if (t.ts < end) continue;
      topLevel.push({ ts: t.ts / 1000, dur: (t.dur ?? 0) / 1000 });
      end = t.ts + (t.dur ?? 0);
    }
    const total = (list) => list.reduce((sum, t) => sum + t.dur, 0);
    if (total(topLevel) > total(busiest)) busiest = topLevel;
  }
  return busiest;
}

/**
 * Where the drag's main-thread time goes (`--profile`): self time per trace event name on
 * the busiest renderer main thread (script, style, layout, paint, …), so a slow frame can be
 * pinned on one stage. Self time: an event's duration minus that of events nested in it.
 */
function timeByEvent(traceBuffer) {
  const trace = JSON.parse(traceBuffer.toString("utf8"));
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mainThreads = new Set(
    events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== "X" || !mainThreads.has(key)) continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  let best = new Map();
  let bestTotal = -1;
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const self = new Map();
    const stack = [];
    const close = (until) => {
      while (stack.length && stack.at(-1).end <= until) stack.pop();
    };
    let total = 0;
    for (const e of list) {
      close(e.ts);
      const dur = (e.dur ?? 0) / 1000;
      const parent = stack.at(-1);
      if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - dur);
      else if (TASK_EVENTS.has(e.name)) total += dur;
      self.set(e.name, (self.get(e.name) ?? 0) + dur);
      stack.push({ name: e.name, end: e.ts + (e.dur ?? 0) });
    }
    if (total > bestTotal) {
      bestTotal = total;
      best = self;
    }
  }
  return [...best.entries()].filter(([, t]) => t > 0.5).sort((a, b) => b[1] - a[1]);
}

/** Self time per JS function from a V8 CPU profile (`--profile`), heaviest first. */
function timeByFunction(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").at(-1)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

/**
 * Main-thread busy time in each 60 Hz frame slot from the first task to the last: what
 * "frame time" means for smoothness (a slot busier than 16.7 ms cannot draw on time). A
 * task is put whole in the slot it starts in.
 */
function busyPerFrame(tasks) {
  if (tasks.length === 0) return [];
  const start = tasks[0].ts;
  const slots = new Array(Math.floor((tasks.at(-1).ts - start) / FRAME_MS) + 1).fill(0);
  for (const t of tasks) slots[Math.floor((t.ts - start) / FRAME_MS)] += t.dur;
  return slots;
}

async function studioFigures(browser, url, workflowId) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);

  const started = Date.now();
  await page.goto(`${url}/workflow/${workflowId}`);
  await page.locator(".react-flow__node").first().waitFor();
  const firstNode = Date.now() - started;
  // Above 150 steps the canvas draws only the nodes in view: count those once two frames
  // have passed without a change.
  const countRendered = () =>
    page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      let last = -1;
      for (let n = document.querySelectorAll(".react-flow__node").length; n !== last; n = document.querySelectorAll(".react-flow__node").length) {
        last = n;
        await frame();
      }
      return last;
    });
  const zoomOf = () => page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector(".react-flow__viewport").style.transform)?.[1]));
  const firstRendered = await countRendered();
  const settled = Date.now() - started;
  const firstZoom = await zoomOf();
  await screenshot(page, "perf-studio-500-first-view");
  // The first view is legible (zoom 0.7 on the chain's start) and draws few nodes. The
  // gestures are measured zoomed out to the canvas' minimum, as before the first view
  // changed: the most nodes in view, the worst case for a frame.
  const paneBox = await page.locator(".react-flow__pane").boundingBox();
  await page.mouse.move(paneBox.x + paneBox.width / 2, paneBox.y + paneBox.height / 2);
  for (let i = 0; i < 40 && (await zoomOf()) > 0.1001; i++) await page.mouse.wheel(0, 400);
  const rendered = await countRendered();
  await screenshot(page, "perf-studio-500");

  // The node to drag: the one nearest the middle of the pane whose centre is really under
  // the pointer (not hidden by a panel). Not one at the pane's edge: dragging there makes
  // the canvas auto-pan.
  const target = await page.evaluate(() => {
    const pane = document.querySelector(".react-flow__pane").getBoundingClientRect();
    const mid = { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 };
    let best = null;
    for (const el of document.querySelectorAll(".react-flow__node")) {
      const r = el.getBoundingClientRect();
      const x = r.x + r.width / 2;
      const y = r.y + r.height / 2;
      if (r.width === 0 || !el.contains(document.elementFromPoint(x, y))) continue;
      const d = Math.hypot(x - mid.x, y - mid.y);
      if (!best || d < best.d) best = { id: el.dataset.id, x, y, d };
    }
    return best;
  });
  if (!target) throw new Error("no step node is under the pointer: cannot drag");
  const view = await page.evaluate(() => {
    const pane = document.querySelector(".react-flow__pane").getBoundingClientRect();
    const zoom = Number(/scale\(([\d.]+)\)/.exec(document.querySelector(".react-flow__viewport").style.transform)?.[1]);
    return { zoom, width: Math.round(pane.width), height: Math.round(pane.height) };
  });

  // Three gestures of DRAG_MOVES pointer moves each, measured alike:
  // - hover: the pointer crosses the empty canvas with no button down; what the page, the
  //   trace and CDP input cost when the app has nothing to do (the floor of the figures);
  // - drag: the node is dragged down and to the right;
  // - pan: the canvas background is dragged, so nodes leave and enter the view (above 150
  //   steps only the nodes in view are drawn: each pan frame mounts and unmounts some).
  const pane = await page.locator(".react-flow__pane").boundingBox();
  const empty = { x: pane.x + pane.width * 0.5, y: pane.y + pane.height * 0.2 };
  const hover = await measureGesture(page, browser, "hover", async () => {
    await page.mouse.move(empty.x - 200, empty.y);
    await page.mouse.move(empty.x + 200, empty.y + 100, { steps: DRAG_MOVES });
  });
  const before = await node(page, target.id).boundingBox();
  const drag = await measureGesture(page, browser, "drag", async () => {
    await page.mouse.move(target.x, target.y);
    await page.mouse.down();
    await page.mouse.move(target.x + 240, target.y + 120, { steps: DRAG_MOVES });
    await page.mouse.up();
  });
  const after = await node(page, target.id).boundingBox();
  const moved = Math.hypot(after.x - before.x, after.y - before.y);
  // Frame figures of a drag that did not happen would describe an idle page.
  if (moved < 50) throw new Error(`the node ${target.id} moved only ${moved.toFixed(0)} px: the drag did not take`);
  const viewportBefore = await page.locator(".react-flow__viewport").getAttribute("style");
  const pan = await measureGesture(page, browser, "pan", async () => {
    await page.mouse.move(empty.x + 200, empty.y);
    await page.mouse.down();
    await page.mouse.move(empty.x - 200, empty.y + 60, { steps: DRAG_MOVES });
    await page.mouse.up();
  });
  if ((await page.locator(".react-flow__viewport").getAttribute("style")) === viewportBefore) {
    throw new Error("the canvas did not pan");
  }
  await page.close();
  return { firstNode, settled, firstRendered, firstZoom, rendered, dragged: target.id, view, moved, hover, drag, pan };
}

/**
 * Runs one pointer gesture while the page records requestAnimationFrame intervals and a
 * Chromium trace records the renderer main thread (with `--profile`, a V8 CPU profile too,
 * and both are saved to the temp folder for Chrome's performance panel).
 */
async function measureGesture(page, browser, name, gesture) {
  await page.evaluate(() => {
    window.__perfFrames = [];
    // Stops once the script takes the list (sets it to null).
    const tick = (t) => {
      if (window.__perfFrames === null) return;
      window.__perfFrames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cdp = PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
  }
  const categories = ["devtools.timeline", "toplevel", "__metadata"];
  if (PROFILE) categories.push("disabled-by-default-devtools.timeline", "blink", "v8");
  await browser.startTracing(page, { categories });
  await gesture();
  const trace = await browser.stopTracing();
  const cpu = cdp ? (await cdp.send("Profiler.stop")).profile : null;
  await cdp?.detach();
  if (PROFILE) {
    writeFileSync(join(tmpdir(), `agentruntime-${name}-trace.json`), trace);
    writeFileSync(join(tmpdir(), `agentruntime-${name}.cpuprofile`), JSON.stringify(cpu));
  }
  const stamps = await page.evaluate(() => {
    const frames = window.__perfFrames;
    window.__perfFrames = null;
    return frames;
  });
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  const tasks = rendererTasks(trace);
  return {
    intervals: stats(intervals),
    late: intervals.filter((d) => d > FRAME_MS * 1.5).length,
    tasks: stats(tasks.map((t) => t.dur)),
    longTasks: tasks.filter((t) => t.dur > FRAME_MS).length,
    busy: stats(busyPerFrame(tasks)),
    byEvent: PROFILE ? timeByEvent(trace) : [],
    byFunction: cpu ? timeByFunction(cpu) : [],
  };
}

async function runViewFigures(browser, url, scope, workflowId) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${url}/workflow/${workflowId}`);
  await page.getByRole("button", { name: "Run…" }).waitFor();

  // Every stream frame the page receives, stamped on arrival (Playwright sees the socket
  // from outside the page: no hook in the app is needed).
  let frames = [];
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/stream")) return;
    ws.on("framereceived", () => frames.push(Date.now()));
  });
  // What the DOM shows, stamped inside the page: the first node status and "completed".
  await page.evaluate(() => {
    // firstStatus: the first burst step (w…) shown with a status; the gate's is not counted.
    const seen = { firstStatus: null, completed: null, mutations: 0 };
    window.__perfRun = seen;
    new MutationObserver(() => {
      seen.mutations++;
      if (seen.firstStatus === null && document.querySelector('.react-flow__node[data-id^="w"] [data-status]')) seen.firstStatus = Date.now();
      if (seen.completed === null && document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === "completed") {
        seen.completed = Date.now();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.getByRole("region", { name: /^Run [0-9a-f-]+$/ }).waitFor();
  const runId = new URL(page.url()).pathname.split("/").at(-1);
  await node(page, "gate").locator('[data-status="waiting"]').waitFor();
  // The page now holds the stream open: approve from outside, as another user would.
  const burstStart = frames.length;
  await check("approve", await api(url, "POST", `/workflows/${workflowId}/runs/${runId}/tasks/gate/complete`, { ...scope, body: { approved: true } }));
  await page.getByTestId("run-status").filter({ hasText: /^completed$/ }).waitFor({ timeout: 300_000 });
  const seen = await page.evaluate(() => window.__perfRun);
  await page.close();
  frames = frames.slice(burstStart);

  // The server's own record of the run: every event with its commit time.
  const events = [];
  for (let after = 0; ; ) {
    const page = await check("events", await api(url, "GET", `/workflows/${workflowId}/runs/${runId}/events?after_seq=${after}&limit=1000`, scope));
    events.push(...page.events);
    if (!page.has_more) break;
    after = page.next_after_seq;
  }
  const at = (e) => Date.parse(e.at);
  const done = events.find((e) => e.event_type === "run_completed");
  if (!done) throw new Error(`run ${runId} has no run_completed event`);
  // The burst: from the first burst step's event to the end (the wait before is not load).
  const burst = events.slice(events.findIndex((e) => e.step_id?.startsWith("w")));
  const serverSpan = at(burst.at(-1)) - at(burst[0]);
  const frameSpan = frames.length > 1 ? frames.at(-1) - frames[0] : 0;
  return {
    runId,
    events: burst.length,
    serverRate: burst.length / (serverSpan / 1000),
    serverSpan,
    frames: frames.length,
    frameRate: frames.length / (frameSpan / 1000),
    frameSpan,
    lastFrameLag: frames.length ? frames.at(-1) - at(done) : NaN,
    uiSpan: seen.completed - seen.firstStatus,
    uiLag: seen.completed - at(done),
    mutations: seen.mutations,
  };
}

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const url = server.url;
    const owner = await sessionCookie(url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const me = await check("me", await api(url, "GET", "/auth/me", { cookie: owner }));
    const scope = { cookie: owner, tenant: me.workspaces[0].slug, project: me.workspaces[0].projects[0].id };

    const chain = await publishedWorkflow(url, scope, `Chain of ${CHAIN_LENGTH}`, chainGraph(CHAIN_LENGTH));
    const s = await studioFigures(browser, url, chain);
    console.log(`Studio, ${CHAIN_LENGTH}-step chain (headless Chromium):`);
    console.log(`  first node on the canvas ${s.firstNode} ms after navigation; first view at zoom ${s.firstZoom}: ${s.firstRendered} nodes drawn, settled after ${s.settled} ms`);
    console.log(`  gestures zoomed out: canvas ${s.view.width}×${s.view.height} px at zoom ${s.view.zoom}, ${s.rendered} nodes in view`);
    console.log(`  ${DRAG_MOVES} pointer moves per gesture (node ${s.dragged}, nearest the middle, moved ${s.moved.toFixed(0)} px):`);
    for (const [label, g] of [["hover (no button: the floor)", s.hover], ["drag a node", s.drag], ["pan the canvas", s.pan]]) {
      console.log(`  ${label}`);
      console.log(`    rAF frame intervals       ${line(g.intervals)}; ${g.late} over 1.5 frames (floor ${ms(FRAME_MS)})`);
      console.log(`    main-thread busy / frame  ${line(g.busy)}; p95 < 16 ms: ${g.busy.p95 < 16 ? "yes" : "no"}`);
      console.log(`    main-thread tasks         ${line(g.tasks)}; ${g.longTasks} over ${ms(FRAME_MS)}`);
      if (!PROFILE) continue;
      console.log("    main-thread self time by trace event (top 15):");
      for (const [name, t] of g.byEvent.slice(0, 15)) console.log(`      ${ms(t).padStart(10)}  ${name}`);
      console.log("    JS self time by function (top 25; build with --minify false for names):");
      for (const [name, t] of g.byFunction.slice(0, 25)) console.log(`      ${ms(t).padStart(10)}  ${name}`);
    }
    if (STUDIO_ONLY) return;

    const wide = await publishedWorkflow(url, scope, `${WIDE_STEPS} independent steps`, gatedWideGraph(WIDE_STEPS));
    const r = await runViewFigures(browser, url, scope, wide);
    console.log(`Run view, ${WIDE_STEPS} independent steps (run ${r.runId}):`);
    console.log(`  server: ${r.events} burst events in ${r.serverSpan} ms = ${r.serverRate.toFixed(0)} events/s (commit times)`);
    console.log(`  page:   ${r.frames} stream frames in ${r.frameSpan} ms = ${r.frameRate.toFixed(0)} frames/s; last frame ${r.lastFrameLag} ms after run_completed`);
    console.log(`  DOM:    first node status to "completed" ${r.uiSpan} ms (${r.mutations} mutation batches); "completed" shown ${r.uiLag} ms after run_completed (${r.uiLag - r.lastFrameLag} ms after the last frame)`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
