-- Project agents and the durable rounds of their turns
-- (crates/store/src/integrations/agents.rs; docs/contract.md §13, docs/agents.md).

-- An agent of a project. The definition (description, instructions, model or
-- model_ref, llm_params, tools, workflows_as_tools, max_turns, token_budget) is one JSON
-- document the server validates and shapes; the store keeps it as it is given.
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    definition JSONB NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agents_project ON agents(project_id, created_at);

-- One tool round of an agent_call step's turn: the model's tool calls and their results,
-- stored when the round finishes and before the next model call, so a turn re-run after
-- a crash continues after its last stored round and calls none of its tools again.
-- step_key is the engine's step key without the attempt (loop items: loop#index/inner).
CREATE TABLE agent_rounds (
    run_id TEXT NOT NULL,
    step_key TEXT NOT NULL,
    round BIGINT NOT NULL,
    data JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, step_key, round)
);
