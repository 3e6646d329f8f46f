/**
 * The getting-started checklist a workspace admin sees on the Workflows page: connect an
 * MCP server, add an LLM key, run a workflow, invite someone. Each item ticks itself from
 * what exists (the ordinary read routes: MCP instances, the provider catalog, runs,
 * members), not from what the user clicked. It can be hidden (remembered per workspace)
 * and goes away once everything is done.
 */
import { useState } from "react";
import { Link } from "react-router";
import { useAsync } from "../components/useAsync";
import { useSession } from "../session/SessionContext";

const hiddenKey = (workspace: string) => `agentruntime.checklist.hidden.${workspace}`;

/** What each item reads; `undefined` while loading, `null` when it could not be read. */
interface SetupState {
  mcp: boolean | null;
  llm: { done: boolean; system: boolean } | null;
  run: boolean | null;
  invite: boolean | null;
}

/** One read per item; a refused or failed read leaves its item unknown instead of failing the others. */
export async function readSetupState(api: ReturnType<typeof useSession>["api"]): Promise<SetupState> {
  const settle = <T,>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
  const [instances, catalog, runs, members] = await Promise.all([
    settle(api.listMcpInstances()),
    settle(api.llmCatalog()),
    settle(api.listRuns({ limit: 1 })),
    settle(api.listMembers()),
  ]);
  return {
    mcp: instances ? instances.length > 0 : null,
    llm: catalog ? { done: catalog.some((p) => p.workspace_key || p.system_key), system: !catalog.some((p) => p.workspace_key) && catalog.some((p) => p.system_key) } : null,
    run: runs ? runs.runs.length > 0 : null,
    invite: members ? members.filter((m) => m.active).length > 1 : null,
  };
}

interface Item {
  key: string;
  done: boolean | null;
  title: string;
  detail: React.ReactNode;
}

export function GettingStarted({ workspace }: { workspace: string }) {
  const { api, scope } = useSession();
  const [hidden, setHidden] = useState(() => localStorage.getItem(hiddenKey(workspace)) === "1");
  const state = useAsync(() => readSetupState(api), [api, scope.tenant, scope.project]);
  if (hidden || !state.data) return null;
  const s = state.data;
  const items: Item[] = [
    {
      key: "mcp",
      done: s.mcp,
      title: "Connect an MCP server",
      detail: (
        <>
          Register a server and create an instance in <Link to="/mcp">MCP</Link>, so steps can call its tools.
        </>
      ),
    },
    {
      key: "llm",
      done: s.llm?.done ?? null,
      title: "Add an LLM key",
      detail: s.llm?.system ? (
        <>The server's own key is in use; add the workspace's in <Link to="/settings/providers">Providers</Link>.</>
      ) : (
        <>
          Add a provider key in <Link to="/settings/providers">Providers</Link> for LLM steps.
        </>
      ),
    },
    {
      key: "run",
      done: s.run,
      title: "Run a workflow",
      detail: (
        <>
          Start from a starter below; <em>Expense report review</em> runs with nothing to set up.
        </>
      ),
    },
    {
      key: "invite",
      done: s.invite,
      title: "Invite someone",
      detail: (
        <>
          Invite a teammate in <Link to="/settings/members">Members</Link>.
        </>
      ),
    },
  ];
  const done = items.filter((i) => i.done === true).length;
  if (done === items.length) return null;
  return (
    <section className="checklist" aria-labelledby="checklist-title">
      <div className="checklist-head">
        <h2 id="checklist-title">Set up this workspace</h2>
        <span className="muted progress">
          {done} of {items.length} done
        </span>
        <button
          type="button"
          className="small"
          onClick={() => {
            localStorage.setItem(hiddenKey(workspace), "1");
            setHidden(true);
          }}
        >
          Hide
        </button>
      </div>
      <ol>
        {items.map((i) => (
          <li key={i.key} className={i.done ? "done" : undefined} data-item={i.key}>
            <span className="check-mark" aria-hidden="true">
              {i.done && (
                <svg viewBox="0 0 16 16" width="12" height="12" focusable="false">
                  <path d="M3 8.5 6.5 12 13 4.5" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" />
                </svg>
              )}
            </span>
            <span className="check-body">
              <span className="check-text">
                {i.title}
                <span className="sr-only">{i.done ? " (done)" : i.done === null ? " (could not be checked)" : " (to do)"}</span>
              </span>
              {!i.done && <span className="muted">{i.detail}</span>}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
