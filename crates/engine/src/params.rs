//! Start parameters of a run (docs/contract.md §7).

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::{EngineError, EngineResult};

/// Keys that mark `params` as structured; without any of them, `params` itself is the
/// trigger payload (compatibility rule of docs/contract.md §7).
const PARAM_KEYS: &[&str] = &[
    "trigger_payload",
    "trigger_steps",
    "excluded_step_ids",
    "use_run_setup_defaults",
    "run_id",
    "version",
    "resume_from_run_id",
    "reuse_completed_steps",
];

/// What a run is started with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StartParams {
    pub trigger_payload: Map<String, Value>,
    /// Per-step input overlays; a key here also grants a `no_auto_start` root.
    pub trigger_steps: Map<String, Value>,
    pub excluded_step_ids: Vec<String>,
    /// Client run id: a repeated one returns the existing run.
    pub run_id: Option<String>,
    /// Reuse the completed steps of this (failed) run.
    pub resume_from_run_id: Option<String>,
    pub reuse_completed_steps: bool,
}

impl StartParams {
    /// Reads `params` as sent in a start command.
    pub fn from_value(params: &Value) -> EngineResult<StartParams> {
        let obj = match params {
            Value::Null => return Ok(StartParams::default()),
            Value::Object(o) => o,
            other => {
                return Err(EngineError::InvalidInput(format!(
                    "start params must be a JSON object, found {}",
                    ar_model::import::json_type(other)
                )));
            }
        };
        if !PARAM_KEYS.iter().any(|k| obj.contains_key(*k)) {
            return Ok(StartParams {
                trigger_payload: obj.clone(),
                ..Default::default()
            });
        }
        let object = |key: &str| -> EngineResult<Map<String, Value>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(o)) => Ok(o.clone()),
                Some(_) => Err(EngineError::InvalidInput(format!(
                    "params.{key} must be an object"
                ))),
            }
        };
        let string = |key: &str| -> EngineResult<Option<String>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(EngineError::InvalidInput(format!(
                    "params.{key} must be a string"
                ))),
            }
        };
        let excluded = match obj.get("excluded_step_ids") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    EngineError::InvalidInput(
                        "params.excluded_step_ids must be an array of step ids".into(),
                    )
                })?,
            Some(_) => {
                return Err(EngineError::InvalidInput(
                    "params.excluded_step_ids must be an array".into(),
                ));
            }
        };
        Ok(StartParams {
            trigger_payload: object("trigger_payload")?,
            trigger_steps: object("trigger_steps")?,
            excluded_step_ids: excluded,
            run_id: string("run_id")?,
            resume_from_run_id: string("resume_from_run_id")?,
            reuse_completed_steps: obj
                .get("reuse_completed_steps")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The params as stored with the run.
    pub fn to_value(&self) -> Value {
        serde_json::json!({
            "trigger_payload": self.trigger_payload,
            "trigger_steps": self.trigger_steps,
            "excluded_step_ids": self.excluded_step_ids,
            "run_id": self.run_id,
            "resume_from_run_id": self.resume_from_run_id,
            "reuse_completed_steps": self.reuse_completed_steps,
        })
    }

    /// The run input: the trigger payload plus `_steps` holding the per-step overlays.
    pub fn run_input(&self) -> Value {
        let mut input = self.trigger_payload.clone();
        if !self.trigger_steps.is_empty() {
            input.insert("_steps".into(), Value::Object(self.trigger_steps.clone()));
        }
        Value::Object(input)
    }

    pub fn excluded_set(&self) -> HashSet<String> {
        self.excluded_step_ids.iter().cloned().collect()
    }
}
