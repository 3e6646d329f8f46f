/**
 * Per-step start settings (docs/contract.md §7 "Start"), without React: the top-level steps a run
 * setup lists, reading their input overrides and exclusions into start params, and
 * converting to and from the workflow's saved `run_setup`.
 *
 * - `trigger_steps: {id: {…}}` overlays a step's input; an entry, even `{}`, is also the
 *   grant that lets a `no_auto_start` root run.
 * - `excluded_step_ids` keeps roots that would start on their own from running.
 * - The saved `run_setup` has no exclusions: it holds `trigger_payload`, `trigger_steps`
 *   and `trigger_step_ids` (steps granted with no input of their own).
 */
import type { RunSetup, StartParams } from "../api/types";
import { parseObject } from "./inputForm";
import type { JsonObject, WorkflowGraph } from "./types";

/** A top-level step as the run setup lists it. */
export interface StepRow {
  id: string;
  label: string;
  /** No dependencies: the engine decides at start whether it runs. */
  root: boolean;
  /** A root that starts unless excluded (no `no_auto_start`). */
  autoStart: boolean;
}

/** What the user set for one step. */
export interface StepSetup {
  /** JSON object text; empty: no overrides. */
  overrides: string;
  /** Auto-start roots only. */
  exclude: boolean;
  /** `no_auto_start` roots only: run it in this run. */
  trigger: boolean;
}
export type StepSetups = Record<string, StepSetup>;

export const EMPTY_STEP_SETUP: StepSetup = { overrides: "", exclude: false, trigger: false };

/** The graph's top-level steps in graph order (loop bodies take no start settings). */
export function stepRowsOf(graph: WorkflowGraph): StepRow[] {
  return graph.steps.map((s) => {
    const root = !s.depends_on || s.depends_on.length === 0;
    return { id: s.id, label: s.name ? `${s.name} (${s.id})` : s.id, root, autoStart: root && s.no_auto_start !== true };
  });
}

/** The per-step settings a saved run setup pre-fills; steps no longer in the graph are dropped. */
export function stepSetupsOf(rows: StepRow[], saved: RunSetup | null | undefined): StepSetups {
  const out: StepSetups = {};
  const granted = new Set(saved?.trigger_step_ids ?? []);
  for (const row of rows) {
    const input = saved?.trigger_steps?.[row.id];
    const hasEntry = input !== undefined && input !== null;
    const setup: StepSetup = { ...EMPTY_STEP_SETUP };
    if (hasEntry && Object.keys(input).length > 0) setup.overrides = JSON.stringify(input, null, 2);
    if (!row.autoStart && row.root && (granted.has(row.id) || hasEntry)) setup.trigger = true;
    if (Object.keys(setup).some((k) => setup[k as keyof StepSetup] !== EMPTY_STEP_SETUP[k as keyof StepSetup])) out[row.id] = setup;
  }
  return out;
}

/** Whether any step has a setting: the overrides section opens when it does. */
export const hasStepSettings = (setups: StepSetups) => Object.values(setups).some((s) => s.overrides.trim() !== "" || s.exclude || s.trigger);

export interface ReadSteps {
  /** Steps with input overrides, by id. */
  overrides: Record<string, JsonObject>;
  /** `no_auto_start` roots to run, with or without overrides. */
  triggered: string[];
  excluded: string[];
  /** Messages by step id. */
  errors: Record<string, string>;
}

/** Reads every step's settings; an override that is not a JSON object is an error on its step. */
export function readSteps(rows: StepRow[], setups: StepSetups): ReadSteps {
  const out: ReadSteps = { overrides: {}, triggered: [], excluded: [], errors: {} };
  for (const row of rows) {
    const s = setups[row.id];
    if (!s) continue;
    if (s.overrides.trim() !== "") {
      const r = parseObject(s.overrides);
      if (r.error) out.errors[row.id] = `Input overrides: ${r.error}`;
      else if (r.value) out.overrides[row.id] = r.value;
    }
    if (s.exclude && row.autoStart) out.excluded.push(row.id);
    if (s.trigger && row.root && !row.autoStart) out.triggered.push(row.id);
  }
  return out;
}

/** The `start` command's params; keys without content are left out. */
export function startParamsOf(payload: JsonObject, steps: ReadSteps): StartParams {
  const params: StartParams = { trigger_payload: payload };
  const trigger_steps: Record<string, JsonObject> = { ...steps.overrides };
  // A grant with no overrides is an empty entry.
  for (const id of steps.triggered) trigger_steps[id] ??= {};
  if (Object.keys(trigger_steps).length > 0) params.trigger_steps = trigger_steps;
  if (steps.excluded.length > 0) params.excluded_step_ids = steps.excluded;
  return params;
}

/** The `run_setup` to save: exclusions have no place in it (docs/contract.md §7). */
export function runSetupOf(payload: JsonObject, steps: ReadSteps): RunSetup {
  const setup: RunSetup = { trigger_payload: payload };
  if (Object.keys(steps.overrides).length > 0) setup.trigger_steps = steps.overrides;
  const bare = steps.triggered.filter((id) => !(id in steps.overrides));
  if (bare.length > 0) setup.trigger_step_ids = bare;
  return setup;
}
