import { describe, expect, it } from "vitest";
import { directionOf, EDGE_MARGIN, roundedPath, routeAround, type Box } from "./routing";
import type { XY } from "./types";

const card = (x: number, y: number): Box => ({ x, y, width: 240, height: 92 });

/** Whether the polyline s → bends → t passes through `box` (edges touching its border are fine). */
function crosses(points: XY[], box: Box): boolean {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as XY;
    const b = points[i] as XY;
    const minX = Math.min(a.x, b.x);
    const maxX = Math.max(a.x, b.x);
    const minY = Math.min(a.y, b.y);
    const maxY = Math.max(a.y, b.y);
    if (maxX > box.x && minX < box.x + box.width && maxY > box.y && minY < box.y + box.height) return true;
  }
  return false;
}

describe("routeAround", () => {
  // A chain a → b → c stacked downwards, and an edge a → c that would run straight through b.
  const a = card(0, 0);
  const b = card(0, 150);
  const c = card(0, 300);

  it("takes a lane beside the card in the way, a margin clear of it", () => {
    const bends = routeAround(a, c, [a, b, c], "TB");
    expect(bends).toBeDefined();
    const points = [{ x: 120, y: 92 }, ...(bends ?? []), { x: 120, y: 300 }];
    expect(crosses(points, b)).toBe(false);
    const lane = bends?.[1]?.x ?? 0;
    expect(lane === b.x - EDGE_MARGIN || lane === b.x + b.width + EDGE_MARGIN).toBe(true);
    // First and last bends sit just outside the two end cards.
    expect(bends?.[0]).toEqual({ x: 120, y: 92 + EDGE_MARGIN });
    expect(bends?.[3]).toEqual({ x: 120, y: 300 - EDGE_MARGIN });
  });

  it("leaves an edge alone when nothing is in its way, or when it runs backwards", () => {
    expect(routeAround(a, b, [a, b, c], "TB")).toBeUndefined();
    // A card beside the path, not on it.
    expect(routeAround(a, c, [a, card(600, 150), c], "TB")).toBeUndefined();
    expect(routeAround(c, a, [a, b, c], "TB")).toBeUndefined();
  });

  it("passes cards on both sides through the nearer gap", () => {
    // b in the middle column, a wide neighbour on its right: the lane goes left.
    const right = { x: 250, y: 150, width: 400, height: 92 };
    const bends = routeAround(a, c, [a, b, right, c], "TB");
    expect(bends?.[1]?.x).toBe(b.x - EDGE_MARGIN);
  });

  it("routes left-to-right graphs the same way with the axes swapped", () => {
    const l = { x: 0, y: 0, width: 240, height: 92 };
    const m = { x: 320, y: 0, width: 240, height: 92 };
    const r = { x: 640, y: 0, width: 240, height: 92 };
    const bends = routeAround(l, r, [l, m, r], "LR");
    expect(bends).toBeDefined();
    const points = [{ x: 240, y: 46 }, ...(bends ?? []), { x: 640, y: 46 }];
    expect(crosses(points, m)).toBe(false);
  });

  it("routes a 500-step chain with a skip edge per step within a frame budget's reach", () => {
    const cards = Array.from({ length: 500 }, (_, i) => card(0, i * 150));
    let routed = 0;
    for (let i = 2; i < cards.length; i++) if (routeAround(cards[i - 2] as Box, cards[i] as Box, cards, "TB")) routed++;
    expect(routed).toBe(498);
  });
});

describe("directionOf", () => {
  it("is across when most edges run across, down otherwise or without positions", () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(directionOf([{ from: p(0, 0), to: p(300, 10) }])).toBe("LR");
    expect(directionOf([{ from: p(0, 0), to: p(10, 150) }])).toBe("TB");
    expect(directionOf([{ from: undefined, to: p(0, 0) }])).toBe("TB");
    expect(directionOf([])).toBe("TB");
  });
});

describe("roundedPath", () => {
  it("draws straight lines with rounded bends, and a bend no rounder than half its shortest leg", () => {
    expect(roundedPath([{ x: 0, y: 0 }, { x: 0, y: 100 }])).toBe("M 0 0 L 0 100");
    expect(roundedPath([{ x: 0, y: 0 }, { x: 0, y: 50 }, { x: 100, y: 50 }], 8)).toBe("M 0 0 L 0 42 Q 0 50 8 50 L 100 50");
    expect(roundedPath([{ x: 0, y: 0 }, { x: 0, y: 4 }, { x: 100, y: 4 }], 8)).toBe("M 0 0 L 0 2 Q 0 4 2 4 L 100 4");
  });
});
