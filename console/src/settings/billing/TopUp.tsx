/**
 * Settings → Billing → Top up: buys pay-as-you-go credits by card (docs/billing.md "Top-ups
 * with Stripe"). The amount is picked in credits within the server's limits; the server
 * prices it (discount included) when it opens the PaymentIntent, Stripe's Payment Element
 * takes the card, and the page then follows the payment until the webhook settles it.
 * On a server without Stripe it only says that an operator grants credits.
 */
import { useEffect, useRef, useState } from "react";
import { formatCredits } from "../../analytics/format";
import { messageOf } from "../../api/errors";
import type { StripeConfig, TopupIntent, TopupPayment } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useAction } from "../../components/useAction";
import { useAsync } from "../../components/useAsync";
import { useSession } from "../../session/SessionContext";
import { loadStripe, type StripeClient, type StripeElements } from "./stripeLoader";
import { failureWords, formatMoney, sentence, waitForTopup } from "./topupStatus";

const MICROCREDITS_PER_CREDIT = 1_000_000;
/** The top-up a redirect-based confirmation (some banks, 3-D Secure) left to follow on return. */
const PENDING_KEY = "agentruntime.topup.pending";

export function TopUp({ onDone }: { onDone: () => Promise<void> }) {
  const { api } = useSession();
  const { data: config, error } = useAsync(() => api.stripeConfig(), [api]);
  return (
    <section aria-labelledby="topup-heading">
      <h3 id="topup-heading">Top up</h3>
      <ErrorMessage error={error} />
      {config && (!config.enabled || !config.publishable_key) && (
        <p className="muted">
          This server takes no card payments: an operator grants pay-as-you-go credits (for example after an invoice is
          paid).
        </p>
      )}
      {config?.enabled && config.publishable_key && <Checkout config={config} onDone={onDone} />}
    </section>
  );
}

/** The limits in credits, from the server's cents and rate. */
function limits(config: StripeConfig) {
  const perCent = config.microcredits_per_cent;
  return {
    min: (config.min_topup_cents * perCent) / MICROCREDITS_PER_CREDIT,
    max: (config.max_topup_cents * perCent) / MICROCREDITS_PER_CREDIT,
    step: perCent / MICROCREDITS_PER_CREDIT,
  };
}

function Checkout({ config, onDone }: { config: StripeConfig; onDone: () => Promise<void> }) {
  const { api } = useSession();
  const bounds = limits(config);
  const [credits, setCredits] = useState(String(bounds.min));
  const [intent, setIntent] = useState<TopupIntent | null>(null);
  const [status, setStatus] = useState("");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const open = useAction();
  const pay = useAction();
  // Kept across retries of the same amount so a retried request answers the same payment;
  // a new amount or a settled payment starts a new key (docs/billing.md "Idempotent requests").
  const keyRef = useRef<{ microcredits: number; key: string } | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const microcredits = Math.round(Number(credits) * MICROCREDITS_PER_CREDIT);
  const listCents = microcredits / config.microcredits_per_cent;
  const amountProblem = !Number.isFinite(microcredits) || microcredits <= 0
    ? "Enter how many credits to buy."
    : !Number.isInteger(listCents)
      ? `Credits are sold in steps of ${bounds.step}.`
      : listCents < config.min_topup_cents || listCents > config.max_topup_cents
        ? `A top-up is between ${bounds.min} and ${bounds.max} credits.`
        : null;

  /** Follows the payment to its end, says how it ended and reloads the balances. */
  const follow = async (paymentId: string) => {
    setBusy(true);
    setStatus("Payment sent. Waiting for Stripe to confirm it…");
    try {
      const payment = await waitForTopup(() => api.topup(paymentId), () => !alive.current);
      if (!alive.current) return;
      settle(payment);
      if (payment.status === "succeeded") await onDone();
    } catch (e) {
      if (alive.current) setOutcome({ ok: false, text: `Could not read the payment's status: ${messageOf(e)}` });
    } finally {
      if (alive.current) {
        setBusy(false);
        setStatus("");
      }
    }
  };

  const settle = (payment: TopupPayment) => {
    sessionStorage.removeItem(PENDING_KEY);
    keyRef.current = null;
    setIntent(null);
    const amount = formatMoney(payment.amount_cents, payment.currency);
    switch (payment.status) {
      case "succeeded":
        setOutcome({ ok: true, text: `Payment of ${amount} succeeded: ${formatCredits(payment.microcredits)} credits added.` });
        break;
      case "failed":
        setOutcome({ ok: false, text: sentence(`Payment failed: ${failureWords(payment.failure_reason)}`) });
        break;
      case "canceled":
        setOutcome({ ok: false, text: "The payment was canceled; nothing was charged." });
        break;
      default:
        setOutcome({
          ok: false,
          text: "Stripe has not confirmed the payment yet. The credits appear once it does; reload this page in a while.",
        });
    }
  };

  // Back from a bank's page (a redirect-based confirmation): follow the top-up it was for.
  useEffect(() => {
    const pending = sessionStorage.getItem(PENDING_KEY);
    if (pending) void follow(pending);
    // Once, on arrival.
  }, []);

  const start = async () => {
    setOutcome(null);
    if (keyRef.current?.microcredits !== microcredits) keyRef.current = { microcredits, key: crypto.randomUUID() };
    const key = keyRef.current.key;
    await open.run(async () => {
      const opened = await api.createTopupIntent({ microcredits, currency: config.currency, idempotency_key: key });
      setIntent(opened);
    });
  };

  const confirm = async (stripe: StripeClient, elements: StripeElements) => {
    if (!intent) return;
    setOutcome(null);
    setBusy(true);
    setStatus("Confirming the payment with your card issuer…");
    sessionStorage.setItem(PENDING_KEY, intent.payment.id);
    let confirmed = false;
    await pay.run(async () => {
      const r = await stripe.confirmPayment({
        elements,
        redirect: "if_required",
        confirmParams: { return_url: window.location.href },
      });
      if (r.error) {
        // An incomplete form leaves the payment open to fix; a refusal ends this attempt.
        if (r.error.type !== "validation_error") {
          sessionStorage.removeItem(PENDING_KEY);
          keyRef.current = null;
          setIntent(null);
          setOutcome({ ok: false, text: sentence(`Payment failed: ${r.error.message ?? "the card was refused"}`) });
          return;
        }
        sessionStorage.removeItem(PENDING_KEY);
        throw new Error(r.error.message ?? "Check the card details.");
      }
      confirmed = true;
    });
    setBusy(false);
    setStatus("");
    if (confirmed) await follow(intent.payment.id);
  };

  return (
    <>
      {!intent ? (
        <form
          className="stacked-form"
          aria-label="Top up"
          onSubmit={(e) => {
            e.preventDefault();
            if (!amountProblem) void start();
          }}
        >
          <label>
            Credits to buy
            <input
              type="number"
              required
              min={bounds.min}
              max={bounds.max}
              step={bounds.step}
              value={credits}
              aria-describedby="topup-price"
              onChange={(e) => setCredits(e.target.value)}
            />
          </label>
          <p id="topup-price" className="muted">
            {amountProblem ??
              `${formatMoney(listCents, config.currency)} at the list price; a discount code of the workspace lowers it. The price is shown before you pay.`}
          </p>
          <button type="submit" disabled={busy || amountProblem !== null}>
            Continue to payment
          </button>
          <ErrorMessage error={open.error} />
        </form>
      ) : (
        <PaymentStep
          intent={intent}
          busy={busy}
          onPay={confirm}
          onBack={() => {
            setIntent(null);
            // Clears a card-form message that belonged to the abandoned payment.
            void pay.run(async () => undefined);
          }}
        />
      )}
      <ErrorMessage error={pay.error} />
      {/* One live region: the step under way, then how the payment ended. */}
      <p role="status" className={status || !outcome ? "muted" : outcome.ok ? "notice" : "notice problem"}>
        {status || outcome?.text}
      </p>
    </>
  );
}

/** The price the server set, Stripe's Payment Element and the Pay button. */
function PaymentStep({
  intent,
  busy,
  onPay,
  onBack,
}: {
  intent: TopupIntent;
  busy: boolean;
  onPay: (stripe: StripeClient, elements: StripeElements) => Promise<void>;
  onBack: () => void;
}) {
  const mount = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<{ client: StripeClient; elements: StripeElements } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const p = intent.payment;
  const amount = formatMoney(p.amount_cents, p.currency);

  useEffect(() => {
    let cancelled = false;
    let destroy = () => {};
    loadStripe(intent.publishable_key)
      .then((client) => {
        if (cancelled || !mount.current) return;
        const elements = client.elements({ clientSecret: intent.client_secret });
        const element = elements.create("payment");
        element.mount(mount.current);
        destroy = () => element.destroy();
        setStripe({ client, elements });
      })
      .catch((e) => !cancelled && setLoadError(messageOf(e)));
    return () => {
      cancelled = true;
      destroy();
    };
  }, [intent.client_secret, intent.publishable_key]);

  return (
    <form
      className="stacked-form"
      aria-label="Pay for the top-up"
      onSubmit={(e) => {
        e.preventDefault();
        if (stripe) void onPay(stripe.client, stripe.elements);
      }}
    >
      <p>
        You pay <strong>{amount}</strong> for {formatCredits(p.microcredits)} credits
        {intent.percent_off ? ` (${intent.percent_off}% off ${formatMoney(intent.list_amount_cents, p.currency)})` : ""}.
      </p>
      <div ref={mount} className="stripe-payment" role="group" aria-label="Card details" />
      {!stripe && !loadError && <p className="muted">Loading the card form…</p>}
      <ErrorMessage error={loadError} />
      <div className="actions wrap">
        <button type="submit" disabled={!stripe || busy}>
          Pay {amount}
        </button>
        <button type="button" disabled={busy} onClick={onBack}>
          Change amount
        </button>
      </div>
    </form>
  );
}
