/**
 * Settings → Billing → Apply a code (workspace admins; docs/billing.md "Codes"): *Check* asks
 * the server what a code would give this workspace, or why it cannot be used; *Apply* uses it
 * (credits go to the pay-as-you-go balance, a discount prices later top-ups).
 */
import { useState } from "react";
import { formatCredits } from "../../analytics/format";
import type { AppliedCode, CodeCheck } from "../../api/types";
import { ErrorMessage } from "../../components/ErrorMessage";
import { useAction } from "../../components/useAction";
import { useSession } from "../../session/SessionContext";

/** Why `discounts/validate` says a code cannot be used, in words. */
const REFUSALS: Record<string, string> = {
  unknown: "No such code. Check its spelling (case does not matter).",
  expired: "This code has expired.",
  exhausted: "This code has been applied as many times as it allows.",
  already_applied: "This workspace already applied this code.",
};

/** What a code gives, from a check or an application. */
function gives(c: Pick<CodeCheck, "kind" | "microcredits" | "percent_off">): string {
  if (c.kind === "credits") return `${formatCredits(c.microcredits ?? 0)} pay-as-you-go credits, once`;
  if (c.kind === "discount") return `${c.percent_off ?? 0}% off every top-up from now on`;
  return "nothing this console knows how to show";
}

function checkWords(c: CodeCheck): string {
  if (!c.valid) return REFUSALS[c.reason ?? ""] ?? `This code cannot be used (${c.reason ?? "no reason given"}).`;
  const expiry = c.expires_at ? ` Apply it before ${new Date(c.expires_at).toLocaleString()}.` : "";
  return `${c.code} gives ${gives(c)}.${expiry}`;
}

function appliedWords(a: AppliedCode): string {
  return a.kind === "credits"
    ? `Applied ${a.code}: ${formatCredits(a.microcredits ?? 0)} credits added to pay as you go.`
    : `Applied ${a.code}: ${a.percent_off ?? 0}% off your top-ups from now on.`;
}

export function ApplyCode({ onDone }: { onDone: () => Promise<void> }) {
  const { api } = useSession();
  const [code, setCode] = useState("");
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const action = useAction();
  const trimmed = code.trim();

  const check = () =>
    action.run(async () => {
      setSaid(null);
      const c = await api.validateCode(trimmed);
      setSaid({ ok: c.valid, text: checkWords(c) });
    });

  const apply = async () => {
    setSaid(null);
    let applied: AppliedCode | undefined;
    if (await action.run(async () => (applied = await api.applyCode(trimmed)))) {
      setSaid({ ok: true, text: appliedWords(applied!) });
      setCode("");
      await onDone();
    }
  };

  return (
    <form
      className="stacked-form"
      aria-label="Apply a code"
      onSubmit={(e) => {
        e.preventDefault();
        if (trimmed) void apply();
      }}
    >
      <h3>Apply a code</h3>
      <label>
        Code
        <input
          value={code}
          required
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setCode(e.target.value);
            setSaid(null);
          }}
        />
      </label>
      <div className="actions wrap">
        <button type="button" disabled={!trimmed} onClick={() => void check()}>
          Check
        </button>
        <button type="submit" disabled={!trimmed}>
          Apply
        </button>
      </div>
      <p role="status" className={said ? (said.ok ? "notice" : "notice problem") : "muted"}>
        {said?.text}
      </p>
      <ErrorMessage error={action.error} />
    </form>
  );
}
