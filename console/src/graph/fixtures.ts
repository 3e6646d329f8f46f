/** Small graphs shared by the graph tests. */
import type { WorkflowGraph } from "./types";

/** fetch → for_each(lookup → merge) → summarize, plus an unrelated root `audit`. */
export function sampleGraph(): WorkflowGraph {
  return {
    steps: [
      { id: "fetch", type: "mcp_call", name: "Fetch", tool_name: "search", instance_id: "crm", tool_args: { q: "{{ input.topic }}" } },
      {
        id: "each",
        type: "for_each",
        name: "Each contact",
        depends_on: ["fetch"],
        for_each_items: "{{ steps.fetch.result.items }}",
        for_each_body_steps: [
          { id: "lookup", type: "mcp_call", server_url: "https://tools.example.com/mcp", tool_name: "lookup" },
          { id: "merge", type: "lua_script", depends_on: ["lookup"], script: "return { id = item.id, score = 1 }" },
        ],
      },
      { id: "summarize", type: "llm_call", depends_on: ["each"], model_ref: "direct.openai.gpt-4o-mini", prompt: "Sum up" },
      { id: "audit", type: "lua_script", script: "return { ok = true }" },
    ],
    input_schema: {
      type: "object",
      properties: {
        topic: { type: "string", description: "what to research" },
        limits: { type: "object", properties: { max: { type: "integer" } } },
      },
    },
    layout: { fetch: { position: { x: 0, y: 0 } }, each: { position: { x: 300, y: 0 } } },
    extra: { name: "sample" },
  };
}
