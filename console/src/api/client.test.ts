import { describe, expect, it } from "vitest";
import { Api } from "./endpoints";
import { ApiError } from "./errors";
import type { FetchLike } from "./client";
import { buildUrl } from "./client";

interface Call {
  url: string;
  init: RequestInit;
}

/** A fake fetch that records calls and answers with the given status and body. */
function fakeFetch(status: number, body: unknown, raw?: string): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const text = raw ?? (body === undefined ? "" : JSON.stringify(body));
    return new Response(status === 204 ? null : text, { status });
  };
  return { fetch, calls };
}

const headersOf = (c: Call | undefined) => (c?.init.headers ?? {}) as Record<string, string>;

describe("requests", () => {
  it("sends the tenant and project headers read at request time, and the session cookie", async () => {
    const { fetch, calls } = fakeFetch(200, { workflows: [] });
    let scope = { tenant: "acme", project: "p1" };
    const api = new Api({ fetch, getScope: () => scope });
    await api.listWorkflows();
    scope = { tenant: "other", project: "p2" };
    await api.listWorkflows();
    expect(headersOf(calls[0])).toMatchObject({ "X-Tenant-Id": "acme", "X-Project-Id": "p1" });
    expect(headersOf(calls[1])).toMatchObject({ "X-Tenant-Id": "other", "X-Project-Id": "p2" });
    expect(calls[0]?.init.credentials).toBe("same-origin");
  });

  it("omits scope headers when no workspace is chosen", async () => {
    const { fetch, calls } = fakeFetch(200, { user: {}, workspaces: [] });
    await new Api({ fetch }).me();
    expect(Object.keys(headersOf(calls[0]))).toEqual(["Accept"]);
  });

  it("sends JSON bodies with a content type", async () => {
    const { fetch, calls } = fakeFetch(201, { id: "w1", name: "x", status: "draft" });
    const wf = await new Api({ fetch }).createWorkflow({ name: "x", graph: { steps: [] } });
    expect(wf.status).toBe("draft");
    expect(calls[0]?.init.method).toBe("POST");
    expect(headersOf(calls[0])["Content-Type"]).toBe("application/json");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ name: "x", graph: { steps: [] } });
  });

  const routes: [string, (api: Api) => Promise<unknown>, string, string][] = [
    ["get workflow", (a) => a.getWorkflow("w/1"), "GET", "/v1/workflows/w%2F1"],
    ["patch workflow", (a) => a.patchWorkflow("w1", { graph: { steps: [] } }), "PATCH", "/v1/workflows/w1"],
    ["archive", (a) => a.archiveWorkflow("w1"), "DELETE", "/v1/workflows/w1"],
    ["publish", (a) => a.publish("w1", "first"), "POST", "/v1/workflows/w1/versions"],
    ["versions", (a) => a.listVersions("w1"), "GET", "/v1/workflows/w1/versions"],
    ["validate", (a) => a.validate("w1"), "POST", "/v1/workflows/w1/validate"],
    ["start", (a) => a.startRun("w1", { trigger_payload: {} }), "POST", "/v1/workflows/w1/command"],
    ["stop", (a) => a.stopRun("w1", "r1", "graceful"), "POST", "/v1/workflows/w1/command"],
    ["retry", (a) => a.retryRun("w1", "r1"), "POST", "/v1/workflows/w1/runs/r1/retry"],
    ["tenant runs", (a) => a.listRuns({ status: "running" }), "GET", "/v1/runs?status=running"],
    ["summary", (a) => a.runSummary("w1", "r1"), "GET", "/v1/workflows/w1/runs/r1/summary"],
    ["events", (a) => a.runEvents("w1", "r1", 41, 500), "GET", "/v1/workflows/w1/runs/r1/events?after_seq=41&limit=500"],
    ["context", (a) => a.runContext("w1", "r1"), "GET", "/v1/workflows/w1/runs/r1/context"],
    ["inbox", (a) => a.pendingTasks(), "GET", "/v1/tasks/pending"],
    ["complete task", (a) => a.completeTask("w1", "r1", "approve", { approved: true }), "POST", "/v1/workflows/w1/runs/r1/tasks/approve/complete"],
    ["PATs", (a) => a.listPats(), "GET", "/v1/pats"],
    ["create PAT", (a) => a.createPat({ name: "ci", scopes: ["workflow:read"] }), "POST", "/v1/pats"],
    ["revoke PAT", (a) => a.revokePat("pat1"), "DELETE", "/v1/pats/pat1"],
    ["login", (a) => a.login({ email: "a@b.c", password: "pw" }), "POST", "/v1/auth/login"],
  ];
  it.each(routes)("maps %s to its endpoint", async (_name, call, method, url) => {
    const { fetch, calls } = fakeFetch(200, {});
    await call(new Api({ fetch }));
    expect(calls[0]?.init.method).toBe(method);
    expect(calls[0]?.url).toBe(url);
  });

  it("sends the stop mode and run id in the command body", async () => {
    const { fetch, calls } = fakeFetch(200, {});
    await new Api({ fetch }).stopRun("w1", "r1", "graceful");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ command: "stop", params: { run_id: "r1", mode: "graceful" } });
  });

  it("unwraps list objects and tolerates a missing list", async () => {
    expect(await new Api({ fetch: fakeFetch(200, { tasks: [{ task_id: "t" }] }).fetch }).pendingTasks()).toHaveLength(1);
    expect(await new Api({ fetch: fakeFetch(200, {}).fetch }).pendingTasks()).toEqual([]);
  });

  it("returns undefined for an empty 204 answer", async () => {
    expect(await new Api({ fetch: fakeFetch(204, undefined).fetch }).revokePat("p")).toBeUndefined();
  });

  it("skips unset query values", () => {
    expect(buildUrl("", "/runs", { status: undefined, workflow: "w", since: "" })).toBe("/v1/runs?workflow=w");
  });
});

describe("errors", () => {
  const cases: [number, string, ApiError["kind"]][] = [
    [401, "unauthenticated", "unauthenticated"],
    [403, "role", "forbidden"],
    [404, "gone", "not_found"],
    [409, "task already completed", "conflict"],
    [422, "input.topic is required", "invalid"],
    [429, "slow down", "rate_limited"],
    [500, "boom", "server"],
    [400, "bad", "other"],
  ];
  it.each(cases)("surfaces the server's message for HTTP %i", async (status, message, kind) => {
    const api = new Api({ fetch: fakeFetch(status, { error: message, issues: [] }).fetch });
    const err = await api.getWorkflow("w").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status, kind, message, body: { error: message, issues: [] } });
  });

  it("explains an error without a message in actionable words", async () => {
    const err = await new Api({ fetch: fakeFetch(403, undefined, "").fetch }).getWorkflow("w").catch((e: unknown) => e);
    expect((err as ApiError).message).toMatch(/permission/);
    expect((err as ApiError).message).toMatch(/403/);
  });

  it("reports an unreachable server as a network error", async () => {
    const api = new Api({ fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "network", status: 0 });
    expect((err as ApiError).message).toMatch(/Cannot reach the server/);
  });

  it("reports a successful answer that is not JSON", async () => {
    const err = await new Api({ fetch: fakeFetch(200, undefined, "<html>").fetch }).me().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "bad_response" });
  });

  it("keeps a non-JSON error body as text", async () => {
    const err = await new Api({ fetch: fakeFetch(502, undefined, "Bad Gateway").fetch }).me().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "server", body: "Bad Gateway" });
  });
});
