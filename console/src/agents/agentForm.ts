/**
 * The Agents page's form state and its mapping to the `/v1/agents` body (docs/agents.md),
 * kept pure so the mapping and the error placement are tested without a screen.
 */
import type { Agent, AgentRequest, AgentToolSet } from "../api/types";
import type { JsonValue } from "../graph/types";

/** What the form edits; every value as typed. */
export interface AgentDraft {
  name: string;
  description: string;
  instructions: string;
  /** Which of the two exclusive model fields the agent uses. */
  modelKind: "model_ref" | "model";
  model: string;
  llmParams: string;
  maxTurns: string;
  tokenBudget: string;
  /** Chosen tools per MCP instance id. */
  picked: Record<string, string[]>;
  /** `server_url` tool sets the console cannot pick; kept unchanged on save. */
  byUrl: AgentToolSet[];
}

export const EMPTY_DRAFT: AgentDraft = {
  name: "",
  description: "",
  instructions: "",
  modelKind: "model_ref",
  model: "",
  llmParams: "",
  maxTurns: "8",
  tokenBudget: "",
  picked: {},
  byUrl: [],
};

export function draftOf(agent: Agent): AgentDraft {
  const picked: Record<string, string[]> = {};
  for (const set of agent.tools) if (set.instance_id) picked[set.instance_id] = [...set.tool_names];
  return {
    name: agent.name,
    description: agent.description ?? "",
    instructions: agent.instructions ?? "",
    modelKind: agent.model ? "model" : "model_ref",
    model: agent.model ?? agent.model_ref ?? "",
    llmParams: agent.llm_params ? JSON.stringify(agent.llm_params, null, 2) : "",
    maxTurns: String(agent.max_turns),
    tokenBudget: agent.token_budget == null ? "" : String(agent.token_budget),
    picked,
    byUrl: agent.tools.filter((t) => !t.instance_id),
  };
}

/** The `tools` of the body: one set per instance with at least one tool chosen, in `order`. */
export function toolsOf(picked: Record<string, string[]>, order: string[], byUrl: AgentToolSet[] = []): AgentToolSet[] {
  const ids = [...order.filter((id) => id in picked), ...Object.keys(picked).filter((id) => !order.includes(id))];
  const sets = ids.flatMap((id) => {
    const names = picked[id] ?? [];
    return names.length > 0 ? [{ instance_id: id, tool_names: names }] : [];
  });
  return [...sets, ...byUrl];
}

/** A mistake the console can see before sending, named by the field it belongs to. */
export class DraftError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request body for the draft. Editing (`forPatch`) sends `null` for an emptied
 * `llm_params`/`token_budget` so they are cleared; creating leaves them out.
 */
export function requestOf(d: AgentDraft, instanceOrder: string[], forPatch: boolean): AgentRequest {
  const body: AgentRequest = {
    name: d.name.trim(),
    description: d.description,
    instructions: d.instructions,
    tools: toolsOf(d.picked, instanceOrder, d.byUrl),
  };
  body[d.modelKind] = d.model.trim();
  if (d.llmParams.trim() !== "") {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(d.llmParams) as JsonValue;
    } catch (e) {
      throw new DraftError("llm_params", `\`llm_params\` is not JSON: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new DraftError("llm_params", "`llm_params` must be a JSON object, e.g. {\"temperature\": 0.2}");
    }
    body.llm_params = parsed as Record<string, JsonValue>;
  } else if (forPatch) body.llm_params = null;
  if (d.maxTurns.trim() !== "") body.max_turns = integerOf("max_turns", d.maxTurns);
  if (d.tokenBudget.trim() !== "") body.token_budget = integerOf("token_budget", d.tokenBudget);
  else if (forPatch) body.token_budget = null;
  return body;
}

function integerOf(field: string, text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n)) throw new DraftError(field, `\`${field}\` must be a whole number`);
  return n;
}

/** The form fields a server message can be shown at. */
export const FIELDS = ["name", "description", "instructions", "model", "llm_params", "tools", "max_turns", "token_budget"] as const;
export type FieldName = (typeof FIELDS)[number];

/**
 * Which field a 400 names: the server's messages start with (or contain) the field in
 * backticks, e.g. "`max_turns` must be between 1 and 50", "`tools[0].tool_names` …".
 * `null` when no field is named; the message is then shown at the form.
 */
export function fieldOfMessage(message: string): FieldName | null {
  for (const m of message.matchAll(/`([a-z_]+)/g)) {
    const name = m[1] === "model_ref" ? "model" : (m[1] ?? "");
    if ((FIELDS as readonly string[]).includes(name)) return name as FieldName;
  }
  return null;
}
