/**
 * The import's mapping step: before an imported graph goes into the draft, each MCP server
 * it names that is not one of this project's instances (a foreign `instance_id`, or a
 * `server_url`) is pointed at an instance of this project, or kept as it is. The rewrite
 * itself is `graph/instanceMapping.ts`.
 */
import { useEffect, useRef, useState } from "react";
import type { McpInstance } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { applyInstanceMapping, foreignServers, type ForeignServer } from "../graph/instanceMapping";
import type { WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";

/** The value of the "keep as is" option. */
const KEEP = "";

/** True when the graph names any MCP server, so the mapping step may have something to ask. */
export const namesMcpServers = (graph: WorkflowGraph) => foreignServers(graph, []).length > 0;

/**
 * A modal dialog listing the foreign servers of `graph`. `onApply` gets the rewritten
 * graph; when every server already is one of this project's instances, it is called at
 * once without asking.
 */
export function ImportMapping({ graph, onApply, onCancel }: { graph: WorkflowGraph; onApply: (g: WorkflowGraph) => void; onCancel: () => void }) {
  const { api, scope } = useSession();
  const instances = useAsync(() => api.listMcpInstances(), [api, scope.tenant, scope.project]);
  const dialog = useRef<HTMLDialogElement>(null);
  // Only what the user changed; a row not in here shows its suggestion.
  const [picked, setPicked] = useState<Record<string, string>>({});

  // A failed listing still lets the user import: every server is then "foreign" and can
  // only be kept, with the error shown above the rows.
  const loaded = instances.data !== undefined || instances.error !== null;
  const ours = instances.data ?? [];
  const rows = loaded ? foreignServers(graph, ours) : [];
  const nothingToAsk = instances.data !== undefined && rows.length === 0;

  // Applied once, when the listing shows there is nothing to ask (a ref, because an effect
  // can run twice in development).
  const appliedAtOnce = useRef(false);
  useEffect(() => {
    if (nothingToAsk && !appliedAtOnce.current) {
      appliedAtOnce.current = true;
      onApply(graph);
    }
  }, [nothingToAsk, graph, onApply]);

  useEffect(() => {
    if (!dialog.current?.open) dialog.current?.showModal();
  }, []);

  const choiceOf = (row: ForeignServer) => picked[row.key] ?? row.suggested ?? KEEP;

  const apply = () => {
    const chosen: Record<string, string> = {};
    for (const row of rows) if (choiceOf(row) !== KEEP) chosen[row.key] = choiceOf(row);
    onApply(applyInstanceMapping(graph, chosen, ours));
  };

  return (
    <dialog
      ref={dialog}
      aria-labelledby="import-mapping-title"
      onCancel={(e) => {
        // Escape: leave the draft as it was.
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <h2 id="import-mapping-title">MCP servers of the imported graph</h2>
        {!loaded && <p role="status">Loading this project's MCP instances…</p>}
        <ErrorMessage error={instances.error} />
        {rows.length > 0 && (
          <>
            <p>
              These servers are not instances of this project. Pick the instance each should use, or keep the steps as they are (a
              step kept with a server URL resolves to this project's instance of that server when validated; a foreign instance id
              without a URL stays unresolved).
            </p>
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">Server</th>
                  <th scope="col">Used by</th>
                  <th scope="col">Instance here</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <MappingRow key={row.key} row={row} instances={ours} value={choiceOf(row)} onChange={(v) => setPicked((p) => ({ ...p, [row.key]: v }))} />
                ))}
              </tbody>
            </table>
          </>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={!loaded}>
            Import
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** How a row names its server: the URL, and the foreign instance id when it has one. */
function serverLabel(row: ForeignServer): string {
  if (row.instanceId && row.serverUrl) return `instance ${row.instanceId} (${row.serverUrl})`;
  if (row.instanceId) return `instance ${row.instanceId}`;
  return row.serverUrl ?? row.key;
}

function MappingRow({ row, instances, value, onChange }: { row: ForeignServer; instances: McpInstance[]; value: string; onChange: (v: string) => void }) {
  const label = serverLabel(row);
  return (
    <tr>
      <td>{label}</td>
      <td>{row.steps.join(", ")}</td>
      <td>
        <select aria-label={`Instance for ${label}`} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value={KEEP}>Keep as is</option>
          {instances.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} ({i.server_name ?? i.server_url ?? i.server_id})
            </option>
          ))}
        </select>
      </td>
    </tr>
  );
}
