import { describe, expect, it } from "vitest";
import { sampleGraph } from "./fixtures";
import { availableTemplatePaths, inputPaths, luaReturnKeys, suggestTemplatePaths, templateContextAt } from "./templates";
import type { WorkflowGraph } from "./types";

const paths = (g: WorkflowGraph, ref: { id: string; parent?: string }) => availableTemplatePaths(g, ref).map((s) => s.path);

describe("templateContextAt", () => {
  const cases: [string, string, { from: number; path: string } | null][] = [
    ["right after the braces", "Hi {{|", { from: 5, path: "" }],
    ["a partial path", "{{ steps.fe|", { from: 3, path: "steps.fe" }],
    ["a path with dashes", "{{steps.load-contacts.re|", { from: 2, path: "steps.load-contacts.re" }],
    ["after a pipe", '{{ input.a | inp|', { from: 13, path: "inp" }],
    ["outside any template", "plain text|", null],
    ["after a closed template", "{{ input.a }} more|", null],
    ["inside a quoted default", '{{ input.a | "fall|', null],
    ["after a space inside a path position", "{{ input.a x|", null],
  ];
  it.each(cases)("at %s", (_name, marked, expected) => {
    const pos = marked.indexOf("|", marked.length - 1);
    expect(templateContextAt(marked.slice(0, pos), pos)).toEqual(expected);
  });
});

describe("inputPaths", () => {
  it("lists input fields from the schema, nested objects included", () => {
    expect(inputPaths(sampleGraph().input_schema).map((s) => s.path)).toEqual(["input.limits", "input.limits.max", "input.topic"]);
  });

  it("describes a field with its type and description", () => {
    expect(inputPaths(sampleGraph().input_schema).find((s) => s.path === "input.topic")?.detail).toBe("run input (string) — what to research");
  });

  it.each([[undefined], [null], ["x"], [{ type: "object" }], [{ properties: [] }]])("lists nothing for schema %j", (schema) => {
    expect(inputPaths(schema as never)).toEqual([]);
  });

  it("stops at a bounded depth on a deeply nested schema", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 50; i++) schema = { type: "object", properties: { d: schema } };
    expect(inputPaths(schema as never).length).toBe(4);
  });
});

describe("availableTemplatePaths", () => {
  it("offers steps.<id>.result only for real ancestors", () => {
    const p = paths(sampleGraph(), { id: "summarize" });
    expect(p).toContain("steps.fetch.result");
    expect(p).toContain("steps.each.result");
    expect(p.some((x) => x.startsWith("steps.audit."))).toBe(false);
    expect(p.some((x) => x.startsWith("steps.summarize."))).toBe(false);
  });

  it("offers no step results to a root step", () => {
    expect(paths(sampleGraph(), { id: "fetch" }).some((x) => x.startsWith("steps."))).toBe(false);
  });

  it("offers the known result fields of an ancestor's type", () => {
    const p = paths(sampleGraph(), { id: "summarize" });
    expect(p).toEqual(expect.arrayContaining(["steps.each.result.results", "steps.each.result.succeeded_count"]));
    const g = sampleGraph();
    g.steps.push({ id: "after", type: "lua_script", depends_on: ["summarize", "audit"] });
    expect(paths(g, { id: "after" })).toEqual(expect.arrayContaining(["steps.summarize.result.text", "steps.audit.result.ok"]));
  });

  it("offers loop scopes only inside a loop body", () => {
    const inner = paths(sampleGraph(), { id: "merge", parent: "each" });
    expect(inner).toEqual(expect.arrayContaining(["item", "foreach.index", "steps.each.item", "body.lookup", "steps.fetch.result"]));
    expect(inner.some((x) => x.startsWith("body.merge"))).toBe(false);
    expect(paths(sampleGraph(), { id: "summarize" }).some((x) => x === "item" || x.startsWith("body."))).toBe(false);
  });

  it("offers the iteration counter and the previous iteration inside a while body", () => {
    const g: WorkflowGraph = {
      steps: [{ id: "w", type: "while", while_max_iterations: 3, while_body_steps: [{ id: "draft", type: "llm_call" }] }],
      layout: {},
      extra: {},
    };
    expect(paths(g, { id: "draft", parent: "w" })).toEqual(expect.arrayContaining(["while.iteration", "while.prev.draft.text"]));
  });

  it("filters by the typed prefix", () => {
    expect(suggestTemplatePaths(sampleGraph(), { id: "summarize" }, "steps.f").map((s) => s.path)).toEqual(["steps.fetch.result", "steps.fetch.input"]);
  });
});

describe("luaReturnKeys", () => {
  const cases: [string, string, string[]][] = [
    ["a flat table", "return { a = 1, b = 'x' }", ["a", "b"]],
    ["nested tables: top-level keys only", "return { a = { inner = 1 }, b = 2 }", ["a", "b"]],
    ["the last return wins", "if x then return { early = 1 } end\nreturn { late = 2 }", ["late"]],
    ["comparisons are not keys", "return { ok = a == b }", ["ok"]],
    ["strings holding = are skipped", "return { msg = \"x = 1\", n = 2 }", ["msg", "n"]],
    ["a return that is not a table literal", "return result", []],
    ["no return", "local x = 1", []],
  ];
  it.each(cases)("reads %s", (_name, script, keys) => {
    expect(luaReturnKeys(script)).toEqual(keys);
  });
});
