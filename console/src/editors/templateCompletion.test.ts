import { CompletionContext } from "@codemirror/autocomplete";
import { EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { sampleGraph } from "../graph/fixtures";
import { suggestTemplatePaths } from "../graph/templates";
import { templateCompletionSource } from "./templateCompletion";

/** Runs the completion source on `doc` with the cursor at the end (or at `|`). */
function complete(doc: string, ref = { id: "summarize" }) {
  const pos = doc.includes("|") ? doc.indexOf("|") : doc.length;
  const text = doc.replace("|", "");
  const state = EditorState.create({ doc: text });
  const source = templateCompletionSource((typed) => suggestTemplatePaths(sampleGraph(), ref, typed));
  return source(new CompletionContext(state, pos, false));
}

describe("template completion in the editor", () => {
  it("suggests ancestors' results after {{ steps.", () => {
    const r = complete("Summarise {{ steps.");
    expect(r?.from).toBe("Summarise {{ ".length);
    const labels = r?.options.map((o) => o.label) ?? [];
    expect(labels).toContain("steps.fetch.result");
    expect(labels.some((l) => l.startsWith("steps.audit"))).toBe(false);
  });

  it("suggests input fields from the schema", () => {
    expect(complete("{{ input.t")?.options.map((o) => o.label)).toEqual(["input.topic"]);
  });

  it("works on the second line of a multi-line prompt", () => {
    const r = complete("line one\nline {{ inp");
    expect(r?.from).toBe("line one\nline {{ ".length);
    expect(r?.options.length).toBeGreaterThan(0);
  });

  it("works inside a JSON string value", () => {
    expect(complete('{"q": "{{ input.to|"}')?.options.map((o) => o.label)).toEqual(["input.topic"]);
  });

  it("offers nothing outside a template", () => {
    expect(complete("plain steps.")).toBeNull();
    expect(complete("{{ input.topic }} steps.")).toBeNull();
  });
});
