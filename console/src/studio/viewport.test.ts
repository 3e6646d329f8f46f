import { describe, expect, it } from "vitest";
import type { Box } from "../graph/routing";
import { initialViewport, LEGIBLE_ZOOM, MAX_FIRST_ZOOM } from "./viewport";

const card = (x: number, y: number) => ({ x, y, width: 240, height: 92 });
const pane = { width: 800, height: 700 };

describe("initialViewport", () => {
  it("fits a small graph, centred, without blowing it up", () => {
    const v = initialViewport([card(0, 0)], pane, []);
    expect(v.zoom).toBe(MAX_FIRST_ZOOM);
    expect(v.x).toBe((800 - 240) / 2);
    expect(v.y).toBe((700 - 92) / 2);
  });

  it("zooms out to fit a seven-step chain when that stays legible", () => {
    // The Studio's canvas in a 1400×900 window is about 790×800.
    const chain = Array.from({ length: 7 }, (_, i) => card(0, i * 148));
    const v = initialViewport(chain, { width: 790, height: 800 }, [chain[0] as Box]);
    const height = 6 * 148 + 92;
    expect(v.zoom).toBeCloseTo((800 - 64) / height);
    expect(v.zoom).toBeGreaterThanOrEqual(LEGIBLE_ZOOM);
  });

  it("opens a long chain at the legible zoom on its first step, centred across", () => {
    const chain = Array.from({ length: 500 }, (_, i) => card(100, i * 148));
    const v = initialViewport(chain, pane, [chain[0] as Box]);
    expect(v.zoom).toBe(LEGIBLE_ZOOM);
    expect(v.y).toBe(32); // the first card's top, a padding below the pane's top
    expect(v.x).toBeCloseTo((800 - 240 * LEGIBLE_ZOOM) / 2 - 100 * LEGIBLE_ZOOM);
  });

  it("shows the left end of a wide graph laid out across", () => {
    const row = Array.from({ length: 20 }, (_, i) => card(i * 320, 50));
    const v = initialViewport(row, pane, [row[0] as Box]);
    expect(v.zoom).toBe(LEGIBLE_ZOOM);
    expect(v.x).toBe(32);
  });

  it("opens a graph whose widest rank does not fit on its root, centred above that rank", () => {
    const gate = card(72_000, 0);
    const row = Array.from({ length: 500 }, (_, i) => card(i * 288, 124));
    const v = initialViewport([gate, ...row], pane, [gate]);
    expect(v.zoom).toBe(LEGIBLE_ZOOM);
    // The gate's centre is the pane's centre across; the graph (216 px tall) is centred down.
    expect(v.x + (72_000 + 120) * LEGIBLE_ZOOM).toBeCloseTo(400);
    expect(v.y).toBeCloseTo((700 - 216 * LEGIBLE_ZOOM) / 2);
  });

  it("copes with an empty graph or a pane not laid out yet", () => {
    expect(initialViewport([], pane, [])).toEqual({ x: 0, y: 0, zoom: MAX_FIRST_ZOOM });
    expect(initialViewport([card(0, 0)], { width: 0, height: 0 }, [])).toEqual({ x: 0, y: 0, zoom: MAX_FIRST_ZOOM });
  });
});
