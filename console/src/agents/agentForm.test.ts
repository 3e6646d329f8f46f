import { describe, expect, it } from "vitest";
import type { Agent } from "../api/types";
import { DraftError, draftOf, EMPTY_DRAFT, fieldOfMessage, requestOf, toolsOf } from "./agentForm";

const stored: Agent = {
  id: "a1",
  project_id: "p1",
  name: "Triage",
  description: "",
  instructions: "Be brief.",
  model: null,
  model_ref: "direct.openai.gpt-4o-mini",
  llm_params: { temperature: 0.2 },
  tools: [
    { instance_id: "i1", tool_names: ["echo"] },
    { server_url: "stdio:everything", tool_names: ["add"] },
  ],
  workflows_as_tools: [],
  max_turns: 8,
  token_budget: 5000,
  created_at: "",
  updated_at: "",
};

describe("agent form mapping", () => {
  it("builds one tool set per instance with tools chosen, in the instances' order, keeping server_url sets", () => {
    expect(toolsOf({ i2: ["b"], i1: ["a", "c"], i3: [] }, ["i1", "i2", "i3"], [{ server_url: "u", tool_names: ["x"] }])).toEqual([
      { instance_id: "i1", tool_names: ["a", "c"] },
      { instance_id: "i2", tool_names: ["b"] },
      { server_url: "u", tool_names: ["x"] },
    ]);
  });

  it("creates without the empty optional fields and edits with null to clear them", () => {
    const d = { ...EMPTY_DRAFT, name: " Triage ", model: "gpt-4o-mini", modelKind: "model" as const };
    expect(requestOf(d, [], false)).toEqual({ name: "Triage", description: "", instructions: "", tools: [], model: "gpt-4o-mini", max_turns: 8 });
    expect(requestOf(d, [], true)).toMatchObject({ llm_params: null, token_budget: null });
  });

  it("round-trips a stored agent", () => {
    const body = requestOf(draftOf(stored), ["i1"], true);
    expect(body).toEqual({
      name: "Triage",
      description: "",
      instructions: "Be brief.",
      model_ref: "direct.openai.gpt-4o-mini",
      llm_params: { temperature: 0.2 },
      tools: stored.tools,
      max_turns: 8,
      token_budget: 5000,
    });
  });

  it("refuses llm_params that are not a JSON object, naming the field", () => {
    for (const text of ["{oops", "[1]", "3"]) {
      const d = { ...EMPTY_DRAFT, name: "x", model: "m", llmParams: text };
      expect(() => requestOf(d, [], false)).toThrow(DraftError);
      try {
        requestOf(d, [], false);
      } catch (e) {
        expect((e as DraftError).field).toBe("llm_params");
      }
    }
    expect(() => requestOf({ ...EMPTY_DRAFT, maxTurns: "2.5" }, [], false)).toThrow(/max_turns/);
  });

  it("places the server's messages at the field they name", () => {
    expect(fieldOfMessage("`max_turns` must be between 1 and 50 (default 8)")).toBe("max_turns");
    expect(fieldOfMessage("`tools[0].tool_names` must list 1 to 100 tools of that server")).toBe("tools");
    expect(fieldOfMessage("`model_ref`: unknown source")).toBe("model");
    expect(fieldOfMessage("give exactly one of `model` (a model of the default provider) or `model_ref`")).toBe("model");
    expect(fieldOfMessage("`llm_params.stream` must be true or false")).toBe("llm_params");
    expect(fieldOfMessage("request body too large")).toBeNull();
  });
});
