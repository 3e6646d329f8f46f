/**
 * Settings → Billing with card payments and codes (docs/billing.md "Top-ups with Stripe",
 * "Codes") against the real server: codes come from a settings file (`AR_CONFIG`), Stripe's
 * REST API is a local stub (`AR_STRIPE_API_BASE`), and Stripe.js — which the page loads from
 * js.stripe.com only when a checkout opens — is answered by a stand-in whose card form is
 * one field. Stripe's webhook is played by the test: a delivery signed with the endpoint's
 * secret, as Stripe signs it. Audited with axe.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, auditAccessibility, screenshot, serverAndBrowser, signIn, watchPage } from "./harness.mjs";

const WEBHOOK_SECRET = "whsec_e2e_secret";
const DECLINED_CARD = "4000000000000002";

/** Stripe's `POST /v1/payment_intents`, recording each intent asked for. */
async function stripeApiStub() {
  const intents = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/payment_intents") {
        res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "no such route" } }));
        return;
      }
      const form = new URLSearchParams(body);
      const key = req.headers["idempotency-key"];
      let intent = intents.find((i) => i.key === key);
      if (!intent) {
        const id = `pi_e2e_${intents.length + 1}`;
        intent = {
          key,
          id,
          client_secret: `${id}_secret_e2e`,
          amount: Number(form.get("amount")),
          currency: form.get("currency"),
          payment_id: form.get("metadata[payment_id]"),
          authorization: req.headers.authorization,
        };
        intents.push(intent);
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ id: intent.id, client_secret: intent.client_secret, status: "requires_payment_method" }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, intents, close: () => new Promise((r) => server.close(r)) };
}

/** The stand-in for https://js.stripe.com/v3: a one-field card form; a declined card number is refused. */
const FAKE_STRIPE_JS = `
window.Stripe = function (publishableKey) {
  window.__stripeKeys = (window.__stripeKeys || []).concat([publishableKey]);
  let field;
  return {
    elements({ clientSecret }) {
      return {
        create() {
          return {
            mount(target) {
              const label = document.createElement("label");
              label.textContent = "Card number ";
              field = document.createElement("input");
              field.name = "cardnumber";
              label.appendChild(field);
              target.appendChild(label);
            },
            destroy() {},
          };
        },
      };
    },
    async confirmPayment() {
      if (!field.value) return { error: { type: "validation_error", message: "Your card number is incomplete." } };
      if (field.value === "${DECLINED_CARD}") return { error: { type: "card_error", code: "card_declined", message: "Your card was declined." } };
      return { paymentIntent: { status: "processing" } };
    },
  };
};`;

const stripeApi = await stripeApiStub();
const configDir = mkdtempSync(join(tmpdir(), "ar-e2e-config-"));
const settingsFile = join(configDir, "settings.toml");
writeFileSync(
  settingsFile,
  `
[[billing.codes]]
code = "WELCOME25"
kind = "credits"
microcredits = 25000000

[[billing.codes]]
code = "PARTNER20"
kind = "discount"
percent_off = 20

[[billing.codes]]
code = "OLD"
kind = "credits"
microcredits = 1000000
expires_at = "2020-01-01T00:00:00Z"
`,
);
after(async () => {
  await stripeApi.close();
  rmSync(configDir, { recursive: true, force: true });
});

const env = serverAndBrowser({
  env: {
    AR_CONFIG: settingsFile,
    AR_BILLING_ENABLED: "true",
    AR_BILLING_PAYMENT_PROVIDER: "stripe",
    AR_STRIPE_SECRET_KEY: "sk_test_e2e",
    AR_STRIPE_PUBLISHABLE_KEY: "pk_test_e2e",
    AR_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    AR_STRIPE_API_BASE: stripeApi.url,
  },
});

/** Delivers a `payment_intent.*` event for `intent` as Stripe would, signed. */
async function deliverWebhook(url, type, intent, extra = {}) {
  const event = {
    id: `evt_${type}_${intent.id}`,
    object: "event",
    type,
    data: {
      object: {
        id: intent.id,
        object: "payment_intent",
        amount: intent.amount,
        amount_received: type === "payment_intent.succeeded" ? intent.amount : 0,
        currency: intent.currency,
        metadata: { payment_id: intent.payment_id },
        last_payment_error: null,
        ...extra,
      },
    },
  };
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${body}`).digest("hex");
  const r = await fetch(`${url}/v1/billing/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": `t=${t},v1=${v1}` },
    body,
  });
  assert.equal(r.status, 200, await r.text());
}

test("an admin checks and applies codes, then tops up by card at the discounted price", async () => {
  const url = env.server.url;
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  let stripeJsLoads = 0;
  await context.route("https://js.stripe.com/v3", (route) => {
    stripeJsLoads++;
    return route.fulfill({ status: 200, contentType: "application/javascript", body: FAKE_STRIPE_JS });
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  watch.expect("GET", /^\/v1\/auth\/me$/, 401);
  watch.expect("POST", /^\/v1\/billing\/codes\/apply$/, 409);
  await signIn(page, url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Billing" }).click();
  const balances = page.getByLabel("Balances (credits)");
  const total = () => balances.locator(".kpi").filter({ hasText: "Total" }).locator(".kpi-value").textContent();
  await balances.waitFor();
  assert.equal(await total(), "0");

  // --- codes: refusals in words, then a credits code and a discount code ---
  const codes = page.getByRole("form", { name: "Apply a code" });
  const codeStatus = codes.getByRole("status");
  const check = async (code) => {
    await codes.getByLabel("Code").fill(code);
    await codes.getByRole("button", { name: "Check" }).click();
  };
  await check("NOPE");
  await codes.getByText("No such code. Check its spelling (case does not matter).").waitFor();
  await check("old");
  await codes.getByText("This code has expired.").waitFor();
  await check("welcome25");
  await codes.getByText("WELCOME25 gives 25 pay-as-you-go credits, once.").waitFor();
  await codes.getByRole("button", { name: "Apply" }).click();
  await codes.getByText("Applied WELCOME25: 25 credits added to pay as you go.").waitFor();
  await page.waitForFunction(() => document.querySelector("[aria-label='Balances (credits)'] .kpi-value")?.textContent === "25");
  // Once per workspace: the server's refusal is shown as it said it.
  await codes.getByLabel("Code").fill("WELCOME25");
  await codes.getByRole("button", { name: "Apply" }).click();
  assert.equal(await codes.getByRole("alert").textContent(), "this workspace already applied this code");
  await check("partner20");
  await codes.getByText("PARTNER20 gives 20% off every top-up from now on.").waitFor();
  await codes.getByRole("button", { name: "Apply" }).click();
  await codes.getByText("Applied PARTNER20: 20% off your top-ups from now on.").waitFor();
  assert.match(await codeStatus.getAttribute("class"), /notice/);
  await auditAccessibility(page, "Settings → Billing with codes and top-up");

  // --- top up 10 credits: the server prices it at 20 % off; Stripe.js loads only now ---
  assert.equal(stripeJsLoads, 0, "Stripe.js is not loaded before a checkout opens");
  const topup = page.getByRole("form", { name: "Top up" });
  await topup.getByLabel("Credits to buy").fill("10");
  await topup.getByText(/\$10\.00 at the list price/).waitFor();
  await topup.getByRole("button", { name: "Continue to payment" }).click();
  const pay = page.getByRole("form", { name: "Pay for the top-up" });
  await pay.getByText("You pay $8.00 for 10 credits (20% off $10.00).").waitFor();
  await pay.getByLabel("Card number").waitFor();
  assert.equal(stripeJsLoads, 1);
  assert.deepEqual(await page.evaluate(() => window.__stripeKeys), ["pk_test_e2e"]);
  assert.equal(stripeApi.intents.length, 1);
  const [first] = stripeApi.intents;
  assert.equal(first.amount, 800);
  assert.equal(first.currency, "usd");
  assert.equal(first.authorization, "Bearer sk_test_e2e");
  await auditAccessibility(page, "Settings → Billing, paying a top-up");
  await screenshot(page, "settings-billing-topup");

  // An empty card form is Stripe's to refuse; the payment stays open.
  await pay.getByRole("button", { name: "Pay $8.00" }).click();
  await page.getByText("Your card number is incomplete.").waitFor();
  await pay.getByLabel("Card number").fill("4242424242424242");
  await pay.getByRole("button", { name: "Pay $8.00" }).click();
  const status = page.locator("#topup-heading ~ [role=status]");
  await page.getByText("Payment sent. Waiting for Stripe to confirm it…").waitFor();
  // Stripe reports the payment to the server; the page sees it settle and reloads.
  await deliverWebhook(url, "payment_intent.succeeded", first);
  await page.getByText("Payment of $8.00 succeeded: 10 credits added.").waitFor();
  assert.match(await status.getAttribute("class"), /notice/);
  await page.waitForFunction(() => document.querySelector("[aria-label='Balances (credits)'] .kpi-value")?.textContent === "35");
  // The payment history lists top-ups and grants (a code's credits are not among them).
  const payments = page.getByRole("table", { name: "Credits granted or paid for, newest first" });
  await payments.getByRole("cell", { name: "payg.topup" }).waitFor();
  await payments.getByRole("cell", { name: "+10", exact: true }).waitFor();

  // --- a declined card: shown, nothing credited, and the next top-up is a new payment ---
  await topup.getByLabel("Credits to buy").fill("5");
  await topup.getByRole("button", { name: "Continue to payment" }).click();
  await pay.getByText("You pay $4.00 for 5 credits (20% off $5.00).").waitFor();
  assert.equal(stripeApi.intents.length, 2);
  assert.notEqual(stripeApi.intents[1].key, first.key, "a new top-up has its own idempotency key");
  await pay.getByLabel("Card number").fill(DECLINED_CARD);
  await pay.getByRole("button", { name: "Pay $4.00" }).click();
  await page.getByText("Payment failed: Your card was declined.").waitFor();
  assert.equal(await total(), "35");
  await topup.waitFor();
  watch.assertClean();
  await context.close();
});
