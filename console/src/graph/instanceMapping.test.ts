import { describe, expect, it } from "vitest";
import { sampleGraph } from "./fixtures";
import { applyInstanceMapping, foreignServers } from "./instanceMapping";
import type { Step, WorkflowGraph } from "./types";

const TOOLS = "https://tools.example.com/mcp";
const CRM = "https://crm.example.com/mcp";

/** Ours: `inst-tools` serves TOOLS, `inst-crm` serves CRM. */
const instances = [
  { id: "inst-crm", server_url: CRM },
  { id: "inst-tools", server_url: TOOLS },
];

/** An imported graph: foreign ids, URLs, one of our ids, a step naming nothing, a while body. */
function imported(): WorkflowGraph {
  const g = sampleGraph(); // fetch: instance_id "crm" (foreign); each/lookup: server_url TOOLS
  g.steps.push(
    { id: "again", type: "mcp_call", server_url: TOOLS, tool_name: "lookup" },
    { id: "ours", type: "mcp_call", instance_id: "inst-crm", server_url: CRM, tool_name: "x" },
    { id: "unbound", type: "mcp_call", tool_name: "x" },
    {
      id: "poll",
      type: "while",
      while_body_steps: [{ id: "check", type: "mcp_call", instance_id: "crm", server_url: CRM, tool_name: "status" }],
    },
  );
  return g;
}

const find = (steps: Step[], path: string): Step | undefined => {
  const [head, inner] = path.split("/");
  const step = steps.find((s) => s.id === head);
  if (!inner || !step) return step;
  const body = step.type === "for_each" ? step.for_each_body_steps : step.type === "while" ? step.while_body_steps : [];
  return body?.find((s) => s.id === inner);
};

describe("foreignServers", () => {
  it("lists one row per foreign instance id or URL with the steps using it, loop bodies included", () => {
    const rows = foreignServers(imported(), instances);
    expect(rows).toEqual([
      // Grouped by the foreign id; the URL comes from the while body step that names one.
      { key: "instance:crm", instanceId: "crm", serverUrl: CRM, steps: ["fetch", "poll/check"], suggested: "inst-crm" },
      { key: `url:${TOOLS}`, serverUrl: TOOLS, steps: ["each/lookup", "again"], suggested: "inst-tools" },
    ]);
  });

  it("suggests nothing when no instance of this project serves the URL", () => {
    const rows = foreignServers(imported(), [{ id: "inst-other", server_url: "https://other.example.com" }]);
    // "inst-crm" is no instance here either, so the step using it has a row of its own.
    expect(rows.map((r) => [r.key, r.suggested])).toEqual([
      ["instance:crm", undefined],
      [`url:${TOOLS}`, undefined],
      ["instance:inst-crm", undefined],
    ]);
  });

  it("has nothing to map when every step uses this project's instances or names no server", () => {
    const g: WorkflowGraph = {
      steps: [
        { id: "a", type: "mcp_call", instance_id: "inst-tools" },
        { id: "b", type: "mcp_call", instance_id: "" },
        { id: "c", type: "lua_script", script: "return {}" },
      ],
      layout: {},
      extra: {},
    };
    expect(foreignServers(g, instances)).toEqual([]);
  });

  it("treats every instance id as foreign when the project has no instances", () => {
    expect(foreignServers(imported(), []).map((r) => r.key)).toEqual(["instance:crm", `url:${TOOLS}`, "instance:inst-crm"]);
  });
});

describe("applyInstanceMapping", () => {
  it("points chosen rows at the instance and its server URL, and keeps the rest", () => {
    const before = imported();
    const after = applyInstanceMapping(before, { "instance:crm": "inst-crm", [`url:${TOOLS}`]: "inst-tools" }, instances);

    expect(find(after.steps, "fetch")).toMatchObject({ instance_id: "inst-crm", server_url: CRM, tool_name: "search" });
    expect(find(after.steps, "poll/check")).toEqual({ id: "check", type: "mcp_call", instance_id: "inst-crm", server_url: CRM, tool_name: "status" });
    expect(find(after.steps, "each/lookup")).toEqual({ id: "lookup", type: "mcp_call", instance_id: "inst-tools", server_url: TOOLS, tool_name: "lookup" });
    expect(find(after.steps, "again")).toEqual({ id: "again", type: "mcp_call", instance_id: "inst-tools", server_url: TOOLS, tool_name: "lookup" });
    // Our own instance and the unbound step are untouched.
    expect(find(after.steps, "ours")).toEqual(find(before.steps, "ours"));
    expect(find(after.steps, "unbound")).toEqual({ id: "unbound", type: "mcp_call", tool_name: "x" });
    // The loop's other body step, layout and extras survive.
    expect(find(after.steps, "each/merge")).toEqual(find(before.steps, "each/merge"));
    expect(after.layout).toEqual(before.layout);
    expect(after.extra).toEqual(before.extra);
  });

  it("leaves a row out of the choice as it is (keep as is), and does not change the given graph", () => {
    const before = imported();
    const copy = structuredClone(before);
    const after = applyInstanceMapping(before, { [`url:${TOOLS}`]: "inst-tools" }, instances);
    expect(find(after.steps, "fetch")).toEqual(find(copy.steps, "fetch"));
    expect(find(after.steps, "poll/check")).toEqual(find(copy.steps, "poll/check"));
    expect(before).toEqual(copy);
  });

  it("drops a foreign server URL when the chosen instance has none", () => {
    const after = applyInstanceMapping(imported(), { "instance:crm": "inst-bare" }, [{ id: "inst-bare" }]);
    expect(find(after.steps, "fetch")).not.toHaveProperty("server_url");
    expect(find(after.steps, "fetch")).toMatchObject({ instance_id: "inst-bare" });
  });
});
