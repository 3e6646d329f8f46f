//! What a node keeps in memory about a run it is executing: the prepared graph, the input,
//! and a view of each finished step (status, result, resolved input). Filled from the store
//! on first use and kept current by this node's own commits; a step whose dependencies are
//! not all known (another node finished them) triggers a reload. Dropped when the run ends,
//! so memory stays flat in the number of finished runs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ar_model::template::Scope;
use ar_store::{RunRecord, StepRecord, StepStatus};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::compiled::CompiledGraph;
use crate::params::StartParams;

/// A finished (or parked) step as templates and scripts see it.
#[derive(Debug, Clone)]
pub(crate) struct StepView {
    pub status: StepStatus,
    pub skipped: bool,
    pub reason: Option<String>,
    pub result: Value,
    pub input: Value,
}

impl StepView {
    pub fn from_record(r: &StepRecord) -> StepView {
        StepView {
            status: r.status(),
            skipped: r.skipped,
            reason: r.reason.clone(),
            result: r.result.clone().unwrap_or(Value::Null),
            input: r.input.clone().unwrap_or(Value::Null),
        }
    }
    /// The skip reason this step hands down to its dependants (docs/contract.md §2): `rejected`,
    /// `blocked` and `excluded` spread; `step_disabled` and `condition_false` do not. A
    /// rejected human task (completed, `approved: false`) hands down `rejected`.
    pub fn propagated_skip(&self, is_human_task: bool) -> Option<&'static str> {
        if self.skipped {
            return match self.reason.as_deref() {
                Some("rejected") => Some("rejected"),
                Some("blocked") => Some("blocked"),
                Some("excluded") => Some("excluded"),
                _ => None,
            };
        }
        if is_human_task
            && self.status == StepStatus::Completed
            && self.result.get("approved") == Some(&Value::Bool(false))
        {
            return Some("rejected");
        }
        None
    }
}

pub(crate) struct RunCache {
    pub run: RunRecord,
    pub graph: Arc<CompiledGraph>,
    pub params: StartParams,
    pub excluded: HashSet<String>,
    pub views: Mutex<HashMap<String, StepView>>,
    /// `for_each` items by loop step id, loaded once per loop.
    pub loop_items: Mutex<HashMap<String, Arc<Vec<Value>>>>,
    /// Cancelled when the run stops or fails: every in-flight step's token is a child.
    pub cancel: CancellationToken,
}

impl RunCache {
    pub fn new(run: RunRecord, graph: Arc<CompiledGraph>, steps: &[StepRecord]) -> RunCache {
        let params = StartParams::from_value(&run.params).unwrap_or_default();
        let excluded = params.excluded_set();
        let views = steps
            .iter()
            .map(|r| (r.step_key.clone(), StepView::from_record(r)))
            .collect();
        RunCache {
            run,
            graph,
            params,
            excluded,
            views: Mutex::new(views),
            loop_items: Mutex::new(HashMap::new()),
            cancel: CancellationToken::new(),
        }
    }

    /// Records a step state this node wrote or read.
    pub fn apply(&self, record: &StepRecord) {
        if record.parent_key.is_some() {
            return;
        }
        if let Ok(mut views) = self.views.lock() {
            views.insert(record.step_key.clone(), StepView::from_record(record));
        }
    }

    pub fn view(&self, step_id: &str) -> Option<StepView> {
        self.views.lock().ok().and_then(|v| v.get(step_id).cloned())
    }

    /// The step's status, without copying its result and input (a loop's input holds all
    /// its items, and every item asks for its parent's status).
    pub fn status(&self, step_id: &str) -> Option<StepStatus> {
        self.views
            .lock()
            .ok()
            .and_then(|v| v.get(step_id).map(|view| view.status))
    }

    /// True when every id has a terminal view here.
    pub fn all_finished(&self, ids: &[String]) -> bool {
        let Ok(views) = self.views.lock() else {
            return false;
        };
        ids.iter()
            .all(|id| views.get(id).is_some_and(|v| v.status.is_terminal()))
    }

    /// The input a step sees: the run input with the step's own `_steps.<id>` overlay on
    /// top, so `{{input.f}}` reads the override first.
    pub fn step_input(&self, step_id: &str) -> Value {
        let mut input = self.run.input.clone();
        if let (Value::Object(base), Some(Value::Object(overlay))) =
            (&mut input, self.params.trigger_steps.get(step_id))
        {
            for (k, v) in overlay {
                base.insert(k.clone(), v.clone());
            }
        }
        input
    }

    /// `steps` for a scope: the listed steps only, as `{id: {status, result, input}}`. With
    /// `aliases`, ids with `-` are also reachable with `_` (Lua's `steps.fetch_x`).
    pub fn steps_value(&self, ids: &[String], aliases: bool) -> Map<String, Value> {
        let mut out = Map::new();
        let Ok(views) = self.views.lock() else {
            return out;
        };
        for id in ids {
            if let Some(v) = views.get(id) {
                let entry = json!({
                    "status": v.status.as_str(),
                    "result": v.result,
                    "input": v.input,
                    "skipped": v.skipped,
                });
                if aliases && id.contains('-') {
                    out.insert(id.replace('-', "_"), entry.clone());
                }
                out.insert(id.clone(), entry);
            }
        }
        out
    }

    /// `run` scope.
    pub fn run_value(&self) -> Value {
        json!({"id": self.run.id, "workflow_id": self.run.workflow_id, "version": self.run.version})
    }
}

/// The roots a template or script sees. Doubles as the Lua globals (minus `while`, which
/// scripts see as `loop`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Roots(pub Map<String, Value>);

impl Scope for Roots {
    fn root(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}
