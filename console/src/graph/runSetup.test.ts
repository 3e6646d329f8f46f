import { describe, expect, it } from "vitest";
import { readSteps, runSetupOf, startParamsOf, stepRowsOf, stepSetupsOf, type StepSetups } from "./runSetup";
import type { WorkflowGraph } from "./types";

const graph: WorkflowGraph = {
  steps: [
    { id: "fetch", type: "lua_script", name: "Fetch" },
    { id: "manual", type: "lua_script", no_auto_start: true },
    { id: "write", type: "llm_call", depends_on: ["fetch"] },
  ],
  layout: {},
  extra: {},
};
const rows = stepRowsOf(graph);

describe("stepRowsOf", () => {
  it("lists top-level steps and which roots start on their own", () => {
    expect(rows).toEqual([
      { id: "fetch", label: "Fetch (fetch)", root: true, autoStart: true },
      { id: "manual", label: "manual", root: true, autoStart: false },
      { id: "write", label: "write", root: false, autoStart: false },
    ]);
  });
});

describe("readSteps and startParamsOf", () => {
  it("sends overrides, grants and exclusions, each where it means something", () => {
    const setups: StepSetups = {
      fetch: { overrides: '{"limit": 3}', exclude: true, trigger: true },
      manual: { overrides: "", exclude: true, trigger: true },
      write: { overrides: '{"tone":"calm"}', exclude: true, trigger: true },
    };
    const steps = readSteps(rows, setups);
    expect(steps.errors).toEqual({});
    expect(startParamsOf({ a: 1 }, steps)).toEqual({
      trigger_payload: { a: 1 },
      trigger_steps: { fetch: { limit: 3 }, manual: {}, write: { tone: "calm" } },
      excluded_step_ids: ["fetch"],
    });
  });

  it("leaves out empty keys", () => {
    expect(startParamsOf({}, readSteps(rows, {}))).toEqual({ trigger_payload: {} });
  });

  it("names the step whose overrides are not a JSON object", () => {
    expect(readSteps(rows, { write: { overrides: "[1]", exclude: false, trigger: false } }).errors).toEqual({
      write: "Input overrides: Must be a JSON object ({ … }).",
    });
  });
});

describe("saved run setup", () => {
  it("saves overrides and bare grants, never exclusions", () => {
    const steps = readSteps(rows, {
      fetch: { overrides: '{"limit": 3}', exclude: true, trigger: false },
      manual: { overrides: "", exclude: false, trigger: true },
    });
    expect(runSetupOf({ a: 1 }, steps)).toEqual({ trigger_payload: { a: 1 }, trigger_steps: { fetch: { limit: 3 } }, trigger_step_ids: ["manual"] });
  });

  it("pre-fills overrides and grants from a saved setup and drops steps no longer in the graph", () => {
    const setups = stepSetupsOf(rows, { trigger_steps: { write: { tone: "calm" }, gone: { x: 1 } }, trigger_step_ids: ["manual"] });
    expect(Object.keys(setups).sort()).toEqual(["manual", "write"]);
    expect(JSON.parse(setups.write?.overrides ?? "")).toEqual({ tone: "calm" });
    expect(setups.manual).toEqual({ overrides: "", exclude: false, trigger: true });
  });

  it("reads an empty trigger_steps entry of a no_auto_start root as its grant", () => {
    expect(stepSetupsOf(rows, { trigger_steps: { manual: {} } }).manual?.trigger).toBe(true);
  });
});
