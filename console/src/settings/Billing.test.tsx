// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BillingSummary, LedgerEntry, Me } from "../api/types";
import { fakeServer, meWithRole, renderAt } from "../test/harness";
import { SettingsPage } from "./SettingsPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function meAs(workspaceRole: string, projectRole = "project_contributor"): Me {
  const me = meWithRole(projectRole);
  return { ...me, workspaces: me.workspaces.map((w) => ({ ...w, role: workspaceRole })) };
}

const render = () => renderAt(<SettingsPage />, "/settings/billing", "/settings/*");

const PLANS = {
  product_code: "agentruntime",
  plans: [
    { plan_code: "pro", name: "Pro", interval: "month", price_cents: 2900, currency: "usd", included_microcredits: 5_000_000, trial_days: 14, trial_microcredits: 12_000_000, max_members: 10, overdraft: false },
    { plan_code: "team", name: "Team", interval: "month", price_cents: 9900, currency: "usd", included_microcredits: 50_000_000, trial_days: null, trial_microcredits: null, max_members: null, overdraft: false },
  ],
};

function summary(over: Partial<BillingSummary> = {}): BillingSummary {
  const sub = { plan_code: null, status: "none" as const, trial_ends_at: null, current_period_end: null, cancel_at_period_end: false, pending_plan_code: null };
  return {
    plan_code: null,
    status: "none",
    subscription: sub,
    balances: { trial_remaining: 0, included_remaining: 0, payg_remaining: 2_500_000, total_remaining_microcredits: 2_500_000 },
    period: { from: "2026-11-07T00:00:00Z", to: "2026-12-07T00:00:00Z" },
    usage: [{ action: "mcp.call", quantity: 3, microcredits: -300_000 }],
    billing_enabled: true,
    ...over,
  };
}

const STRIPE_OFF = {
  enabled: false, provider: "manual", publishable_key: null, currency: "usd", microcredits_per_cent: 10_000, min_topup_cents: 500, max_topup_cents: 100_000,
};

const entry = (id: string, microcredits: number, action = "mcp.call"): LedgerEntry => ({
  id, at: "2026-12-07T10:00:00Z", action, quantity: 1, microcredits, bucket: "payg", run_id: `run-${id}`, step_id: "s1", attempt: 1, note: null,
});

/** The reads every render makes; `extra` adds or replaces routes. */
function server(role: string, extra: Parameters<typeof fakeServer>[0] = {}) {
  return fakeServer({
    "GET /v1/auth/me": { body: meAs(role) },
    "GET /v1/billing/summary": { body: summary() },
    "GET /v1/billing/plans": { body: PLANS },
    "GET /v1/billing/usage-history": { body: { entries: [], next_cursor: null } },
    "GET /v1/billing/payment-history": { body: { payments: [], next_cursor: null } },
    "GET /v1/config/stripe": { body: STRIPE_OFF },
    ...extra,
  });
}

describe("Settings → Billing", () => {
  it("shows the balances per bucket in credits and this period's usage by action", async () => {
    server("member", {
      "GET /v1/billing/summary": {
        body: summary({
          balances: { trial_remaining: 12_000_000, included_remaining: 0, payg_remaining: 1_500_000, total_remaining_microcredits: 13_500_000 },
          plan_code: "pro",
          status: "trialing",
          subscription: { plan_code: "pro", status: "trialing", trial_ends_at: "2026-12-21T00:00:00Z", current_period_end: null, cancel_at_period_end: false, pending_plan_code: null },
        }),
      },
    });
    render();
    const list = await screen.findByLabelText("Balances (credits)");
    const card = (label: string) => within(list).getByText(label).closest(".kpi") as HTMLElement;
    expect(card("Total").querySelector(".kpi-value")?.textContent).toBe("13.5");
    expect(card("Trial").querySelector(".kpi-value")?.textContent).toBe("12");
    expect(card("Included").querySelector(".kpi-value")?.textContent).toBe("0");
    expect(card("Pay as you go").querySelector(".kpi-value")?.textContent).toBe("1.5");
    const plan = screen.getByLabelText("Plan", { selector: "dl" });
    expect(plan.textContent).toContain("Pro");
    expect(plan.textContent).toContain("Trial");
    const usage = screen.getByRole("table", { name: "Spending by action in this period" });
    expect(within(usage).getByRole("cell", { name: "mcp.call" })).toBeTruthy();
    expect(within(usage).getByRole("cell", { name: "0.3" })).toBeTruthy();
    expect(screen.queryByText(/Billing is off/)).toBeNull();
  });

  it("says plainly when billing is off on the server", async () => {
    server("member", { "GET /v1/billing/summary": { body: summary({ billing_enabled: false }) } });
    render();
    expect((await screen.findByText(/Billing is off on this server/)).textContent).toContain("nothing is charged");
  });

  it("tells a viewer the role does not allow reading billing (403)", async () => {
    server("member", {
      "GET /v1/billing/summary": { status: 403, body: { error: "forbidden" } },
      "GET /v1/billing/plans": { status: 403, body: { error: "forbidden" } },
    });
    render();
    expect((await screen.findByRole("alert")).textContent).toMatch(/does not allow reading billing/);
    expect(screen.queryByLabelText("Balances (credits)")).toBeNull();
  });

  it("shows the server's error when billing cannot be read", async () => {
    server("member", { "GET /v1/billing/summary": { status: 500, body: { error: "the store is unavailable" } } });
    render();
    expect((await screen.findByRole("alert")).textContent).toBe("the store is unavailable");
  });

  it("hides subscription, code and grant controls from a member", async () => {
    server("member");
    render();
    await screen.findByLabelText("Balances (credits)");
    expect(screen.queryByRole("form", { name: "Subscription" })).toBeNull();
    expect(screen.queryByRole("form", { name: "Grant credits" })).toBeNull();
    expect(screen.queryByRole("form", { name: "Apply a code" })).toBeNull();
    // A contributor may top up; on a manual server the page says who grants credits.
    await screen.findByText(/an operator grants pay-as-you-go credits/);
  });

  it("lets a workspace admin apply a code, then reloads the balances", async () => {
    let payg = 0;
    server("admin", {
      "GET /v1/billing/summary": () => ({
        body: summary({ balances: { trial_remaining: 0, included_remaining: 0, payg_remaining: payg, total_remaining_microcredits: payg } }),
      }),
      "POST /v1/billing/codes/apply": () => {
        payg = 25_000_000;
        const balances = { trial_remaining: 0, included_remaining: 0, payg_remaining: payg, total_remaining_microcredits: payg };
        return { body: { applied: true, code: "WELCOME25", kind: "credits", microcredits: payg, percent_off: null, applies_to: "payg_balance", balances } };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Apply a code" });
    fireEvent.change(within(form).getByLabelText("Code"), { target: { value: "welcome25" } });
    fireEvent.click(within(form).getByRole("button", { name: "Apply" }));
    await within(form).findByText("Applied WELCOME25: 25 credits added to pay as you go.");
    const total = () => within(screen.getByLabelText("Balances (credits)")).getByText("Total").closest(".kpi")?.querySelector(".kpi-value")?.textContent;
    await waitFor(() => expect(total()).toBe("25"));
  });

  it("lets a workspace admin start a trial and subscribe, but not grant credits", async () => {
    let current = summary();
    const { calls } = server("admin", {
      "GET /v1/billing/summary": () => ({ body: current }),
      "POST /v1/billing/trial": (req) => {
        const sub = { ...current.subscription, plan_code: (req.body as { plan_code: string }).plan_code, status: "trialing" as const };
        current = summary({ plan_code: sub.plan_code, status: "trialing", subscription: sub });
        return { body: sub };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Subscription" });
    expect(screen.queryByRole("form", { name: "Grant credits" })).toBeNull();
    expect(within(form).getByRole("button", { name: "Subscribe" })).toBeTruthy();
    fireEvent.click(within(form).getByRole("button", { name: "Start trial" }));
    await within(form).findByText("Trial started.");
    expect(calls.find((c) => c.method === "POST")).toMatchObject({ path: "/v1/billing/trial", body: { plan_code: "pro" } });
    // Once trialing, the trial can be cancelled and no second trial is offered.
    await within(form).findByRole("button", { name: "Cancel trial" });
    expect(within(form).queryByRole("button", { name: "Start trial" })).toBeNull();
  });

  it("lets an admin of an active plan change plan and cancel at the period's end", async () => {
    const sub = { plan_code: "pro", status: "active" as const, trial_ends_at: null, current_period_end: "2027-01-01T00:00:00Z", cancel_at_period_end: false, pending_plan_code: null };
    const { calls } = server("admin", {
      "GET /v1/billing/summary": { body: summary({ plan_code: "pro", status: "active", subscription: sub }) },
      "POST /v1/billing/subscription/change-plan": { body: { ...sub, applies: "now" } },
      "POST /v1/billing/subscription/cancel": { body: { ...sub, cancel_at_period_end: true } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Subscription" });
    expect(within(form).queryByRole("button", { name: "Subscribe" })).toBeNull();
    fireEvent.change(within(form).getByLabelText("Plan"), { target: { value: "team" } });
    fireEvent.click(within(form).getByRole("button", { name: "Change plan" }));
    await within(form).findByText("Plan changed.");
    fireEvent.click(within(form).getByRole("button", { name: "Cancel at period end" }));
    await within(form).findByText("Cancelled at the end of the period.");
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts.map((c) => [c.path, c.body])).toEqual([
      ["/v1/billing/subscription/change-plan", { plan_code: "team" }],
      ["/v1/billing/subscription/cancel", { at_period_end: true }],
    ]);
  });

  it("says when a cheaper plan applies only at the period's end, and shows the pending plan", async () => {
    const sub = { plan_code: "team", status: "active" as const, trial_ends_at: null, current_period_end: "2027-01-01T00:00:00Z", cancel_at_period_end: false, pending_plan_code: null };
    let current = summary({ plan_code: "team", status: "active", subscription: sub });
    server("admin", {
      "GET /v1/billing/summary": () => ({ body: current }),
      "POST /v1/billing/subscription/change-plan": () => {
        current = summary({ plan_code: "team", status: "active", subscription: { ...sub, pending_plan_code: "pro" } });
        return { body: { ...sub, pending_plan_code: "pro", applies: "period_end" } };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Subscription" });
    fireEvent.change(within(form).getByLabelText("Plan"), { target: { value: "pro" } });
    fireEvent.click(within(form).getByRole("button", { name: "Change plan" }));
    await within(form).findByText("The new plan applies at the end of the period.");
    await waitFor(() => expect(screen.getByLabelText("Plan", { selector: "dl" }).textContent).toContain("Pro (from the next period)"));
  });

  it("shows a refused action's message next to the subscription controls", async () => {
    server("admin", { "POST /v1/billing/subscription": { status: 409, body: { error: "the workspace already has an active subscription" } } });
    render();
    const form = await screen.findByRole("form", { name: "Subscription" });
    fireEvent.click(within(form).getByRole("button", { name: "Subscribe" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("the workspace already has an active subscription");
  });

  it("lets the owner grant credits, then refreshes the balances and the payment history", async () => {
    let payg = 0;
    let payments: LedgerEntry[] = [];
    const { calls } = server("owner", {
      "GET /v1/billing/summary": () => ({
        body: summary({ balances: { trial_remaining: 0, included_remaining: 0, payg_remaining: payg, total_remaining_microcredits: payg } }),
      }),
      "GET /v1/billing/payment-history": () => ({ body: { payments, next_cursor: null } }),
      "POST /v1/billing/credits/grant": (req) => {
        const { microcredits, note } = req.body as { microcredits: number; note?: string };
        payg += microcredits;
        const row = { ...entry("g1", microcredits, "credits.grant"), run_id: null, quantity: 0, note: note ?? null };
        payments = [row];
        return { status: 201, body: { entry: row, balances: {} } };
      },
    });
    render();
    const form = await screen.findByRole("form", { name: "Grant credits" });
    fireEvent.change(within(form).getByLabelText("Credits to grant"), { target: { value: "2.5" } });
    fireEvent.change(within(form).getByLabelText("Note (optional)"), { target: { value: "invoice 42" } });
    fireEvent.click(within(form).getByRole("button", { name: "Grant credits" }));
    await within(form).findByText("Granted 2.5 credits.");
    expect(calls.find((c) => c.method === "POST")).toMatchObject({
      path: "/v1/billing/credits/grant",
      body: { microcredits: 2_500_000, note: "invoice 42" },
    });
    const total = () => within(screen.getByLabelText("Balances (credits)")).getByText("Total").closest(".kpi")?.querySelector(".kpi-value")?.textContent;
    await waitFor(() => expect(total()).toBe("2.5"));
    const history = await screen.findByRole("table", { name: "Credits granted or paid for, newest first" });
    expect(within(history).getByRole("cell", { name: "+2.5" })).toBeTruthy();
    expect(within(history).getByRole("cell", { name: "invoice 42" })).toBeTruthy();
  });

  it("shows the owner's refused grant next to the form", async () => {
    server("owner", { "POST /v1/billing/credits/grant": { status: 400, body: { error: "`microcredits` must be between 1 and 1000000000000000" } } });
    render();
    const form = await screen.findByRole("form", { name: "Grant credits" });
    fireEvent.change(within(form).getByLabelText("Credits to grant"), { target: { value: "1" } });
    fireEvent.click(within(form).getByRole("button", { name: "Grant credits" }));
    expect((await within(form).findByRole("alert")).textContent).toMatch(/must be between/);
  });

  it("pages the usage history with Load more, passing the cursor", async () => {
    const { calls } = server("member", {
      "GET /v1/billing/usage-history": (req) =>
        req.path.includes("cursor=c2")
          ? { body: { entries: [entry("e3", -100_000)], next_cursor: null } }
          : { body: { entries: [entry("e1", -100_000), entry("e2", -1_000_000, "workflow.step.execute")], next_cursor: "c2" } },
    });
    render();
    const table = await screen.findByRole("table", { name: "This project's debits, newest first" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(within(table).getByRole("cell", { name: "-0.1" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Load more usage history" }));
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    expect(within(table).getByRole("cell", { name: "run-e3" })).toBeTruthy();
    expect(calls.some((c) => c.path === "/v1/billing/usage-history?cursor=c2")).toBe(true);
    expect(screen.queryByRole("button", { name: "Load more usage history" })).toBeNull();
    expect(await screen.findByText("No payments or grants yet.")).toBeTruthy();
  });
});
