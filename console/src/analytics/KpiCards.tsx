/** The Analytics page's key figures for a period, one card each (docs/analytics.md, "The answers"). */
import type { ReactNode } from "react";
import { formatCount, formatCredits, formatDuration, formatRate } from "./format";
import type { Figures } from "./load";

/** Below this many finished runs the server gives no success rate (`rate: null`). */
const MIN_FINISHED_FOR_RATE = 3;

function Kpi({ label, value, detail }: { label: string; value: ReactNode; detail: ReactNode }) {
  return (
    <div className="kpi">
      <dt>{label}</dt>
      <dd className="kpi-value">{value}</dd>
      <dd className="kpi-detail">{detail}</dd>
    </div>
  );
}

export function KpiCards({ figures }: { figures: Figures }) {
  const { liveRuns, runsCount, successRate, executionDuration, stepsExecuted, creditsConsumed, stepsSummary } = figures;
  const tokens = stepsSummary.llm_tokens;
  const runsWord = (n: number) => (n === 1 ? "run" : "runs");
  return (
    <dl className="kpis">
      <Kpi label="Live runs" value={formatCount(liveRuns.count)} detail="queued, running, paused or draining now" />
      <Kpi label="Runs" value={formatCount(runsCount.count)} detail="started in this period" />
      {successRate.rate === null ? (
        <Kpi
          label="Success rate"
          value={<span className="kpi-none">Not enough runs</span>}
          detail={`needs ${MIN_FINISHED_FOR_RATE} finished runs; ${formatCount(successRate.terminal)} finished in this period`}
        />
      ) : (
        <Kpi
          label="Success rate"
          value={formatRate(successRate.rate)}
          detail={
            `${formatCount(successRate.completed)} of ${formatCount(successRate.terminal)} finished runs completed` +
            ` · ${formatCount(successRate.failed)} failed · ${formatCount(successRate.stopped)} stopped`
          }
        />
      )}
      <Kpi
        label="Total execution time"
        value={formatDuration(executionDuration.total_ms)}
        detail={`over ${formatCount(executionDuration.runs)} finished ${runsWord(executionDuration.runs)}`}
      />
      <Kpi label="Steps executed" value={formatCount(stepsExecuted.quantity)} detail="steps that completed or failed" />
      <Kpi
        label="Credits consumed"
        value={formatCredits(creditsConsumed.microcredits)}
        detail="every action is priced at 0 on this release"
      />
      <Kpi
        label="LLM tokens"
        value={formatCount(tokens.in + tokens.out)}
        detail={`${formatCount(tokens.in)} in · ${formatCount(tokens.out)} out`}
      />
    </dl>
  );
}
