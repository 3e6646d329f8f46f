/**
 * What the config panel shows for each step type: the fields of docs/contract.md §2 with their
 * editor kind. Pure data plus two helpers, so the panel stays a loop over this table.
 */
import type { JsonValue, Step, StepType } from "./types";

/** `agent` is a pick among the project's agents (studio/AgentPicker.tsx). */
export type FieldKind = "text" | "template" | "longTemplate" | "integer" | "number" | "json" | "lua" | "select" | "checkbox" | "agent";

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  options?: readonly string[];
  help?: string;
  min?: number;
  max?: number;
  /** Only meaningful on a top-level step (e.g. `no_auto_start` on a root). */
  topLevelOnly?: boolean;
}

/** Palette names and one-line descriptions. */
export const STEP_TYPE_INFO: Record<StepType, { label: string; description: string }> = {
  mcp_call: { label: "MCP tool call", description: "Call a tool on an MCP server" },
  llm_call: { label: "LLM call", description: "Prompt a language model" },
  human_task: { label: "Human task", description: "Wait for a person to approve or edit" },
  lua_script: { label: "Lua script", description: "Transform data with inline Lua" },
  for_each: { label: "For each", description: "Run a body chain for every item of a list" },
  while: { label: "While loop", description: "Repeat a body chain until a condition holds" },
  agent_call: { label: "Agent call", description: "One turn of a project agent" },
};

/** Controls every step has (docs/contract.md §2 table). `id` is edited separately (renaming). */
export const COMMON_FIELDS: readonly FieldSpec[] = [
  { key: "name", label: "Name", kind: "text" },
  { key: "description", label: "Description", kind: "text" },
  { key: "condition", label: "Condition (template; falsy skips the step)", kind: "template" },
  { key: "enabled", label: "Enabled", kind: "checkbox", help: "A disabled step is skipped; its dependants still run." },
  { key: "retry_count", label: "Retries after a transient failure", kind: "integer", min: 0 },
  { key: "timeout_s", label: "Timeout per attempt (seconds)", kind: "number", min: 0 },
  { key: "no_auto_start", label: "Run only when the start grants it", kind: "checkbox", topLevelOnly: true },
  {
    key: "terminal",
    label: "End the run when this step completes",
    kind: "checkbox",
    topLevelOnly: true,
    help: "The run completes at once: steps not started are skipped, running ones cancelled.",
  },
];

/** Type-specific fields (docs/contract.md §2). */
export const TYPE_FIELDS: Record<StepType, readonly FieldSpec[]> = {
  mcp_call: [
    { key: "tool_name", label: "Tool name", kind: "text", required: true },
    { key: "instance_id", label: "MCP instance id (this project)", kind: "text" },
    { key: "server_url", label: "Server URL (portable)", kind: "text", help: "Give an instance id, a server URL, or both." },
    { key: "tool_args", label: "Tool arguments (JSON, templated)", kind: "json" },
  ],
  llm_call: [
    { key: "model_ref", label: "Model reference (source.provider.model)", kind: "text", help: "e.g. direct.openai.gpt-4o-mini" },
    { key: "model", label: "Model wire name", kind: "text", help: "Alternative to the model reference." },
    { key: "system", label: "System prompt", kind: "longTemplate" },
    { key: "prompt", label: "Prompt", kind: "longTemplate", required: true },
    { key: "llm_params", label: "Parameters (JSON: temperature, max_tokens, …)", kind: "json" },
    { key: "llm_credential_id", label: "Credential id", kind: "text" },
    { key: "llm_credential_scope", label: "Credential scope", kind: "text" },
  ],
  human_task: [
    { key: "task_type", label: "Task type", kind: "select", options: ["approval", "edit", "input"], required: true },
    { key: "task_payload", label: "Payload shown to the reviewer (JSON, templated)", kind: "json" },
  ],
  lua_script: [{ key: "script", label: "Lua script (must return a table)", kind: "lua", required: true }],
  for_each: [
    { key: "for_each_items", label: "Items (template resolving to a list)", kind: "template", required: true },
    { key: "for_each_max_parallel", label: "Items in flight at most", kind: "integer", min: 1, max: 100, help: "Default 10, at most 100." },
    { key: "for_each_error_policy", label: "When an item fails", kind: "select", options: ["fail_fast", "continue_on_error"] },
  ],
  while: [
    { key: "while_mode", label: "Mode", kind: "select", options: ["until", "while"], required: true },
    { key: "while_max_iterations", label: "Maximum iterations", kind: "integer", min: 1, required: true },
    { key: "while_condition", label: "Condition (template)", kind: "template" },
    { key: "while_eval_script", label: "Condition script (Lua returning {pass = bool}; wins over the template)", kind: "lua" },
  ],
  agent_call: [
    { key: "agent_id", label: "Agent", kind: "agent", required: true },
    { key: "prompt", label: "Prompt", kind: "longTemplate" },
    { key: "input", label: "Input (JSON)", kind: "json" },
  ],
};

/** The fields the panel offers for a step (common controls first). */
export function fieldsFor(step: Step, topLevel: boolean): FieldSpec[] {
  const common = COMMON_FIELDS.filter((f) => topLevel || !f.topLevelOnly);
  return [...(TYPE_FIELDS[step.type] ?? []), ...common];
}

/**
 * The step with `key` set to `value`. An emptied optional field is removed rather than saved
 * as `""`, and `enabled: true` (the default) is not written.
 */
export function setField(step: Step, key: string, value: JsonValue | undefined): Step {
  const next = { ...step } as Record<string, unknown>;
  const isDefault = value === undefined || value === "" || (key === "enabled" && value === true) || (key === "no_auto_start" && value === false) || (key === "terminal" && value === false);
  if (isDefault) delete next[key];
  else next[key] = value;
  return next as unknown as Step;
}

/** Labels of required fields that are empty, for a hint before the server validates. */
export function missingRequired(step: Step): string[] {
  const values = step as unknown as Record<string, unknown>;
  return (TYPE_FIELDS[step.type] ?? [])
    .filter((f) => f.required && (values[f.key] === undefined || values[f.key] === null || values[f.key] === ""))
    .map((f) => f.label);
}
