-- Issue 13 item 5 "Revocation is enforced on long-lived access" (docs/security.md).

-- The latest delivery to a webhook subscription that was refused at fire time because
-- its automation PAT or the PAT's user lost what a delivery needs (revoked or expired
-- token, deactivated member, lost project role). Only deliveries with a valid signature
-- are recorded, so strangers cannot write here. It goes with the webhook.
CREATE TABLE webhook_refusals (
    webhook_id TEXT PRIMARY KEY REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
    refused_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
