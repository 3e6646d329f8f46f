import { describe, expect, it } from "vitest";
import { keyField } from "./stepSummary";
import type { Step } from "./types";

const step = (fields: Record<string, unknown>) => ({ id: "s", ...fields }) as unknown as Step;

describe("keyField", () => {
  it.each([
    [{ type: "mcp_call", tool_name: "search_tickets" }, "tool: search_tickets"],
    [{ type: "mcp_call" }, "no tool chosen"],
    [{ type: "llm_call", model: "gpt-4o" }, "model: gpt-4o"],
    [{ type: "llm_call", model_ref: "direct.openai.gpt-4o-mini" }, "model: gpt-4o-mini"],
    [{ type: "llm_call" }, "no model chosen"],
    [{ type: "human_task", task_type: "edit" }, "task: edit"],
    [{ type: "human_task" }, "task: approval"],
    [{ type: "lua_script", script: "local a = 1\n\nreturn { a = a }" }, "Lua, 2 lines"],
    [{ type: "lua_script", script: "return {}" }, "Lua, 1 line"],
    [{ type: "lua_script" }, "empty script"],
    [{ type: "for_each", for_each_items: "{{ steps.summarize.result.lines }}" }, "each of steps.summarize.result.lines"],
    [{ type: "while", while_mode: "until", while_max_iterations: 20 }, "repeat until, at most 20×"],
    [{ type: "agent_call", agent_id: "researcher" }, "agent: researcher"],
  ])("%j reads %s", (fields, expected) => {
    expect(keyField(step(fields))).toBe(expected);
  });
});
