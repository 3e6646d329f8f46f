-- Chat threads, their messages and the agent turns that answer them
-- (crates/store/src/integrations/chat.rs; docs/contract.md §13, docs/agents.md).

-- A conversation of a project: a `dm` or `channel` room (agents in agent_ids answer its
-- messages) or an `autopilot` thread (the console copilot answers). `updated_at` moves
-- with every message, so listing by it puts the latest activity first.
CREATE TABLE chat_threads (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    agent_ids TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_message_at BIGINT
);
CREATE INDEX chat_threads_activity ON chat_threads(project_id, updated_at, id);

-- A message, immutable once stored; seq is 1, 2, 3, … per thread in append order (the
-- thread's live stream resumes after a seq). `data` holds the actions a reply took and
-- the error of a failed reply.
CREATE TABLE chat_messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES chat_threads(id),
    seq BIGINT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    run_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (thread_id, seq)
);

-- A reply being made: an agent's turn (run_id: the run that carries it) or an Autopilot
-- turn (agent_id NULL). id is the id the reply message gets; finishing the turn and
-- storing its reply is one transaction, so a reply is stored once.
CREATE TABLE chat_turns (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES chat_threads(id),
    agent_id TEXT,
    reply_to TEXT NOT NULL,
    run_id TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX chat_turns_thread ON chat_turns(thread_id, status);
