import { describe, expect, it } from "vitest";
import { checkPayload, coerce, draftsOf, fieldsOf, issuesByField, parseObject, payloadOf, readForm, schemaDefaults, type FormField } from "./inputForm";

const schema = {
  type: "object",
  required: ["topic", "count"],
  properties: {
    topic: { type: "string", title: "Topic", description: "What to write about" },
    tone: { type: "string", enum: ["calm", "bold"], default: "calm" },
    body: { type: "string", format: "multiline" },
    email: { type: "string", format: "email" },
    count: { type: "integer", minimum: 1, maximum: 5 },
    ratio: { type: "number" },
    draft: { type: "boolean", default: true },
    tags: { type: "array" },
    meta: { type: "object" },
    anything: {},
  },
};

const field = (name: string) => fieldsOf(schema).find((f) => f.name === name) as FormField;

describe("fieldsOf", () => {
  it("gives each property the field its type calls for, required ones first, otherwise in schema order", () => {
    expect(fieldsOf(schema).map((f) => [f.name, f.kind])).toEqual([
      ["topic", "text"],
      ["count", "integer"],
      ["tone", "select"],
      ["body", "text"],
      ["email", "text"],
      ["ratio", "number"],
      ["draft", "boolean"],
      ["tags", "json"],
      ["meta", "json"],
      ["anything", "json"],
    ]);
  });

  it("carries label, help, required, options, bounds and hints", () => {
    expect(field("topic")).toMatchObject({ label: "Topic", description: "What to write about", required: true });
    expect(field("tone")).toMatchObject({ label: "tone", required: false, options: ["calm", "bold"] });
    expect(field("body").multiline).toBe(true);
    expect(field("email").inputType).toBe("email");
    expect(field("count")).toMatchObject({ minimum: 1, maximum: 5 });
    expect(field("tags").jsonType).toBe("array");
    expect(field("anything").jsonType).toBeUndefined();
  });

  it("makes a select only of an all-string enum", () => {
    expect(fieldsOf({ properties: { n: { type: "integer", enum: [1, 2] } } })[0]?.kind).toBe("integer");
  });

  it.each([[undefined], [null], [{ properties: [] }], [{ type: "object" }]])("has no fields for schema %j", (s) => {
    expect(fieldsOf(s as never)).toEqual([]);
  });
});

describe("schemaDefaults", () => {
  it("takes only the defaults the schema gives", () => {
    expect(schemaDefaults(schema)).toEqual({ tone: "calm", draft: true });
  });
});

describe("coerce", () => {
  it("types what was typed", () => {
    expect(coerce(field("topic"), "cats")).toEqual({ value: "cats" });
    expect(coerce(field("count"), " 3 ")).toEqual({ value: 3 });
    expect(coerce(field("ratio"), "0.5")).toEqual({ value: 0.5 });
    expect(coerce(field("draft"), false)).toEqual({ value: false });
    expect(coerce(field("tags"), '["a", 1]')).toEqual({ value: ["a", 1] });
  });

  it("reads empty text as not given", () => {
    expect(coerce(field("topic"), "")).toEqual({});
    expect(coerce(field("count"), "  ")).toEqual({});
    expect(coerce(field("tags"), undefined)).toEqual({});
  });

  it("refuses text that cannot be the type", () => {
    expect(coerce(field("count"), "three").error).toBe("Enter a number.");
    expect(coerce(field("tags"), "[1,").error).toMatch(/^Not valid JSON/);
  });
});

describe("readForm", () => {
  it("builds the payload and keeps keys no field shows", () => {
    const { drafts, rest } = draftsOf(fieldsOf(schema), { topic: "cats", count: 2, draft: false, tags: ["x"], extra: 1 });
    expect(rest).toEqual({ extra: 1 });
    expect(drafts).toMatchObject({ topic: "cats", count: "2", draft: false, tone: "" });
    expect(readForm(fieldsOf(schema), drafts, rest)).toEqual({ payload: { topic: "cats", count: 2, draft: false, tags: ["x"], extra: 1 }, errors: {} });
  });

  it("reports missing required fields and out-of-range or mistyped values by field", () => {
    const { drafts } = draftsOf(fieldsOf(schema), {});
    const r = readForm(fieldsOf(schema), { ...drafts, count: "2.5", tags: '{"a":1}', ratio: "x" });
    expect(r.errors).toEqual({ topic: "Required.", count: "Must be a whole number.", tags: "Must be a JSON array.", ratio: "Enter a number." });
    expect(readForm(fieldsOf(schema), { ...drafts, topic: "t", count: "9" }).errors).toEqual({ count: "Must be at most 5." });
    expect(readForm(fieldsOf(schema), { ...drafts, topic: "t", count: "0" }).errors).toEqual({ count: "Must be at least 1." });
  });

  it("partial: leaves out the required check, not the type checks (saved defaults)", () => {
    const { drafts } = draftsOf(fieldsOf(schema), {});
    expect(readForm(fieldsOf(schema), { ...drafts, ratio: "x", count: "0" }, {}, true).errors).toEqual({ ratio: "Enter a number.", count: "Must be at least 1." });
  });

  it("payloadOf reports only unreadable text, not missing fields", () => {
    const { drafts } = draftsOf(fieldsOf(schema), {});
    expect(payloadOf(fieldsOf(schema), { ...drafts, ratio: "x" }).errors).toEqual({ ratio: "Enter a number." });
  });
});

describe("checkPayload", () => {
  it("checks a JSON payload against the fields", () => {
    expect(checkPayload(fieldsOf(schema), { topic: 3, count: 1, tone: "loud", meta: [] })).toEqual({
      topic: "Must be text.",
      tone: "Must be one of: calm, bold.",
      meta: "Must be a JSON object.",
    });
    expect(checkPayload(fieldsOf(schema), { topic: "t", count: 1 })).toEqual({});
  });

  it("shows a mistyped saved value as JSON so the check can point at it", () => {
    const { drafts } = draftsOf(fieldsOf(schema), { count: "3" });
    expect(drafts.count).toBe('"3"');
    expect(readForm(fieldsOf(schema), { ...drafts, topic: "t" }).errors).toEqual({ count: "Enter a number." });
  });
});

describe("parseObject", () => {
  it("accepts only a JSON object", () => {
    expect(parseObject('{"a":1}')).toEqual({ value: { a: 1 } });
    expect(parseObject("[1]").error).toBe("Must be a JSON object ({ … }).");
    expect(parseObject("{").error).toMatch(/^Not valid JSON/);
  });
});

describe("issuesByField", () => {
  it("puts the server's issues on the fields their paths name", () => {
    const issues = [
      { json_path: "$.params.trigger_payload.count", message: "3.5 is not of type integer" },
      { json_path: "$.params.trigger_payload.tags[0]", message: "1 is not a string" },
      { json_path: "$.params.trigger_payload", message: '"topic" is a required property' },
    ];
    expect(issuesByField(fieldsOf(schema), issues)).toEqual({ count: "3.5 is not of type integer", tags: "1 is not a string" });
  });
});
