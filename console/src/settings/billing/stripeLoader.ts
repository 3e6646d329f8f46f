/**
 * Loads Stripe.js when a top-up needs it, from js.stripe.com as Stripe requires (docs/billing.md
 * "Top-ups with Stripe"): it is never bundled nor fetched at build time, and a page that never
 * opens a checkout never loads it. Tests inject a fake with {@link setStripeFactory}.
 */

export const STRIPE_JS_URL = "https://js.stripe.com/v3";

/** What Stripe's `confirmPayment` resolves to; only the fields the console reads. */
export interface ConfirmResult {
  error?: { type?: string; code?: string; message?: string };
  paymentIntent?: { id: string; status: string };
}

/** The mounted Payment Element. */
export interface StripeElement {
  mount(target: HTMLElement): void;
  destroy(): void;
}

export interface StripeElements {
  create(kind: "payment", options?: Record<string, unknown>): StripeElement;
}

/** The part of the `Stripe(publishableKey)` object the checkout uses. */
export interface StripeClient {
  elements(options: { clientSecret: string; appearance?: Record<string, unknown> }): StripeElements;
  confirmPayment(options: {
    elements: StripeElements;
    redirect: "if_required";
    confirmParams: { return_url: string };
  }): Promise<ConfirmResult>;
}

type StripeFactory = (publishableKey: string) => StripeClient;

declare global {
  interface Window {
    Stripe?: StripeFactory;
  }
}

let injected: StripeFactory | null = null;
let scriptLoad: Promise<StripeFactory> | null = null;

/** Test seam: `factory` answers every {@link loadStripe} instead of Stripe.js; `null` restores it. */
export function setStripeFactory(factory: StripeFactory | null) {
  injected = factory;
}

/** Adds the Stripe.js `<script>` once; the promise is shared by every checkout of the page. */
function loadScript(): Promise<StripeFactory> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  scriptLoad ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = STRIPE_JS_URL;
    script.async = true;
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error("Stripe.js loaded but did not start.")));
    script.onerror = () => {
      // A later attempt (the network is back, a blocker was turned off) may try again.
      scriptLoad = null;
      script.remove();
      reject(new Error("Could not load Stripe.js from js.stripe.com. Check the connection or any content blocker, then try again."));
    };
    document.head.appendChild(script);
  });
  return scriptLoad;
}

/** The Stripe client for `publishableKey` (Stripe.js is fetched the first time). */
export async function loadStripe(publishableKey: string): Promise<StripeClient> {
  if (injected) return injected(publishableKey);
  const factory = await loadScript();
  return factory(publishableKey);
}
