/**
 * A new conversation with the Autopilot: nothing is stored until the first message, which
 * `POST /v1/autopilot/chat` turns into a thread; the page then opens that thread with the
 * answer's stream (passed in the navigation state, so it is read once).
 */
import { useNavigate } from "react-router";
import type { AutopilotMode } from "../api/types";
import { useSession } from "../session/SessionContext";
import { Composer } from "./Composer";
import { ModeSwitch } from "./ModeSwitch";
import type { PendingAnswer } from "./ThreadView";

export function NewChat({ mode, onMode, onActivity }: { mode: AutopilotMode; onMode: (mode: AutopilotMode) => void; onActivity: () => void }) {
  const { api } = useSession();
  const navigate = useNavigate();
  return (
    <section className="chat-thread" aria-labelledby="new-chat-title">
      <header className="chat-thread-head">
        <h2 id="new-chat-title">New chat</h2>
        <span className="badge kind-autopilot">Autopilot</span>
      </header>
      <div className="chat-scroll chat-intro">
        <p>Ask the Autopilot about this project's workflows and runs, or describe a workflow and let it build one.</p>
        <ul className="muted">
          <li>
            <strong>Ask</strong> answers from what you can read and changes nothing.
          </li>
          <li>
            <strong>Autopilot</strong> may also create, change and run workflows, with your own permissions.
          </li>
        </ul>
      </div>
      <Composer
        label="Message to the Autopilot"
        placeholder="Ask a question, or describe a workflow to build"
        onSend={async (text) => {
          const start = await api.autopilotChat(text, mode);
          const pending: PendingAnswer = { messageId: start.message_id, streamUrl: start.stream_url };
          onActivity();
          navigate(`/chat/${encodeURIComponent(start.thread_id)}`, { state: { pending } });
        }}
      >
        <ModeSwitch mode={mode} onChange={onMode} />
      </Composer>
    </section>
  );
}
