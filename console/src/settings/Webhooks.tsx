/**
 * Settings → Webhooks: inbound webhook subscriptions of the current project. Each starts a
 * workflow when a signed request arrives; the signing secret is shown once, with a curl
 * command that signs and sends a test delivery.
 */
import { useState } from "react";
import type { CreatedWebhook } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction, useRowAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";
import { CopyField } from "./CopyField";
import { webhookCurl } from "./curl";

export function Webhooks() {
  const { api, scope, canEdit } = useSession();
  const deps = [api, scope.tenant, scope.project];
  const hooks = useAsync(() => api.listWebhooks(), deps);
  const workflows = useAsync(() => api.listWorkflows(), deps);
  // Only live tokens that may start runs can authenticate deliveries, and never one with
  // `admin`: the token travels with every delivery (the server refuses such a token).
  const pats = useAsync(
    async () => (await api.listPats()).filter((p) => !p.revoked_at && p.scopes.includes("workflow:run") && !p.scopes.includes("admin")),
    deps,
  );
  const [workflowId, setWorkflowId] = useState("");
  const [name, setName] = useState("");
  const [patId, setPatId] = useState("");
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const create = useAction();
  const { act, errorOf } = useRowAction(hooks.reload);
  const workflowName = (id: string) => workflows.data?.find((w) => w.id === id)?.name ?? id;

  return (
    <section aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Inbound webhooks</h2>
      <p className="muted">
        A delivery is a <code>POST</code> signed with the webhook's secret and carrying an API key with the{" "}
        <code>workflow:run</code> scope; its JSON body becomes the run's input.
      </p>
      {canEdit && (
        <form
          className="stacked-form"
          aria-label="Create webhook"
          onSubmit={async (e) => {
            e.preventDefault();
            await create.run(async () => {
              const req = { workflow_id: workflowId, ...(name.trim() ? { name: name.trim() } : {}), ...(patId ? { automation_pat_id: patId } : {}) };
              setCreated(await api.createWebhook(req));
              setName("");
              await hooks.reload();
            });
          }}
        >
          <label>
            Workflow to start
            <select required value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
              <option value="">Choose a workflow…</option>
              {(workflows.data ?? [])
                .filter((w) => w.status !== "archived")
                .map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
            </select>
          </label>
          <label>
            Webhook name
            <input value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            API key deliveries must carry
            <select required value={patId} onChange={(e) => setPatId(e.target.value)}>
              <option value="">Choose an API key with workflow:run…</option>
              {(pats.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          {pats.data && pats.data.length === 0 && (
            <p className="hint">Create an API key with the workflow:run scope and without admin first (API keys tab).</p>
          )}
          <button type="submit">Create webhook</button>
          <ErrorMessage error={create.error ?? workflows.error ?? pats.error} />
        </form>
      )}

      {created && (
        <div className="callout" role="status">
          <p>
            <strong>Copy the signing secret now.</strong> It is shown only this once.
          </p>
          <CopyField label="Signing secret" value={created.signing_secret} />
          <p>Send a test delivery (set AGENTRUNTIME_TOKEN to the API key you chose):</p>
          <CopyField label="Test delivery command" value={webhookCurl(created.ingress_url, created.signing_secret)} multiline />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}

      <ErrorMessage error={hooks.error} />
      {hooks.data && hooks.data.length === 0 && <p>No webhooks in this project yet.</p>}
      {hooks.data && hooks.data.length > 0 && (
        <table className="list">
          <caption className="sr-only">Inbound webhooks</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts</th>
              <th scope="col">URL</th>
              <th scope="col">State</th>
              {canEdit && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {hooks.data.map((h) => {
              const label = h.name || h.id;
              return (
                <tr key={h.id}>
                  <td>{label}</td>
                  <td>{workflowName(h.workflow_id)}</td>
                  <td>
                    <code>{h.ingress_url}</code>
                  </td>
                  <td>{h.enabled ? "enabled" : "disabled"}</td>
                  {canEdit && (
                    <td>
                      <div className="actions">
                        <button type="button" aria-label={`${h.enabled ? "Disable" : "Enable"} ${label}`} onClick={() => act(h.id, () => api.setWebhookEnabled(h.id, !h.enabled))}>
                          {h.enabled ? "Disable" : "Enable"}
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${label}`}
                          onClick={() => {
                            if (window.confirm(`Delete the webhook “${label}”? Senders using it will get 404.`)) void act(h.id, () => api.deleteWebhook(h.id));
                          }}
                        >
                          Delete
                        </button>
                      </div>
                      <ErrorMessage error={errorOf(h.id)} />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
