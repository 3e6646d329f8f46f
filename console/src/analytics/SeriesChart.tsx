/**
 * One time-series chart of the Analytics page: a uPlot line chart, a legend that carries
 * each series' total over the period, and the data table of every bucket (the chart's text
 * alternative, behind a disclosure). uPlot draws on a canvas, which cannot read the
 * stylesheet's custom properties, so the colours are read from them when the chart is
 * drawn and again when the theme changes.
 */
import { useEffect, useId, useRef, useState, type CSSProperties } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { AnalyticsGranularity } from "../api/types";
import { useTheme } from "../theme/theme";
import { formatBucket, formatCount } from "./format";

/** One line of a chart. Callers keep these in module constants, so a re-render does not redraw. */
export interface SeriesSpec<P> {
  label: string;
  value: (point: P) => number;
  /** A colour custom property of styles.css, e.g. `--st-completed`. */
  colour: string;
  /** Drawn against the right-hand axis (a quantity of another magnitude, e.g. tokens). */
  right?: boolean;
}

const HEIGHT = 240;
const FALLBACK_WIDTH = 640;

/** Tick steps for counts: whole numbers only (1, 2, 5, 10, 20, 50, …). */
const WHOLE_STEPS = Array.from({ length: 12 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

function colourOf(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function countAxis(ink: string, line: string, right: boolean, label?: string): uPlot.Axis {
  return {
    scale: right ? "right" : "y",
    side: right ? 1 : 3,
    stroke: ink,
    grid: { show: !right, stroke: line, width: 1 },
    ticks: { stroke: line, width: 1 },
    incrs: WHOLE_STEPS,
    values: (_u, splits) => splits.map((v) => formatCount(v)),
    size: 56,
    label,
  };
}

/** Counts start at 0 and leave headroom over the highest bucket; an all-zero series still gets an axis. */
const fromZero: uPlot.Scale.Range = (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1];

function options<P>(
  series: SeriesSpec<P>[],
  width: number,
  onHover: (index: number | null) => void,
  rightLabel?: string,
): uPlot.Options {
  const ink = colourOf("--ink", "#1b1d23");
  const line = colourOf("--line", "#d9dce2");
  const hasRight = series.some((s) => s.right);
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    hooks: { setCursor: [(u) => onHover(u.cursor.idx ?? null)] },
    // The server cuts buckets in UTC; the axis says the same times as the data table.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true }, y: { range: fromZero }, ...(hasRight ? { right: { range: fromZero } } : {}) },
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        scale: s.right ? "right" : "y",
        stroke: colourOf(s.colour, ink),
        width: 2,
        points: { size: 6 },
      })),
    ],
    axes: [
      { stroke: ink, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } },
      countAxis(ink, line, false),
      ...(hasRight ? [countAxis(ink, line, true, rightLabel)] : []),
    ],
  };
}

interface Props<P extends { t: string }> {
  title: string;
  points: P[];
  granularity: AnalyticsGranularity;
  series: SeriesSpec<P>[];
  /** Names the right-hand axis when a series uses it. */
  rightLabel?: string;
}

export function SeriesChart<P extends { t: string }>({ title, points, granularity, series, rightLabel }: Props<P>) {
  const id = useId();
  const plotRef = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  // The bucket under the pointer, read out under the chart (uPlot's own legend is off).
  const [hovered, setHovered] = useState<number | null>(null);

  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.t) / 1000),
      ...series.map((s) => points.map(s.value)),
    ];
    const plot = new uPlot(options(series, el.clientWidth || FALLBACK_WIDTH, setHovered, rightLabel), data, el);
    // The chart follows its column's width (window resizes, side panels).
    const resize =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver(() => {
            if (el.clientWidth > 0) plot.setSize({ width: el.clientWidth, height: HEIGHT });
          });
    resize?.observe(el);
    return () => {
      resize?.disconnect();
      plot.destroy();
    };
  }, [points, series, rightLabel, theme]);

  const total = (s: SeriesSpec<P>) => points.reduce((sum, p) => sum + s.value(p), 0);
  const titleId = `${id}-title`;
  const point = hovered === null ? undefined : points[hovered];

  return (
    <figure className="chart" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <ul className="chart-legend" aria-label={`${title}: totals`}>
        {series.map((s) => (
          <li key={s.label} style={{ "--series": `var(${s.colour})` } as CSSProperties}>
            <span className="chart-swatch" aria-hidden="true" />
            <span>
              {s.label}: <strong>{formatCount(total(s))}</strong>
              {s.right && <span className="muted"> (right axis)</span>}
            </span>
          </li>
        ))}
      </ul>
      <div
        className="chart-plot"
        ref={plotRef}
        role="img"
        aria-label={`${title}, one point per ${granularity} (UTC); the data table below lists every ${granularity}.`}
      />
      {/* For the pointer only: the data table says the same to everyone. */}
      <p className="chart-readout" aria-hidden="true">
        {point
          ? `${formatBucket(point.t, granularity)}: ${series.map((s) => `${s.label} ${formatCount(s.value(point))}`).join(" · ")}`
          : `Point at the chart to read one ${granularity}.`}
      </p>
      <details className="chart-data">
        <summary>
          Data table ({formatCount(points.length)} {granularity === "hour" ? "hours" : `${granularity}s`})
        </summary>
        {/* Scrolls on its own (a week by the hour is 169 rows); focusable, so keyboards can scroll it. */}
        <div className="chart-table" tabIndex={0} role="region" aria-label={`${title}: data table`}>
          <table className="list">
            <caption className="sr-only">{title} by {granularity}</caption>
            <thead>
              <tr>
                <th scope="col">{granularity === "hour" ? "Hour" : granularity === "day" ? "Day" : "Week"} (UTC)</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.t}>
                  <th scope="row">{formatBucket(p.t, granularity)}</th>
                  {series.map((s) => (
                    <td key={s.label}>{formatCount(s.value(p))}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
