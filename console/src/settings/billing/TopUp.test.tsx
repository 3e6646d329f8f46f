// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeConfig, TopupPayment } from "../../api/types";
import { fakeServer, meWithRole, renderAt } from "../../test/harness";
import { setStripeFactory, type ConfirmResult, type StripeClient } from "./stripeLoader";
import { TopUp } from "./TopUp";
import { topupPolling } from "./topupStatus";

const CONFIG: StripeConfig = {
  enabled: true,
  provider: "stripe",
  publishable_key: "pk_test_123",
  currency: "usd",
  microcredits_per_cent: 10_000,
  min_topup_cents: 500,
  max_topup_cents: 100_000,
};

const payment = (over: Partial<TopupPayment> = {}): TopupPayment => ({
  id: "pay_1",
  provider: "stripe",
  status: "pending",
  amount_cents: 1000,
  currency: "usd",
  microcredits: 10_000_000,
  discount_code: null,
  payment_intent_id: "pi_1",
  failure_reason: null,
  created_at: "2026-12-07T10:00:00Z",
  updated_at: "2026-12-07T10:00:00Z",
  ...over,
});

const intent = (over: Partial<TopupPayment> = {}, percentOff: number | null = null, listCents = 1000) => ({
  status: 201,
  body: {
    payment: payment(over),
    client_secret: "pi_1_secret_abc",
    publishable_key: "pk_test_123",
    payment_intent_id: "pi_1",
    list_amount_cents: listCents,
    percent_off: percentOff,
  },
});

/** A stand-in for Stripe.js: records what the page asked and answers `confirm`. */
function fakeStripe(confirm: () => Promise<ConfirmResult>) {
  const seen = { keys: [] as string[], secrets: [] as string[], mounted: 0, confirms: 0 };
  const client: StripeClient = {
    elements: ({ clientSecret }) => {
      seen.secrets.push(clientSecret);
      return {
        create: () => ({
          mount(target) {
            seen.mounted++;
            const field = document.createElement("input");
            field.setAttribute("aria-label", "Card number");
            target.appendChild(field);
          },
          destroy() {},
        }),
      };
    },
    confirmPayment: async () => {
      seen.confirms++;
      return confirm();
    },
  };
  setStripeFactory((key) => {
    seen.keys.push(key);
    return client;
  });
  return seen;
}

beforeEach(() => {
  topupPolling.intervalMs = 1;
  topupPolling.attempts = 5;
  sessionStorage.clear();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setStripeFactory(null);
});

function render(onDone = vi.fn(async () => {})) {
  renderAt(<TopUp onDone={onDone} />, "/settings/billing");
  return onDone;
}

const me = { body: meWithRole("project_contributor") };

describe("Settings → Billing → Top up", () => {
  it("on a manual server, says an operator grants credits and offers no checkout", async () => {
    fakeServer({ "GET /v1/auth/me": me, "GET /v1/config/stripe": { body: { ...CONFIG, enabled: false, provider: "manual", publishable_key: null } } });
    render();
    await screen.findByText(/an operator grants pay-as-you-go credits/);
    expect(screen.queryByRole("form", { name: "Top up" })).toBeNull();
  });

  it("buys credits: intent with a fresh key, Stripe confirms, the page follows the payment and reloads", async () => {
    let reads = 0;
    const { calls } = fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": intent({ amount_cents: 1600, microcredits: 20_000_000 }, 20, 2000),
      // Pending at first: the webhook arrives a little later.
      "GET /v1/billing/topups/payg/pay_1": () => ({
        body: { payment: payment({ status: ++reads < 3 ? "pending" : "succeeded", amount_cents: 1600, microcredits: 20_000_000 }) },
      }),
    });
    const stripe = fakeStripe(async () => ({ paymentIntent: { id: "pi_1", status: "succeeded" } }));
    const onDone = render();
    const form = await screen.findByRole("form", { name: "Top up" });
    const amount = within(form).getByLabelText("Credits to buy") as HTMLInputElement;
    // The limits come from the config: 500 to 100,000 cents at one credit per dollar.
    expect([amount.min, amount.max, amount.step, amount.value]).toEqual(["5", "1000", "0.01", "5"]);
    fireEvent.change(amount, { target: { value: "20" } });
    expect(within(form).getByText(/\$20\.00 at the list price/)).toBeTruthy();
    fireEvent.click(within(form).getByRole("button", { name: "Continue to payment" }));

    // The server's price, discount included, is shown before paying.
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    expect(pay.textContent).toContain("You pay $16.00 for 20 credits (20% off $20.00)");
    await within(pay).findByLabelText("Card number");
    expect(stripe.keys).toEqual(["pk_test_123"]);
    expect(stripe.secrets).toEqual(["pi_1_secret_abc"]);
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.path).toBe("/v1/billing/topups/payg/intent");
    expect(post.body).toMatchObject({ microcredits: 20_000_000, currency: "usd" });
    expect((post.body as { idempotency_key: string }).idempotency_key).toMatch(/^[0-9a-f-]{36}$/);

    fireEvent.click(within(pay).getByRole("button", { name: "Pay $16.00" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Payment of $16.00 succeeded: 20 credits added."));
    expect(reads).toBe(3);
    expect(onDone).toHaveBeenCalledTimes(1);
    // Ready for another top-up.
    expect(screen.getByRole("form", { name: "Top up" })).toBeTruthy();
  });

  it("keeps the idempotency key when the same submit is retried, and starts a new one for another amount", async () => {
    let attempt = 0;
    const { calls } = fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": () =>
        ++attempt === 1 ? { status: 502, body: { error: "Stripe is unreachable; try again" } } : intent(),
    });
    fakeStripe(async () => ({}));
    render();
    const form = await screen.findByRole("form", { name: "Top up" });
    fireEvent.change(within(form).getByLabelText("Credits to buy"), { target: { value: "10" } });
    fireEvent.click(within(form).getByRole("button", { name: "Continue to payment" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("Stripe is unreachable; try again");
    fireEvent.click(within(form).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    fireEvent.click(within(pay).getByRole("button", { name: "Change amount" }));
    const again = await screen.findByRole("form", { name: "Top up" });
    fireEvent.change(within(again).getByLabelText("Credits to buy"), { target: { value: "12" } });
    fireEvent.click(within(again).getByRole("button", { name: "Continue to payment" }));
    await screen.findByRole("form", { name: "Pay for the top-up" });
    const keys = calls.filter((c) => c.method === "POST").map((c) => (c.body as { idempotency_key: string }).idempotency_key);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("shows a declined card and reads no status; the next attempt gets a new key", async () => {
    const { calls } = fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": intent(),
    });
    fakeStripe(async () => ({ error: { type: "card_error", code: "card_declined", message: "Your card was declined." } }));
    const onDone = render();
    const form = await screen.findByRole("form", { name: "Top up" });
    fireEvent.click(within(form).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    await within(pay).findByLabelText("Card number");
    fireEvent.click(within(pay).getByRole("button", { name: /^Pay / }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Payment failed: Your card was declined."));
    expect(screen.getByRole("status").className).toContain("problem");
    expect(onDone).not.toHaveBeenCalled();
    expect(calls.some((c) => c.path.startsWith("/v1/billing/topups/payg/pay_1"))).toBe(false);
    const again = screen.getByRole("form", { name: "Top up" });
    fireEvent.click(within(again).getByRole("button", { name: "Continue to payment" }));
    await screen.findByRole("form", { name: "Pay for the top-up" });
    const keys = calls.filter((c) => c.method === "POST").map((c) => (c.body as { idempotency_key: string }).idempotency_key);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it("shows the failed status the server reports after Stripe accepted the confirmation", async () => {
    fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": intent(),
      "GET /v1/billing/topups/payg/pay_1": { body: { payment: payment({ status: "failed", failure_reason: "insufficient_funds" }) } },
    });
    fakeStripe(async () => ({ paymentIntent: { id: "pi_1", status: "processing" } }));
    const onDone = render();
    fireEvent.click(within(await screen.findByRole("form", { name: "Top up" })).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    await within(pay).findByLabelText("Card number");
    fireEvent.click(within(pay).getByRole("button", { name: "Pay $10.00" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Payment failed: insufficient funds."));
    expect(onDone).not.toHaveBeenCalled();
  });

  it("stops asking after the bounded number of reads and says the credits come later", async () => {
    let reads = 0;
    fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": intent(),
      "GET /v1/billing/topups/payg/pay_1": () => (reads++, { body: { payment: payment() } }),
    });
    fakeStripe(async () => ({ paymentIntent: { id: "pi_1", status: "succeeded" } }));
    render();
    fireEvent.click(within(await screen.findByRole("form", { name: "Top up" })).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    await within(pay).findByLabelText("Card number");
    fireEvent.click(within(pay).getByRole("button", { name: "Pay $10.00" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/Stripe has not confirmed the payment yet/));
    expect(reads).toBe(topupPolling.attempts);
  });

  it("keeps the card form open on an incomplete card, with Stripe's message", async () => {
    fakeServer({ "GET /v1/auth/me": me, "GET /v1/config/stripe": { body: CONFIG }, "POST /v1/billing/topups/payg/intent": intent() });
    fakeStripe(async () => ({ error: { type: "validation_error", message: "Your card number is incomplete." } }));
    render();
    fireEvent.click(within(await screen.findByRole("form", { name: "Top up" })).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    await within(pay).findByLabelText("Card number");
    fireEvent.click(within(pay).getByRole("button", { name: "Pay $10.00" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Your card number is incomplete.");
    expect(screen.getByRole("form", { name: "Pay for the top-up" })).toBeTruthy();
  });

  it("refuses an amount outside the limits or between steps before asking the server", async () => {
    const { calls } = fakeServer({ "GET /v1/auth/me": me, "GET /v1/config/stripe": { body: CONFIG } });
    render();
    const form = await screen.findByRole("form", { name: "Top up" });
    const amount = within(form).getByLabelText("Credits to buy");
    const button = within(form).getByRole("button", { name: "Continue to payment" }) as HTMLButtonElement;
    const refused: [string, string][] = [
      ["4", "A top-up is between 5 and 1000 credits."],
      ["1000.01", "A top-up is between 5 and 1000 credits."],
      ["5.005", "Credits are sold in steps of 0.01."],
      ["-1", "Enter how many credits to buy."],
    ];
    for (const [value, words] of refused) {
      fireEvent.change(amount, { target: { value } });
      expect(within(form).getByText(words)).toBeTruthy();
      expect(button.disabled).toBe(true);
    }
    fireEvent.submit(form);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("shows the server's refusal to open a top-up (a discount changed the price, a viewer)", async () => {
    fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "POST /v1/billing/topups/payg/intent": { status: 403, body: { error: "a project contributor role is needed" } },
    });
    render();
    const form = await screen.findByRole("form", { name: "Top up" });
    fireEvent.click(within(form).getByRole("button", { name: "Continue to payment" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("a project contributor role is needed");
  });

  it("says when Stripe.js cannot be loaded", async () => {
    fakeServer({ "GET /v1/auth/me": me, "GET /v1/config/stripe": { body: CONFIG }, "POST /v1/billing/topups/payg/intent": intent() });
    setStripeFactory(() => {
      throw new Error("Could not load Stripe.js from js.stripe.com.");
    });
    render();
    fireEvent.click(within(await screen.findByRole("form", { name: "Top up" })).getByRole("button", { name: "Continue to payment" }));
    const pay = await screen.findByRole("form", { name: "Pay for the top-up" });
    expect((await within(pay).findByRole("alert")).textContent).toMatch(/Could not load Stripe\.js/);
    expect((within(pay).getByRole("button", { name: "Pay $10.00" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("follows a top-up left pending by a bank's redirect when the page comes back", async () => {
    sessionStorage.setItem("agentruntime.topup.pending", "pay_1");
    fakeServer({
      "GET /v1/auth/me": me,
      "GET /v1/config/stripe": { body: CONFIG },
      "GET /v1/billing/topups/payg/pay_1": { body: { payment: payment({ status: "succeeded" }) } },
    });
    const onDone = render();
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Payment of $10.00 succeeded: 10 credits added."));
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(sessionStorage.getItem("agentruntime.topup.pending")).toBeNull();
  });
});
