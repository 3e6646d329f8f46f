/**
 * The Run setup dialog's content (lazy chunk): the latest published version's input as a
 * form generated from its `input_schema` (or as JSON), per-step overrides, and the
 * workflow's saved defaults (`run_setup`). Start sends the `start` command (docs/contract.md §7);
 * Save as defaults PATCHes the workflow's `run_setup`.
 */
import { useEffect, useId, useMemo, useState } from "react";
import { ApiError, messageOf } from "../api/errors";
import type { RunSetup as SavedRunSetup, ValidationIssue, Workflow } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { importGraph } from "../graph/importGraph";
import { SchemaFields } from "../forms/FieldInput";
import {
  checkPayload,
  draftsOf,
  fieldsOf,
  issuesByField,
  parseObject,
  payloadOf,
  readForm,
  schemaDefaults,
  type Drafts,
  type FieldErrors,
  type FormField,
} from "../graph/inputForm";
import {
  EMPTY_STEP_SETUP,
  hasStepSettings,
  readSteps,
  runSetupOf,
  startParamsOf,
  stepRowsOf,
  stepSetupsOf,
  type ReadSteps,
  type StepRow,
  type StepSetup,
  type StepSetups,
} from "../graph/runSetup";
import type { JsonObject, WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";

export interface RunSetupProps {
  workflow: Workflow;
  onStarted: (runId: string) => void;
  /** The workflow as the server answered a Save as defaults. */
  onSaved: (workflow: Workflow) => void;
  onCancel: () => void;
}

/** Loads the latest published version (its schema and steps), then shows the form. */
export default function RunSetup(props: RunSetupProps) {
  const { api } = useSession();
  const { workflow, onCancel } = props;
  const [graph, setGraph] = useState<WorkflowGraph | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const version = workflow.latest_version;
    if (!version) {
      setError("Publish a version first: runs execute published versions.");
      return;
    }
    api
      .getVersion(workflow.id, version)
      .then((v) => live && setGraph(importGraph(v.graph_snapshot ?? { steps: [] }).graph))
      .catch((e: unknown) => live && setError(`The published version could not be read: ${messageOf(e)}`));
    return () => {
      live = false;
    };
  }, [api, workflow.id, workflow.latest_version]);

  if (error || !graph) {
    return (
      <div className="run-setup">
        {error ? <ErrorMessage error={error} /> : <p role="status">Loading the published version…</p>}
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  return <RunSetupForm {...props} graph={graph} />;
}

/** The starting state: the saved defaults when the workflow has them, else the schema's. */
function initialState(fields: FormField[], rows: StepRow[], saved: SavedRunSetup | null | undefined, schema: JsonObject | undefined) {
  const payload = saved ? (saved.trigger_payload ?? {}) : schemaDefaults(schema);
  const { drafts, rest } = draftsOf(fields, payload);
  return { drafts, rest, json: JSON.stringify(payload, null, 2), steps: saved ? stepSetupsOf(rows, saved) : {} };
}

function RunSetupForm({ workflow, graph, onStarted, onSaved, onCancel }: RunSetupProps & { graph: WorkflowGraph }) {
  const { api } = useSession();
  const fields = useMemo(() => fieldsOf(graph.input_schema), [graph]);
  const rows = useMemo(() => stepRowsOf(graph), [graph]);
  const [initial] = useState(() => initialState(fields, rows, workflow.run_setup, graph.input_schema));
  const [usingSaved, setUsingSaved] = useState(Boolean(workflow.run_setup));
  // Without a schema there is no form to show: the input is free JSON.
  const [asJson, setAsJson] = useState(fields.length === 0);
  const [drafts, setDrafts] = useState<Drafts>(initial.drafts);
  const [rest, setRest] = useState<JsonObject>(initial.rest);
  const [jsonText, setJsonText] = useState(initial.json);
  const [steps, setSteps] = useState<StepSetups>(initial.steps);
  const [stepsOpen, setStepsOpen] = useState(hasStepSettings(initial.steps));
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [stepErrors, setStepErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /**
   * The payload and step settings, or null after showing what is wrong. `partial` (saving
   * defaults) lets required fields stay empty.
   */
  const collect = (partial = false): { payload: JsonObject; steps: ReadSteps } | null => {
    let payload: JsonObject = {};
    let errors: FieldErrors = {};
    let unreadable: string | null = null;
    if (asJson) {
      const r = parseObject(jsonText);
      if (r.value) {
        payload = r.value;
        errors = checkPayload(fields, payload, partial);
      } else unreadable = `The input: ${r.error}`;
    } else {
      ({ payload, errors } = readForm(fields, drafts, rest, partial));
    }
    const stepsRead = readSteps(rows, steps);
    setFieldErrors(errors);
    setJsonError(unreadable);
    setStepErrors(stepsRead.errors);
    if (Object.keys(stepsRead.errors).length > 0) setStepsOpen(true);
    const problems = Object.keys(errors).length + Object.keys(stepsRead.errors).length + (unreadable ? 1 : 0);
    setError(problems > 0 ? "Fix the marked fields first." : null);
    return problems > 0 ? null : { payload, steps: stepsRead };
  };

  const start = async () => {
    setNotice(null);
    const read = collect();
    if (!read) return;
    setBusy(true);
    try {
      const r = await api.startRun(workflow.id, startParamsOf(read.payload, read.steps));
      onStarted(r.run_id);
    } catch (err) {
      // A 422 names the payload's problems; those about one field go next to it.
      const issues = err instanceof ApiError ? (err.body as { issues?: ValidationIssue[] } | undefined)?.issues : undefined;
      if (Array.isArray(issues)) setFieldErrors(issuesByField(fields, issues));
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const saveDefaults = async () => {
    setNotice(null);
    const read = collect(true);
    if (!read) return;
    setBusy(true);
    try {
      const wf = await api.patchWorkflow(workflow.id, { run_setup: runSetupOf(read.payload, read.steps) });
      onSaved(wf);
      setUsingSaved(true);
      setNotice("Saved as this workflow's defaults.");
    } catch (err) {
      setError(`Saving the defaults failed: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const resetToSchema = () => {
    const payload = schemaDefaults(graph.input_schema);
    const split = draftsOf(fields, payload);
    setDrafts(split.drafts);
    setRest(split.rest);
    setJsonText(JSON.stringify(payload, null, 2));
    setSteps({});
    setFieldErrors({});
    setStepErrors({});
    setJsonError(null);
    setError(null);
    setNotice(null);
    setUsingSaved(false);
  };

  /** Switching carries the input over; text that cannot be read keeps the user where they are. */
  const switchToJson = (on: boolean) => {
    if (on) {
      const r = payloadOf(fields, drafts, rest);
      if (Object.keys(r.errors).length > 0) {
        setFieldErrors(r.errors);
        setError("Fix the marked fields before switching to JSON.");
        return;
      }
      setJsonText(JSON.stringify(r.payload, null, 2));
    } else {
      const r = parseObject(jsonText);
      if (!r.value) {
        setJsonError(`The input: ${r.error}`);
        return;
      }
      const split = draftsOf(fields, r.value);
      setDrafts(split.drafts);
      setRest(split.rest);
    }
    setFieldErrors({});
    setJsonError(null);
    setError(null);
    setAsJson(on);
  };

  return (
    <form
      className="run-setup"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      {usingSaved && (
        <p className="notice saved-defaults" role="status">
          Using saved defaults.{" "}
          <button type="button" onClick={resetToSchema}>
            Reset to schema defaults
          </button>
        </p>
      )}
      <section aria-labelledby="run-input-title">
        <h3 id="run-input-title">Input</h3>
        {fields.length > 0 ? (
          <label className="check">
            <input type="checkbox" checked={asJson} onChange={(e) => switchToJson(e.target.checked)} />
            Edit the input as JSON
          </label>
        ) : (
          <p className="muted">The published version has no input schema: the input is any JSON object.</p>
        )}
        {asJson ? (
          <JsonInput text={jsonText} onChange={setJsonText} error={jsonError} fieldErrors={fieldErrors} fields={fields} />
        ) : (
          <SchemaFields
            fields={fields}
            drafts={drafts}
            errors={fieldErrors}
            onChange={(name, v) => {
              setDrafts((d) => ({ ...d, [name]: v }));
              setFieldErrors(({ [name]: _, ...others }) => others);
            }}
          />
        )}
      </section>
      <StepOverrides
        rows={rows}
        setups={steps}
        errors={stepErrors}
        open={stepsOpen}
        onToggle={setStepsOpen}
        onChange={(id, s) => {
          setSteps((all) => ({ ...all, [id]: s }));
          setStepErrors(({ [id]: _, ...others }) => others);
        }}
      />
      <ErrorMessage error={error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <p className="muted">
        Save as defaults stores this input (required fields may stay empty) and the step overrides on the workflow
        (exclusions are not saved). The form starts from them next time; versions published afterwards keep a copy
        for starts that ask for saved defaults.
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Start run
        </button>
        <button type="button" disabled={busy} onClick={() => void saveDefaults()}>
          Save as defaults
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The whole payload as JSON, with the schema check's problems listed under it. */
function JsonInput({ text, onChange, error, fieldErrors, fields }: { text: string; onChange: (t: string) => void; error: string | null; fieldErrors: FieldErrors; fields: FormField[] }) {
  const problems = fields.filter((f) => fieldErrors[f.name]);
  return (
    <>
      <label>
        Input (trigger_payload, JSON)
        <textarea rows={8} value={text} onChange={(e) => onChange(e.target.value)} spellCheck={false} aria-invalid={error || problems.length > 0 ? true : undefined} />
      </label>
      <ErrorMessage error={error} />
      {problems.length > 0 && (
        <ul className="error" role="alert" aria-label="Input problems">
          {problems.map((f) => (
            <li key={f.name}>
              <code>{f.name}</code>: {fieldErrors[f.name]}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * The top-level steps with their input overrides, exclusion (roots that start on their
 * own) or grant (roots that wait for one). Rows are drawn only while open: a 500-step
 * graph would otherwise build 500 text areas nobody looks at.
 */
function StepOverrides({ rows, setups, errors, open, onToggle, onChange }: {
  rows: StepRow[];
  setups: StepSetups;
  errors: Record<string, string>;
  open: boolean;
  onToggle: (open: boolean) => void;
  onChange: (id: string, s: StepSetup) => void;
}) {
  if (rows.length === 0) return null;
  return (
    <details className="step-overrides" open={open} onToggle={(e) => onToggle(e.currentTarget.open)}>
      <summary>Per-step overrides ({rows.length === 1 ? "1 step" : `${rows.length} steps`})</summary>
      {open && (
        <>
          <p className="muted">
            Overrides are merged over the run input for that step only (its <code>{"{{input.…}}"}</code> reads them
            first). <em>Exclude</em> applies only to root steps that start on their own; a root marked “run only when the
            start grants it” runs when you tick <em>Run this step</em> or give it overrides.
          </p>
          {rows.map((row) => (
            <StepOverrideRow key={row.id} row={row} setup={setups[row.id] ?? EMPTY_STEP_SETUP} error={errors[row.id]} onChange={(s) => onChange(row.id, s)} />
          ))}
        </>
      )}
    </details>
  );
}

function StepOverrideRow({ row, setup, error, onChange }: { row: StepRow; setup: StepSetup; error?: string; onChange: (s: StepSetup) => void }) {
  const id = useId();
  const live = setup.overrides.trim() !== "" ? (parseObject(setup.overrides).error ?? null) : null;
  const shown = error ?? (live ? `Input overrides: ${live}` : null);
  return (
    <fieldset className="step-override">
      <legend>{row.label}</legend>
      <label htmlFor={id}>Input overrides (JSON object)</label>
      <textarea
        id={id}
        rows={2}
        spellCheck={false}
        placeholder="{}"
        value={setup.overrides}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${id}-error` : undefined}
        onChange={(e) => onChange({ ...setup, overrides: e.target.value })}
      />
      {row.autoStart && (
        <label className="check">
          <input type="checkbox" checked={setup.exclude} onChange={(e) => onChange({ ...setup, exclude: e.target.checked })} />
          Exclude from this run
        </label>
      )}
      {row.root && !row.autoStart && (
        <label className="check">
          <input type="checkbox" checked={setup.trigger} onChange={(e) => onChange({ ...setup, trigger: e.target.checked })} />
          Run this step
        </label>
      )}
      <ErrorMessage id={shown ? `${id}-error` : undefined} error={shown} />
    </fieldset>
  );
}
