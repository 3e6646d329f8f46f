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
);

-- How far the rollups reach: every hour before `rolled_until` is in `analytics_hourly`,
-- except the hours from `pending_from` on while a refresh recomputes them and the hours
-- listed in `analytics_dirty`. One row, written by the refresh.
CREATE TABLE analytics_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rolled_until BIGINT NOT NULL,
    pending_from BIGINT
);

-- Rolled-up hours whose rows changed after they were rolled up (a run retried days later,
-- a late write): read from the raw rows until the next refresh recomputes them. A mark
-- updates an existing row (`marks + 1`), which takes its row lock: a refresh that deletes
-- the mark waits for the writer's commit, so it then reads the write.
CREATE TABLE analytics_dirty (
    project_id TEXT NOT NULL,
    hour BIGINT NOT NULL,
    marks BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, hour)
);

-- The percentiles of steps-summary sample a type's latest steps: found through this index
-- whatever the type's share of the project's steps.
CREATE INDEX step_states_analytics_type ON step_states(project_id, step_type, finished_at, started_at)
    WHERE parent_key IS NULL AND finished_at IS NOT NULL AND status = 'completed' AND NOT skipped;

-- Marks the hour holding `at` for the project when it is already rolled up.
CREATE FUNCTION analytics_mark(p_project TEXT, p_at BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_project IS NULL OR p_at IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO analytics_dirty (project_id, hour)
        SELECT p_project, p_at - p_at % 3600000 FROM analytics_rollup_state
        WHERE id = 1 AND p_at < rolled_until
        ON CONFLICT (project_id, hour) DO UPDATE SET marks = analytics_dirty.marks + 1;
END;
$$;

-- Triggers mark the hours a write changes, but only hours already rolled up: the engine's
-- ordinary writes land in the open hour and cost one lookup of the state row. The WHEN
-- clauses keep the function out of the writes that cannot move a count (a run's sequence
-- number, a step starting). Rows of these tables are never deleted: no delete triggers.
CREATE FUNCTION runs_analytics_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.project_id IS DISTINCT FROM NEW.project_id THEN
            PERFORM analytics_mark(OLD.project_id, OLD.created_at);
            PERFORM analytics_mark(NEW.project_id, NEW.created_at);
        END IF;
        PERFORM analytics_mark(OLD.project_id, OLD.finished_at);
    ELSE
        PERFORM analytics_mark(NEW.project_id, NEW.created_at);
    END IF;
    PERFORM analytics_mark(NEW.project_id, NEW.finished_at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER runs_analytics_insert AFTER INSERT ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_analytics_mark();
CREATE TRIGGER runs_analytics_update AFTER UPDATE OF status, created_at, started_at, finished_at, project_id ON runs
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
          OR OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION runs_analytics_mark();

CREATE FUNCTION step_states_analytics_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.parent_key IS NULL THEN
        PERFORM analytics_mark(OLD.project_id, OLD.finished_at);
    END IF;
    IF NEW.parent_key IS NULL THEN
        PERFORM analytics_mark(NEW.project_id, NEW.finished_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER step_states_analytics_insert AFTER INSERT ON step_states
    FOR EACH ROW WHEN (NEW.parent_key IS NULL AND NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION step_states_analytics_mark();
CREATE TRIGGER step_states_analytics_update AFTER UPDATE OF status, skipped, step_type, finished_at, parent_key, project_id ON step_states
    FOR EACH ROW
    WHEN ((OLD.finished_at IS NOT NULL OR NEW.finished_at IS NOT NULL)
          AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.skipped IS DISTINCT FROM NEW.skipped
               OR OLD.step_type IS DISTINCT FROM NEW.step_type OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
               OR OLD.parent_key IS DISTINCT FROM NEW.parent_key OR OLD.project_id IS DISTINCT FROM NEW.project_id))
    EXECUTE FUNCTION step_states_analytics_mark();

CREATE FUNCTION usage_analytics_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_mark(NEW.project_id, NEW.at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER usage_records_analytics_insert AFTER INSERT ON usage_records
    FOR EACH ROW EXECUTE FUNCTION usage_analytics_mark();
CREATE TRIGGER billing_ledger_analytics_insert AFTER INSERT ON billing_ledger
    FOR EACH ROW WHEN (NEW.run_id IS NOT NULL) EXECUTE FUNCTION usage_analytics_mark();
