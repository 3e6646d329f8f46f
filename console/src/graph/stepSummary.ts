/**
 * The one line a step card shows under its name: the field that tells steps of a type
 * apart (the tool an MCP step calls, the model an LLM step prompts, the kind of human task,
 * what a loop iterates over), so a graph reads at a glance without opening each step.
 */
import type { Step } from "./types";

/** Strips a template's braces and spaces: `{{ steps.a.result.items }}` → `steps.a.result.items`. */
const bare = (v: unknown): string | undefined => {
  if (typeof v !== "string") return undefined;
  const t = v.trim().replace(/^\{\{\s*/, "").replace(/\s*\}\}$/, "");
  return t || undefined;
};

/** The last part of a model reference (`direct.openai.gpt-4o-mini` → `gpt-4o-mini`). */
const modelName = (ref: string): string => ref.split(".").slice(2).join(".") || ref;

/** The step's key field as short text, or what is missing (e.g. "no tool chosen"). */
export function keyField(step: Step): string {
  const s = step as unknown as Record<string, unknown>;
  switch (step.type) {
    case "mcp_call":
      return typeof s.tool_name === "string" && s.tool_name ? `tool: ${s.tool_name}` : "no tool chosen";
    case "llm_call": {
      const model = typeof s.model === "string" && s.model ? s.model : typeof s.model_ref === "string" && s.model_ref ? modelName(s.model_ref) : undefined;
      return model ? `model: ${model}` : "no model chosen";
    }
    case "human_task":
      return typeof s.task_type === "string" && s.task_type ? `task: ${s.task_type}` : "task: approval";
    case "lua_script": {
      const lines = typeof s.script === "string" ? s.script.split("\n").filter((l) => l.trim()).length : 0;
      return lines === 0 ? "empty script" : lines === 1 ? "Lua, 1 line" : `Lua, ${lines} lines`;
    }
    case "for_each": {
      const items = bare(s.for_each_items);
      return items ? `each of ${items}` : "no items chosen";
    }
    case "while": {
      const mode = s.while_mode === "while" ? "while" : "until";
      const max = typeof s.while_max_iterations === "number" ? `, at most ${s.while_max_iterations}×` : "";
      return `repeat ${mode}${max}`;
    }
    case "agent_call":
      return typeof s.agent_id === "string" && s.agent_id ? `agent: ${s.agent_id}` : "no agent chosen";
    default:
      return "";
  }
}
