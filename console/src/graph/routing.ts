/**
 * Edge routing around cards. The canvas draws an edge as an orthogonal line (down from the
 * source, across, down into the target, for a top-to-bottom graph). When that line would
 * cross another card — typically an edge that skips a level, drawn straight through the
 * steps between — the edge takes a lane beside the cards in its way instead: down a little,
 * across to the lane, along it, back across above the target, and in.
 *
 * Pure geometry on the graph's positions and the cards' known sizes (no measuring), so it
 * runs when the graph changes, never per drag frame. Left-to-right graphs are routed in the
 * same way with x and y swapped.
 */
import type { XY } from "./types";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How the graph flows: edges leave a card's bottom (TB) or its right side (LR). */
export type Direction = "TB" | "LR";

/** Space kept between an edge and the cards it passes, and the first and last bends' distance from the cards. */
export const EDGE_MARGIN = 16;

/** A computed route: bends in flow coordinates, and the end points they were computed for. */
export interface Route {
  from: XY;
  to: XY;
  bends: XY[];
}

const swap = (p: XY): XY => ({ x: p.y, y: p.x });
const swapBox = (b: Box): Box => ({ x: b.y, y: b.x, width: b.height, height: b.width });

/** Where an edge leaves `box` and where it enters one. */
export function exitPoint(box: Box, dir: Direction): XY {
  return dir === "TB" ? { x: box.x + box.width / 2, y: box.y + box.height } : { x: box.x + box.width, y: box.y + box.height / 2 };
}
export function entryPoint(box: Box, dir: Direction): XY {
  return dir === "TB" ? { x: box.x + box.width / 2, y: box.y } : { x: box.x, y: box.y + box.height / 2 };
}

/** Whether the axis-aligned segment a–b passes through `box` grown by `pad` on every side. */
function hits(a: XY, b: XY, box: Box, pad: number): boolean {
  const left = box.x - pad;
  const right = box.x + box.width + pad;
  const top = box.y - pad;
  const bottom = box.y + box.height + pad;
  const minX = Math.min(a.x, b.x);
  const maxX = Math.max(a.x, b.x);
  const minY = Math.min(a.y, b.y);
  const maxY = Math.max(a.y, b.y);
  return maxX > left && minX < right && maxY > top && minY < bottom;
}

const pathClear = (points: XY[], obstacles: Box[], pad: number): boolean => {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as XY;
    const b = points[i] as XY;
    for (const o of obstacles) if (hits(a, b, o, pad)) return false;
  }
  return true;
};

/**
 * The bends of an edge from `source` to `target` that keep clear of the other `cards`, or `undefined`
 * when the plain orthogonal line is clear already (or the edge goes backwards, which the
 * plain line draws best).
 */
export function routeAround(source: Box, target: Box, cards: Box[], dir: Direction): XY[] | undefined {
  // `cards` may hold the two ends themselves (callers pass every card once).
  const others = cards.filter((c) => c !== source && c !== target);
  if (dir === "LR") {
    const bends = routeDown(swapBox(source), swapBox(target), others.map(swapBox));
    return bends?.map(swap);
  }
  return routeDown(source, target, others);
}

function routeDown(source: Box, target: Box, others: Box[]): XY[] | undefined {
  const s = exitPoint(source, "TB");
  const t = entryPoint(target, "TB");
  const m = EDGE_MARGIN;
  if (t.y - s.y < 2 * m) return undefined;
  // Only cards that reach into the band between the two ends can be in the way.
  const inBand = others.filter((o) => o.y + o.height > s.y && o.y < t.y);
  if (inBand.length === 0) return undefined;
  const midY = (s.y + t.y) / 2;
  // Cards are passed at half the margin, so a lane exactly a margin away counts as clear.
  const pad = m / 2 - 1;
  if (pathClear([s, { x: s.x, y: midY }, { x: t.x, y: midY }, t], inBand, pad)) return undefined;
  const y1 = s.y + m;
  const y2 = t.y - m;
  const lanes = new Set<number>([s.x, t.x]);
  for (const o of inBand) {
    lanes.add(o.x - m);
    lanes.add(o.x + o.width + m);
  }
  const cost = (x: number) => Math.abs(x - s.x) + Math.abs(x - t.x);
  for (const x of [...lanes].sort((a, b) => cost(a) - cost(b) || a - b)) {
    const bends = [
      { x: s.x, y: y1 },
      { x, y: y1 },
      { x, y: y2 },
      { x: t.x, y: y2 },
    ];
    if (pathClear([s, ...bends, t], inBand, pad)) return bends;
  }
  return undefined;
}

/**
 * The direction a graph is drawn in, read from its saved positions: left to right when most
 * edges between positioned steps run more across than down (graphs laid out before the
 * console drew top to bottom, canvas exports), else top to bottom.
 */
export function directionOf(edges: { from: XY | undefined; to: XY | undefined }[]): Direction {
  let across = 0;
  let down = 0;
  for (const e of edges) {
    if (!e.from || !e.to) continue;
    if (Math.abs(e.to.x - e.from.x) > Math.abs(e.to.y - e.from.y)) across++;
    else down++;
  }
  return across > down ? "LR" : "TB";
}

/**
 * An SVG path through `points` with rounded corners (radius up to `radius`, less where two
 * bends are close), for orthogonal polylines.
 */
export function roundedPath(points: XY[], radius = 8): string {
  const first = points[0];
  if (!first) return "";
  let d = `M ${first.x} ${first.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const prev = points[i - 1] as XY;
    const p = points[i] as XY;
    const next = points[i + 1] as XY;
    const inLen = Math.hypot(p.x - prev.x, p.y - prev.y);
    const outLen = Math.hypot(next.x - p.x, next.y - p.y);
    const r = Math.min(radius, inLen / 2, outLen / 2);
    if (r < 0.5) {
      d += ` L ${p.x} ${p.y}`;
      continue;
    }
    const a = { x: p.x - ((p.x - prev.x) / inLen) * r, y: p.y - ((p.y - prev.y) / inLen) * r };
    const b = { x: p.x + ((next.x - p.x) / outLen) * r, y: p.y + ((next.y - p.y) / outLen) * r };
    d += ` L ${a.x} ${a.y} Q ${p.x} ${p.y} ${b.x} ${b.y}`;
  }
  const last = points[points.length - 1] as XY;
  if (points.length > 1) d += ` L ${last.x} ${last.y}`;
  return d;
}
