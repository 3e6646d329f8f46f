//! Usage metering: a thin wrapper around the `llm_call`, `mcp_call` and `agent_call` executors that
//! records, after a successful call, what it consumed (`llm.tokens_in`, `llm.tokens_out`,
//! `mcp.call`, and `workflow.step.execute` for both). Each record's idempotency key is
//! `<run_id>:<step key>:<kind>`, without the attempt number, and the store ignores a
//! second record with the same key: a step retried after a failure, or re-run after a
//! crash, counts once. A failed record is logged and does not fail the step (it already
//! happened, and running it again would consume again).
//!
//! With billing on, the wrapper also charges credits (`crate::billing::charge`): a step
//! of a workspace without credits fails before its call, and each priced quantity is
//! debited once per (run, step, attempt, action).

use std::sync::Arc;

use ar_engine::{StepCall, StepExecutor, StepFailure};
use ar_store::integrations::{IntegrationStore, UsageRecord};
use ar_store::now_ms;

use crate::billing::charge::Charger;
use async_trait::async_trait;
use serde_json::Value;

/// What a wrapped executor's successful result is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meter {
    /// `llm.tokens_in` / `llm.tokens_out` from the result's `tokens_in` / `tokens_out`.
    Llm,
    /// One `mcp.call`.
    Mcp,
    /// An `agent_call` turn (docs/contract.md §13): `llm.tokens_in` / `llm.tokens_out`
    /// from the result's `usage`, and one `mcp.call` per tool call it made.
    Agent,
}

/// `inner`, with its successful calls recorded.
pub struct Metered {
    inner: Arc<dyn StepExecutor>,
    meter: Meter,
    store: Arc<dyn IntegrationStore>,
    charger: Option<Arc<Charger>>,
}

impl Metered {
    pub fn new(
        inner: Arc<dyn StepExecutor>,
        meter: Meter,
        store: Arc<dyn IntegrationStore>,
    ) -> Self {
        Metered {
            inner,
            meter,
            store,
            charger: None,
        }
    }

    /// Also charges credits (billing on).
    pub fn charging(mut self, charger: Option<Arc<Charger>>) -> Self {
        self.charger = charger;
        self
    }

    /// The quantities of one successful result.
    fn quantities(&self, result: &Value) -> Vec<(&'static str, i64)> {
        let count = |field: &str| result.get(field).and_then(Value::as_i64).unwrap_or(0);
        let mut out = match self.meter {
            Meter::Llm => vec![
                ("llm.tokens_in", count("tokens_in")),
                ("llm.tokens_out", count("tokens_out")),
            ],
            Meter::Mcp => vec![("mcp.call", 1)],
            Meter::Agent => agent_quantities(result),
        };
        out.push(("workflow.step.execute", 1));
        out
    }

    /// The workspace to meter (`None` for ad-hoc local runs, which have none).
    async fn workspace(&self, call: &StepCall) -> Option<String> {
        let project = call.project_id.as_ref()?;
        match self.store.workspace_of_project(project).await {
            Ok(ws) => ws,
            Err(error) => {
                tracing::warn!(run_id = %call.run_id, %error, "usage not recorded");
                None
            }
        }
    }

    async fn record(&self, call: &StepCall, workspace: &str, result: &Value) {
        let Some(project) = &call.project_id else {
            return;
        };
        let step_key = step_key(call);
        let at = now_ms();
        for (kind, quantity) in self.quantities(result) {
            let usage = UsageRecord {
                idempotency_key: format!("{}:{step_key}:{kind}", call.run_id),
                workspace_id: workspace.to_owned(),
                project_id: Some(project.clone()),
                run_id: call.run_id.clone(),
                step_key: step_key.clone(),
                kind: kind.to_owned(),
                quantity,
                at,
            };
            if let Err(error) = self.store.record_usage(&usage).await {
                tracing::warn!(run_id = %call.run_id, kind, %error, "usage not recorded");
            }
        }
    }
}

/// The step's key within its run: the engine's idempotency key
/// (`run_id:<step key>:attempt`) without the run and the attempt, so loop items (whose key
/// is `loop#index/inner`) are told apart and attempts are not.
pub fn step_key(call: &StepCall) -> String {
    let key = call
        .idempotency_key
        .strip_prefix(&format!("{}:", call.run_id))
        .unwrap_or(&call.idempotency_key);
    match key.rsplit_once(':') {
        Some((step, attempt)) if attempt.parse::<u32>().is_ok() => step.to_owned(),
        _ => key.to_owned(),
    }
}

#[async_trait]
impl StepExecutor for Metered {
    fn reports_progress(&self) -> bool {
        self.inner.reports_progress()
    }

    async fn execute(&self, call: StepCall) -> Result<Value, StepFailure> {
        let workspace = self.workspace(&call).await;
        let charger = self.charger.as_ref().zip(workspace.as_deref());
        if let Some((charger, ws)) = charger {
            charger.check(ws, &call).await?;
        }
        let result = self.inner.execute(call.clone()).await?;
        if let Some(ws) = &workspace {
            self.record(&call, ws, &result).await;
        }
        if let Some((charger, ws)) = charger {
            let quantities = self.quantities(&result);
            charger
                .charge(ws, &call, &step_key(&call), &quantities)
                .await?;
        }
        Ok(result)
    }
}

/// An `agent_call` result's quantities: its tokens, and its MCP calls only — a workflow
/// tool's call (it names a `workflow_id`) is a child run, whose own steps are metered as
/// they run (docs/agents.md "Metering").
fn agent_quantities(result: &Value) -> Vec<(&'static str, i64)> {
    let usage = |field: &str| {
        result
            .pointer(&format!("/usage/{field}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let mcp_calls = result
        .get("tool_calls")
        .and_then(Value::as_array)
        .map_or(0, |calls| {
            calls
                .iter()
                .filter(|c| c.get("workflow_id").is_none())
                .count()
        });
    vec![
        ("llm.tokens_in", usage("tokens_in")),
        ("llm.tokens_out", usage("tokens_out")),
        ("mcp.call", i64::try_from(mcp_calls).unwrap_or(i64::MAX)),
    ]
}

#[cfg(test)]
mod agent_metering_tests {
    use serde_json::json;

    use super::agent_quantities;

    #[test]
    fn workflow_tool_calls_are_not_metered_as_mcp_calls() {
        let result = json!({
            "usage": {"tokens_in": 30, "tokens_out": 8},
            "tool_calls": [
                {"round": 1, "tool": "echo", "instance_id": null, "ok": true},
                {"round": 1, "tool": "workflow_Shout", "instance_id": null, "ok": true,
                 "workflow_id": "w1"},
            ],
        });
        assert_eq!(
            agent_quantities(&result),
            vec![
                ("llm.tokens_in", 30),
                ("llm.tokens_out", 8),
                ("mcp.call", 1)
            ]
        );
    }
}
