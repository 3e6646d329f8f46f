-- Work rows are fenced by (id, fencing_token), and every fresh row starts at token 0. With a
-- plain INTEGER PRIMARY KEY, SQLite hands the id of the newest row to the next insert once
-- that row is deleted, so a worker still holding the deleted row's fence could finish (or
-- requeue) a different run's new row. AUTOINCREMENT never reuses an id. (Postgres identity
-- columns never did.)
CREATE TABLE work_queue_autoincrement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    fencing_token BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (run_id, step_key, kind)
);
INSERT INTO work_queue_autoincrement
    (id, run_id, step_key, kind, attempt, available_at, lease_owner, lease_expires_at, fencing_token, created_at)
SELECT id, run_id, step_key, kind, attempt, available_at, lease_owner, lease_expires_at, fencing_token, created_at
FROM work_queue;
DROP TABLE work_queue;
ALTER TABLE work_queue_autoincrement RENAME TO work_queue;
CREATE INDEX work_queue_ready ON work_queue(available_at);
