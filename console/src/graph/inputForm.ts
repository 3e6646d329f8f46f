/**
 * A run's input form from the workflow's `input_schema` (the JSON Schema subset of
 * docs/contract.md §2/§7), without React: which field each top-level property becomes, turning
 * what the user typed into typed JSON values, and the required/type checks shown next to
 * each field before the server's own check (which answers 422).
 */
import type { JsonObject, JsonValue } from "./types";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * How a property is edited. `json` covers arrays, objects and properties without a usable
 * `type`: their value is typed as JSON and parsed on the fly.
 */
export type FieldKind = "text" | "select" | "number" | "integer" | "boolean" | "json";

export interface FormField {
  /** The property name: the key in `trigger_payload`. */
  name: string;
  /** `title` when the schema gives one, else the name. */
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  /** `select`: the allowed strings, in schema order. */
  options?: string[];
  minimum?: number;
  maximum?: number;
  /** `text`: a multi-line box (`format: "multiline"`/`"textarea"`, or a long `maxLength`). */
  multiline?: boolean;
  /** `text`: the HTML input type a `format` suggests (email, url, date, …). */
  inputType?: string;
  /** `json`: the JSON type the value must have, when the schema says. */
  jsonType?: "array" | "object";
}

/** What the user typed: text for every kind but `boolean`, which is a checkbox. */
export type Draft = string | boolean;
export type Drafts = Record<string, Draft>;
/** Messages by property name. */
export type FieldErrors = Record<string, string>;

const INPUT_TYPES: Record<string, string> = { email: "email", uri: "url", url: "url", date: "date", "date-time": "datetime-local", time: "time" };

/**
 * The form fields of a schema's top-level properties: required ones first, then the rest,
 * each group in the schema's key order. (The server keeps JSON objects with sorted keys, so
 * the order the author wrote is not known; required-first is what matters when filling in.)
 */
export function fieldsOf(schema: JsonValue | undefined): FormField[] {
  const fields = fieldsInKeyOrder(schema);
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

function fieldsInKeyOrder(schema: JsonValue | undefined): FormField[] {
  if (!isObj(schema) || !isObj(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
  return Object.entries(schema.properties).map(([name, raw]) => fieldOf(name, isObj(raw) ? raw : {}, required.has(name)));
}

function fieldOf(name: string, prop: JsonObject, required: boolean): FormField {
  const field: FormField = { name, label: typeof prop.title === "string" && prop.title ? prop.title : name, kind: kindOf(prop), required };
  if (typeof prop.description === "string" && prop.description) field.description = prop.description;
  if (field.kind === "select") field.options = (prop.enum as JsonValue[]).filter((v): v is string => typeof v === "string");
  if (field.kind === "number" || field.kind === "integer") {
    if (typeof prop.minimum === "number") field.minimum = prop.minimum;
    if (typeof prop.maximum === "number") field.maximum = prop.maximum;
  }
  if (field.kind === "text") {
    const format = typeof prop.format === "string" ? prop.format : "";
    if (format === "multiline" || format === "textarea" || (typeof prop.maxLength === "number" && prop.maxLength > 200)) field.multiline = true;
    else if (INPUT_TYPES[format]) field.inputType = INPUT_TYPES[format];
  }
  if (field.kind === "json" && (prop.type === "array" || prop.type === "object")) field.jsonType = prop.type;
  return field;
}

function kindOf(prop: JsonObject): FieldKind {
  const type = prop.type;
  // Only an enum made entirely of strings fits a select of string options.
  if (Array.isArray(prop.enum) && prop.enum.length > 0 && prop.enum.every((v) => typeof v === "string") && (type === undefined || type === "string")) return "select";
  switch (type) {
    case "string":
      return "text";
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    default:
      return "json";
  }
}

/** The schema's `default`s: the payload a form starts from when nothing was saved. */
export function schemaDefaults(schema: JsonValue | undefined): JsonObject {
  const out: JsonObject = {};
  if (!isObj(schema) || !isObj(schema.properties)) return out;
  for (const [name, prop] of Object.entries(schema.properties)) if (isObj(prop) && prop.default !== undefined) out[name] = prop.default;
  return out;
}

/**
 * Splits a payload into the form's drafts (one per field) and the keys no field shows
 * (kept as they are, so a saved payload with extra keys survives the form).
 */
export function draftsOf(fields: FormField[], payload: JsonObject): { drafts: Drafts; rest: JsonObject } {
  const drafts: Drafts = {};
  const rest: JsonObject = { ...payload };
  for (const f of fields) {
    const v = payload[f.name];
    delete rest[f.name];
    drafts[f.name] = draftOf(f, v);
  }
  return { drafts, rest };
}

function draftOf(field: FormField, v: JsonValue | undefined): Draft {
  if (field.kind === "boolean") return v === true;
  if (v === undefined || v === null) return "";
  // A value of the wrong type is shown as JSON, so the type check can point at it.
  if ((field.kind === "text" || field.kind === "select") && typeof v === "string") return v;
  if ((field.kind === "number" || field.kind === "integer") && typeof v === "number") return String(v);
  return field.kind === "json" ? JSON.stringify(v, null, 2) : JSON.stringify(v);
}

/**
 * Turns one draft into its JSON value. An empty text means "not given" (`value` absent);
 * text that cannot be the field's type gives an `error` instead.
 */
export function coerce(field: FormField, draft: Draft | undefined): { value?: JsonValue; error?: string } {
  if (field.kind === "boolean") return { value: draft === true };
  const text = typeof draft === "string" ? draft : "";
  if (text.trim() === "") return {};
  switch (field.kind) {
    case "text":
    case "select":
      return { value: text };
    case "number":
    case "integer": {
      const n = Number(text.trim());
      return Number.isFinite(n) ? { value: n } : { error: "Enter a number." };
    }
    case "json":
      try {
        return { value: JSON.parse(text) as JsonValue };
      } catch (e) {
        return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
  }
}

/** What is wrong with a property's value, or null. `undefined` is a property not given. */
export function checkValue(field: FormField, v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return field.required ? "Required." : null;
  switch (field.kind) {
    case "text":
      return typeof v === "string" ? null : "Must be text.";
    case "select":
      if (typeof v !== "string") return "Must be text.";
      return field.options?.includes(v) ? null : `Must be one of: ${(field.options ?? []).join(", ")}.`;
    case "boolean":
      return typeof v === "boolean" ? null : "Must be true or false.";
    case "number":
    case "integer":
      if (typeof v !== "number") return "Must be a number.";
      if (field.kind === "integer" && !Number.isInteger(v)) return "Must be a whole number.";
      if (field.minimum !== undefined && v < field.minimum) return `Must be at least ${field.minimum}.`;
      if (field.maximum !== undefined && v > field.maximum) return `Must be at most ${field.maximum}.`;
      return null;
    case "json":
      if (field.jsonType === "array" && !Array.isArray(v)) return "Must be a JSON array.";
      if (field.jsonType === "object" && !isObj(v)) return "Must be a JSON object.";
      return null;
  }
}

/**
 * The required/type problems of a whole payload (the JSON view's check). `partial` skips
 * the required check: saved defaults may leave fields for each run to fill in.
 */
export function checkPayload(fields: FormField[], payload: JsonObject, partial = false): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of fields) {
    if (partial && payload[f.name] === undefined) continue;
    const problem = checkValue(f, payload[f.name]);
    if (problem) errors[f.name] = problem;
  }
  return errors;
}

/**
 * The payload the drafts make (with `rest` under them) and the text that could not be
 * read. Only unreadable text is an error here; see `readForm` for the full check.
 */
export function payloadOf(fields: FormField[], drafts: Drafts, rest: JsonObject = {}): { payload: JsonObject; errors: FieldErrors } {
  const payload: JsonObject = { ...rest };
  const errors: FieldErrors = {};
  for (const f of fields) {
    const r = coerce(f, drafts[f.name]);
    if (r.error) errors[f.name] = r.error;
    else if (r.value !== undefined) payload[f.name] = r.value;
  }
  return { payload, errors };
}

/** The payload of a filled-in form and every problem with it, by field (`partial`: see `checkPayload`). */
export function readForm(fields: FormField[], drafts: Drafts, rest: JsonObject = {}, partial = false): { payload: JsonObject; errors: FieldErrors } {
  const { payload, errors } = payloadOf(fields, drafts, rest);
  return { payload, errors: { ...checkPayload(fields, payload, partial), ...errors } };
}

/** Parses text that must be a JSON object; the error says what it is instead. */
export function parseObject(text: string): { value?: JsonObject; error?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return isObj(v) ? { value: v } : { error: "Must be a JSON object ({ … })." };
}

/**
 * The server's 422 issues (`json_path` `$.params.trigger_payload.<name>…`) as messages on
 * the fields they name; issues about the payload as a whole (a missing property is
 * reported at `$.params.trigger_payload`) are left to the dialog's summary.
 */
export function issuesByField(fields: FormField[], issues: { json_path?: string; message: string }[]): FieldErrors {
  const prefix = "$.params.trigger_payload";
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = issue.json_path ?? "";
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const f = fields.find((x) => rest === `.${x.name}` || rest.startsWith(`.${x.name}.`) || rest.startsWith(`.${x.name}[`) || rest.startsWith(`[${JSON.stringify(x.name)}]`));
    if (f && !errors[f.name]) errors[f.name] = issue.message;
  }
  return errors;
}
