/**
 * Creating a workflow from a graph made elsewhere — a starter of the gallery or a file —
 * the way the Studio's own import does it: the graph is read (any of the three shapes),
 * MCP servers it names that are not this project's instances go through the mapping step
 * (ImportMapping), then `POST /v1/workflows` creates the draft and the caller opens it.
 * A lazy chunk: the Workflows page loads it only when someone starts from a graph.
 */
import { useEffect, useRef, useState } from "react";
import { messageOf } from "../api/errors";
import { exportGraph } from "../graph/exportGraph";
import { importGraph } from "../graph/importGraph";
import type { GraphDocument, WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";
import { ImportMapping, namesMcpServers } from "./ImportMapping";

export interface GraphSource {
  name: string;
  description?: string;
  /** The graph as written (steps, steps + positions, or a canvas export); anything else is refused with a message. */
  graph: unknown;
}

export interface NewFromGraphProps {
  source: GraphSource;
  /** The created workflow's id. */
  onCreated: (workflowId: string) => void;
  onCancel: () => void;
  onError: (message: string) => void;
}

export default function NewFromGraph({ source, onCreated, onCancel, onError }: NewFromGraphProps) {
  const { api } = useSession();
  const [toMap, setToMap] = useState<WorkflowGraph | null>(null);
  // Started once per source (an effect can run twice in development).
  const started = useRef<GraphSource | null>(null);

  const create = async (graph: GraphDocument) => {
    try {
      const wf = await api.createWorkflow({ name: source.name, description: source.description, graph });
      onCreated(wf.id);
    } catch (e) {
      onError(`Creating the workflow failed: ${messageOf(e)}`);
    }
  };

  useEffect(() => {
    if (started.current === source) return;
    started.current = source;
    let parsed: WorkflowGraph;
    try {
      parsed = importGraph(source.graph).graph;
    } catch (e) {
      onError(messageOf(e));
      return;
    }
    // Only a graph naming MCP servers may need them pointed at this project's instances;
    // any other is created exactly as written.
    if (namesMcpServers(parsed)) setToMap(parsed);
    // importGraph accepted it, so it is a JSON object.
    else void create(source.graph as GraphDocument);
  });

  if (!toMap) return <p role="status">Creating the workflow…</p>;
  return (
    <ImportMapping
      graph={toMap}
      onApply={(g) => {
        setToMap(null);
        void create(exportGraph(g, "backend"));
      }}
      onCancel={onCancel}
    />
  );
}
