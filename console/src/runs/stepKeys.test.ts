import { describe, expect, it } from "vitest";
import { sampleGraph } from "../graph/fixtures";
import { nodeKeyResolver, statusesByNode } from "./stepKeys";

describe("nodeKeyResolver", () => {
  const resolve = nodeKeyResolver(sampleGraph());
  it.each([
    ["fetch", "fetch"],
    ["merge", "each/merge"],
    ["each/lookup", "each/lookup"],
    // The server's inner-step events (docs/contract.md §7).
    ["each#body#lookup", "each/lookup"],
    ["each#body#ghost", undefined],
    ["ghost", undefined],
  ])("maps %s to %s", (id, key) => {
    expect(resolve(id)).toBe(key);
  });
});

describe("statusesByNode", () => {
  it("keeps statuses of known steps only", () => {
    const m = statusesByNode(sampleGraph(), {
      fetch: { status: "completed", attempt: 1 },
      lookup: { status: "running", attempt: 1 },
      ghost: { status: "failed", attempt: 1 },
    });
    expect([...m.entries()]).toEqual([
      ["fetch", "completed"],
      ["each/lookup", "running"],
    ]);
  });
});
