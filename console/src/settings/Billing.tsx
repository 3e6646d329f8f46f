/**
 * Settings → Billing: the workspace's plan and subscription, its credit balances per bucket,
 * this period's spending by action, and the project's usage and the workspace's payment
 * history (docs/billing.md). Contributors read and top up by card when the server takes card
 * payments; a workspace admin starts a trial, subscribes, changes plan, cancels or applies a
 * code; the owner grants credits. The server refuses the others anyway.
 */
import { useState } from "react";
import { formatCredits } from "../analytics/format";
import { ApiError } from "../api/errors";
import type { BillingPlan, BillingSummary, LedgerEntry, LedgerPage } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { ApplyCode } from "./billing/ApplyCode";
import { TopUp } from "./billing/TopUp";

const MICROCREDITS_PER_CREDIT = 1_000_000;
const formatTime = (t?: string | null) => (t ? new Date(t).toLocaleString() : "—");
const formatPrice = (p: BillingPlan) =>
  `${new Intl.NumberFormat("en-US", { style: "currency", currency: p.currency.toUpperCase() }).format(p.price_cents / 100)} / ${p.interval}`;

const STATUS_WORDS: Record<string, string> = {
  trialing: "Trial",
  active: "Active",
  past_due: "Past due",
  canceled: "Cancelled",
  none: "No subscription",
};

/** What the page reads at once; `forbidden` when the caller's role may not read billing. */
type Loaded = { forbidden: true } | { forbidden: false; summary: BillingSummary; plans: BillingPlan[] };

export function Billing({ isAdmin, isOwner }: { isAdmin: boolean; isOwner: boolean }) {
  const { api, scope } = useSession();
  const { data, error, loading, reload } = useAsync<Loaded>(async () => {
    try {
      const [summary, plans] = await Promise.all([api.billingSummary(), api.billingPlans()]);
      return { forbidden: false, summary, plans };
    } catch (e) {
      if (e instanceof ApiError && e.kind === "forbidden") return { forbidden: true };
      throw e;
    }
  }, [api, scope.tenant, scope.project]);
  // The histories reload with the rest after an action (a grant adds a payment row).
  const [generation, setGeneration] = useState(0);
  const refresh = async () => {
    await reload();
    setGeneration((g) => g + 1);
  };

  return (
    <section aria-labelledby="billing-heading">
      <h2 id="billing-heading">Billing</h2>
      {loading && !data && !error && <p role="status">Loading billing…</p>}
      <ErrorMessage error={error} />
      {data?.forbidden && (
        <p role="alert">Your role in this project does not allow reading billing. A contributor or admin can.</p>
      )}
      {data && !data.forbidden && (
        <>
          {!data.summary.billing_enabled && (
            <p className="callout" role="status">
              Billing is off on this server: nothing is charged and no run is refused for lack of credits. The
              figures below stay at what the ledger holds.
            </p>
          )}
          <Overview summary={data.summary} plans={data.plans} />
          <TopUp onDone={refresh} />
          {isAdmin && <PlanActions summary={data.summary} plans={data.plans} onDone={refresh} />}
          {isAdmin && <ApplyCode onDone={refresh} />}
          {isOwner && <GrantCredits onDone={refresh} />}
          <PeriodUsage summary={data.summary} />
          <History
            key={`usage-${generation}`}
            title="Usage history"
            caption="This project's debits, newest first"
            empty="No credits spent in this project yet."
            load={(cursor) => api.usageHistory(cursor)}
          />
          <History
            key={`payments-${generation}`}
            title="Payment history"
            caption="Credits granted or paid for, newest first"
            empty="No payments or grants yet."
            load={(cursor) => api.paymentHistory(cursor)}
          />
        </>
      )}
    </section>
  );
}

function Overview({ summary, plans }: { summary: BillingSummary; plans: BillingPlan[] }) {
  const sub = summary.subscription;
  const planName = (code: string | null) => (code ? (plans.find((p) => p.plan_code === code)?.name ?? code) : "—");
  const b = summary.balances;
  return (
    <>
      <h3>Plan</h3>
      <dl className="facts" aria-label="Plan">
        <dt>Plan</dt>
        <dd>{planName(summary.plan_code)}</dd>
        <dt>Status</dt>
        <dd>
          {STATUS_WORDS[summary.status] ?? summary.status}
          {sub.cancel_at_period_end && " (cancels at the end of the period)"}
        </dd>
        {sub.trial_ends_at && (
          <>
            <dt>Trial ends</dt>
            <dd>{formatTime(sub.trial_ends_at)}</dd>
          </>
        )}
        {sub.current_period_end && (
          <>
            <dt>Period ends</dt>
            <dd>{formatTime(sub.current_period_end)}</dd>
          </>
        )}
        {sub.pending_plan_code && (
          <>
            <dt>Next plan</dt>
            <dd>{planName(sub.pending_plan_code)} (from the next period)</dd>
          </>
        )}
      </dl>
      <h3>Balances</h3>
      <dl className="kpis" aria-label="Balances (credits)">
        <Balance label="Total" microcredits={b.total_remaining_microcredits} />
        <Balance label="Trial" microcredits={b.trial_remaining} />
        <Balance label="Included" microcredits={b.included_remaining} />
        <Balance label="Pay as you go" microcredits={b.payg_remaining} />
      </dl>
      <p className="muted">One credit is 1,000,000 microcredits. Trial credits are spent first, then included, then pay as you go.</p>
    </>
  );
}

function Balance({ label, microcredits }: { label: string; microcredits: number }) {
  return (
    <div className="kpi">
      <dt>{label}</dt>
      <dd className="kpi-value">{formatCredits(microcredits)}</dd>
      <dd className="kpi-detail">credits</dd>
    </div>
  );
}

function PeriodUsage({ summary }: { summary: BillingSummary }) {
  return (
    <>
      <h3>This period</h3>
      <p className="muted">
        {formatTime(summary.period.from)} – {formatTime(summary.period.to)}
      </p>
      {summary.usage.length === 0 ? (
        <p>Nothing spent in this period.</p>
      ) : (
        <table className="list">
          <caption className="sr-only">Spending by action in this period</caption>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Quantity</th>
              <th scope="col">Credits</th>
            </tr>
          </thead>
          <tbody>
            {summary.usage.map((u) => (
              <tr key={u.action}>
                <td>
                  <code>{u.action}</code>
                </td>
                <td>{u.quantity}</td>
                <td>{formatCredits(Math.abs(u.microcredits))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Start a trial, subscribe, change plan, cancel at the period's end (workspace admins). */
function PlanActions({
  summary,
  plans,
  onDone,
}: {
  summary: BillingSummary;
  plans: BillingPlan[];
  onDone: () => Promise<void>;
}) {
  const { api } = useSession();
  const [plan, setPlan] = useState(summary.plan_code ?? plans[0]?.plan_code ?? "");
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const status = summary.status;
  const active = status === "active" || status === "past_due";
  const chosen = plans.find((p) => p.plan_code === plan);
  /** Runs `call`; what it answers (when a string) replaces the default message `what`. */
  const act = async (what: string, call: () => Promise<unknown>) => {
    setDone(null);
    let said: unknown;
    if (await action.run(async () => (said = await call()))) {
      setDone(typeof said === "string" ? said : what);
      await onDone();
    }
  };
  if (plans.length === 0) return <p className="muted">This server offers no plans.</p>;
  return (
    <form className="stacked-form" aria-label="Subscription" onSubmit={(e) => e.preventDefault()}>
      <h3>Subscription</h3>
      <label>
        Plan
        <select value={plan} onChange={(e) => setPlan(e.target.value)}>
          {plans.map((p) => (
            <option key={p.plan_code} value={p.plan_code}>
              {p.name} — {formatPrice(p)}, {formatCredits(p.included_microcredits)} credits included
              {p.trial_days ? `, ${p.trial_days}-day trial` : ""}
            </option>
          ))}
        </select>
      </label>
      <div className="actions wrap">
        {status === "none" && chosen?.trial_days && (
          <button type="button" onClick={() => act("Trial started.", () => api.startTrial(plan))}>
            Start trial
          </button>
        )}
        {!active && (
          <button type="button" onClick={() => act("Subscribed.", () => api.subscribe(plan))}>
            Subscribe
          </button>
        )}
        {active && plan !== summary.plan_code && (
          <button
            type="button"
            onClick={() =>
              act("Plan changed.", async () => {
                const r = await api.changePlan(plan);
                return r.applies === "period_end" ? "The new plan applies at the end of the period." : "Plan changed.";
              })
            }
          >
            Change plan
          </button>
        )}
        {(active || status === "trialing") && !summary.subscription.cancel_at_period_end && (
          <button
            type="button"
            onClick={() => act("Cancelled at the end of the period.", () => api.cancelSubscription(true))}
          >
            {status === "trialing" ? "Cancel trial" : "Cancel at period end"}
          </button>
        )}
      </div>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      <ErrorMessage error={action.error} />
    </form>
  );
}

/** Adds pay-as-you-go credits (the workspace owner only; docs/billing.md "Routes"). */
function GrantCredits({ onDone }: { onDone: () => Promise<void> }) {
  const { api } = useSession();
  const [credits, setCredits] = useState("");
  const [note, setNote] = useState("");
  const [granted, setGranted] = useState<string | null>(null);
  const action = useAction();
  return (
    <form
      className="stacked-form"
      aria-label="Grant credits"
      onSubmit={async (e) => {
        e.preventDefault();
        setGranted(null);
        // Credits are typed; the API counts whole microcredits.
        const microcredits = Math.round(Number(credits) * MICROCREDITS_PER_CREDIT);
        const ok = await action.run(async () => {
          const r = await api.grantCredits(microcredits, note.trim() || undefined);
          setGranted(`Granted ${formatCredits(r.entry.microcredits)} credits.`);
        });
        if (ok) {
          setCredits("");
          setNote("");
          await onDone();
        }
      }}
    >
      <h3>Grant credits</h3>
      <label>
        Credits to grant
        <input type="number" required min={0.000001} step="any" value={credits} onChange={(e) => setCredits(e.target.value)} />
      </label>
      <label>
        Note (optional)
        <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button type="submit">Grant credits</button>
      {granted && (
        <p className="notice" role="status">
          {granted}
        </p>
      )}
      <ErrorMessage error={action.error} />
    </form>
  );
}

/** A ledger table read a page at a time ("Load more" follows `next_cursor`). */
function History({
  title,
  caption,
  empty,
  load,
}: {
  title: string;
  caption: string;
  empty: string;
  load: (cursor: string | null) => Promise<LedgerPage>;
}) {
  const { data, error } = useAsync(() => load(null), []);
  const [more, setMore] = useState<LedgerEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const loadMore = useAction();
  const next = cursor === undefined ? data?.next_cursor : cursor;
  const rows = [...(data?.entries ?? []), ...more];
  const headingId = `${title.toLowerCase().replace(/\s+/g, "-")}-heading`;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      <ErrorMessage error={error} />
      {data && rows.length === 0 && <p>{empty}</p>}
      {rows.length > 0 && (
        <table className="list">
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Quantity</th>
              <th scope="col">Credits</th>
              <th scope="col">Bucket</th>
              <th scope="col">Run / note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={`${e.id}-${e.bucket}`}>
                <td>{formatTime(e.at)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.quantity ?? ""}</td>
                <td>{(e.microcredits > 0 ? "+" : "") + formatCredits(e.microcredits)}</td>
                <td>{e.bucket}</td>
                <td>{e.run_id ? <code>{e.run_id}</code> : (e.note ?? "")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button
          type="button"
          onClick={() =>
            loadMore.run(async () => {
              const page = await load(next);
              setMore((m) => [...m, ...page.entries]);
              setCursor(page.next_cursor);
            })
          }
        >
          Load more {title.toLowerCase()}
        </button>
      )}
      <ErrorMessage error={loadMore.error} />
    </section>
  );
}
