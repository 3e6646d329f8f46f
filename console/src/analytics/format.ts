/**
 * How the Analytics page writes its numbers: counts, rates, durations, credits and the
 * start of a time-series bucket. Buckets are cut in UTC by the server (docs/analytics.md,
 * "Time series"), so bucket times are written in UTC too, never in the browser's zone.
 */
import type { AnalyticsGranularity } from "../api/types";

// The console's words are English; a fixed locale also keeps the tests' expectations stable.
const COUNT = new Intl.NumberFormat("en-US");
const PERCENT = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const CREDITS = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });
const MICROCREDITS_PER_CREDIT = 1_000_000;

/** `1234` → `1,234`. */
export const formatCount = (n: number): string => COUNT.format(n);

/** `0.8333` → `83.3%`. */
export const formatRate = (rate: number): string => PERCENT.format(rate);

/** Microcredits (the API's unit) as credits: `1500000` → `1.5`. */
export const formatCredits = (microcredits: number): string => CREDITS.format(microcredits / MICROCREDITS_PER_CREDIT);

/**
 * A duration at the precision a person reads it: `850 ms`, `4.2 s`, `3 min 20 s`,
 * `2 h 5 min`, `3 d 4 h`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return pair(minutes, "min", totalSeconds % 60, "s");
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return pair(hours, "h", minutes % 60, "min");
  return pair(Math.floor(hours / 24), "d", hours % 24, "h");
}

const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
  small === 0 ? `${COUNT.format(big)} ${bigUnit}` : `${COUNT.format(big)} ${bigUnit} ${small} ${smallUnit}`;

/** A percentile in ms, or a dash when the type has no sample. */
export const formatMs = (ms: number | null): string => (ms === null ? "—" : formatDuration(ms));

/**
 * The start of a bucket, in UTC, as precise as its granularity: `2026-12-07 14:00` for an
 * hour, `2026-12-07` for a day, `week of 2026-12-07` for a week (weeks start on Monday).
 */
export function formatBucket(t: string, granularity: AnalyticsGranularity): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  const day = d.toISOString().slice(0, 10);
  switch (granularity) {
    case "hour":
      return `${day} ${d.toISOString().slice(11, 16)}`;
    case "week":
      return `week of ${day}`;
    default:
      return day;
  }
}

/** A period bound (RFC 3339) as `2026-12-07 14:03 UTC`. */
export function formatInstant(t: string): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}
