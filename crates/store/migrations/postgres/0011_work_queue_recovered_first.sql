-- Recovered work is claimed before newer work (docs/engine.md "Leases and claim order").
-- Work is "recovered" when its lease expired (the holder died or stalled) or when it was
-- handed back: by a node stopping gracefully, or released at start-up because the process
-- that leased it is gone (SQLite). `handed_back` marks the second kind until it is claimed.
ALTER TABLE work_queue ADD COLUMN handed_back BOOLEAN NOT NULL DEFAULT FALSE;

-- Every commit that chains into the next step first looks for recovered work; these keep
-- that look-up to the few rows concerned, however long the queue.
CREATE INDEX work_queue_leases ON work_queue(lease_expires_at) WHERE lease_owner IS NOT NULL;
CREATE INDEX work_queue_handed_back ON work_queue(available_at) WHERE handed_back;
