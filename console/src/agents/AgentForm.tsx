/**
 * Create or edit one agent (docs/agents.md). A 400 from the server is shown at the field it
 * names; one that names none is shown at the form.
 */
import { useState } from "react";
import type { AgentRequest, McpInstance, McpServer } from "../api/types";
import { messageOf } from "../api/errors";
import { ErrorMessage } from "../components/ErrorMessage";
import { DraftError, fieldOfMessage, requestOf, type AgentDraft, type FieldName } from "./agentForm";
import { ToolPicker } from "./ToolPicker";

export function AgentForm({
  initial,
  editing,
  instances,
  servers,
  onSave,
  onCancel,
}: {
  initial: AgentDraft;
  /** Editing sends a PATCH that clears emptied optional fields. */
  editing: boolean;
  instances: McpInstance[];
  servers: McpServer[];
  onSave: (req: AgentRequest) => Promise<unknown>;
  onCancel: () => void;
}) {
  const [d, setD] = useState<AgentDraft>(initial);
  const [error, setError] = useState<{ field: FieldName | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof AgentDraft>(key: K, value: AgentDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const title = editing ? `Edit agent ${initial.name}` : "New agent";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    let req: AgentRequest;
    try {
      req = requestOf(d, instances.map((i) => i.id), editing);
    } catch (err) {
      setError({ field: err instanceof DraftError ? (err.field as FieldName) : null, message: messageOf(err) });
      return;
    }
    setBusy(true);
    try {
      await onSave(req);
    } catch (err) {
      const message = messageOf(err);
      setError({ field: fieldOfMessage(message), message });
    } finally {
      setBusy(false);
    }
  };

  /** The error of `field`, if the last refusal named it. */
  const at = (field: FieldName) => (error?.field === field ? error.message : null);
  const errId = (field: FieldName) => (at(field) ? `agent-${field}-error` : undefined);
  const invalid = (field: FieldName) => (at(field) ? true : undefined);

  return (
    <form className="stacked-form card agent-form" aria-label={title} onSubmit={submit} noValidate>
      <h2>{title}</h2>
      <label>
        Name
        <input value={d.name} required maxLength={200} onChange={(e) => set("name", e.target.value)} aria-invalid={invalid("name")} aria-describedby={errId("name")} />
      </label>
      <ErrorMessage error={at("name")} id={errId("name")} />
      <label>
        Description
        <input value={d.description} onChange={(e) => set("description", e.target.value)} aria-invalid={invalid("description")} aria-describedby={errId("description")} />
      </label>
      <ErrorMessage error={at("description")} id={errId("description")} />
      <label>
        Instructions (the system prompt of every model call)
        <textarea rows={6} value={d.instructions} onChange={(e) => set("instructions", e.target.value)} aria-invalid={invalid("instructions")} aria-describedby={errId("instructions")} />
      </label>
      <ErrorMessage error={at("instructions")} id={errId("instructions")} />
      <label>
        Model given as
        <select value={d.modelKind} onChange={(e) => set("modelKind", e.target.value as AgentDraft["modelKind"])}>
          <option value="model_ref">Model reference (source.provider.model)</option>
          <option value="model">Model of the default provider</option>
        </select>
      </label>
      <label>
        Model
        <input
          value={d.model}
          placeholder={d.modelKind === "model_ref" ? "direct.openai.gpt-4o-mini" : "gpt-4o-mini"}
          onChange={(e) => set("model", e.target.value)}
          aria-invalid={invalid("model")}
          aria-describedby={errId("model")}
        />
      </label>
      <ErrorMessage error={at("model")} id={errId("model")} />
      <label>
        Model parameters (JSON object, optional)
        <textarea rows={3} value={d.llmParams} placeholder='{"temperature": 0.2}' onChange={(e) => set("llmParams", e.target.value)} aria-invalid={invalid("llm_params")} aria-describedby={errId("llm_params")} />
      </label>
      <ErrorMessage error={at("llm_params")} id={errId("llm_params")} />
      <label>
        Tool rounds per turn at most (1–50)
        <input type="number" min={1} max={50} value={d.maxTurns} onChange={(e) => set("maxTurns", e.target.value)} aria-invalid={invalid("max_turns")} aria-describedby={errId("max_turns")} />
      </label>
      <ErrorMessage error={at("max_turns")} id={errId("max_turns")} />
      <label>
        Token budget per turn (optional)
        <input type="number" min={1} value={d.tokenBudget} onChange={(e) => set("tokenBudget", e.target.value)} aria-invalid={invalid("token_budget")} aria-describedby={errId("token_budget")} />
      </label>
      <ErrorMessage error={at("token_budget")} id={errId("token_budget")} />
      <h3>Tools</h3>
      <ToolPicker instances={instances} servers={servers} picked={d.picked} onChange={(picked) => set("picked", picked)} describedBy={errId("tools")} />
      {d.byUrl.length > 0 && (
        <p className="muted">
          Also kept: tools by server URL ({d.byUrl.map((t) => t.server_url).join(", ")}), editable through the API.
        </p>
      )}
      <ErrorMessage error={at("tools")} id={errId("tools")} />
      {error && error.field === null && <ErrorMessage error={error.message} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {editing ? "Save agent" : "Create agent"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
