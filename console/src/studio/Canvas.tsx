/**
 * The Studio canvas: draws the graph with @xyflow/react and turns canvas gestures into graph
 * edits (graph/ops.ts). The graph stays the source of truth; positions are written back when
 * a drag ends, so a drag does not rebuild the whole graph on every frame.
 *
 * Nodes are uncontrolled (React Flow's store owns the node list; the graph is pushed into
 * it with `setNodes` when it changes). A drag frame then updates only the store and the
 * views that read the moved node: with controlled nodes each frame also re-rendered this
 * component and React Flow's root and copied the list back into the store, which on a
 * 500-step graph cost more than a frame (see docs/console.md, Performance).
 */
import {
  applyEdgeChanges,
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Connection,
  type DefaultEdgeOptions,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { flowEdges, flowNodes, graphDirection, loopAt, nodeIdOf, reconcileEdges, reconcileNodes, routeEdges, type FlowDecorations, type StepEdge, type StepNode } from "../graph/flow";
import { addStep, connect, disconnect, GraphEditError, moveStep, removeStep, type StepRef } from "../graph/ops";
import { isStepType, type WorkflowGraph } from "../graph/types";
import { useTheme } from "../theme/theme";
import { edgeTypes } from "./edges";
import { MiniMap } from "./MiniMap";
import { nodeTypes, useZoomedOut } from "./nodes";
import { initialViewport } from "./viewport";

/** The drag-and-drop payload type of palette items. */
export const STEP_DRAG_TYPE = "application/x-agentruntime-step";

/** Every edge ends in an arrow pointing at the step that runs after. */
const EDGE_OPTIONS: DefaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 } };

export interface CanvasProps {
  graph: WorkflowGraph;
  onChange: (graph: WorkflowGraph) => void;
  decorations?: FlowDecorations;
  selected: StepRef | null;
  onSelect: (ref: StepRef | null) => void;
  /** Shows a refused edit (e.g. a connection that would close a cycle). */
  onError: (message: string) => void;
  readOnly?: boolean;
}

export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

function CanvasInner({ graph, onChange, decorations, selected, onSelect, onError, readOnly }: CanvasProps) {
  const { screenToFlowPosition, setCenter, getZoom, getInternalNode, getNode, setNodes } = useReactFlow<StepNode, StepEdge>();
  // The selection last brought into view. A selection made elsewhere (palette, issue list,
  // body list) is panned to once its node exists; one picked on the canvas is marked as
  // already in view, so nothing moves under the pointer.
  const inView = useRef<string | null>(null);
  // Nodes follow the decorations (a live run recolours them per frame); edges and their
  // routes depend on the graph alone, so a run's status changes never re-route or redraw them.
  const direction = useMemo(() => graphDirection(graph), [graph]);
  const drawnEdges = useMemo(() => flowEdges(graph, routeEdges(graph, direction)), [graph, direction]);
  const drawnNodes = useMemo(() => flowNodes(graph, decorations, direction), [graph, decorations, direction]);
  const refOf = useMemo(() => new Map(drawnNodes.map((n) => [n.id, n.data.ref])), [drawnNodes]);
  const selectedKey = selected ? nodeIdOf(selected) : null;
  const withSelection = useCallback(
    (ns: StepNode[]) => ns.map((n) => (n.id === selectedKey ? { ...n, selected: true } : n)),
    [selectedKey],
  );
  // The store starts from the graph (so fitView sees the nodes at once) and is re-derived
  // when it changes; nodes that did not change keep their objects (and React Flow's
  // measurements), so only changed nodes re-render.
  const [initialNodes] = useState<StepNode[]>(() => withSelection(drawnNodes));
  const paneRef = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  useEffect(() => {
    setNodes((prev) => reconcileNodes(prev, withSelection(drawnNodes)));
  }, [drawnNodes, withSelection, setNodes]);
  // Whether the selected step's node is in the store yet (a step just added is not).
  const selectedDrawn = useStore(useCallback((s) => selectedKey !== null && s.nodeLookup.has(selectedKey), [selectedKey]));
  // Edges are derived the same way; their selection (to delete one with the keyboard) is local.
  const [edges, setEdges] = useState<StepEdge[]>(drawnEdges);
  useEffect(() => {
    setEdges((prev) => reconcileEdges(prev, drawnEdges));
  }, [drawnEdges]);
  const onEdgesChange = useCallback((changes: EdgeChange<StepEdge>[]) => {
    // Removal goes through onBeforeDelete → graph edit, like nodes.
    setEdges((es) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), es));
  }, []);

  useEffect(() => {
    if (!selectedKey || selectedKey === inView.current) return;
    const node = getInternalNode(selectedKey);
    if (!node) return; // not in React Flow's store yet: try again on the next nodes update
    inView.current = selectedKey;
    const { x, y } = node.internals.positionAbsolute;
    // Pan only, without animation: keeping the zoom keeps the user's sense of scale.
    void setCenter(x + (node.width ?? 0) / 2, y + (node.height ?? 0) / 2, { zoom: getZoom() });
  }, [selectedKey, selectedDrawn, getInternalNode, setCenter, getZoom]);

  const edit = useCallback(
    (f: () => WorkflowGraph) => {
      try {
        onChange(f());
      } catch (e) {
        if (e instanceof GraphEditError) onError(e.message);
        else throw e;
      }
    },
    [onChange, onError],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<StepNode>[]) => {
      // React Flow has applied drag, select and measure changes to its store already;
      // removal is refused there and done as a graph edit (onBeforeDelete).
      // Selection follows the user's clicks and keys only (select changes come from the
      // user, never from the `selected` flags we pass in), so it cannot ping-pong.
      const selects = changes.filter((c) => c.type === "select");
      if (selects.length > 0) {
        const picked = selects.find((c) => c.selected);
        const ref = picked ? refOf.get(picked.id) : undefined;
        inView.current = picked?.id ?? null;
        onSelect(ref ?? null);
      }
      // A finished move (end of a mouse drag, or an arrow-key step on a focused node) is saved
      // to the graph; the frames of a drag in progress (`dragging: true`) stay local.
      if (readOnly) return;
      let g = graph;
      for (const c of changes) {
        if (c.type === "position" && c.position && c.dragging === false && refOf.get(c.id)?.parent === undefined) {
          g = moveStep(g, c.id, c.position);
        }
      }
      if (g !== graph) onChange(g);
    },
    [graph, refOf, onChange, onSelect, readOnly],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const source = refOf.get(c.source);
      const target = refOf.get(c.target);
      if (source && target) edit(() => connect(graph, source, target));
    },
    [refOf, graph, edit],
  );

  const isValidConnection = useCallback(
    (c: Connection | StepEdge) => {
      const source = refOf.get(c.source);
      const target = refOf.get(c.target);
      if (!source || !target) return false;
      try {
        connect(graph, source, target);
        return true;
      } catch {
        return false;
      }
    },
    [refOf, graph],
  );

  // Deleting with the keyboard edits the graph (which drops the nodes and edges from the
  // canvas when it re-derives) and tells React Flow not to remove anything itself, so a
  // refused edit leaves the canvas as it was.
  const onBeforeDelete = useCallback(
    async ({ nodes: gone, edges: cut }: { nodes: StepNode[]; edges: StepEdge[] }) => {
      if (readOnly) return false;
      edit(() => {
        let g = graph;
        for (const e of cut) if (e.data) g = disconnect(g, e.data.source, e.data.target);
        for (const n of gone) g = removeStep(g, n.data.ref);
        return g;
      });
      if (gone.some((n) => n.id === selectedKey)) onSelect(null);
      return false;
    },
    [graph, edit, readOnly, selectedKey, onSelect],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(STEP_DRAG_TYPE);
      if (!isStepType(type)) return;
      const raw = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // A drop without coordinates (synthetic events, some assistive tools) lands top left.
      const at = Number.isFinite(raw.x) && Number.isFinite(raw.y) ? raw : { x: 0, y: 0 };
      // Dropped inside a loop box: the step joins that loop's body chain.
      const loop = loopAt(graph, (id) => getNode(id)?.position, at);
      edit(() => {
        const added = loop ? addStep(graph, type, { parent: loop }) : addStep(graph, type, { position: at });
        onSelect(loop ? { id: added.id, parent: loop } : { id: added.id });
        return added.graph;
      });
    },
    [graph, getNode, screenToFlowPosition, edit, onSelect],
  );

  return (
    <div className="canvas" ref={paneRef} onDragOver={(e) => {
      if (readOnly) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    }} onDrop={readOnly ? undefined : onDrop}>
      <ReactFlow<StepNode, StepEdge>
        defaultNodes={initialNodes}
        edges={edges}
        onEdgesChange={onEdgesChange}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onConnect={readOnly ? undefined : onConnect}
        isValidConnection={isValidConnection}
        onBeforeDelete={onBeforeDelete}
        nodesDraggable={!readOnly}
        // Dragging moves a step without selecting it: a click selects (and opens its config).
        // Selecting on drag would open the config panel mid-gesture, narrowing the canvas
        // under the pointer and mounting editors while frames are due.
        selectNodesOnDrag={false}
        nodesConnectable={!readOnly}
        edgesFocusable
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        // Big graphs: draw only what is on screen.
        onlyRenderVisibleElements={drawnNodes.length > 150}
        // The first view: the whole graph when it fits at a legible zoom, else its start at that zoom.
        onInit={(flow) => {
          const el = paneRef.current;
          if (!el) return;
          const top = initialNodes.filter((n) => !n.parentId);
          const box = (n: StepNode) => ({ ...n.position, width: n.width ?? 0, height: n.height ?? 0 });
          const ids = new Set(top.map((n) => n.id));
          const roots = top.filter((n) => !(n.data.step.depends_on ?? []).some((d) => ids.has(d)));
          void flow.setViewport(initialViewport(top.map(box), { width: el.clientWidth, height: el.clientHeight }, roots.map(box)));
        }}
        minZoom={0.1}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={EDGE_OPTIONS}
        colorMode={theme}
      >
        <DotGrid />
        <Controls aria-label="Zoom controls" />
        <MiniMap />
      </ReactFlow>
    </div>
  );
}

/**
 * The background dot grid, left out when zoomed out below the detail zoom: its dots scale
 * with the zoom, so far out they merge into a fine grey texture that says nothing and has
 * to be redrawn over the whole pane on every pan frame.
 */
function DotGrid() {
  return useZoomedOut() ? null : <Background />;
}
