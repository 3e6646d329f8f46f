import { describe, expect, it } from "vitest";
import { defaultStep } from "./ops";
import { fieldsFor, missingRequired, setField, TYPE_FIELDS } from "./stepFields";
import { STEP_TYPES, type McpCallStep, type StepType } from "./types";

/** The type-specific fields of docs/contract.md §2, besides the body lists edited on the canvas. */
const CONTRACT_FIELDS: Record<StepType, string[]> = {
  mcp_call: ["tool_name", "server_url", "instance_id", "tool_args"],
  llm_call: ["model", "model_ref", "prompt", "system", "llm_params", "llm_credential_id", "llm_credential_scope"],
  human_task: ["task_type", "task_payload"],
  lua_script: ["script"],
  for_each: ["for_each_items", "for_each_max_parallel", "for_each_error_policy"],
  while: ["while_mode", "while_max_iterations", "while_condition", "while_eval_script"],
  agent_call: ["agent_id", "prompt", "input"],
};

describe("field table", () => {
  it.each(STEP_TYPES.map((t) => [t]))("offers exactly the contract's fields for %s", (type) => {
    expect(TYPE_FIELDS[type].map((f) => f.key).sort()).toEqual([...CONTRACT_FIELDS[type]].sort());
  });

  it.each([["no_auto_start"], ["terminal"]])("offers %s only on top-level steps", (key) => {
    const step = defaultStep("lua_script", "a");
    expect(fieldsFor(step, true).some((f) => f.key === key)).toBe(true);
    expect(fieldsFor(step, false).some((f) => f.key === key)).toBe(false);
  });

  it.each(STEP_TYPES.map((t) => [t]))("gives a new %s step every required field except free text or an agent to choose", (type) => {
    const missing = missingRequired(defaultStep(type, "a"));
    const requiredText = TYPE_FIELDS[type].filter((f) => f.required && ["text", "template", "longTemplate", "agent"].includes(f.kind)).map((f) => f.label);
    expect(missing.every((m) => requiredText.includes(m))).toBe(true);
  });
});

describe("setField", () => {
  const cases: [string, string, unknown, boolean][] = [
    ["sets a value", "tool_name", "search", true],
    ["removes an emptied optional field", "server_url", "", false],
    ["removes an undefined field", "timeout_s", undefined, false],
    ["does not write enabled: true", "enabled", true, false],
    ["writes enabled: false", "enabled", false, true],
    ["does not write no_auto_start: false", "no_auto_start", false, false],
    ["does not write terminal: false", "terminal", false, false],
    ["writes terminal: true", "terminal", true, true],
    ["keeps a zero", "retry_count", 0, true],
  ];
  it.each(cases)("%s", (_name, key, value, present) => {
    const base: McpCallStep = { id: "a", type: "mcp_call", tool_name: "", server_url: "x", timeout_s: 3 };
    const step = setField(base, key, value as never);
    expect(key in step).toBe(present);
    if (present) expect((step as unknown as Record<string, unknown>)[key]).toEqual(value);
  });

  it("names the empty required fields", () => {
    expect(missingRequired({ id: "a", type: "mcp_call" })).toEqual(["Tool name"]);
    expect(missingRequired({ id: "a", type: "mcp_call", tool_name: "t" })).toEqual([]);
  });
});
