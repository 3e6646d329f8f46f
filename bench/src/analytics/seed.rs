//! A large history in one project, written by SQL that generates the rows inside the
//! database (a recursive counter, the same text on SQLite and Postgres), so seeding a
//! million steps takes seconds rather than a million round trips.
//!
//! The shape: `runs` runs spread evenly over `days` days up to now, `STEPS_PER_RUN` steps
//! each (5 `lua_script`, 2 `llm_call`, 2 `mcp_call`, 1 `human_task`), and the metered usage
//! the LLM and MCP steps record (10 rows a run). One run in 50 fails (its last step
//! failed), one in 100 is stopped (its last step cancelled), and the newest `LIVE_RUNS`
//! are still running with every step pending.

pub const STEPS_PER_RUN: i64 = 10;
pub const LIVE_RUNS: i64 = 20;
pub const PROJECT: &str = "bench-project";
const DAY_MS: i64 = 86_400_000;

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub runs: i64,
    pub days: i64,
    /// The time the history ends at (its newest run is created just before).
    pub now: i64,
}

impl History {
    fn gap(&self) -> i64 {
        (self.days * DAY_MS / self.runs).max(1)
    }
    fn first(&self) -> i64 {
        self.now - self.runs * self.gap()
    }

    /// SQL for the status of run number `r` (an SQL expression).
    fn run_status(&self, r: &str) -> String {
        format!(
            "CASE WHEN {r} >= {live_from} THEN 'running' WHEN {r} % 50 = 7 THEN 'failed' \
             WHEN {r} % 100 = 13 THEN 'stopped' ELSE 'completed' END",
            live_from = self.runs - LIVE_RUNS
        )
    }

    /// SQL for when run number `r` was created.
    fn created(&self, r: &str) -> String {
        format!("({} + {r} * {})", self.first(), self.gap())
    }

    /// The statements, in order.
    pub fn statements(&self) -> Vec<String> {
        let counter = |n: i64| {
            format!(
                "WITH RECURSIVE seq(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL \
                 SELECT i + 1 FROM seq WHERE i < {}) ",
                n - 1
            )
        };
        let steps = self.runs * STEPS_PER_RUN;
        let run_of_step = format!("(i / {STEPS_PER_RUN})");
        let step_no = format!("(i % {STEPS_PER_RUN})");
        let step_type = format!(
            "CASE WHEN {step_no} < 5 THEN 'lua_script' WHEN {step_no} < 7 THEN 'llm_call' \
             WHEN {step_no} < 9 THEN 'mcp_call' ELSE 'human_task' END"
        );
        // Durations by type, spread by a multiplicative hash of the row number.
        let spread = "((i * 7919) % 1000)";
        let duration = format!(
            "CASE WHEN {step_no} < 5 THEN 1 + {spread} / 50 WHEN {step_no} < 7 THEN 300 + {spread} * 3 \
             WHEN {step_no} < 9 THEN 20 + {spread} / 5 ELSE 5000 + {spread} * 60 END"
        );
        let step_started = format!("({} + 5 + {step_no} * 100)", self.created(&run_of_step));
        let run_status = self.run_status(&run_of_step);
        let last = STEPS_PER_RUN - 1;
        let step_status = format!(
            "CASE WHEN {run_status} = 'running' THEN 'pending' \
             WHEN {run_status} = 'failed' AND {step_no} = {last} THEN 'failed' \
             WHEN {run_status} = 'stopped' AND {step_no} = {last} THEN 'cancelled' \
             ELSE 'completed' END"
        );
        // Usage rows: 10 a run, k = i % 10 → (step, kind): the two LLM steps record
        // tokens in, out and the step; the two MCP steps the call and the step.
        let k = "(i % 10)";
        let usage_run = "(i / 10)";
        let usage_step =
            format!("CASE WHEN {k} < 3 THEN 5 WHEN {k} < 6 THEN 6 WHEN {k} < 8 THEN 7 ELSE 8 END");
        let usage_kind = format!(
            "CASE WHEN {k} IN (0, 3) THEN 'llm.tokens_in' WHEN {k} IN (1, 4) THEN 'llm.tokens_out' \
             WHEN {k} IN (6, 8) THEN 'mcp.call' ELSE 'workflow.step.execute' END"
        );
        let usage_quantity = format!(
            "CASE WHEN {k} IN (0, 3) THEN 500 + i % 1000 WHEN {k} IN (1, 4) THEN 100 + i % 300 ELSE 1 END"
        );
        vec![
            "INSERT INTO workspaces (id, slug, name, product_code, created_at) \
             VALUES ('bench-workspace', 'bench', 'Bench', 'ar', 0)"
                .into(),
            format!(
                "INSERT INTO projects (id, workspace_id, name, created_at) \
                 VALUES ('{PROJECT}', 'bench-workspace', 'Bench', 0)"
            ),
            "INSERT INTO graphs (hash, graph, created_at) VALUES ('bench-graph', '{}', 0)".into(),
            format!(
                "{counter}INSERT INTO runs (id, workflow_id, version, project_id, graph_hash, status, input, \
                 params, open_steps, created_at, started_at, finished_at, updated_at) \
                 SELECT 'run-' || i, 'bench-workflow', 1, '{PROJECT}', 'bench-graph', {status}, '{{}}', '{{}}', 0, \
                 {created}, {created} + 5, \
                 CASE WHEN {status} = 'running' THEN NULL ELSE {created} + 5 + {run_ms} + i % 500 END, \
                 {created} FROM seq",
                counter = counter(self.runs),
                status = self.run_status("i"),
                created = self.created("i"),
                run_ms = STEPS_PER_RUN * 100,
            ),
            format!(
                "{counter}INSERT INTO step_states (run_id, step_key, status, attempt, skipped, \
                 started_at, finished_at, step_type, project_id) \
                 SELECT 'run-' || {run_of_step}, 's' || {step_no}, {step_status}, 1, FALSE, \
                 CASE WHEN {run_status} = 'running' THEN NULL ELSE {step_started} END, \
                 CASE WHEN {run_status} = 'running' THEN NULL ELSE {step_started} + {duration} END, \
                 {step_type}, '{PROJECT}' FROM seq",
                counter = counter(steps),
            ),
            format!(
                "{counter}INSERT INTO usage_records (idempotency_key, workspace_id, project_id, run_id, \
                 step_key, kind, quantity, at) \
                 SELECT 'run-' || {usage_run} || ':s' || {usage_step} || ':' || {usage_kind}, 'bench-workspace', \
                 '{PROJECT}', 'run-' || {usage_run}, 's' || {usage_step}, {usage_kind}, {usage_quantity}, \
                 {at} FROM seq",
                counter = counter(self.runs * 10),
                at = format!(
                    "({} + 5 + ({usage_step}) * 100 + 50)",
                    self.created(usage_run)
                ),
            ),
        ]
    }

    /// How many steps `steps-executed` must count over the whole history: every step of
    /// a finished run except a stopped run's cancelled last step.
    pub fn expected_steps_executed(&self) -> i64 {
        (0..self.runs - LIVE_RUNS)
            .map(|r| {
                let stopped = r % 50 != 7 && r % 100 == 13;
                STEPS_PER_RUN - i64::from(stopped)
            })
            .sum()
    }
}
