/**
 * The Studio's Versions dialog (lazy chunk): the workflow's published versions, newest
 * first; a side-by-side diff between any two of them or a version and the Studio's draft;
 * and, for editors, "Restore to draft", which puts a version's graph on the canvas.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { messageOf } from "../api/errors";
import type { WorkflowVersion } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { diffGraphs, summarize, type DiffRow, type StepDiff } from "../graph/diff";
import { importGraph, type ImportProblem } from "../graph/importGraph";
import type { WorkflowGraph } from "../graph/types";
import { useSession } from "../session/SessionContext";

/** One side of the comparison: a version number or the Studio's draft. */
type Side = number | "draft";

const DRAFT_LABEL = "Draft (unsaved canvas)";
const sideLabel = (side: Side) => (side === "draft" ? DRAFT_LABEL : `Version ${side}`);
const formatTime = (t?: string | null) => (t ? new Date(t).toLocaleString() : "—");

export interface VersionsProps {
  workflowId: string;
  /** The graph on the Studio's canvas, saved or not. */
  draft: WorkflowGraph;
  /** Editors may restore a version; viewers only look. */
  canRestore: boolean;
  onRestore: (version: number, graph: WorkflowGraph, problems: ImportProblem[]) => void;
  onClose: () => void;
}

export default function VersionsDialog({ workflowId, draft, canRestore, onRestore, onClose }: VersionsProps) {
  const { api } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const list = useAsync(async () => (await api.listVersions(workflowId)).sort((a, b) => b.version - a.version), [api, workflowId]);
  const versions = list.data;
  const graphs = useVersionGraphs(workflowId, versions);
  const [left, setLeft] = useState<Side | null>(null);
  const [right, setRight] = useState<Side>("draft");

  // The dialog is mounted when opened and unmounted when closed: by Close, after a restore,
  // or by Escape (the browser closes it and fires `close`).
  const close = () => {
    dialog.current?.close();
    onClose();
  };
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  // Default comparison: the latest version against the draft.
  const latest = versions?.[0]?.version;
  useEffect(() => {
    if (left === null && latest !== undefined) setLeft(latest);
  }, [left, latest]);

  const { load } = graphs;
  useEffect(() => {
    for (const side of [left, right]) if (typeof side === "number") load(side).catch(() => undefined);
  }, [left, right, load]);

  return (
    <dialog ref={dialog} className="versions-dialog" aria-labelledby="versions-title" onClose={onClose}>
      <div className="versions-head">
        <h2 id="versions-title">Versions</h2>
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
      <ErrorMessage error={list.error ? `The versions could not be loaded: ${list.error}` : null} />
      {list.loading && !versions && <p role="status">Loading versions…</p>}
      {versions && versions.length === 0 && <p className="muted">No published versions yet: Publish… creates the first one.</p>}
      {versions && versions.length > 0 && (
        <>
          <VersionList
            versions={versions}
            canRestore={canRestore}
            restore={async (n) => {
              const result = await graphs.loadDocument(n);
              onRestore(n, result.graph, result.problems);
              close();
            }}
          />
          {left !== null && (
            <section aria-labelledby="compare-title" className="versions-compare">
              <h3 id="compare-title">Compare</h3>
              <div className="versions-pickers">
                <SidePicker label="Left" value={left} versions={versions} onChange={setLeft} />
                <SidePicker label="Right" value={right} versions={versions} onChange={setRight} />
              </div>
              <Comparison left={left} right={right} draft={draft} graphs={graphs} />
            </section>
          )}
        </>
      )}
    </dialog>
  );
}

/** Version graphs fetched on demand (once each), from the list's snapshot or the version itself. */
function useVersionGraphs(workflowId: string, versions: WorkflowVersion[] | undefined) {
  const { api } = useSession();
  const cache = useRef(new Map<number, Promise<{ graph: WorkflowGraph; problems: ImportProblem[] }>>());
  const [loaded, setLoaded] = useState<Record<number, WorkflowGraph>>({});
  const [errors, setErrors] = useState<Record<number, string>>({});

  const loadDocument = useCallback(
    (n: number) => {
      let pending = cache.current.get(n);
      if (!pending) {
        const listed = versions?.find((v) => v.version === n)?.graph_snapshot;
        pending = (listed ? Promise.resolve(listed) : api.getVersion(workflowId, n).then((v) => v.graph_snapshot)).then((doc) => {
          if (!doc) throw new Error(`version ${n} has no graph snapshot`);
          return importGraph(doc);
        });
        cache.current.set(n, pending);
        pending.then(
          (r) => {
            setLoaded((m) => ({ ...m, [n]: r.graph }));
            setErrors(({ [n]: _gone, ...rest }) => rest);
          },
          (e: unknown) => {
            // Forget the failure so that picking the version again retries.
            cache.current.delete(n);
            setErrors((m) => ({ ...m, [n]: messageOf(e) }));
          },
        );
      }
      return pending;
    },
    [api, workflowId, versions],
  );
  const load = useCallback((n: number) => loadDocument(n).then((r) => r.graph), [loadDocument]);
  return { load, loadDocument, loaded, errors };
}

type VersionGraphs = ReturnType<typeof useVersionGraphs>;

/** The published versions, newest first, with Restore for editors. */
function VersionList({ versions, canRestore, restore }: { versions: WorkflowVersion[]; canRestore: boolean; restore: (n: number) => Promise<void> }) {
  const showWho = versions.some((v) => v.published_by);
  return (
    <table className="versions-table">
      <caption className="sr-only">Published versions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Published</th>
          {showWho && <th scope="col">By</th>}
          <th scope="col">Changelog</th>
          {canRestore && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.version}>
            <th scope="row">v{v.version}</th>
            <td>{formatTime(v.published_at)}</td>
            {showWho && <td>{v.published_by ?? "—"}</td>}
            <td className="versions-changelog">{v.changelog || <span className="muted">no changelog</span>}</td>
            {canRestore && (
              <td>
                <RestoreButton version={v.version} restore={restore} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Restore asks first: it replaces the canvas, unsaved edits included. */
function RestoreButton({ version, restore }: { version: number; restore: (n: number) => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)} aria-label={`Restore to draft: version ${version}`}>
        Restore to draft
      </button>
    );
  }
  return (
    <div role="group" aria-label={`Restore version ${version}`}>
      <span>Replace the canvas with v{version}? Save draft keeps it.</span>{" "}
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await restore(version);
          } catch (e) {
            setError(`Restoring failed: ${messageOf(e)}`);
            setBusy(false);
          }
        }}
      >
        Replace draft
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}

/** A select of every version and the draft. */
function SidePicker({ label, value, versions, onChange }: { label: string; value: Side; versions: WorkflowVersion[]; onChange: (s: Side) => void }) {
  return (
    <label>
      {label}
      <select value={String(value)} onChange={(e) => onChange(e.target.value === "draft" ? "draft" : Number(e.target.value))}>
        <option value="draft">{DRAFT_LABEL}</option>
        {versions.map((v) => (
          <option key={v.version} value={String(v.version)}>
            Version {v.version}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The diff of two sides once both graphs are at hand. */
function Comparison({ left, right, draft, graphs }: { left: Side; right: Side; draft: WorkflowGraph; graphs: VersionGraphs }) {
  const graphOf = (side: Side) => (side === "draft" ? draft : graphs.loaded[side]);
  const errorOf = (side: Side) => (side === "draft" ? undefined : graphs.errors[side]);
  const l = graphOf(left);
  const r = graphOf(right);
  // A 500-step graph is worth not diffing again on every render of the dialog.
  const diff = useMemo(() => (l && r ? diffGraphs(l, r) : null), [l, r]);
  const problems = [left, right].flatMap((side) => {
    const e = errorOf(side);
    return e ? [`${sideLabel(side)} could not be loaded: ${e}`] : [];
  });
  if (problems.length) return <ErrorMessage error={problems.join(" ")} />;
  if (!diff) return <p role="status">Loading…</p>;

  const names = { left: sideLabel(left), right: sideLabel(right) };
  return (
    <div className="versions-diff">
      <p role="status">
        {names.left} → {names.right}: {summarize(diff)}
      </p>
      {diff.inputSchemaChanged && <SideBySide title="Input schema" rows={diff.inputSchemaRows} names={names} />}
      {diff.steps.map((s) => (
        <SideBySide key={s.key} title={stepTitle(s)} rows={s.rows} names={names} />
      ))}
    </div>
  );
}

const stepTitle = (s: StepDiff) => `Step ${s.key} (${s.change})`;

/**
 * Two columns of JSON lines, aligned row by row. Lines only on the left are `<del>`, lines
 * only on the right `<ins>`, so the marking is not carried by colour alone.
 */
function SideBySide({ title, rows, names }: { title: string; rows: DiffRow[]; names: { left: string; right: string } }) {
  return (
    <section className="diff-block" aria-label={title}>
      <h4>{title}</h4>
      <table className="diff-table">
        <thead>
          <tr>
            <th scope="col">{names.left}</th>
            <th scope="col">{names.right}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i} className={`diff-${row.kind}`}>
              <td>{"left" in row ? row.kind === "same" ? <code>{row.left}</code> : <del>{row.left}</del> : null}</td>
              <td>{"right" in row ? row.kind === "same" ? <code>{row.right}</code> : <ins>{row.right}</ins> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
