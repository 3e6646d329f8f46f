/**
 * One property of a JSON Schema (`graph/inputForm.ts`) as a labelled control with its help
 * text and its problem. The one form renderer for schemas: the Run setup dialog draws a
 * run's input with it, and a human task whose payload carries a `schema` draws its form
 * with it (tasks/TaskForm.tsx).
 */
import { useId } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { coerce, type Draft, type Drafts, type FieldErrors, type FormField } from "../graph/inputForm";

/**
 * Every field of a form, each with its draft and problem. `onChange` gets the field's new
 * draft; the caller stores it (and usually clears that field's problem).
 */
export function SchemaFields({ fields, drafts, errors, onChange }: { fields: FormField[]; drafts: Drafts; errors: FieldErrors; onChange: (name: string, v: Draft) => void }) {
  return (
    <>
      {fields.map((f) => (
        <FieldInput key={f.name} field={f} draft={drafts[f.name]} error={errors[f.name]} onChange={(v) => onChange(f.name, v)} />
      ))}
    </>
  );
}

/** One schema property as a labelled control with its help text and its problem. */
export function FieldInput({ field, draft, error, onChange }: { field: FormField; draft: Draft | undefined; error?: string; onChange: (v: Draft) => void }) {
  const id = useId();
  const text = typeof draft === "string" ? draft : "";
  // JSON fields are checked as they are typed; the rest on Start.
  const live = field.kind === "json" && text.trim() !== "" ? (coerce(field, text).error ?? null) : null;
  const shown = error ?? live;
  const helpId = field.description ? `${id}-help` : undefined;
  const errorId = shown ? `${id}-error` : undefined;
  const common = {
    id,
    "aria-required": field.required || undefined,
    "aria-invalid": shown ? true : undefined,
    "aria-describedby": [helpId, errorId].filter(Boolean).join(" ") || undefined,
  };
  const label = (
    <>
      {field.label}
      {field.required && <span className="required" aria-hidden="true"> *</span>}
      {field.kind === "json" && <span className="muted"> (JSON{field.jsonType ? ` ${field.jsonType}` : ""})</span>}
    </>
  );

  if (field.kind === "boolean") {
    return (
      <div className="field">
        <label className="check" htmlFor={id}>
          <input type="checkbox" {...common} checked={draft === true} onChange={(e) => onChange(e.target.checked)} />
          {label}
        </label>
        <FieldNotes helpId={helpId} help={field.description} errorId={errorId} error={shown} />
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {field.kind === "select" ? (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          <option value="">{field.required ? "Choose…" : "(not set)"}</option>
          {field.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : field.kind === "json" || field.multiline ? (
        <textarea {...common} rows={field.kind === "json" ? 3 : 4} value={text} onChange={(e) => onChange(e.target.value)} spellCheck={field.kind !== "json"} />
      ) : field.kind === "number" || field.kind === "integer" ? (
        <input {...common} type="number" inputMode={field.kind === "integer" ? "numeric" : "decimal"} step={field.kind === "integer" ? 1 : "any"} min={field.minimum} max={field.maximum} value={text} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type={field.inputType ?? "text"} value={text} onChange={(e) => onChange(e.target.value)} />
      )}
      <FieldNotes helpId={helpId} help={field.description} errorId={errorId} error={shown} />
    </div>
  );
}

function FieldNotes({ helpId, help, errorId, error }: { helpId?: string; help?: string; errorId?: string; error: string | null | undefined }) {
  return (
    <>
      {help && (
        <small id={helpId} className="muted">
          {help}
        </small>
      )}
      <ErrorMessage id={errorId} error={error} />
    </>
  );
}

