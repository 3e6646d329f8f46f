import { describe, expect, it } from "vitest";
import { areaInView, fitArea, fromMap, mapArea, toMap } from "./minimap";

describe("mini map geometry", () => {
  it("shows every node and the area in view", () => {
    const nodes = [
      { x: 0, y: 0, width: 200, height: 64 },
      { x: 1000, y: 300, width: 200, height: 64 },
    ];
    expect(mapArea(nodes, { x: -500, y: 100, width: 400, height: 100 })).toEqual({ x: -500, y: 0, width: 1700, height: 364 });
    // An empty graph: just the view.
    expect(mapArea([], { x: 5, y: 6, width: 7, height: 8 })).toEqual({ x: 5, y: 6, width: 7, height: 8 });
  });

  it("fits the area in the map keeping its shape, centred, inside the margin", () => {
    const area = { x: 100, y: 50, width: 1000, height: 200 };
    const t = fitArea(area, 200, 150, 10);
    expect(t.scale).toBeCloseTo(0.18); // (200 - 2×10) / 1000: width decides
    const topLeft = toMap(t, { x: 100, y: 50 });
    const bottomRight = toMap(t, { x: 1100, y: 250 });
    expect(topLeft.x).toBeCloseTo(10);
    expect(bottomRight.x).toBeCloseTo(190);
    // Vertically centred: equal space above and below.
    expect(topLeft.y).toBeCloseTo(150 - bottomRight.y);
  });

  it("maps a press on the map back to the flow point drawn there", () => {
    const t = fitArea({ x: -300, y: -40, width: 5000, height: 900 }, 200, 150);
    for (const p of [{ x: -300, y: -40 }, { x: 1234, y: 567 }, { x: 4700, y: 860 }]) {
      const back = fromMap(t, toMap(t, p));
      expect(back.x).toBeCloseTo(p.x);
      expect(back.y).toBeCloseTo(p.y);
    }
  });

  it("turns React Flow's viewport into the flow area in view", () => {
    // Panned by (-600, 100) at zoom 0.5 in an 800×400 pane.
    expect(areaInView([-600, 100, 0.5], 800, 400)).toEqual({ x: 1200, y: -200, width: 1600, height: 800 });
  });
});
