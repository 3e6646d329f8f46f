/**
 * Geometry of the canvas mini map: which part of the flow it shows and how flow coordinates
 * map to its pixels and back. Kept apart from drawing so it can be tested without a canvas.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Flow → mini map pixels: `pixel = flow * scale + offset`. */
export interface MapTransform {
  scale: number;
  dx: number;
  dy: number;
}

/**
 * The flow area the mini map shows: every node and the part of the flow in view, so the view
 * rectangle never leaves the map.
 */
export function mapArea(nodes: Iterable<Box>, inView: Box): Box {
  let x1 = inView.x;
  let y1 = inView.y;
  let x2 = inView.x + inView.width;
  let y2 = inView.y + inView.height;
  for (const n of nodes) {
    x1 = Math.min(x1, n.x);
    y1 = Math.min(y1, n.y);
    x2 = Math.max(x2, n.x + n.width);
    y2 = Math.max(y2, n.y + n.height);
  }
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** Fits `area` into a `width`×`height` map, keeping its aspect ratio, centred, with a margin in pixels. */
export function fitArea(area: Box, width: number, height: number, margin = 6): MapTransform {
  const innerW = Math.max(1, width - 2 * margin);
  const innerH = Math.max(1, height - 2 * margin);
  const scale = Math.min(innerW / Math.max(area.width, 1), innerH / Math.max(area.height, 1));
  return {
    scale,
    dx: (width - area.width * scale) / 2 - area.x * scale,
    dy: (height - area.height * scale) / 2 - area.y * scale,
  };
}

export const toMap = (t: MapTransform, p: Point): Point => ({ x: p.x * t.scale + t.dx, y: p.y * t.scale + t.dy });

export const fromMap = (t: MapTransform, p: Point): Point => ({ x: (p.x - t.dx) / t.scale, y: (p.y - t.dy) / t.scale });

/** The flow area in view for a React Flow viewport transform `[tx, ty, zoom]` and pane size. */
export function areaInView([tx, ty, zoom]: readonly [number, number, number], paneWidth: number, paneHeight: number): Box {
  return { x: -tx / zoom, y: -ty / zoom, width: paneWidth / zoom, height: paneHeight / zoom };
}
