/**
 * A pending human task as a form (docs/contract.md §6): its title, description and the payload's
 * fields as a readable summary; the form of `task_payload.schema` when it has one (drawn
 * by the Run setup's field renderer) whose values become the completion's `result`; an
 * optional comment; Approve / Reject. The same component serves Command Center and the
 * run view.
 *
 * Keys, while focus is inside the card: Ctrl+Enter (⌘+Enter) approves from anywhere in it;
 * A approves and R rejects when focus is not in a text field.
 */
import { useId, useMemo, useState, type KeyboardEvent, type ReactNode } from "react";
import { messageOf } from "../api/errors";
import type { PendingTask } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { JsonTree } from "../components/JsonTree";
import { SchemaFields } from "../forms/FieldInput";
import type { Drafts, FieldErrors } from "../graph/inputForm";
import type { JsonValue } from "../graph/types";
import { useSession } from "../session/SessionContext";
import { completionResult, plainList, plainText, startDrafts, taskView, type ReviewField } from "./taskPayload";

export interface TaskFormProps {
  task: PendingTask;
  /** Whether this user may complete it (contributors and admins). */
  canAct: boolean;
  /** Called after the server accepted the completion. */
  onDone: (approved: boolean) => void;
  /** A line under the title (Command Center: the workflow, step and age). */
  meta?: ReactNode;
}

/** Elements where a letter key is typing, not a shortcut. */
const typing = (el: EventTarget | null): boolean =>
  el instanceof HTMLElement && (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes((el as HTMLInputElement).type)));

export function TaskForm({ task, canAct, onDone, meta }: TaskFormProps) {
  const { api } = useSession();
  const view = useMemo(() => taskView(task), [task]);
  const [drafts, setDrafts] = useState<Drafts>(() => startDrafts(view));
  const [comment, setComment] = useState("");
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const titleId = `${id}-title`;
  const approval = task.task_type === "approval" || task.task_type === "";
  const approveLabel = approval ? "Approve" : "Submit";

  const complete = async (approved: boolean) => {
    if (busy) return;
    const { result, errors } = completionResult(view, drafts, comment, approved);
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) {
      setError("Fix the marked fields first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.completeTask(task.workflow_id, task.run_id, task.task_id, { approved, result });
      onDone(approved);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!canAct || e.altKey) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void complete(true);
    } else if (!e.ctrlKey && !e.metaKey && !typing(e.target)) {
      const key = e.key.toLowerCase();
      if (key === "a" || key === "r") {
        e.preventDefault();
        void complete(key === "a");
      }
    }
  };

  return (
    // The card is focusable (Command Center moves between cards with J/K) and takes the keys.
    <article className="task-card" aria-labelledby={titleId} tabIndex={-1} onKeyDown={onKeyDown} data-task-id={task.task_id}>
      <div className="task-head">
        <h3 id={titleId}>{view.title}</h3>
        <span className="badge">{task.task_type || "task"}</span>
      </div>
      {meta}
      {view.description && <p className="task-description">{view.description}</p>}
      {view.fields.length > 0 && <ReviewFields fields={view.fields} />}
      {canAct ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void complete(true);
          }}
        >
          {view.form.length > 0 && (
            <fieldset className="task-form-fields">
              <legend>Your answer</legend>
              <SchemaFields
                fields={view.form}
                drafts={drafts}
                errors={fieldErrors}
                onChange={(name, v) => {
                  setDrafts((d) => ({ ...d, [name]: v }));
                  setFieldErrors(({ [name]: _, ...others }) => others);
                  setError(null);
                }}
              />
            </fieldset>
          )}
          {!view.formHasComment && (
            <label>
              Comment (optional)
              <textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
          )}
          <ErrorMessage error={error} />
          <div className="task-actions">
            <button type="submit" className="primary" disabled={busy} aria-label={`${approveLabel} ${view.title}`} aria-keyshortcuts="A Control+Enter">
              {approveLabel}
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void complete(false)} aria-label={`Reject ${view.title}`} aria-keyshortcuts="R">
              Reject
            </button>
          </div>
          <p className="muted task-keys">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> {approveLabel.toLowerCase()}s; outside a text field <kbd>A</kbd> {approveLabel.toLowerCase()}s and <kbd>R</kbd> rejects.
          </p>
        </form>
      ) : (
        <p className="muted">Viewers cannot complete tasks.</p>
      )}
    </article>
  );
}

/** The payload's fields as a definition list: words for scalars and short lists, a tree for the rest. */
function ReviewFields({ fields }: { fields: ReviewField[] }) {
  return (
    <dl className="task-fields">
      {fields.map((f) => (
        <div key={f.key} style={{ display: "contents" }}>
          <dt>{f.label}</dt>
          <dd>
            <FieldValue value={f.value} label={f.label} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function FieldValue({ value, label }: { value: JsonValue; label: string }) {
  const text = plainText(value);
  if (text !== undefined) return <span className="task-description">{text}</span>;
  const list = plainList(value);
  if (list) {
    if (list.length === 0) return <span className="muted">none</span>;
    return (
      <ul>
        {list.map((item, i) => (
          <li key={i}>{item}</li>
        ))}
      </ul>
    );
  }
  return <JsonTree value={value} label={label} openDepth={1} />;
}
