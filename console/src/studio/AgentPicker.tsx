/**
 * The `agent_id` field of an `agent_call` step: a choice among the project's agents
 * (`GET /v1/agents`). "Other" keeps a free value — a template such as `{{ input.agent }}`, or
 * an id of an agent not listed — so nothing the text field allowed is lost.
 */
import { useState } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

const OTHER = "\u0000other";

export function AgentPicker({
  label,
  value,
  onChange,
  readOnly,
}: {
  label: string;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  readOnly?: boolean;
}) {
  const { api, scope } = useSession();
  const agents = useAsync(() => api.listAgents(), [api, scope.tenant, scope.project]);
  const listed = agents.data?.some((a) => a.id === value) ?? false;
  // A value that is not a listed agent is edited as text (also while the list loads).
  const [typing, setTyping] = useState(false);
  const other = typing || (value !== undefined && value !== "" && !listed);

  return (
    <div className="field">
      <label>
        {label}
        <select
          value={other ? OTHER : (value ?? "")}
          disabled={readOnly}
          onChange={(e) => {
            if (e.target.value === OTHER) {
              setTyping(true);
              return;
            }
            setTyping(false);
            onChange(e.target.value || undefined);
          }}
        >
          <option value="">{agents.data && agents.data.length === 0 ? "No agents in this project" : "Choose an agent…"}</option>
          {agents.data?.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
          <option value={OTHER}>Other: an id or a template</option>
        </select>
      </label>
      {other && (
        <label>
          Agent id or template
          <input readOnly={readOnly} value={value ?? ""} onChange={(e) => onChange(e.target.value)} />
        </label>
      )}
      <ErrorMessage error={agents.error} />
    </div>
  );
}
