/**
 * `/workflow/:id`: Workflow Studio. Holds the edited graph and wires the canvas, palette,
 * config panel, JSON mode, validation, save, publish and run.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, messageOf } from "../api/errors";
import type { ValidationIssue, Workflow } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { exportGraph, type ExportShape } from "../graph/exportGraph";
import { importGraph, importGraphText, type ImportProblem, type ImportResult } from "../graph/importGraph";
import { issuesByNode } from "../graph/issues";
import { withAutoLayout } from "../graph/layout";
import { addStep, findStep, GraphEditError, type StepRef } from "../graph/ops";
import type { StepType, WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";
import { Canvas } from "./Canvas";
import { ConfigPanel } from "./ConfigPanel";
import { ImportMapping, namesMcpServers } from "./ImportMapping";
import { IssuesList } from "./IssuesList";
import { JsonMode } from "./JsonMode";
import { Palette } from "./Palette";

// The run setup form loads when Run… is first pressed.
const RunSetup = lazy(() => import("./RunSetup"));
// The versions list and its diff load only when opened.
const VersionsDialog = lazy(() => import("./Versions"));

const EMPTY_GRAPH: WorkflowGraph = { steps: [], layout: {}, extra: {} };

export default function Studio() {
  const { id = "" } = useParams();
  const { api, canEdit } = useSession();
  const navigate = useNavigate();
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [graph, setGraphState] = useState<WorkflowGraph>(EMPTY_GRAPH);
  const [dirty, setDirty] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<StepRef | null>(null);
  const [mode, setMode] = useState<"canvas" | "json">("canvas");
  const [issues, setIssues] = useState<ValidationIssue[] | null>(null);
  // A status line after Validate or Publish; `problem` draws it in the warning colour.
  const [notice, setNotice] = useState<{ text: string; problem?: boolean } | null>(null);
  const [problems, setProblems] = useState<ImportProblem[]>([]);
  const [actionError, setActionError] = useState<string | null>(null);
  const [canvasError, setCanvasError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const readOnly = !canEdit;

  useEffect(() => {
    let live = true;
    api
      .getWorkflow(id)
      .then((wf) => {
        if (!live) return;
        setWorkflow(wf);
        try {
          const r = importGraph(wf.graph ?? { steps: [] });
          const needsLayout = r.graph.steps.some((s) => !r.graph.layout[s.id]?.position);
          setGraphState(needsLayout ? withAutoLayout(r.graph) : r.graph);
          setProblems(r.problems);
        } catch (e) {
          setLoadError(`The saved graph cannot be opened: ${messageOf(e)}`);
        }
      })
      .catch((e: unknown) => live && setLoadError(messageOf(e)));
    return () => {
      live = false;
    };
  }, [api, id]);

  const setGraph = useCallback((g: WorkflowGraph) => {
    setGraphState(g);
    setDirty(true);
    setCanvasError(null);
  }, []);

  // Decorations are memoized so the canvas rebuilds nodes only when issues or the graph change.
  const decorations = useMemo(() => (issues ? { issues: issuesByNode(graph, issues) } : {}), [graph, issues]);

  const save = async (): Promise<boolean> => {
    setBusy("save");
    setActionError(null);
    try {
      const wf = await api.patchWorkflow(id, { graph: exportGraph(graph, "backend") });
      if (wf) setWorkflow((old) => ({ ...(old as Workflow), ...wf }));
      setDirty(false);
      return true;
    } catch (e) {
      setActionError(`Saving failed: ${messageOf(e)}`);
      return false;
    } finally {
      setBusy(null);
    }
  };

  const validate = async () => {
    setBusy("validate");
    setActionError(null);
    try {
      const r = await api.validate(id, { graph: exportGraph(graph, "backend") });
      setIssues(r.issues);
      const errors = r.issues.filter((i) => i.severity === "error").length;
      setNotice(r.valid ? { text: "Valid: ready to publish." } : { text: `${errors} error(s) to fix before publishing.`, problem: true });
    } catch (e) {
      setActionError(`Validation failed: ${messageOf(e)}`);
    } finally {
      setBusy(null);
    }
  };

  const addFromPalette = (type: StepType) => {
    try {
      // Without a pointer, a new step goes below everything else.
      const bottom = Math.max(0, ...graph.steps.map((s) => (graph.layout[s.id]?.position?.y ?? 0) + 120));
      const added = addStep(graph, type, { position: { x: 40, y: bottom } });
      setGraph(added.graph);
      setSelected({ id: added.id });
    } catch (e) {
      setCanvasError(e instanceof GraphEditError ? e.message : messageOf(e));
    }
  };

  if (loadError) {
    return (
      <section className="page">
        <ErrorMessage error={loadError} />
        <Link to="/workflow">Back to workflows</Link>
      </section>
    );
  }
  if (!workflow) return <p className="page" role="status">Loading workflow…</p>;

  return (
    <section className="studio" aria-label={`Workflow Studio: ${workflow.name}`}>
      <header className="studio-toolbar" aria-label="Workflow actions">
        <h1>{workflow.name}</h1>
        <span className="muted">
          {workflow.status}
          {workflow.latest_version ? ` · v${workflow.latest_version}` : ""}
          {dirty ? " · unsaved changes" : ""}
        </span>
        <div className="mode-switch" role="group" aria-label="Editor mode">
          <button type="button" aria-pressed={mode === "canvas"} onClick={() => setMode("canvas")}>
            Canvas
          </button>
          <button type="button" aria-pressed={mode === "json"} onClick={() => setMode("json")}>
            JSON
          </button>
        </div>
        {!readOnly && (
          <button type="button" onClick={() => setGraph(withAutoLayout(graph))}>
            Auto-layout
          </button>
        )}
        <button type="button" onClick={() => void validate()} disabled={busy !== null}>
          Validate
        </button>
        {!readOnly && (
          <button type="button" onClick={() => void save()} disabled={busy !== null || !dirty}>
            Save draft
          </button>
        )}
        {!readOnly && <PublishButton workflowId={id} disabled={busy !== null} beforePublish={async () => (dirty ? save() : true)} onPublished={(v) => {
          setWorkflow((w) => (w ? { ...w, latest_version: v, status: "published" } : w));
          setNotice({ text: `Published version ${v}.` });
        }} onIssues={setIssues} />}
        {!readOnly && (
          <RunButton workflow={workflow} disabled={!workflow.latest_version} onSaved={(wf) => setWorkflow((old) => (old ? { ...old, run_setup: wf.run_setup ?? null } : old))} onStarted={(runId) => navigate(`/workflow/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}`)} />
        )}
        <button type="button" onClick={() => setVersionsOpen(true)}>
          Versions
        </button>
        <ImportExport graph={graph} name={workflow.name} readOnly={readOnly} onImport={(g, p) => {
          setGraph(withAutoLayout(g));
          setProblems(p);
          setIssues(null);
          setSelected(null);
        }} />
      </header>
      {versionsOpen && (
        <Suspense fallback={<p role="status">Loading versions…</p>}>
          <VersionsDialog workflowId={id} draft={graph} canRestore={!readOnly} onClose={() => setVersionsOpen(false)} onRestore={(v, g, p) => {
            // A version holds steps and input schema only; the draft's other top-level keys stay.
            const restored = { ...g, extra: { ...graph.extra, ...g.extra } };
            setGraph(restored.steps.some((s) => !restored.layout[s.id]?.position) ? withAutoLayout(restored) : restored);
            setProblems(p);
            setIssues(null);
            setSelected(null);
            setNotice({ text: `Version ${v} restored to the draft: Save draft keeps it.` });
          }} />
        </Suspense>
      )}
      <div className="studio-messages">
        <ErrorMessage error={actionError} />
        <ErrorMessage error={canvasError} />
        {notice && (
          <p role="status" className={notice.problem ? "notice problem" : "notice"}>
            {notice.text}
          </p>
        )}
        {problems.length > 0 && (
          <details className="problems">
            <summary>{problems.length} problem(s) found while reading the graph</summary>
            <ul>
              {problems.map((p, i) => (
                <li key={i}>
                  <code>{p.path}</code>: {p.message}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      <div className="studio-body">
        {!readOnly && mode === "canvas" && <Palette onAdd={addFromPalette} />}
        <div className="studio-main">
          {mode === "canvas" ? (
            <Canvas graph={graph} onChange={setGraph} decorations={decorations} selected={selected} onSelect={setSelected} onError={setCanvasError} readOnly={readOnly} />
          ) : (
            <JsonMode graph={graph} readOnly={readOnly} onApply={(g, p) => {
              setGraph(g.steps.some((s) => !g.layout[s.id]?.position) ? withAutoLayout(g) : g);
              setProblems(p);
              setMode("canvas");
            }} />
          )}
        </div>
        <section className="studio-side" aria-label="Step details and issues">
          {selected && findStep(graph, selected) ? (
            <ConfigPanel graph={graph} selected={selected} onChange={setGraph} onSelect={setSelected} readOnly={readOnly} />
          ) : (
            <p className="muted">Select a step to configure it.</p>
          )}
          {issues && (
            <section aria-label="Validation">
              <h2>Validation</h2>
              <IssuesList issues={issues} graph={graph} onShow={(ref) => {
                setMode("canvas");
                setSelected(ref);
              }} />
            </section>
          )}
        </section>
      </div>
    </section>
  );
}

/** Publish with a changelog, in a modal dialog. A 422 refusal shows the server's issues. */
function PublishButton({ workflowId, disabled, beforePublish, onPublished, onIssues }: {
  workflowId: string;
  disabled: boolean;
  beforePublish: () => Promise<boolean>;
  onPublished: (version: number) => void;
  onIssues: (issues: ValidationIssue[]) => void;
}) {
  const { api } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const [changelog, setChangelog] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button type="button" className="primary" disabled={disabled} onClick={() => dialog.current?.showModal()}>
        Publish…
      </button>
      <dialog ref={dialog} aria-labelledby="publish-title">
        <form
          method="dialog"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              if (!(await beforePublish())) {
                setError("The draft could not be saved; see the message above.");
                return;
              }
              const v = await api.publish(workflowId, changelog);
              onPublished(v.version);
              setChangelog("");
              dialog.current?.close();
            } catch (err) {
              const body = err instanceof ApiError ? (err.body as { issues?: ValidationIssue[] } | undefined) : undefined;
              if (Array.isArray(body?.issues)) onIssues(body.issues);
              setError(messageOf(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2 id="publish-title">Publish a new version</h2>
          <label>
            Changelog
            <textarea required rows={4} value={changelog} onChange={(e) => setChangelog(e.target.value)} />
          </label>
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Publish
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/**
 * Opens the Run setup dialog (its content is a lazy chunk, loaded on first open and
 * mounted afresh on each open so the form starts from the saved or schema defaults).
 */
function RunButton({ workflow, disabled, onStarted, onSaved }: { workflow: Workflow; disabled: boolean; onStarted: (runId: string) => void; onSaved: (wf: Workflow) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const close = () => dialog.current?.close();
  return (
    <>
      <button
        type="button"
        disabled={disabled}
        title={disabled ? "Publish a version first: runs execute published versions." : undefined}
        onClick={() => {
          setOpen(true);
          dialog.current?.showModal();
        }}
      >
        Run…
      </button>
      <dialog ref={dialog} aria-labelledby="run-title" className="run-dialog" onClose={() => setOpen(false)}>
        <h2 id="run-title">Run the latest version</h2>
        {open && (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <RunSetup
              workflow={workflow}
              onCancel={close}
              onSaved={onSaved}
              onStarted={(runId) => {
                close();
                onStarted(runId);
              }}
            />
          </Suspense>
        )}
      </dialog>
    </>
  );
}

/** Import a graph file (any of the three shapes) and export the graph in a chosen shape. */
function ImportExport({ graph, name, readOnly, onImport }: { graph: WorkflowGraph; name: string; readOnly: boolean; onImport: (g: WorkflowGraph, problems: ImportProblem[]) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [shape, setShape] = useState<ExportShape>("backend");
  // A parsed file waiting for the MCP server mapping step (graph/instanceMapping.ts).
  const [mapping, setMapping] = useState<ImportResult | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    // A menu, so the toolbar keeps to one line from 1280 px.
    <details className="menu import-export">
      <summary>{readOnly ? "Export" : "Import / export"}</summary>
      <div className="menu-body">
      {!readOnly && (
        <>
          {/* The button opens the file picker: a visible file input is too wide for the toolbar. */}
          <input
            ref={fileInput}
            type="file"
            hidden
            aria-label="Import JSON"
            accept="application/json,.json"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (!file) return;
              try {
                const r = importGraphText(await file.text());
                setError(null);
                if (namesMcpServers(r.graph)) setMapping(r);
                else onImport(r.graph, r.problems);
              } catch (err) {
                setError(`Import failed: ${messageOf(err)}`);
              }
            }}
          />
          <button type="button" onClick={() => fileInput.current?.click()}>
            Import JSON…
          </button>
        </>
      )}
      <label>
        <span className="sr-only">Export shape</span>
        <select value={shape} onChange={(e) => setShape(e.target.value as ExportShape)}>
          <option value="backend">steps + positions</option>
          <option value="steps">steps only</option>
          <option value="canvas">canvas (nodes + edges)</option>
        </select>
      </label>
      <button
        type="button"
        onClick={() => {
          const blob = new Blob([JSON.stringify(exportGraph(graph, shape), null, 2)], { type: "application/json" });
          const a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = `${name.replace(/[^A-Za-z0-9_-]+/g, "-") || "workflow"}.json`;
          a.click();
          URL.revokeObjectURL(a.href);
        }}
      >
        Export
      </button>
      <ErrorMessage error={error} />
      {mapping && (
        <ImportMapping
          graph={mapping.graph}
          onApply={(g) => {
            setMapping(null);
            onImport(g, mapping.problems);
          }}
          onCancel={() => setMapping(null)}
        />
      )}
      </div>
    </details>
  );
}
