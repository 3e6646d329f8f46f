/**
 * The run view's side panel. With no step picked it shows the run (status, times, failure,
 * the tasks waiting for a person as forms, the run's input); with a step picked on the
 * canvas, that step: its status, attempts and timings, the failure code and error, the
 * input it was given (templates resolved) and its result, each as a JSON tree. Both follow
 * the run live: the run view refreshes the context whenever the step's state changes.
 */
import type { PendingTask, RunContext, StepContext } from "../api/types";
import { JsonTree } from "../components/JsonTree";
import { STEP_TYPE_INFO } from "../graph/stepFields";
import { keyField } from "../graph/stepSummary";
import type { Step } from "../graph/types";
import { TypeChip } from "../studio/icons";
import { TaskForm } from "../tasks/TaskForm";
import type { RunState, StepRunState } from "./reducer";
import { formatDuration, type StepTimeline } from "./timeline";

const time = (iso?: string | null): string | undefined => (iso ? new Date(iso).toLocaleTimeString() : undefined);

/** "1.2 s" between two ISO times, when both are known. */
function between(from?: string | null, to?: string | null): string | undefined {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : undefined;
}

/** The tasks of this run waiting for a person, as forms. */
function WaitingTasks({ tasks, canAct, onDone }: { tasks: PendingTask[]; canAct: boolean; onDone: () => void }) {
  if (tasks.length === 0) return null;
  return (
    <section aria-labelledby="run-tasks-title">
      <h2 id="run-tasks-title">Waiting for a person</h2>
      {tasks.map((t) => (
        <TaskForm key={t.task_id} task={t} canAct={canAct} onDone={onDone} meta={<p className="muted task-meta">step {t.step_id}</p>} />
      ))}
    </section>
  );
}

export interface RunOverviewProps {
  run: RunState;
  context: RunContext | null;
  tasks: PendingTask[];
  canAct: boolean;
  onTaskDone: () => void;
}

/** The side panel with no step picked: the run as a whole. */
export function RunOverview({ run, context, tasks, canAct, onTaskDone }: RunOverviewProps) {
  const started = context?.started_at;
  const finished = context?.finished_at;
  return (
    <section aria-labelledby="run-overview-title">
      <h2 id="run-overview-title">Run</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status-pill status-${run.status}`}>{run.status}</span>
        </dd>
        {context && (
          <>
            <dt>Version</dt>
            <dd>v{context.version}</dd>
          </>
        )}
        {started && (
          <>
            <dt>Started</dt>
            <dd>{new Date(started).toLocaleString()}</dd>
          </>
        )}
        {finished && (
          <>
            <dt>Took</dt>
            <dd>{between(started, finished) ?? "—"}</dd>
          </>
        )}
      </dl>
      {(run.failureCode || context?.error) && (
        <div className="failure" role="note" aria-label="Why the run failed">
          {run.failureCode && <code>{run.failureCode}</code>} {typeof context?.error === "string" ? context.error : null}
        </div>
      )}
      <WaitingTasks tasks={tasks} canAct={canAct} onDone={onTaskDone} />
      <p className="muted">Pick a step on the graph to see its input, result and attempts.</p>
      {context && <JsonTree value={context.input} label="Run input" />}
    </section>
  );
}

export interface InspectorProps {
  step: Step;
  /** The loop holding it, for a step inside a loop body. */
  parent?: Step;
  /** From the event stream (live). */
  state?: StepRunState;
  /** Attempts and waits from the events. */
  timeline?: StepTimeline;
  /** From the run context: input, result, error (top-level steps only). */
  detail?: StepContext;
  /** The run's start, for attempt times relative to it. */
  runStart?: number;
  task?: PendingTask;
  canAct: boolean;
  onTaskDone: () => void;
  onClose: () => void;
  onShowStep: (id: string) => void;
}

/** The side panel with a step picked. */
export function Inspector({ step, parent, state, timeline, detail, runStart, task, canAct, onTaskDone, onClose, onShowStep }: InspectorProps) {
  const status = detail?.skipped ? "skipped" : (state?.status ?? detail?.status ?? "pending");
  const name = step.name || step.id;
  const attempts = (timeline?.spans ?? []).filter((s) => s.kind === "attempt");
  const failureCode = state?.failureCode ?? detail?.failure_code ?? undefined;
  const error = state?.error ?? (typeof detail?.error === "string" ? detail.error : undefined);
  const reason = state?.reason ?? detail?.reason ?? undefined;
  return (
    <section aria-labelledby="inspector-title">
      <div className="inspector-head">
        <TypeChip type={step.type} />
        <h2 id="inspector-title">{name}</h2>
        <span className={`status-pill status-${status}`}>{status}</span>
        <button type="button" className="small" onClick={onClose}>
          Back to the run
        </button>
      </div>
      <dl className="facts">
        <dt>Step</dt>
        <dd>
          <code>{step.id}</code> · {STEP_TYPE_INFO[step.type]?.label ?? step.type} · {keyField(step)}
        </dd>
        {parent && (
          <>
            <dt>Inside</dt>
            <dd>
              <button type="button" className="link" onClick={() => onShowStep(parent.id)}>
                {parent.name || parent.id}
              </button>
            </dd>
          </>
        )}
        {(state?.attempt ?? detail?.attempt ?? 0) > 0 && (
          <>
            <dt>Attempt</dt>
            <dd>{state?.attempt ?? detail?.attempt}</dd>
          </>
        )}
        {(state?.startedAt ?? detail?.started_at) && (
          <>
            <dt>Started</dt>
            <dd>{time(state?.startedAt ?? detail?.started_at)}</dd>
          </>
        )}
        {(state?.finishedAt ?? detail?.finished_at) && (
          <>
            <dt>Finished</dt>
            <dd>
              {time(state?.finishedAt ?? detail?.finished_at)}
              {between(state?.startedAt ?? detail?.started_at, state?.finishedAt ?? detail?.finished_at) &&
                ` (took ${between(state?.startedAt ?? detail?.started_at, state?.finishedAt ?? detail?.finished_at)})`}
            </dd>
          </>
        )}
        {state?.itemCount !== undefined && (
          <>
            <dt>Items</dt>
            <dd>{state.itemCount}</dd>
          </>
        )}
        {reason && (
          <>
            <dt>{status === "skipped" ? "Skipped because" : "Reason"}</dt>
            <dd>
              <code>{reason}</code>
              {detail?.caused_by_step_id && (
                <>
                  {" "}
                  (by{" "}
                  <button type="button" className="link" onClick={() => onShowStep(detail.caused_by_step_id as string)}>
                    {detail.caused_by_step_id}
                  </button>
                  )
                </>
              )}
            </dd>
          </>
        )}
      </dl>
      {(failureCode || (status === "failed" && error)) && (
        <div className="failure" role="note" aria-label={`Why ${name} failed`}>
          {failureCode && <code>{failureCode}</code>} {error}
        </div>
      )}
      {task && <TaskForm task={task} canAct={canAct} onDone={onTaskDone} />}
      {attempts.length > 0 && (
        <>
          <h3>Attempts</h3>
          <table className="attempts">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a, i) => (
                <tr key={i}>
                  <td>{a.attempt ?? i + 1}</td>
                  <td>{runStart !== undefined ? `+${formatDuration(a.start - runStart)}` : new Date(a.start).toLocaleTimeString()}</td>
                  <td>{a.end !== undefined ? formatDuration(a.end - a.start) : "running"}</td>
                  <td>
                    {a.status}
                    {a.detail ? ` (${a.detail})` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {parent ? (
        <p className="muted">
          A step inside a loop runs once per item or iteration; its input and result for each are in the loop's result.{" "}
          <button type="button" className="link" onClick={() => onShowStep(parent.id)}>
            Inspect {parent.name || parent.id}
          </button>
        </p>
      ) : detail ? (
        <>
          {detail.input !== undefined ? (
            <JsonTree value={detail.input} label={`Input of ${step.id}`} />
          ) : (
            status !== "pending" && <p className="muted">The engine recorded no input for this step.</p>
          )}
          {detail.result !== undefined && <JsonTree value={detail.result} label={`Result of ${step.id}`} />}
          {detail.error !== undefined && typeof detail.error !== "string" && <JsonTree value={detail.error} label={`Error of ${step.id}`} />}
        </>
      ) : (
        <p className="muted">{status === "pending" ? "Not started yet." : "Loading the step's input and result…"}</p>
      )}
    </section>
  );
}
