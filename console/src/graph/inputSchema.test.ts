import { describe, expect, it } from "vitest";
import { defaultPayload } from "./inputSchema";

describe("defaultPayload", () => {
  it("takes defaults and fills required fields with an empty value of their type", () => {
    const schema = {
      type: "object",
      required: ["topic", "n", "tags", "flag"],
      properties: {
        topic: { type: "string" },
        n: { type: "integer" },
        tags: { type: "array" },
        flag: { type: "boolean" },
        lang: { type: "string", default: "en" },
        optional: { type: "string" },
      },
    };
    expect(defaultPayload(schema)).toEqual({ topic: "", n: 0, tags: [], flag: false, lang: "en" });
  });

  it.each([[undefined], [null], ["x"], [{ properties: "x" }], [{ type: "object" }]])("is empty for schema %j", (schema) => {
    expect(defaultPayload(schema as never)).toEqual({});
  });
});
