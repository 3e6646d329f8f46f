/**
 * A new agent room: a direct conversation with one agent (`dm`) or a channel the project's
 * members share with any number of agents. The server checks the agents (422 names an
 * unknown one); its refusal is shown under the button.
 */
import { useState } from "react";
import { Link } from "react-router";
import type { Agent, ChatThread } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useSession } from "../session/SessionContext";

export function NewRoomForm({ agents, onCreated, onCancel }: { agents: Agent[] | undefined; onCreated: (thread: ChatThread) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState<"dm" | "channel">("dm");
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const { error, run } = useAction();

  const toggle = (id: string, on: boolean) => {
    if (kind === "dm") setPicked(on ? [id] : []);
    else setPicked((prev) => (on ? [...prev, id] : prev.filter((x) => x !== id)));
  };

  return (
    <form
      className="stacked-form new-room"
      aria-label="New agent room"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        await run(async () => {
          const thread = await api.createChatThread({ kind, agent_ids: picked, ...(title.trim() ? { title: title.trim() } : {}) });
          onCreated(thread);
        });
        setBusy(false);
      }}
    >
      <h2>New agent room</h2>
      <label>
        Title
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="New chat" maxLength={200} />
      </label>
      <fieldset>
        <legend>Kind</legend>
        <label className="check">
          <input
            type="radio"
            name="room-kind"
            checked={kind === "dm"}
            onChange={() => {
              setKind("dm");
              setPicked((prev) => prev.slice(0, 1));
            }}
          />
          Direct: only you and one agent
        </label>
        <label className="check">
          <input type="radio" name="room-kind" checked={kind === "channel"} onChange={() => setKind("channel")} />
          Channel: every member of the project, any number of agents
        </label>
      </fieldset>
      <fieldset>
        <legend>{kind === "dm" ? "Agent" : "Agents"}</legend>
        {agents === undefined && <p role="status">Loading agents…</p>}
        {agents?.length === 0 && (
          <p className="muted">
            This project has no agents yet. <Link to="/agents">Create one on the Agents page</Link>.
          </p>
        )}
        {agents?.map((a) => (
          <label className="check" key={a.id}>
            <input type={kind === "dm" ? "radio" : "checkbox"} name="room-agents" checked={picked.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />
            {a.name}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Create room
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
