// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt, type Recorded } from "../test/harness";
import AnalyticsPage from "./AnalyticsPage";

/** What each chart handed to uPlot (the library needs a real canvas, which jsdom lacks). */
const plots = vi.hoisted(
  () => [] as { series: string[]; data: number[][]; destroyed: boolean; hover: (idx: number | null) => void }[],
);
vi.mock("uplot", () => ({
  default: class FakePlot {
    static tzDate = (d: Date) => d;
    private readonly index: number;
    constructor(
      opts: { series: { label?: string }[]; hooks: { setCursor: ((u: unknown) => void)[] } },
      data: number[][],
    ) {
      // `hover` moves the pointer over a bucket, as uPlot's cursor hook reports it.
      const hover = (idx: number | null) => opts.hooks.setCursor.forEach((h) => h({ cursor: { idx } }));
      this.index = plots.push({ series: opts.series.slice(1).map((s) => s.label ?? ""), data, destroyed: false, hover }) - 1;
    }
    setSize() {}
    destroy() {
      plots[this.index]!.destroyed = true;
    }
  },
}));

beforeEach(() => {
  plots.length = 0;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const PERIOD = { window: "month", from: "2026-11-07T12:00:00.000Z", to: "2026-12-07T12:00:00.000Z" };
const DAYS = ["2026-12-05T00:00:00.000Z", "2026-12-06T00:00:00.000Z", "2026-12-07T00:00:00.000Z"];

/** A project with six runs in the period: five completed, one failed. */
function busyProject(overrides: Record<string, unknown> = {}) {
  return {
    "GET /v1/auth/me": { body: meWithRole("project_contributor") },
    "GET /v1/analytics/live-runs": { body: { ...PERIOD, count: 2 } },
    "GET /v1/analytics/runs-count": { body: { ...PERIOD, count: 1234 } },
    "GET /v1/analytics/success-rate": {
      body: { ...PERIOD, rate: 5 / 6, completed: 5, failed: 1, stopped: 0, terminal: 6 },
    },
    "GET /v1/analytics/execution-duration": { body: { ...PERIOD, total_ms: 200_000, runs: 6 } },
    "GET /v1/analytics/steps-executed": { body: { ...PERIOD, quantity: 18 } },
    "GET /v1/analytics/credits-consumed": { body: { ...PERIOD, microcredits: 0 } },
    "GET /v1/analytics/steps-summary": {
      body: {
        ...PERIOD,
        by_type: [
          { type: "lua_script", completed: 12, p50_ms: 4, p95_ms: 1_500 },
          { type: "llm_call", completed: 5, p50_ms: 2_300, p95_ms: 4_100 },
        ],
        llm_tokens: { in: 1_000, out: 250 },
      },
    },
    "GET /v1/analytics/runs-timeseries": (req: Recorded) => ({
      body: {
        ...PERIOD,
        granularity: new URL(req.path, "http://x").searchParams.get("granularity"),
        points: DAYS.map((t, i) => ({ t, started: i + 1, completed: i, failed: i === 2 ? 1 : 0, stopped: 0 })),
      },
    }),
    "GET /v1/analytics/usage-timeseries": (req: Recorded) => ({
      body: {
        ...PERIOD,
        granularity: new URL(req.path, "http://x").searchParams.get("granularity"),
        points: DAYS.map((t, i) => ({
          t,
          steps_executed: 6 * i,
          llm_tokens_in: 500 * i,
          llm_tokens_out: 125 * i,
          mcp_calls: i,
          microcredits: 0,
        })),
      },
    }),
    ...overrides,
  };
}

/** The value shown on the key-figure card named `label`. */
function kpi(label: string): { value: string; detail: string } {
  const card = screen.getByText(label, { selector: "dt" }).parentElement as HTMLElement;
  return {
    value: card.querySelector(".kpi-value")?.textContent ?? "",
    detail: card.querySelector(".kpi-detail")?.textContent ?? "",
  };
}

describe("Analytics page", () => {
  it("shows the key figures, both charts with their data tables, and steps by type", async () => {
    const { calls } = fakeServer(busyProject());
    renderAt(<AnalyticsPage />, "/analytics");
    await screen.findByText("Live runs");
    expect(kpi("Live runs").value).toBe("2");
    expect(kpi("Runs").value).toBe("1,234");
    expect(kpi("Success rate")).toEqual({ value: "83.3%", detail: "5 of 6 finished runs completed · 1 failed · 0 stopped" });
    expect(kpi("Total execution time")).toEqual({ value: "3 min 20 s", detail: "over 6 finished runs" });
    expect(kpi("Steps executed").value).toBe("18");
    expect(kpi("Credits consumed").value).toBe("0");
    expect(kpi("LLM tokens")).toEqual({ value: "1,250", detail: "1,000 in · 250 out" });
    expect(screen.getByRole("status").textContent).toBe("From 2026-11-07 12:00 UTC to 2026-12-07 12:00 UTC.");

    // Both charts were drawn from the series, one x per bucket (seconds), one line per series.
    const runs = await screen.findByRole("figure", { name: "Runs over time" });
    expect(plots.map((p) => p.series)).toEqual([
      ["Started", "Completed", "Failed", "Stopped"],
      ["Steps executed", "MCP calls", "LLM tokens"],
    ]);
    expect(plots[0]!.data[0]).toEqual(DAYS.map((t) => Date.parse(t) / 1000));
    expect(plots[0]!.data[1]).toEqual([1, 2, 3]);
    expect(plots[1]!.data[3]).toEqual([0, 625, 1250]);
    // The text alternative: a legend with totals and a table row per day.
    expect(within(runs).getByRole("list").textContent).toContain("Started: 6");
    expect(within(runs).getByRole("img").getAttribute("aria-label")).toMatch(/one point per day/);
    const rows = within(runs).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual([
      "Day (UTC)StartedCompletedFailedStopped",
      "2026-12-051000",
      "2026-12-062100",
      "2026-12-073210",
    ]);
    // Pointing at a bucket reads it out under the chart.
    act(() => plots[0]!.hover(1));
    expect(runs.querySelector(".chart-readout")?.textContent).toBe("2026-12-06: Started 2 · Completed 1 · Failed 0 · Stopped 0");
    const usage = screen.getByRole("figure", { name: "Usage over time" });
    expect(within(usage).getByRole("list").textContent).toContain("LLM tokens: 1,875");

    const steps = screen.getByRole("table", { name: "Steps by type" });
    expect(within(steps).getAllByRole("row").map((r) => r.textContent)).toEqual([
      "Step typeCompletedMedian duration (p50)95th percentile (p95)",
      "lua_script124 ms1.5 s",
      "llm_call52.3 s4.1 s",
    ]);
    // The default period; granularity only on the two time series (elsewhere it is a 400).
    // (The harness renders the page before the session has resolved the project, as the app
    // never does: the requests sent before that are superseded, so only the scoped ones count.)
    const analytics = calls.filter((c) => c.path.startsWith("/v1/analytics/") && c.headers["X-Project-Id"] === "p1");
    expect(analytics.map((c) => c.path).sort()).toEqual([
      "/v1/analytics/credits-consumed?window=month",
      "/v1/analytics/execution-duration?window=month",
      "/v1/analytics/live-runs",
      "/v1/analytics/runs-count?window=month",
      "/v1/analytics/runs-timeseries?window=month&granularity=day",
      "/v1/analytics/steps-executed?window=month",
      "/v1/analytics/steps-summary?window=month",
      "/v1/analytics/success-rate?window=month",
      "/v1/analytics/usage-timeseries?window=month&granularity=day",
    ]);
    expect(analytics.every((c) => c.headers["X-Tenant-Id"] === "acme")).toBe(true);
  });

  it("says there are not enough runs when the server gives no success rate", async () => {
    fakeServer(
      busyProject({
        "GET /v1/analytics/success-rate": {
          body: { ...PERIOD, rate: null, completed: 1, failed: 1, stopped: 0, terminal: 2 },
        },
      }),
    );
    renderAt(<AnalyticsPage />, "/analytics");
    await screen.findByText("Success rate");
    expect(kpi("Success rate")).toEqual({
      value: "Not enough runs",
      detail: "needs 3 finished runs; 2 finished in this period",
    });
  });

  it("tells a viewer the page needs contributor access", async () => {
    const refused = { status: 403, body: { error: "forbidden: analytics.read needs project_contributor" } };
    const routes: Record<string, unknown> = { "GET /v1/auth/me": { body: meWithRole("project_viewer") } };
    const names = ["live-runs", "runs-count", "success-rate", "execution-duration", "steps-executed"];
    names.push("credits-consumed", "steps-summary", "runs-timeseries", "usage-timeseries");
    for (const name of names) {
      routes[`GET /v1/analytics/${name}`] = refused;
    }
    fakeServer(routes as Parameters<typeof fakeServer>[0]);
    renderAt(<AnalyticsPage />, "/analytics");
    const message = await screen.findByText(/Analytics needs/);
    expect(message.textContent).toBe(
      "Analytics needs contributor access to this project (your role here: Viewer). Ask a project admin to make you a contributor.",
    );
    expect(screen.queryByText("Live runs")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(plots).toHaveLength(0);
  });

  it("refetches for another period, and only the series for another granularity", async () => {
    const { calls } = fakeServer(busyProject());
    renderAt(<AnalyticsPage />, "/analytics");
    await screen.findByRole("figure", { name: "Runs over time" });

    const before = calls.length;
    fireEvent.change(screen.getByLabelText("Period"), { target: { value: "week" } });
    await waitFor(() => expect(calls.filter((c) => c.path.includes("window=week"))).toHaveLength(8));
    const weekly = calls.slice(before).map((c) => c.path);
    expect(weekly).toContain("/v1/analytics/runs-count?window=week");
    expect(weekly).toContain("/v1/analytics/runs-timeseries?window=week&granularity=day");
    expect(weekly).toContain("/v1/analytics/live-runs");

    const beforeHourly = calls.length;
    fireEvent.change(screen.getByLabelText("Granularity"), { target: { value: "hour" } });
    await waitFor(() => expect(screen.getAllByText("Hour (UTC)")).toHaveLength(2));
    expect(calls.slice(beforeHourly).map((c) => c.path).sort()).toEqual([
      "/v1/analytics/runs-timeseries?window=week&granularity=hour",
      "/v1/analytics/usage-timeseries?window=week&granularity=hour",
    ]);
    // The charts of the older answers were taken down, not left drawing under the new ones.
    expect(plots.filter((p) => !p.destroyed)).toHaveLength(2);
  });

  it("reads the period from the URL and ignores unknown values", async () => {
    const { calls } = fakeServer(busyProject());
    renderAt(<AnalyticsPage />, "/analytics?window=all&granularity=fortnight", "/analytics");
    await screen.findByRole("figure", { name: "Runs over time" });
    expect(calls.some((c) => c.path === "/v1/analytics/runs-timeseries?window=all&granularity=day")).toBe(true);
    expect((screen.getByLabelText("Period") as HTMLSelectElement).value).toBe("all");
  });

  it("says when nothing ran in the period, without empty charts", async () => {
    fakeServer(
      busyProject({
        "GET /v1/analytics/runs-count": { body: { ...PERIOD, count: 0 } },
        "GET /v1/analytics/success-rate": { body: { ...PERIOD, rate: null, completed: 0, failed: 0, stopped: 0, terminal: 0 } },
        "GET /v1/analytics/steps-executed": { body: { ...PERIOD, quantity: 0 } },
      }),
    );
    renderAt(<AnalyticsPage />, "/analytics");
    await screen.findByText(/No runs in this period/);
    expect(kpi("Live runs").value).toBe("2");
    expect(screen.queryByRole("figure")).toBeNull();
    expect(screen.queryByText("Steps by type")).toBeNull();
  });

  it("shows a refused series with the server's reason and keeps the key figures", async () => {
    fakeServer(
      busyProject({
        "GET /v1/analytics/runs-timeseries": {
          status: 400,
          body: { error: "granularity: 2,160 points is more than 2,000: choose a shorter period or a coarser granularity" },
        },
      }),
    );
    renderAt(<AnalyticsPage />, "/analytics");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/choose a shorter period or a coarser granularity/);
    expect(kpi("Runs").value).toBe("1,234");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("shows a load error with a way to try again", async () => {
    let fail = true;
    fakeServer(
      busyProject({
        "GET /v1/analytics/live-runs": () => (fail ? { status: 500, body: { error: "database is unavailable" } } : { body: { ...PERIOD, count: 7 } }),
      }),
    );
    renderAt(<AnalyticsPage />, "/analytics");
    expect((await screen.findByRole("alert")).textContent).toBe("database is unavailable");
    fail = false;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByText("Live runs");
    expect(kpi("Live runs").value).toBe("7");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
