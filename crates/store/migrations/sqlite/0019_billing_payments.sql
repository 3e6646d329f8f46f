-- Payments and codes (docs/billing.md "Top-ups with Stripe", "Codes";
-- crates/store/src/integrations/billing_payments.rs).

-- A PAYG top-up paid through a provider. The row is written before the provider is
-- asked, keyed by the client's idempotency key, so a retried request finds it and asks
-- the provider again with the same key; the provider's id is added once known.
CREATE TABLE billing_payments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    -- stripe
    provider TEXT NOT NULL,
    -- the provider's object (a Stripe PaymentIntent id), once known
    provider_ref TEXT,
    idempotency_key TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    microcredits BIGINT NOT NULL,
    -- the discount code that priced it, if any
    discount_code TEXT,
    -- pending | succeeded | failed | canceled
    status TEXT NOT NULL,
    failure_reason TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- the `payg.topup` ledger row that credited it
    ledger_entry_id TEXT,
    UNIQUE (workspace_id, idempotency_key)
);
CREATE UNIQUE INDEX billing_payments_provider_ref ON billing_payments(provider, provider_ref);

-- Provider events already handled, by the provider's event id: a redelivered or replayed
-- webhook is recognised and changes nothing.
CREATE TABLE billing_provider_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- Codes a workspace applied: once per (workspace, code).
CREATE TABLE billing_code_redemptions (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    code TEXT NOT NULL,
    -- credits | discount
    kind TEXT NOT NULL,
    redeemed_by TEXT,
    redeemed_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, code)
);

-- How many workspaces applied each code: the `max_redemptions` limit is a conditional
-- increment of this row, atomic on every node.
CREATE TABLE billing_code_counters (
    code TEXT PRIMARY KEY,
    redeemed BIGINT NOT NULL
);

-- Per-workspace prices set by the operator (`agentruntime admin prices`): an action named
-- here costs this workspace these microcredits per unit instead of `[billing.prices]`.
CREATE TABLE billing_price_overrides (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    action TEXT NOT NULL,
    microcredits BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, action)
);
