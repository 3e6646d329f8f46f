/**
 * The workflow graph JSON (docs/contract.md §2) as TypeScript types. Steps stay plain JSON objects
 * so that fields the console does not know (or the user misspelt) survive an edit and reach
 * the server, whose validation reports them.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The step types of docs/contract.md §2. */
export const STEP_TYPES = [
  "mcp_call",
  "llm_call",
  "human_task",
  "lua_script",
  "for_each",
  "while",
  "agent_call",
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const isStepType = (t: unknown): t is StepType => typeof t === "string" && (STEP_TYPES as readonly string[]).includes(t);

/** Composite step types, drawn as boxes holding their body chain. */
export type LoopType = "for_each" | "while";
export const isLoopType = (t: unknown): t is LoopType => t === "for_each" || t === "while";

/** Types allowed inside a loop body (no nested composites, no human tasks). */
export const BODY_STEP_TYPES: readonly StepType[] = ["lua_script", "llm_call", "mcp_call", "agent_call"];

export interface XY {
  x: number;
  y: number;
}

/** Fields every step may carry, whatever its type. */
export interface StepCommon {
  id: string;
  type: StepType;
  name?: string;
  description?: string;
  /** Ids that must finish first. */
  depends_on?: string[];
  /** `false`: skipped with a synthetic completion; dependants still run. */
  enabled?: boolean;
  /** Template; falsy skips the step. */
  condition?: JsonValue;
  retry_count?: number;
  timeout_s?: number;
  /** On a root step: runs only when the start params grant it. */
  no_auto_start?: boolean;
  /** When the step completes, the run completes at once (docs/contract.md §2). */
  terminal?: boolean;
  /** Editor-only keys kept verbatim and ignored by the engine. */
  position?: XY;
  ui?: JsonValue;
}

export interface McpCallStep extends StepCommon {
  type: "mcp_call";
  tool_name?: string;
  server_url?: string;
  instance_id?: string;
  tool_args?: JsonValue;
}

export interface LlmCallStep extends StepCommon {
  type: "llm_call";
  model?: string;
  model_ref?: string;
  prompt?: string;
  system?: string;
  llm_params?: JsonObject;
  llm_credential_id?: string;
  llm_credential_scope?: string;
}

export interface HumanTaskStep extends StepCommon {
  type: "human_task";
  task_type?: string;
  task_payload?: JsonValue;
}

export interface LuaScriptStep extends StepCommon {
  type: "lua_script";
  script?: string;
}

export type ErrorPolicy = "fail_fast" | "continue_on_error";

export interface ForEachStep extends StepCommon {
  type: "for_each";
  for_each_items?: JsonValue;
  for_each_body_steps?: Step[];
  for_each_max_parallel?: number;
  for_each_error_policy?: ErrorPolicy;
}

export interface WhileStep extends StepCommon {
  type: "while";
  while_mode?: "until" | "while";
  while_max_iterations?: number;
  while_body_steps?: Step[];
  while_condition?: JsonValue;
  while_eval_script?: string;
}

export interface AgentCallStep extends StepCommon {
  type: "agent_call";
  agent_id?: string;
  prompt?: string;
  input?: JsonValue;
}

export type Step =
  | McpCallStep
  | LlmCallStep
  | HumanTaskStep
  | LuaScriptStep
  | ForEachStep
  | WhileStep
  | AgentCallStep;

export type LoopStep = ForEachStep | WhileStep;

export const isLoopStep = (s: Step): s is LoopStep => s.type === "for_each" || s.type === "while";

/** The body chain of a loop step (empty for other types). */
export function bodyOf(step: Step): Step[] {
  if (step.type === "for_each") return step.for_each_body_steps ?? [];
  if (step.type === "while") return step.while_body_steps ?? [];
  return [];
}

/** Editor data of one canvas node, keyed by step id (everything but `id` and `data.step`). */
export type NodeLayout = { position?: XY } & Record<string, unknown>;

/**
 * The graph as the console edits it: the steps (source of truth for the engine), the input
 * schema, editor positions, and any other top-level keys kept verbatim.
 */
export interface WorkflowGraph {
  steps: Step[];
  input_schema?: JsonObject;
  layout: Record<string, NodeLayout>;
  extra: Record<string, unknown>;
}

/** Any graph document the API or a file may hold (one of the three import shapes). */
export type GraphDocument = Record<string, unknown>;
