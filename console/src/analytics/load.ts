/**
 * What the Analytics page asks the server, in two groups that load independently: the
 * figures of a period (seven routes) and its two time series (which also depend on the
 * granularity, and can be refused alone: more than 2,000 points is a 400,
 * docs/analytics.md "The period").
 */
import type { Api } from "../api/endpoints";
import { ApiError } from "../api/errors";
import type {
  AnalyticsCount,
  AnalyticsGranularity,
  AnalyticsWindow,
  CreditsConsumed,
  ExecutionDuration,
  RunsPoint,
  StepsExecuted,
  StepsSummary,
  SuccessRate,
  TimeSeries,
  UsagePoint,
} from "../api/types";

export interface Figures {
  liveRuns: AnalyticsCount;
  runsCount: AnalyticsCount;
  successRate: SuccessRate;
  executionDuration: ExecutionDuration;
  stepsExecuted: StepsExecuted;
  creditsConsumed: CreditsConsumed;
  stepsSummary: StepsSummary;
}

export interface Series {
  runs: TimeSeries<RunsPoint>;
  usage: TimeSeries<UsagePoint>;
}

/** The answer when the server refuses the caller's role (403: viewers, contributor+ only). */
export const DENIED = { denied: true } as const;
export type Denied = typeof DENIED;

/** Turns a 403 into {@link DENIED}, so the page can explain the role instead of showing an error. */
function deniedOr<T>(load: Promise<T>): Promise<T | Denied> {
  return load.catch((e: unknown) => {
    if (e instanceof ApiError && e.kind === "forbidden") return DENIED;
    throw e;
  });
}

export const isDenied = (v: unknown): v is Denied => typeof v === "object" && v !== null && "denied" in v;

export function loadFigures(api: Api, window: AnalyticsWindow): Promise<Figures | Denied> {
  return deniedOr(
    (async () => {
      const [liveRuns, runsCount, successRate, executionDuration, stepsExecuted, creditsConsumed, stepsSummary] =
        await Promise.all([
          api.liveRuns(),
          api.runsCount(window),
          api.successRate(window),
          api.executionDuration(window),
          api.stepsExecuted(window),
          api.creditsConsumed(window),
          api.stepsSummary(window),
        ]);
      return { liveRuns, runsCount, successRate, executionDuration, stepsExecuted, creditsConsumed, stepsSummary };
    })(),
  );
}

export function loadSeries(api: Api, window: AnalyticsWindow, granularity: AnalyticsGranularity): Promise<Series | Denied> {
  return deniedOr(
    Promise.all([api.runsTimeseries(window, granularity), api.usageTimeseries(window, granularity)]).then(
      ([runs, usage]) => ({ runs, usage }),
    ),
  );
}

/** Nothing happened in the period: no run created or finished, no step executed. */
export const isEmptyPeriod = (f: Figures): boolean =>
  f.runsCount.count === 0 && f.successRate.terminal === 0 && f.stepsExecuted.quantity === 0;
