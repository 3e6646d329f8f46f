// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeServer, meWithRole, renderAt } from "../../test/harness";
import { ApplyCode } from "./ApplyCode";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me = { body: meWithRole("project_admin") };
const BALANCES = { trial_remaining: 0, included_remaining: 0, payg_remaining: 25_000_000, total_remaining_microcredits: 25_000_000 };

function render(onDone = vi.fn(async () => {})) {
  renderAt(<ApplyCode onDone={onDone} />, "/settings/billing");
  return onDone;
}

async function typeCode(code: string) {
  const form = await screen.findByRole("form", { name: "Apply a code" });
  fireEvent.change(within(form).getByLabelText("Code"), { target: { value: code } });
  return form;
}

const check = (body: Record<string, unknown>) => ({
  body: { valid: true, reason: null, code: null, kind: null, microcredits: null, percent_off: null, applies_to: null, expires_at: null, ...body },
});

describe("Settings → Billing → Apply a code", () => {
  it("checks a credits code, shows what it gives, then applies it and reloads the balances", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": me,
      "POST /v1/billing/discounts/validate": check({ code: "WELCOME25", kind: "credits", microcredits: 25_000_000, applies_to: "payg_balance", expires_at: "2027-01-01T00:00:00Z" }),
      "POST /v1/billing/codes/apply": {
        body: { applied: true, code: "WELCOME25", kind: "credits", microcredits: 25_000_000, percent_off: null, applies_to: "payg_balance", balances: BALANCES },
      },
    });
    const onDone = render();
    const form = await typeCode("  welcome25 ");
    fireEvent.click(within(form).getByRole("button", { name: "Check" }));
    const status = within(form).getByRole("status");
    await within(form).findByText(/^WELCOME25 gives 25 pay-as-you-go credits, once\. Apply it before/);
    expect(status.className).toBe("notice");
    fireEvent.click(within(form).getByRole("button", { name: "Apply" }));
    await within(form).findByText("Applied WELCOME25: 25 credits added to pay as you go.");
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.method === "POST").map((c) => [c.path, c.body])).toEqual([
      ["/v1/billing/discounts/validate", { code: "welcome25" }],
      ["/v1/billing/codes/apply", { code: "welcome25" }],
    ]);
    expect((within(form).getByLabelText("Code") as HTMLInputElement).value).toBe("");
  });

  it("says what a discount code gives", async () => {
    fakeServer({
      "GET /v1/auth/me": me,
      "POST /v1/billing/discounts/validate": check({ code: "PARTNER20", kind: "discount", percent_off: 20, applies_to: "payg_topups" }),
      "POST /v1/billing/codes/apply": {
        body: { applied: true, code: "PARTNER20", kind: "discount", microcredits: null, percent_off: 20, applies_to: "payg_topups", balances: BALANCES },
      },
    });
    render();
    const form = await typeCode("PARTNER20");
    fireEvent.click(within(form).getByRole("button", { name: "Check" }));
    await within(form).findByText("PARTNER20 gives 20% off every top-up from now on.");
    fireEvent.click(within(form).getByRole("button", { name: "Apply" }));
    await within(form).findByText("Applied PARTNER20: 20% off your top-ups from now on.");
  });

  it.each([
    ["unknown", "No such code. Check its spelling (case does not matter)."],
    ["expired", "This code has expired."],
    ["exhausted", "This code has been applied as many times as it allows."],
    ["already_applied", "This workspace already applied this code."],
  ])("explains a check refused as %s", async (reason, words) => {
    fakeServer({ "GET /v1/auth/me": me, "POST /v1/billing/discounts/validate": check({ valid: false, reason }) });
    render();
    const form = await typeCode("NOPE");
    fireEvent.click(within(form).getByRole("button", { name: "Check" }));
    const status = within(form).getByRole("status");
    await within(form).findByText(words);
    expect(status.className).toBe("notice problem");
  });

  it.each([
    [404, "CODE_UNKNOWN", "no such code; check its spelling (case does not matter)"],
    [422, "CODE_EXPIRED", "this code has expired"],
    [409, "CODE_EXHAUSTED", "this code has been applied as many times as it allows"],
    [409, "CODE_ALREADY_APPLIED", "this workspace already applied this code"],
  ])("shows the server's refusal to apply (%s %s) and reloads nothing", async (status, code, error) => {
    fakeServer({ "GET /v1/auth/me": me, "POST /v1/billing/codes/apply": { status, body: { error, code } } });
    const onDone = render();
    const form = await typeCode("SOMECODE");
    fireEvent.click(within(form).getByRole("button", { name: "Apply" }));
    expect((await within(form).findByRole("alert")).textContent).toBe(error);
    expect(onDone).not.toHaveBeenCalled();
    expect((within(form).getByLabelText("Code") as HTMLInputElement).value).toBe("SOMECODE");
  });

  it("sends nothing for a blank code", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": me });
    render();
    const form = await typeCode("   ");
    expect((within(form).getByRole("button", { name: "Check" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.submit(form);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });
});
