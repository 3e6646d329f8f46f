/**
 * The canvas edge: an orthogonal line with rounded bends, which follows the route
 * graph/routing.ts computed when a card stands in the straight line's way. The route is
 * computed from the graph's saved positions; while a step is being dragged its edges no
 * longer start and end where the route was computed for, and they are drawn as plain
 * orthogonal lines until the drop re-routes them.
 */
import { BaseEdge, getSmoothStepPath, type EdgeProps, type EdgeTypes } from "@xyflow/react";
import { memo } from "react";
import type { StepEdge } from "../graph/flow";
import { roundedPath, type Route } from "../graph/routing";
import type { XY } from "../graph/types";

/**
 * How far (flow px) an end may be from where the route was computed and still use it: the
 * route starts at the card's border, React Flow's end at the handle drawn across it.
 */
const SAME_END = 8;

const near = (a: XY, b: XY) => Math.abs(a.x - b.x) <= SAME_END && Math.abs(a.y - b.y) <= SAME_END;

/** The route's bends with the first and last moved onto the ends' exact axis, so the end segments stay straight. */
function bendsFor(route: Route, from: XY, to: XY): XY[] {
  const bends = route.bends.map((b) => ({ ...b }));
  const first = bends[0];
  const last = bends[bends.length - 1];
  if (first) {
    if (first.x === route.from.x) first.x = from.x;
    else first.y = from.y;
  }
  if (last) {
    if (last.x === route.to.x) last.x = to.x;
    else last.y = to.y;
  }
  return bends;
}

function RoutedEdge({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd, style, interactionWidth }: EdgeProps<StepEdge>) {
  const route = data?.route;
  const from = { x: sourceX, y: sourceY };
  const to = { x: targetX, y: targetY };
  const path =
    route && near(route.from, from) && near(route.to, to)
      ? roundedPath([from, ...bendsFor(route, from, to), to])
      : getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 8, offset: 10 })[0];
  return <BaseEdge path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth} />;
}

/** Edge renderers by edge type (see graph/flow.ts). Stable object: xyflow warns when it changes. */
export const edgeTypes: EdgeTypes = { routed: memo(RoutedEdge) };
