/**
 * The canvas mini map, drawn on a <canvas> rather than as SVG. React Flow's own mini map
 * draws one SVG element per node, each subscribed to the store, so on a 500-step graph every
 * drag or pan frame ran 500 selectors and repainted 500 elements (about a fifth of a frame's
 * budget; see docs/console.md, Performance). This one listens to the store without React,
 * redraws at most once per animation frame, and costs one fillRect per node.
 *
 * Press or drag on the map to centre the view there. Steps with a run status take its colour
 * (the run view's map shows progress); the selected step is drawn in the accent colour.
 */
import { Panel, useReactFlow, useStoreApi, type InternalNode } from "@xyflow/react";
import { useEffect, useRef, type PointerEvent } from "react";
import type { StepEdge, StepNode } from "../graph/flow";
import { useTheme } from "../theme/theme";
import { areaInView, fitArea, fromMap, mapArea, toMap, type Box, type MapTransform } from "../graph/minimap";

const WIDTH = 200;
const HEIGHT = 150;

/**
 * Colours from the stylesheet's custom properties, read once per map and theme: reading a
 * computed style on every frame would force a style recalculation in the middle of a drag.
 */
function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const statuses = new Map<string, string>();
  return {
    background: v("--mm-bg", "#ffffff"),
    node: v("--mm-node", "#c4c8d0"),
    loop: v("--mm-loop", "#dfe2f4"),
    accent: v("--accent", "#2557d6"),
    status: (s: string) => {
      if (!statuses.has(s)) statuses.set(s, v(`--st-${s}`, "#5f6570"));
      return statuses.get(s) as string;
    },
    outside: v("--mm-outside", "rgba(29, 29, 34, 0.08)"),
  };
}

function boxOf(n: InternalNode<StepNode>): Box {
  const { x, y } = n.internals.positionAbsolute;
  return { x, y, width: n.measured.width ?? n.width ?? 0, height: n.measured.height ?? n.height ?? 0 };
}

export function MiniMap() {
  const store = useStoreApi<StepNode, StepEdge>();
  const { setCenter, getZoom } = useReactFlow<StepNode, StepEdge>();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  // The mapping of the last drawing, so a press lands where the user saw it.
  const drawnWith = useRef<MapTransform | null>(null);
  // The mapping at the start of a map drag: kept while dragging, because moving the view
  // can change the mapped area, which would make the view chase the pointer.
  const dragWith = useRef<MapTransform | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return; // no 2D canvas (tests in jsdom): nothing to draw
    const ratio = window.devicePixelRatio || 1;
    canvas.width = WIDTH * ratio;
    canvas.height = HEIGHT * ratio;
    let frame = 0;
    const colours = palette();

    const draw = () => {
      frame = 0;
      const { nodeLookup, transform, width, height } = store.getState();
      const nodes = [...nodeLookup.values()].filter((n) => !n.hidden);
      const inView = areaInView(transform, width, height);
      const t = fitArea(mapArea(nodes.map(boxOf), inView), WIDTH, HEIGHT);
      drawnWith.current = t;

      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = colours.background;
      ctx.fillRect(0, 0, WIDTH, HEIGHT);
      for (const n of nodes) {
        const b = boxOf(n);
        const at = toMap(t, b);
        const status = n.data.status;
        ctx.fillStyle = n.selected ? colours.accent : status ? colours.status(status) : n.type === "loop" ? colours.loop : colours.node;
        // At least one pixel, so a step of a very large graph is still a dot.
        ctx.fillRect(at.x, at.y, Math.max(1, b.width * t.scale), Math.max(1, b.height * t.scale));
      }
      // Shade what is outside the view and outline the view.
      const v = toMap(t, inView);
      const vw = inView.width * t.scale;
      const vh = inView.height * t.scale;
      ctx.fillStyle = colours.outside;
      ctx.beginPath();
      ctx.rect(0, 0, WIDTH, HEIGHT);
      ctx.rect(v.x, v.y, vw, vh);
      ctx.fill("evenodd");
      ctx.strokeStyle = colours.accent;
      ctx.lineWidth = 1;
      ctx.strokeRect(v.x + 0.5, v.y + 0.5, Math.max(0, vw - 1), Math.max(0, vh - 1));
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(draw);
    };
    schedule();
    const unsubscribe = store.subscribe(schedule);
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
    // Redrawn from scratch with the new colours when the theme changes.
  }, [store, theme]);

  const centreAt = (e: PointerEvent<HTMLCanvasElement>, t: MapTransform | null) => {
    if (!t) return;
    const r = e.currentTarget.getBoundingClientRect();
    const p = fromMap(t, { x: e.clientX - r.left, y: e.clientY - r.top });
    void setCenter(p.x, p.y, { zoom: getZoom() });
  };

  return (
    <Panel position="bottom-right" className="minimap">
      <canvas
        ref={canvasRef}
        role="img"
        aria-label="Mini map of the whole graph; press or drag on it to move the view"
        style={{ width: WIDTH, height: HEIGHT }}
        onPointerDown={(e) => {
          dragWith.current = drawnWith.current;
          e.currentTarget.setPointerCapture(e.pointerId);
          centreAt(e, dragWith.current);
        }}
        onPointerMove={(e) => {
          if (dragWith.current) centreAt(e, dragWith.current);
        }}
        onPointerUp={() => {
          dragWith.current = null;
        }}
        onPointerCancel={() => {
          dragWith.current = null;
        }}
      />
    </Panel>
  );
}
