/**
 * Browser-test harness: starts the real `agentruntime serve` binary on a free port with a
 * fresh data directory, drives Debian's Chromium through playwright-core, and checks every
 * page for console errors, failed requests and serious accessibility violations.
 *
 * The binary comes from `cargo build --workspace --bin agentruntime` (scripts/test builds it first); set
 * AGENTRUNTIME_BIN to use another one, CHROMIUM to use another browser, E2E_CONSOLE_DIST to
 * load the console from another build than the one the binary serves.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
export const SCREENSHOTS = join(here, "screenshots");

export const ADMIN_EMAIL = "owner@example.com";
export const ADMIN_PASSWORD = "correct horse battery staple";

function binaryPath() {
  if (process.env.AGENTRUNTIME_BIN) return process.env.AGENTRUNTIME_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
  return join(target, "debug", "agentruntime");
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(url, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`agentruntime serve exited (${child.exitCode}):\n${log.join("")}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`agentruntime serve did not become ready:\n${log.join("")}`);
}

/**
 * Starts `agentruntime serve` with a first-start owner account; `stop()` ends it. `env`
 * adds variables (e.g. `AR_MCP_ALLOWED_HOSTS` for a local MCP server).
 */
export async function startServer({ env: extraEnv = {} } = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it with \`cargo build --workspace --bin agentruntime\` (or set AGENTRUNTIME_BIN)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "ar-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    env: { ...process.env, AR_ADMIN_EMAIL: ADMIN_EMAIL, AR_ADMIN_PASSWORD: ADMIN_PASSWORD, AR_SIGNUP: "open", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  await waitReady(url, child, log);
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: a fresh server and browser before its tests, both stopped after them.
 * The returned object's `server` and `browser` are set once `before` has run.
 */
export function serverAndBrowser(options = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Launches the system Chromium (never a downloaded browser). With E2E_CONSOLE_DIST set, its
 * pages load the console from that build instead (see {@link serveConsoleFrom}).
 */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: install Debian's chromium package (scripts/test does)`);
  }
  const dist = process.env.E2E_CONSOLE_DIST;
  // A page the test answers itself has no address of its own, so Chromium's local network
  // access checks would block its WebSocket to the server on 127.0.0.1: turned off for that.
  const args = dist ? ["--no-sandbox", "--disable-features=LocalNetworkAccessChecks"] : ["--no-sandbox"];
  const browser = await chromium.launch({ executablePath, headless: true, args });
  if (dist) {
    // `newPage` opens its page in a context made by `newContext`, so this covers both.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      await serveConsoleFrom(context, resolve(dist));
      return context;
    };
  }
  return browser;
}

/**
 * Answers the console's own requests (everything but `/v1` and the probes) from the build in
 * `dist`, the way the server does (crates/server/src/console.rs: a file if it exists, 404 for
 * a missing hashed asset, else index.html). For testing a console change against a server
 * binary built from another checkout: a debug binary serves the `console/dist` of the
 * checkout it was built in. The API calls still go to the real server.
 */
async function serveConsoleFrom(context, dist) {
  const isConsole = (url) => url.hostname === "127.0.0.1" && !/^\/(v1(\/|$)|readyz$|healthz$)/.test(url.pathname);
  await context.route(isConsole, async (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname).replace(/^\/+/, "");
    const file = join(dist, path);
    if (path !== "" && !path.split("/").includes("..") && existsSync(file) && statSync(file).isFile()) {
      return route.fulfill({ path: file });
    }
    if (path.startsWith("assets/")) return route.fulfill({ status: 404, body: "no such console asset" });
    return route.fulfill({ path: join(dist, "index.html") });
  });
}

/**
 * Records what went wrong on a page: console errors, uncaught exceptions, requests that
 * failed or answered 4xx/5xx. A test declares the failures it provokes on purpose with
 * `expect(method, pathRegex, status)`; `assertClean()` fails on anything else.
 */
export function watchPage(page) {
  const problems = [];
  const expected = [];
  const isExpected = (method, url, status) => {
    const path = new URL(url).pathname;
    return expected.some((e) => e.method === method && e.path.test(path) && e.status === status);
  };
  // The browser also logs every 4xx/5xx response as a console error; those are judged by
  // the response rule below, so the console rule skips them.
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (/Failed to load resource: the server responded with a status of/.test(msg.text())) return;
    problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    // Navigating away aborts in-flight requests and the stream socket: not a failure.
    if (req.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on("response", (res) => {
    const status = res.status();
    if (status < 400) return;
    const method = res.request().method();
    if (!isExpected(method, res.url(), status)) problems.push(`HTTP ${status}: ${method} ${res.url()}`);
  });
  return {
    expect(method, path, status) {
      expected.push({ method, path, status });
    },
    assertClean() {
      if (problems.length > 0) throw new Error(`problems on the page:\n  ${problems.join("\n  ")}`);
    },
  };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve("axe-core/axe.min.js");

/** Runs axe-core on the page; fails on any serious or critical violation. */
export async function auditAccessibility(page, screen) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(", ")}`);
    throw new Error(`accessibility violations on ${screen}:\n  ${lines.join("\n  ")}`);
  }
}

/** Saves a full-page screenshot as e2e/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Saves a review artefact: what is in the window (not the whole page, to keep the file
 * small), as e2e/screenshots/<name>.png and, when E2E_ARTIFACTS_DIR is set, there too
 * (docs/screenshots/ holds the committed ones).
 */
export async function artifact(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const png = await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: "disabled", caret: "hide" });
  const dir = process.env.E2E_ARTIFACTS_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.png`), png);
  }
}

/** Signs in through the sign-in form. */
export async function signIn(page, url, email, password) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

/**
 * Presses Tab until `target` (a locator) has focus, at most `limit` times, proving it is
 * reachable from the keyboard.
 */
export async function tabTo(page, target, limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`${target} was not reached with ${limit} presses of Tab`);
}

/** An API call as a script would make it (bearer token or session cookie). */
export async function api(url, method, path, { token, cookie, tenant, project, body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (cookie) {
    headers.Cookie = cookie;
    headers.Origin = url;
  }
  if (tenant) headers["X-Tenant-Id"] = tenant;
  if (project) headers["X-Project-Id"] = project;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(`${url}/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: r.status, body: json };
}

/**
 * Signs in (or, with `signup`, creates the account) through the API, as a script would, and
 * returns the session cookie (`name=value`) to pass to `api()`.
 */
export async function sessionCookie(url, email, password, { signup } = {}) {
  const path = signup ? "/auth/signup" : "/auth/login";
  const body = signup ? { email, password, ...signup } : { email, password };
  const r = await fetch(`${url}/v1${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: url },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path} answered ${r.status}: ${await r.text()}`);
  const cookies = r.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (cookies.length === 0) throw new Error(`${path} set no cookie`);
  return cookies.join("; ");
}

/**
 * server-everything (the npm MCP fixture, `scripts/mcp-fixtures.sh`) over Streamable HTTP on
 * a free port for the calling test file: registers `before`/`after` hooks that start and
 * stop it. The returned object's `url` is set once it listens.
 */
export function everythingServer() {
  const fixtures = process.env.AR_MCP_FIXTURES_DIR ?? "/var/tmp/agentruntime-fixtures";
  const entry = join(fixtures, "npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
  const mcp = { url: null, child: null };
  before(async () => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run eval "$(bash scripts/mcp-fixtures.sh)" first`);
    const port = await freePort();
    mcp.child = spawn(process.execPath, [entry, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
    mcp.url = `http://127.0.0.1:${port}/mcp`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await fetch(mcp.url, { method: "GET" });
        break; // any HTTP answer means it listens
      } catch {
        if (Date.now() > deadline || mcp.child.exitCode !== null) throw new Error("server-everything did not start");
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  after(() => mcp.child?.kill("SIGTERM"));
  return mcp;
}
