/**
 * The ways to start a workflow, as cards: from scratch (a name), from a file (any of the
 * three graph shapes), and the starter gallery the server serves (`GET /v1/starters`: the
 * graphs of `examples/`, each with a line saying what it does). Starting from a file or a
 * starter hands a graph to the caller, which creates the workflow (studio/NewFromGraph.tsx).
 *
 * Autopilot's "Describe it" is meant to be one more card in the first list.
 */
import { useId, useState } from "react";
import { messageOf } from "../api/errors";
import type { StarterSummary } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import type { GraphSource } from "../studio/NewFromGraph";
import { TypeChip } from "../studio/icons";

export interface WaysToStartProps {
  /** A graph to create a workflow from. */
  onStart: (source: GraphSource) => void;
  /** A blank workflow was created. */
  onCreated: (workflowId: string) => void;
  /** While a graph is being turned into a workflow: the buttons wait. */
  busy: boolean;
  /** Why the last start failed. */
  error: string | null;
  /** Offer the blank workflow card (the list's toolbar has its own form when workflows exist). */
  scratch?: boolean;
}

export function WaysToStart({ onStart, onCreated, busy, error, scratch = true }: WaysToStartProps) {
  return (
    <section className="start-section" aria-label="Start a workflow">
      <ul className="gallery" aria-label="Ways to start">
        {scratch && (
          <li>
            <article className="start-card way" aria-labelledby="way-blank">
              <h3 id="way-blank">From scratch</h3>
              <p className="muted">An empty canvas: drag steps from the palette.</p>
              <CreateBlank onCreated={onCreated} />
            </article>
          </li>
        )}
        <li>
          <FileCard onStart={onStart} busy={busy} />
        </li>
      </ul>
      <ErrorMessage error={error} />
      <h2 id="starters-title">Starters</h2>
      <Starters onStart={onStart} busy={busy} />
    </section>
  );
}

/** A name and "Create workflow": a draft with no steps, opened in the Studio. */
export function CreateBlank({ onCreated }: { onCreated: (workflowId: string) => void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="inline-form"
      aria-label="Create workflow"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const wf = await api.createWorkflow({ name: name.trim(), graph: { steps: [] } });
          onCreated(wf.id);
        } catch (err) {
          setError(messageOf(err));
        }
      }}
    >
      <label>
        New workflow name
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit">Create workflow</button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** Reads a graph file; its `name` and `description` (when it has them) name the workflow. */
function FileCard({ onStart, busy }: { onStart: (source: GraphSource) => void; busy: boolean }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  return (
    <article className="start-card way" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>From a file</h3>
      <p className="muted">A workflow exported from this console, another agentruntime or the hosted service (JSON).</p>
      <label>
        Import a workflow file
        <input
          type="file"
          accept="application/json,.json"
          disabled={busy}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (!file) return;
            setError(null);
            try {
              onStart(sourceOfFile(file.name, await file.text()));
            } catch (err) {
              setError(`${file.name}: ${messageOf(err)}`);
            }
          }}
        />
      </label>
      <ErrorMessage error={error} />
    </article>
  );
}

/** A graph file's text as a source: its own name and description, else the file's name. */
export function sourceOfFile(fileName: string, text: string): GraphSource {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("a workflow file is a JSON object with steps (or canvas nodes)");
  const obj = doc as Record<string, unknown>;
  const graph = { ...obj };
  // A text name and description belong to the workflow; anything else under those keys is graph data.
  let name = fileName.replace(/\.json$/i, "").trim() || "Imported workflow";
  let description: string | undefined;
  if (typeof obj.name === "string" && obj.name.trim()) {
    name = obj.name.trim();
    delete graph.name;
  }
  if (typeof obj.description === "string") {
    description = obj.description;
    delete graph.description;
  }
  return { name, description, graph };
}

/** What a starter needs before it can run, from the step types it uses. */
export function needsOf(types: string[]): string {
  const needs = [
    types.includes("llm_call") && "an LLM key",
    types.includes("mcp_call") && "MCP servers",
    types.includes("agent_call") && "an agent",
  ].filter((n): n is string => typeof n === "string");
  return needs.length === 0 ? "runs with nothing to set up" : `needs ${needs.join(" and ")}`;
}

function Starters({ onStart, busy }: { onStart: (source: GraphSource) => void; busy: boolean }) {
  const { api, scope } = useSession();
  const starters = useAsync(() => api.listStarters(), [api, scope.tenant, scope.project]);
  const [error, setError] = useState<{ id: string; message: string } | null>(null);
  const [loadingId, setLoadingId] = useState<string | null>(null);

  const use = async (s: StarterSummary) => {
    setError(null);
    setLoadingId(s.id);
    try {
      const full = await api.getStarter(s.id);
      onStart({ name: full.name, description: full.description, graph: full.graph });
    } catch (e) {
      setError({ id: s.id, message: messageOf(e) });
    } finally {
      setLoadingId(null);
    }
  };

  if (starters.error) return <ErrorMessage error={`The starters could not be loaded: ${starters.error}`} />;
  if (!starters.data) return <p role="status">Loading starters…</p>;
  return (
    <ul className="gallery" aria-labelledby="starters-title">
      {starters.data.map((s) => (
        <li key={s.id}>
          <article className="start-card" aria-labelledby={`starter-${s.id}`}>
            <div className="type-icons" aria-hidden="true">
              {s.step_types.map((t) => (
                <TypeChip key={t} type={t} />
              ))}
            </div>
            <h3 id={`starter-${s.id}`}>{s.name}</h3>
            <p>{s.description}</p>
            <div className="start-foot">
              <span className="muted">
                {s.step_count === 1 ? "1 step" : `${s.step_count} steps`} · {needsOf(s.step_types)}
              </span>
              <button type="button" className="primary" disabled={busy || loadingId !== null} aria-label={`Use this: ${s.name}`} onClick={() => void use(s)}>
                Use this
              </button>
            </div>
            {error?.id === s.id && <ErrorMessage error={error.message} />}
          </article>
        </li>
      ))}
    </ul>
  );
}
