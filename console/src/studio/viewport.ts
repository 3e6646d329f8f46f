/**
 * Where the canvas opens. Fitting the whole graph into the pane draws a long chain so small
 * that step names cannot be read; so the first view fits the graph only down to a legible
 * zoom, and a graph too big for that opens at that zoom on its start (its top, or its left
 * for one laid out across), centred on the axis where it fits.
 */
import type { Box } from "../graph/routing";

/** The smallest zoom the first view uses: card names are about 10 px there. */
export const LEGIBLE_ZOOM = 0.7;
/** The largest: a one-step graph is not blown up. */
export const MAX_FIRST_ZOOM = 1;
/** Room kept around the graph, in screen px. */
const PADDING = 32;

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/**
 * `roots` are the cards of the steps that start the flow (no dependencies): where the view
 * opens on a graph too big for the pane.
 */
export function initialViewport(boxes: Box[], pane: { width: number; height: number }, roots: Box[]): Viewport {
  if (boxes.length === 0 || pane.width <= 0 || pane.height <= 0) return { x: 0, y: 0, zoom: MAX_FIRST_ZOOM };
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  const width = right - left;
  const height = bottom - top;
  const fit = Math.min((pane.width - 2 * PADDING) / width, (pane.height - 2 * PADDING) / height);
  const zoom = Math.min(MAX_FIRST_ZOOM, Math.max(LEGIBLE_ZOOM, fit));
  // Centred on each axis where the graph fits. Where it does not, the roots are shown:
  // centred on them, but never past the graph's own start (the top of a chain stays at the
  // top, a row's first card at the left; a root above a very wide rank is centred).
  // A graph that is all cycle has no root: its cards' own start then.
  const starts = roots.length > 0 ? roots : boxes;
  const mid = (lo: (b: Box) => number, size: (b: Box) => number) =>
    (Math.min(...starts.map(lo)) + Math.max(...starts.map((b) => lo(b) + size(b)))) / 2;
  const place = (lo: number, size: number, room: number, rootsMid: number) =>
    size * zoom > room - 2 * PADDING ? Math.min(PADDING - lo * zoom, room / 2 - rootsMid * zoom) : (room - size * zoom) / 2 - lo * zoom;
  return {
    x: place(left, width, pane.width, mid((b) => b.x, (b) => b.width)),
    y: place(top, height, pane.height, mid((b) => b.y, (b) => b.height)),
    zoom,
  };
}
