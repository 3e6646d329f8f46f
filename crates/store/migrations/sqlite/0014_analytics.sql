-- Analytics (crates/store/src/tenant/analytics.rs, docs/analytics.md): what each step is
-- and which project it belongs to, and indexes that keep the /v1/analytics/* reads
-- proportional to the window they ask about, not to the whole history.

-- The step's type (`lua_script`, `llm_call`, …), written by the engine for top-level steps;
-- NULL for loop items and for steps recorded before this migration.
ALTER TABLE step_states ADD COLUMN step_type TEXT;
-- The run's project, copied when the step's row is first written so a project's steps are
-- found without going through its runs.
ALTER TABLE step_states ADD COLUMN project_id TEXT;
UPDATE step_states SET project_id = (SELECT runs.project_id FROM runs WHERE runs.id = step_states.run_id);

-- Steps that finished, per project and finish time, carrying every column the step
-- metrics read (an index-only scan; `parent_key`, always NULL here, is listed so SQLite
-- sees that too). Loop items and unfinished steps stay out.
CREATE INDEX step_states_analytics ON step_states(project_id, finished_at, step_type, status, skipped, started_at, parent_key)
    WHERE parent_key IS NULL AND finished_at IS NOT NULL;
-- Runs per project and status: live runs, and terminal runs by finish time with their
-- durations (success rate, execution duration, the finished side of the run time series).
CREATE INDEX runs_project_status ON runs(project_id, status, finished_at, started_at);
-- Metered usage per project and time, with the summed columns.
CREATE INDEX usage_records_project ON usage_records(project_id, at, kind, quantity);
