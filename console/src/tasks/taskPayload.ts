/**
 * How a human task's `task_payload` (docs/contract.md §6: title, description, fields to review) is
 * shown, without React: the title and description, the other keys as a readable summary,
 * and, when the payload carries a JSON Schema under `schema`, the form it describes
 * (the same field model as the Run setup form, graph/inputForm.ts) and the `result` its
 * values make.
 */
import { draftsOf, fieldsOf, readForm, schemaDefaults, type Drafts, type FieldErrors, type FormField } from "../graph/inputForm";
import type { JsonObject, JsonValue } from "../graph/types";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Payload keys with a meaning of their own; every other key is a field to review. */
const RESERVED = new Set(["title", "description", "schema"]);

/** The key the optional comment is sent under in the result. */
export const COMMENT_KEY = "comment";

export interface ReviewField {
  key: string;
  /** The key in words: `flagged_lines` → "Flagged lines". */
  label: string;
  value: JsonValue;
}

export interface TaskView {
  title: string;
  description?: string;
  /** Keys to review, in payload order (those the form edits are left out: the form shows them). */
  fields: ReviewField[];
  /** The form of `schema` (empty without one). */
  form: FormField[];
  /** The form's starting values: the schema's defaults, then the payload's own values of its keys. */
  start: JsonObject;
  /** Whether the form has its own `comment` property (then no separate comment box). */
  formHasComment: boolean;
}

/** `flagged_lines` / `flaggedLines` → "Flagged lines". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

/** What to show for a task: title, description, fields to review and the schema's form. */
export function taskView(task: { task_type: string; step_id: string; task_payload: JsonValue }): TaskView {
  const payload = task.task_payload;
  const fallbackTitle = `${humanize(task.task_type || "task")}: ${task.step_id}`;
  if (!isObj(payload)) {
    // A payload that is not an object is shown as it is, as the one thing to review.
    const fields = payload === null || payload === undefined ? [] : [{ key: "payload", label: "Payload", value: payload }];
    return { title: fallbackTitle, fields, form: [], start: {}, formHasComment: false };
  }
  const title = typeof payload.title === "string" && payload.title.trim() ? payload.title : fallbackTitle;
  const description = typeof payload.description === "string" && payload.description.trim() ? payload.description : undefined;
  const schema = isObj(payload.schema) ? payload.schema : undefined;
  const form = fieldsOf(schema);
  const edited = new Set(form.map((f) => f.name));
  const start: JsonObject = schemaDefaults(schema);
  for (const name of edited) if (payload[name] !== undefined && payload[name] !== null) start[name] = payload[name];
  const fields = Object.entries(payload)
    .filter(([k]) => !RESERVED.has(k) && !edited.has(k))
    .map(([key, value]) => ({ key, label: humanize(key), value }));
  // A `schema` that is not an object (or has no properties) is still something to review.
  if (payload.schema !== undefined && form.length === 0) fields.push({ key: "schema", label: "Schema", value: payload.schema });
  return { title, description, fields, form, start, formHasComment: edited.has(COMMENT_KEY) };
}

/** The form's first drafts (see {@link taskView}'s `start`). */
export function startDrafts(view: TaskView): Drafts {
  return draftsOf(view.form, view.start).drafts;
}

/**
 * The `result` of a completion. Approving sends the form's values (checked: required
 * fields and types) with the comment; rejecting sends only the comment, since a reviewer
 * who refuses need not fill in the form. `undefined` when there is nothing to send.
 */
export function completionResult(
  view: TaskView,
  drafts: Drafts,
  comment: string,
  approved: boolean,
): { result?: JsonObject; errors: FieldErrors } {
  const out: JsonObject = {};
  let errors: FieldErrors = {};
  if (approved && view.form.length > 0) {
    const read = readForm(view.form, drafts);
    errors = read.errors;
    Object.assign(out, read.payload);
  }
  // With a `comment` property of its own, the form's field is the comment box.
  const boxed = view.formHasComment ? drafts[COMMENT_KEY] : comment;
  const note = typeof boxed === "string" ? boxed.trim() : "";
  if (note && !(approved && view.formHasComment)) out[COMMENT_KEY] = note;
  return { result: Object.keys(out).length > 0 ? out : undefined, errors };
}

/** A scalar as words; `undefined` for what needs a tree (objects, long or nested lists). */
export function plainText(value: JsonValue): string | undefined {
  if (value === null) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number" || typeof value === "string") return String(value);
  return undefined;
}

/** A short list of scalars is shown as a list; anything else in a list needs a tree. */
export function plainList(value: JsonValue): string[] | undefined {
  if (!Array.isArray(value) || value.length > 20) return undefined;
  const items = value.map((v) => (isObj(v) || Array.isArray(v) ? undefined : plainText(v)));
  return items.every((t): t is string => t !== undefined) ? items : undefined;
}
