/**
 * The config panel of the selected step: its id, the fields of its type (graph/stepFields.ts),
 * what it runs after (the keyboard way to connect), and for loops the body chain.
 */
import { useEffect, useId, useState } from "react";
import { LazyCodeEditor } from "../editors/LazyCodeEditor";
import { addStep, connect, disconnect, findStep, GraphEditError, removeStep, scopeSteps, updateStep, type StepRef } from "../graph/ops";
import { fieldsFor, missingRequired, setField, STEP_TYPE_INFO, type FieldSpec } from "../graph/stepFields";
import { suggestTemplatePaths } from "../graph/templates";
import { bodyOf, BODY_STEP_TYPES, isLoopStep, type JsonValue, type Step, type WorkflowGraph } from "../graph/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { AgentPicker } from "./AgentPicker";

export interface ConfigPanelProps {
  graph: WorkflowGraph;
  selected: StepRef;
  onChange: (graph: WorkflowGraph) => void;
  onSelect: (ref: StepRef | null) => void;
  readOnly?: boolean;
}

export function ConfigPanel({ graph, selected, onChange, onSelect, readOnly }: ConfigPanelProps) {
  const step = findStep(graph, selected);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setError(null), [selected.id, selected.parent]);
  if (!step) return <p className="muted">The selected step no longer exists.</p>;

  const apply = (next: Step) => {
    try {
      onChange(updateStep(graph, selected, next));
      setError(null);
      if (next.id !== selected.id) onSelect({ ...selected, id: next.id });
    } catch (e) {
      setError(e instanceof GraphEditError ? e.message : String(e));
    }
  };
  const missing = missingRequired(step);
  const siblings = scopeSteps(graph, selected.parent).filter((s) => s.id !== step.id);

  return (
    <section className="config-panel" aria-label={`Configure step ${step.id}`}>
      <h2>
        {STEP_TYPE_INFO[step.type]?.label ?? String(step.type)}
        {selected.parent && <span className="muted"> in {selected.parent}</span>}
      </h2>
      <IdField step={step} readOnly={readOnly} onRename={(id) => apply({ ...step, id })} />
      <ErrorMessage error={error} />
      {missing.length > 0 && <p className="hint">Still needed: {missing.join(", ")}.</p>}
      {fieldsFor(step, selected.parent === undefined).map((f) => (
        <Field
          key={`${selected.parent ?? ""}/${step.id}/${f.key}`}
          spec={f}
          value={(step as unknown as Record<string, JsonValue | undefined>)[f.key]}
          readOnly={readOnly}
          suggest={(typed) => suggestTemplatePaths(graph, selected, typed)}
          onChange={(v) => apply(setField(step, f.key, v))}
        />
      ))}
      <fieldset>
        <legend>Runs after</legend>
        {siblings.length === 0 && <p className="muted">No other step{selected.parent ? " in this loop" : ""}.</p>}
        {siblings.map((s) => {
          const checked = step.depends_on?.includes(s.id) ?? false;
          return (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={checked}
                disabled={readOnly}
                onChange={() => {
                  // The same edits as drawing or deleting an edge, with the same cycle check.
                  const source = { id: s.id, parent: selected.parent };
                  try {
                    onChange(checked ? disconnect(graph, source, selected) : connect(graph, source, selected));
                    setError(null);
                  } catch (e) {
                    setError(e instanceof GraphEditError ? e.message : String(e));
                  }
                }}
              />
              {s.name || s.id}
            </label>
          );
        })}
      </fieldset>
      {isLoopStep(step) && (
        <fieldset>
          <legend>Loop body (runs for each {step.type === "for_each" ? "item" : "iteration"})</legend>
          <ol className="body-list">
            {bodyOf(step).map((inner) => (
              <li key={inner.id}>
                <button type="button" className="link" onClick={() => onSelect({ id: inner.id, parent: step.id })}>
                  {inner.name || inner.id} ({STEP_TYPE_INFO[inner.type]?.label ?? inner.type})
                </button>
              </li>
            ))}
          </ol>
          {!readOnly && (
            <div className="actions wrap">
              {BODY_STEP_TYPES.map((t) => (
                <button
                  key={t}
                  type="button"
                  onClick={() => {
                    const added = addStep(graph, t, { parent: step.id });
                    onChange(added.graph);
                    onSelect({ id: added.id, parent: step.id });
                  }}
                >
                  Add {STEP_TYPE_INFO[t].label} to body
                </button>
              ))}
            </div>
          )}
        </fieldset>
      )}
      {!readOnly && (
        <button
          type="button"
          className="danger"
          onClick={() => {
            onChange(removeStep(graph, selected));
            onSelect(null);
          }}
        >
          Delete step {step.id}
        </button>
      )}
    </section>
  );
}

/** The step id; renaming happens on blur or Enter so every keystroke does not rename references. */
function IdField({ step, readOnly, onRename }: { step: Step; readOnly?: boolean; onRename: (id: string) => void }) {
  const [draft, setDraft] = useState(step.id);
  useEffect(() => setDraft(step.id), [step.id]);
  const commit = () => {
    const id = draft.trim();
    if (id && id !== step.id) onRename(id);
    else setDraft(step.id);
  };
  return (
    <label>
      Step id (used in templates as steps.{step.id})
      <input
        value={draft}
        readOnly={readOnly}
        pattern="[A-Za-z0-9_\-]+"
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
        }}
      />
    </label>
  );
}

interface FieldProps {
  spec: FieldSpec;
  value: JsonValue | undefined;
  onChange: (v: JsonValue | undefined) => void;
  suggest: (typed: string) => ReturnType<typeof suggestTemplatePaths>;
  readOnly?: boolean;
}

/** One field, rendered by kind. */
function Field({ spec, value, onChange, suggest, readOnly }: FieldProps) {
  const id = useId();
  const help = spec.help ? <span className="help" id={`${id}-help`}>{spec.help}</span> : null;
  const label = `${spec.label}${spec.required ? " (required)" : ""}`;
  switch (spec.kind) {
    case "checkbox":
      return (
        <label className="check">
          <input
            type="checkbox"
            disabled={readOnly}
            // `enabled` defaults to true when absent; other flags default to false.
            checked={spec.key === "enabled" ? value !== false : value === true}
            onChange={(e) => onChange(e.target.checked)}
            aria-describedby={help ? `${id}-help` : undefined}
          />
          {label}
          {help}
        </label>
      );
    case "select":
      return (
        <label>
          {label}
          <select value={typeof value === "string" ? value : ""} disabled={readOnly} onChange={(e) => onChange(e.target.value || undefined)}>
            {!spec.required && <option value="">(default)</option>}
            {spec.required && typeof value !== "string" && <option value="">Choose…</option>}
            {spec.options?.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
      );
    case "integer":
    case "number":
      return (
        <label>
          {label}
          <input
            type="number"
            readOnly={readOnly}
            min={spec.min}
            max={spec.max}
            step={spec.kind === "integer" ? 1 : "any"}
            value={typeof value === "number" ? value : ""}
            onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
            aria-describedby={help ? `${id}-help` : undefined}
          />
          {help}
        </label>
      );
    case "text":
      return (
        <label>
          {label}
          <input
            readOnly={readOnly}
            value={typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)}
            onChange={(e) => onChange(e.target.value)}
            aria-describedby={help ? `${id}-help` : undefined}
          />
          {help}
        </label>
      );
    case "template":
    case "longTemplate":
      return (
        <div className="field">
          <span className="field-label" id={`${id}-label`}>
            {label}
          </span>
          <LazyCodeEditor
            language="text"
            variant={spec.kind === "template" ? "field" : "code"}
            ariaLabel={spec.label}
            value={typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)}
            onChange={(v) => onChange(v)}
            suggest={suggest}
            readOnly={readOnly}
          />
          <span className="help">Type {"{{"} for inputs and upstream results.</span>
        </div>
      );
    case "lua":
      return (
        <div className="field">
          <span className="field-label">{label}</span>
          <LazyCodeEditor language="lua" ariaLabel={spec.label} value={typeof value === "string" ? value : ""} onChange={(v) => onChange(v)} readOnly={readOnly} />
        </div>
      );
    case "agent":
      return <AgentPicker label={label} value={typeof value === "string" ? value : undefined} onChange={onChange} readOnly={readOnly} />;
    case "json":
      return <JsonField spec={spec} label={label} value={value} onChange={onChange} suggest={suggest} readOnly={readOnly} />;
  }
}

/** A JSON value edited as text; applied only while the text parses, otherwise the error is shown. */
function JsonField({ spec, label, value, onChange, suggest, readOnly }: FieldProps & { label: string }) {
  const id = useId();
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="field">
      <span className="field-label">{label}</span>
      <LazyCodeEditor
        language="json"
        ariaLabel={spec.label}
        value={text}
        suggest={suggest}
        readOnly={readOnly}
        describedBy={error ? `${id}-err` : undefined}
        onChange={(t) => {
          setText(t);
          if (t.trim() === "") {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(t) as JsonValue);
            setError(null);
          } catch (e) {
            setError(`Not valid JSON yet (${e instanceof Error ? e.message : String(e)}); the last valid value is kept.`);
          }
        }}
      />
      <ErrorMessage error={error} id={`${id}-err`} />
    </div>
  );
}
