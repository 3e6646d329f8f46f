-- Hourly rollups of the analytics counts (crates/store/src/tenant/analytics.rs,
-- docs/analytics.md "How it stays fast"): an answer reads closed hours from here and only
-- the open edges of its period from the raw rows, so its cost no longer grows with the
-- history.

-- One project's count of one series (`runs_started`, `steps_executed`, `usage:llm.tokens_in`,
-- …) in the hour starting at `hour` (unix ms, on the hour). `family` groups the series one
-- answer reads (`usage` holds every `usage:<kind>`), and leads the key so an answer scans
-- its own series only.
CREATE TABLE analytics_hourly (
    project_id TEXT NOT NULL,
    family TEXT NOT NULL,
    hour BIGINT NOT NULL,
    series TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (project_id, family, hour, series)
) WITHOUT ROWID;

-- How far the rollups reach: every hour before `rolled_until` is in `analytics_hourly`,
-- except the hours from `pending_from` on while a refresh recomputes them and the hours
-- listed in `analytics_dirty`. One row, written by the refresh.
CREATE TABLE analytics_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rolled_until BIGINT NOT NULL,
    pending_from BIGINT
);

-- Rolled-up hours whose rows changed after they were rolled up (a run retried days later,
-- a late write): read from the raw rows until the next refresh recomputes them. `marks`
-- counts the changes, so a mark made while a refresh works on the hour is never lost.
CREATE TABLE analytics_dirty (
    project_id TEXT NOT NULL,
    hour BIGINT NOT NULL,
    marks BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, hour)
) WITHOUT ROWID;

-- The percentiles of steps-summary sample a type's latest steps: found through this index
-- whatever the type's share of the project's steps.
CREATE INDEX step_states_analytics_type ON step_states(project_id, step_type, finished_at, started_at)
    WHERE parent_key IS NULL AND finished_at IS NOT NULL AND status = 'completed' AND NOT skipped;

-- Marking an hour, written once: inserting `(project_id, at)` here marks the hour holding
-- `at` for the project when it is already rolled up (before `rolled_until`), and does
-- nothing otherwise (or when either is NULL). The view itself holds no rows.
CREATE VIEW analytics_marks AS SELECT project_id, hour AS at FROM analytics_dirty WHERE 0;
CREATE TRIGGER analytics_marks_insert INSTEAD OF INSERT ON analytics_marks
BEGIN
    INSERT INTO analytics_dirty (project_id, hour)
        SELECT NEW.project_id, NEW.at - NEW.at % 3600000 FROM analytics_rollup_state
        WHERE id = 1 AND NEW.project_id IS NOT NULL AND NEW.at < rolled_until
        ON CONFLICT (project_id, hour) DO UPDATE SET marks = marks + 1;
END;

-- Triggers mark the hours a write changes, but only hours already rolled up. Each WHEN
-- clause asks that first (one look at the state row), so the engine's ordinary writes,
-- which land in the open hour or cannot move a count (a run's sequence number, a step
-- starting), never run a trigger body. Rows of these tables are never deleted, so there
-- are no delete triggers.
CREATE TRIGGER runs_analytics_insert AFTER INSERT ON runs
WHEN NEW.created_at < (SELECT rolled_until FROM analytics_rollup_state) OR NEW.finished_at < (SELECT rolled_until FROM analytics_rollup_state)
BEGIN
    INSERT INTO analytics_marks VALUES (NEW.project_id, NEW.created_at), (NEW.project_id, NEW.finished_at);
END;

CREATE TRIGGER runs_analytics_update AFTER UPDATE OF status, created_at, started_at, finished_at, project_id ON runs
WHEN ((OLD.created_at IS NOT NEW.created_at OR OLD.project_id IS NOT NEW.project_id)
      AND (OLD.created_at < (SELECT rolled_until FROM analytics_rollup_state) OR NEW.created_at < (SELECT rolled_until FROM analytics_rollup_state)))
  OR ((OLD.status IS NOT NEW.status OR OLD.started_at IS NOT NEW.started_at
       OR OLD.finished_at IS NOT NEW.finished_at OR OLD.project_id IS NOT NEW.project_id)
      AND (OLD.finished_at < (SELECT rolled_until FROM analytics_rollup_state) OR NEW.finished_at < (SELECT rolled_until FROM analytics_rollup_state)))
BEGIN
    INSERT INTO analytics_marks
        SELECT project_id, at FROM (SELECT OLD.project_id AS project_id, OLD.created_at AS at
                                    UNION ALL SELECT NEW.project_id, NEW.created_at)
        WHERE OLD.created_at IS NOT NEW.created_at OR OLD.project_id IS NOT NEW.project_id;
    INSERT INTO analytics_marks VALUES (OLD.project_id, OLD.finished_at), (NEW.project_id, NEW.finished_at);
END;

CREATE TRIGGER step_states_analytics_insert AFTER INSERT ON step_states
WHEN NEW.parent_key IS NULL AND NEW.finished_at < (SELECT rolled_until FROM analytics_rollup_state)
BEGIN
    INSERT INTO analytics_marks VALUES (NEW.project_id, NEW.finished_at);
END;

CREATE TRIGGER step_states_analytics_update AFTER UPDATE OF status, skipped, step_type, finished_at, parent_key, project_id ON step_states
WHEN (OLD.status IS NOT NEW.status OR OLD.skipped IS NOT NEW.skipped
      OR OLD.step_type IS NOT NEW.step_type OR OLD.finished_at IS NOT NEW.finished_at
      OR OLD.parent_key IS NOT NEW.parent_key OR OLD.project_id IS NOT NEW.project_id)
  AND ((OLD.parent_key IS NULL AND OLD.finished_at < (SELECT rolled_until FROM analytics_rollup_state))
       OR (NEW.parent_key IS NULL AND NEW.finished_at < (SELECT rolled_until FROM analytics_rollup_state)))
BEGIN
    INSERT INTO analytics_marks
        SELECT OLD.project_id, OLD.finished_at WHERE OLD.parent_key IS NULL
        UNION ALL SELECT NEW.project_id, NEW.finished_at WHERE NEW.parent_key IS NULL;
END;

CREATE TRIGGER usage_records_analytics_insert AFTER INSERT ON usage_records
WHEN NEW.at < (SELECT rolled_until FROM analytics_rollup_state)
BEGIN
    INSERT INTO analytics_marks VALUES (NEW.project_id, NEW.at);
END;

CREATE TRIGGER billing_ledger_analytics_insert AFTER INSERT ON billing_ledger
WHEN NEW.run_id IS NOT NULL AND NEW.at < (SELECT rolled_until FROM analytics_rollup_state)
BEGIN
    INSERT INTO analytics_marks VALUES (NEW.project_id, NEW.at);
END;
