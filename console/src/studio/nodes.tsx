/**
 * How steps look on the canvas: a card per step (type icon, name, the key field; handles on
 * top = runs after, bottom = runs before, or left and right for graphs laid out across), and
 * a box for `for_each`/`while` that holds its body chain. Used by the Studio and the run
 * view (which colours nodes by step status and adds a run line: duration, attempt, badges).
 *
 * Handles explain themselves with a `title` (a tooltip for the mouse), not an `aria-label`:
 * they are plain divs without a role, where ARIA forbids a label, and keyboard users connect
 * steps with the config panel's "Runs after" checkboxes instead. Handles are connectable only
 * when the canvas is (a Handle defaults to connectable), so read-only canvases offer no drag.
 */
import { Handle, Position, useStore, type NodeProps, type NodeTypes, type ReactFlowState } from "@xyflow/react";
import { memo } from "react";
import type { StepNode, StepRunBadge } from "../graph/flow";
import { STEP_TYPE_INFO } from "../graph/stepFields";
import { keyField } from "../graph/stepSummary";
import { formatDuration } from "../runs/timeline";
import { TypeChip } from "./icons";

function Badges({ data }: { data: StepNode["data"] }) {
  return (
    <>
      {data.issueCount ? (
        <span className={`issue-badge ${data.issueSeverity}`} title={`${data.issueCount} validation issue(s)`}>
          {data.issueSeverity === "error" ? "✖" : "⚠"} {data.issueCount}
          <span className="sr-only"> {data.issueSeverity === "error" ? "errors" : "warnings"}</span>
        </span>
      ) : null}
      {data.status ? <span className={`status-pill status-${data.status}`}>{data.status}</span> : null}
    </>
  );
}

/**
 * Below this zoom a step's words are too small to read (under ~5 px), so a step is drawn as
 * its card alone: border, status and issue colours, handles. Large graphs open this far out,
 * and text is what costs most to lay out and paint when nodes enter the view while panning.
 * The node keeps its accessible name (set on React Flow's wrapper), so nothing is lost to
 * assistive technology.
 */
export const DETAIL_ZOOM = 0.4;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

/** Whether the canvas is zoomed out below {@link DETAIL_ZOOM}; changes only when crossing it. */
export const useZoomedOut = (): boolean => useStore(zoomedOut);

/** Handle sides: edges come in at the top and leave at the bottom, or left and right for graphs laid out across. */
const sides = (data: StepNode["data"]) =>
  data.direction === "LR" ? { target: Position.Left, source: Position.Right } : { target: Position.Top, source: Position.Bottom };

function StepNodeView({ data, selected, isConnectable }: NodeProps<StepNode>) {
  const { step } = data;
  const disabled = step.enabled === false;
  // A boolean selector: the node re-renders when the zoom crosses DETAIL_ZOOM, not on every zoom step.
  const compact = useZoomedOut();
  const side = sides(data);
  return (
    <div
      className={`step-node type-${step.type}${data.status ? ` status-${data.status}` : ""}${data.issueSeverity ? ` has-${data.issueSeverity}` : ""}${selected ? " selected" : ""}${disabled ? " disabled" : ""}${compact ? " compact" : ""}`}
      data-step-id={step.id}
      data-status={data.status}
    >
      <Handle isConnectable={isConnectable} type="target" position={side.target} title={`${step.id}: connect a step this one runs after`} />
      {!compact && <StepDetails data={data} />}
      <Handle isConnectable={isConnectable} type="source" position={side.source} title={`${step.id}: connect a step that runs after this one`} />
    </div>
  );
}

/** The words of a step card: type and badges, name, key field, then the id or (in a run) the run line. */
function StepDetails({ data }: { data: StepNode["data"] }) {
  const { step } = data;
  return (
    <>
      <div className="step-node-head">
        <TypeChip type={step.type} />
        <span className="step-type">{STEP_TYPE_INFO[step.type]?.label ?? `unknown type “${String(step.type)}”`}</span>
        <Badges data={data} />
      </div>
      <div className="step-name">{step.name || step.id}</div>
      <div className="step-key">{keyField(step)}</div>
      {data.run ? <RunLine run={data.run} /> : <div className="step-id">{step.id}</div>}
    </>
  );
}

/** A step's run at a glance: how long, which attempt, and badges for retries, skips and items. */
export function RunLine({ run }: { run: StepRunBadge }) {
  const parts: string[] = [];
  // Fast steps finish within the clock's millisecond: "0 ms" would read as "did not run".
  if (run.durationMs !== undefined) parts.push(run.durationMs < 1 ? "< 1 ms" : formatDuration(run.durationMs));
  else if (run.status === "running") parts.push("running…");
  else if (run.status === "waiting") parts.push("waiting for a person");
  if (run.attempt > 1) parts.push(`attempt ${run.attempt}`);
  return (
    <div className="step-run">
      {parts.length > 0 && <span>{parts.join(" · ")}</span>}
      {run.itemCount !== undefined && <span className="badge">{run.itemCount === 1 ? "1 item" : `${run.itemCount} items`}</span>}
      {run.retried && <span className="badge retried">retried</span>}
      {run.skipReason !== undefined && <span className="badge skipped">skipped: {run.skipReason || "no reason given"}</span>}
    </div>
  );
}

function LoopNodeView({ data, selected, isConnectable }: NodeProps<StepNode>) {
  const { step } = data;
  const empty = (step.type === "for_each" ? step.for_each_body_steps : step.type === "while" ? step.while_body_steps : [])?.length === 0;
  const compact = useZoomedOut();
  const side = sides(data);
  return (
    <div
      className={`loop-node type-${step.type}${data.status ? ` status-${data.status}` : ""}${data.issueSeverity ? ` has-${data.issueSeverity}` : ""}${selected ? " selected" : ""}`}
      data-step-id={step.id}
      data-status={data.status}
    >
      <Handle isConnectable={isConnectable} type="target" position={side.target} title={`${step.id}: connect a step this loop runs after`} />
      {!compact && (
        <>
          <div className="loop-node-head">
            <TypeChip type={step.type} />
            <span className="step-name">{step.name || step.id}</span>
            <Badges data={data} />
          </div>
          <div className="loop-node-key">
            <span className="step-key">{keyField(step)}</span>
            {data.run && <RunLine run={data.run} />}
          </div>
        </>
      )}
      {empty && !compact && <div className="loop-empty">Drop a Lua, LLM, MCP or agent step here</div>}
      <Handle isConnectable={isConnectable} type="source" position={side.source} title={`${step.id}: connect a step that runs after this loop`} />
    </div>
  );
}

/** Node renderers by node type (see graph/flow.ts). Stable object: xyflow warns when it changes. */
export const nodeTypes: NodeTypes = { step: memo(StepNodeView), loop: memo(LoopNodeView) };
