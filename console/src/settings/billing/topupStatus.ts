/**
 * Follows a top-up after the browser confirmed it: the credits arrive only when Stripe's
 * webhook reaches the server (docs/billing.md "Top-ups with Stripe", step 3), so the page
 * asks `GET /v1/billing/topups/payg/{id}` until the payment settles — a bounded number of
 * times, since a webhook can be late and the page must not poll forever.
 */
import type { TopupPayment } from "../../api/types";

/** How often and how long to ask; tests shorten it. */
export const topupPolling = { intervalMs: 2000, attempts: 30 };

const settled = (p: TopupPayment) => p.status !== "pending";

/** The payment once settled, or its last (pending) state when the attempts ran out. */
export async function waitForTopup(read: () => Promise<TopupPayment>, isCancelled: () => boolean = () => false): Promise<TopupPayment> {
  let last = await read();
  for (let i = 1; i < topupPolling.attempts && !settled(last) && !isCancelled(); i++) {
    await new Promise((r) => setTimeout(r, topupPolling.intervalMs));
    last = await read();
  }
  return last;
}

/** Money as the user's locale writes it, e.g. `$7.50`. */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

/** `text` ending in one full stop, whether or not the text it came from (Stripe's) had one. */
export const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** Words for a payment's `failure_reason` (Stripe's decline message, or its code when it gave none). */
export function failureWords(reason: string | null): string {
  if (!reason) return "no reason given";
  return reason.includes(" ") ? reason : reason.replace(/_/g, " ");
}
