/**
 * `/analytics`: how the current project's workflows are doing over a period — key figures,
 * runs and usage over time, and step durations by type (docs/analytics.md). The period and
 * the granularity live in the URL (`?window=week&granularity=hour`), so a view can be
 * shared or bookmarked. Open to contributors and admins; a viewer is told so.
 *
 * Loaded on demand (App.tsx): the chart library stays out of the first page's bundle.
 */
import { Link, useSearchParams } from "react-router";
import type { AnalyticsGranularity, AnalyticsWindow, RunsPoint, UsagePoint } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { projectRoleLabel } from "../session/access";
import { useSession } from "../session/SessionContext";
import { formatCount, formatInstant, formatMs } from "./format";
import { KpiCards } from "./KpiCards";
import { isDenied, isEmptyPeriod, loadFigures, loadSeries, type Figures, type Series } from "./load";
import { SeriesChart, type SeriesSpec } from "./SeriesChart";

const WINDOWS: { value: AnalyticsWindow; label: string }[] = [
  { value: "week", label: "Last 7 days" },
  { value: "month", label: "Last 30 days" },
  { value: "all", label: "All time" },
];
const GRANULARITIES: { value: AnalyticsGranularity; label: string }[] = [
  { value: "hour", label: "By hour" },
  { value: "day", label: "By day" },
  { value: "week", label: "By week" },
];

const RUN_SERIES: SeriesSpec<RunsPoint>[] = [
  { label: "Started", value: (p) => p.started, colour: "--st-running" },
  { label: "Completed", value: (p) => p.completed, colour: "--st-completed" },
  { label: "Failed", value: (p) => p.failed, colour: "--st-failed" },
  { label: "Stopped", value: (p) => p.stopped, colour: "--st-cancelled" },
];
const USAGE_SERIES: SeriesSpec<UsagePoint>[] = [
  { label: "Steps executed", value: (p) => p.steps_executed, colour: "--ty-lua_script" },
  { label: "MCP calls", value: (p) => p.mcp_calls, colour: "--ty-mcp_call" },
  { label: "LLM tokens", value: (p) => p.llm_tokens_in + p.llm_tokens_out, colour: "--ty-llm_call", right: true },
];

/** A known value of the URL parameter, or the server's default. */
function pick<T extends string>(value: string | null, options: { value: T }[], fallback: T): T {
  return options.find((o) => o.value === value)?.value ?? fallback;
}

export default function AnalyticsPage() {
  const { api, scope, me } = useSession();
  const [params, setParams] = useSearchParams();
  const period = pick(params.get("window"), WINDOWS, "month");
  const granularity = pick(params.get("granularity"), GRANULARITIES, "day");
  const figures = useAsync(() => loadFigures(api, period), [api, scope.tenant, scope.project, period]);
  const series = useAsync(
    () => loadSeries(api, period, granularity),
    [api, scope.tenant, scope.project, period, granularity],
  );

  const choose = (key: "window" | "granularity", value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set(key, value);
        return next;
      },
      { replace: true },
    );

  if (isDenied(figures.data) || isDenied(series.data)) {
    const role = me?.workspaces.find((w) => w.slug === scope.tenant)?.projects.find((p) => p.id === scope.project)?.role;
    return (
      <section className="page">
        <h1>Analytics</h1>
        <p className="callout">
          Analytics needs <strong>contributor</strong> access to this project
          {role ? ` (your role here: ${projectRoleLabel(role)})` : ""}. Ask a project admin to make you a contributor.
        </p>
      </section>
    );
  }

  const shown = figures.data as Figures | undefined;
  const updating = figures.loading || series.loading;
  return (
    <section className="page analytics" aria-busy={updating}>
      <div className="page-head">
        <h1>Analytics</h1>
        <div className="toolbar">
          <label>
            Period
            <select value={period} onChange={(e) => choose("window", e.target.value)}>
              {WINDOWS.map((w) => (
                <option key={w.value} value={w.value}>
                  {w.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Granularity
            <select value={granularity} onChange={(e) => choose("granularity", e.target.value)}>
              {GRANULARITIES.map((g) => (
                <option key={g.value} value={g.value}>
                  {g.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <p className="muted" role="status">
        {updating && shown ? "Updating…" : shown ? periodText(shown) : ""}
      </p>

      {figures.error && (
        <div className="actions">
          <ErrorMessage error={figures.error} />
          <button type="button" onClick={() => void figures.reload()}>
            Try again
          </button>
        </div>
      )}
      {!shown && figures.loading && <p role="status">Loading analytics…</p>}
      {shown && (
        <>
          <h2 className="sr-only">Key figures</h2>
          <KpiCards figures={shown} />
          {isEmptyPeriod(shown) ? (
            <p className="empty-state">
              No runs in this period. Start a workflow from the <Link to="/workflow">Workflows</Link> page, or choose a
              longer period.
            </p>
          ) : (
            <>
              <Charts
                series={series.data as Series | undefined}
                error={series.error}
                loading={series.loading}
                onRetry={() => void series.reload()}
              />
              <StepsTable figures={shown} />
            </>
          )}
        </>
      )}
    </section>
  );
}

/** What the figures cover, from the period the server echoes. */
function periodText(f: Figures): string {
  const { from, to } = f.runsCount;
  return from ? `From ${formatInstant(from)} to ${formatInstant(to)}.` : `Everything up to ${formatInstant(to)}.`;
}

function Charts(props: {
  series: Series | undefined;
  error: string | null;
  loading: boolean;
  onRetry: () => void;
}) {
  const { series, error, loading, onRetry } = props;
  if (error) {
    return (
      <div className="actions wrap">
        <ErrorMessage error={error} />
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (!series) return loading ? <p role="status">Loading charts…</p> : null;
  // Draw with the granularity of the answer, not of a newer choice still loading.
  return (
    <div className="charts">
      <SeriesChart title="Runs over time" points={series.runs.points} granularity={series.runs.granularity} series={RUN_SERIES} />
      <SeriesChart
        title="Usage over time"
        points={series.usage.points}
        granularity={series.usage.granularity}
        series={USAGE_SERIES}
        rightLabel="LLM tokens"
      />
    </div>
  );
}

function StepsTable({ figures }: { figures: Figures }) {
  const rows = figures.stepsSummary.by_type;
  return (
    <>
      <h2 id="steps-by-type">Steps by type</h2>
      {rows.length === 0 ? (
        <p>No steps completed in this period.</p>
      ) : (
        <table className="list" aria-labelledby="steps-by-type">
          <thead>
            <tr>
              <th scope="col">Step type</th>
              <th scope="col">Completed</th>
              <th scope="col">Median duration (p50)</th>
              <th scope="col">95th percentile (p95)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.type}>
                <th scope="row">
                  <code>{r.type}</code>
                </th>
                <td>{formatCount(r.completed)}</td>
                <td>{formatMs(r.p50_ms)}</td>
                <td>{formatMs(r.p95_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">
        Durations of each type's latest 1,000 completed steps in the period; skipped steps are not counted.
      </p>
    </>
  );
}
