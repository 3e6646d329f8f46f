-- Billing (docs/contract.md §14, crates/store/src/integrations/billing.rs): the credit
-- ledger, its cached balances, subscriptions, period grants and refused run starts.

-- Every movement of credits, in (positive microcredits) or out (negative), append-only.
-- `seq` orders the ledger and pages it; a debit that draws from several buckets is one
-- row per bucket, all written in one transaction.
CREATE TABLE billing_ledger (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    project_id TEXT,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    microcredits BIGINT NOT NULL,
    -- trial | included | payg
    bucket TEXT NOT NULL,
    run_id TEXT,
    step_id TEXT,
    attempt BIGINT,
    note TEXT
);
-- A metered action costs once: a second debit with the same key finds its rows. (NULLs
-- are distinct, so grants, which have no run, never collide.)
CREATE UNIQUE INDEX billing_ledger_debit_key
    ON billing_ledger(workspace_id, run_id, step_id, attempt, action, bucket);
CREATE INDEX billing_ledger_workspace ON billing_ledger(workspace_id, seq);
CREATE INDEX billing_ledger_project ON billing_ledger(project_id, at);

-- The balances per bucket: the sum of the workspace's ledger rows per bucket, kept in the
-- same transaction as every row. Debits lock this row first, so they serialize per
-- workspace.
CREATE TABLE billing_balances (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    trial BIGINT NOT NULL DEFAULT 0,
    included BIGINT NOT NULL DEFAULT 0,
    payg BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- One subscription per workspace.
CREATE TABLE billing_subscriptions (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    plan_code TEXT NOT NULL,
    -- trialing | active | past_due | canceled | none
    status TEXT NOT NULL,
    trial_ends_at BIGINT,
    current_period_start BIGINT,
    current_period_end BIGINT,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    -- a downgrade waiting for the end of the period
    pending_plan_code TEXT,
    updated_at BIGINT NOT NULL
);

-- The included credits of one period are granted once, whatever the number of nodes.
CREATE TABLE billing_period_grants (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    period_start BIGINT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, period_start)
);

-- Run starts refused for lack of credits (the `run_rejected` record).
CREATE TABLE run_rejections (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    code TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX run_rejections_workspace ON run_rejections(workspace_id, at);
