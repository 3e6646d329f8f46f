import { describe, expect, it } from "vitest";
import type { ValidationIssue } from "../api/types";
import { sampleGraph } from "./fixtures";
import { issuesByNode, refOfIssue } from "./issues";

const issue = (json_path: string, step_id: string | null, severity: "error" | "warning" = "error"): ValidationIssue => ({
  code: "missing_field",
  severity,
  step_id,
  json_path,
  message: "m",
});

describe("refOfIssue", () => {
  const cases: [string, ValidationIssue, { id: string; parent?: string } | null][] = [
    ["a top-level path", issue("$.steps[2].prompt", "summarize"), { id: "summarize" }],
    ["an inner path", issue("$.steps[1].for_each_body_steps[1].script", "merge"), { id: "merge", parent: "each" }],
    ["a step id without a usable path", issue("$.edges[0]", "lookup"), { id: "lookup", parent: "each" }],
    ["a graph-level issue", issue("$", null), null],
    ["an out-of-range path with an unknown id", issue("$.steps[40]", "ghost"), null],
  ];
  it.each(cases)("places %s", (_name, i, expected) => {
    expect(refOfIssue(sampleGraph(), i)).toEqual(expected);
  });
});

describe("issuesByNode", () => {
  it("counts issues per node and keeps the worst severity", () => {
    const m = issuesByNode(sampleGraph(), [
      issue("$.steps[0].tool_name", "fetch", "warning"),
      issue("$.steps[0].tool_args", "fetch", "error"),
      issue("$.steps[1].for_each_body_steps[0]", "lookup", "warning"),
    ]);
    expect(m.get("fetch")).toEqual({ count: 2, severity: "error" });
    expect(m.get("each/lookup")).toEqual({ count: 1, severity: "warning" });
    expect(m.has("each")).toBe(false);
  });
});
