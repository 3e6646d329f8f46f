/** Helpers over a workflow's input schema (JSON Schema, CONTRACT §2/§7). */
import type { JsonObject, JsonValue } from "./types";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A starting `trigger_payload` from the schema: each top-level property's `default`, or an
 * empty value of its type for required properties without one.
 */
export function defaultPayload(schema: JsonValue | undefined): JsonObject {
  const out: JsonObject = {};
  if (!isObj(schema) || !isObj(schema.properties)) return out;
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  for (const [name, prop] of Object.entries(schema.properties)) {
    if (isObj(prop) && prop.default !== undefined) out[name] = prop.default;
    else if (required.includes(name)) out[name] = emptyOf(isObj(prop) ? prop.type : undefined);
  }
  return out;
}

function emptyOf(type: JsonValue | undefined): JsonValue {
  switch (type) {
    case "string":
      return "";
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return null;
  }
}
