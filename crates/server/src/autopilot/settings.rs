//! `[autopilot]`: which model the console copilot talks to and how far one turn may go
//! (docs/agents.md "Autopilot", docs/contract.md §13).

use serde::Deserialize;

/// `[autopilot]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutopilotSettings {
    /// `<source>.<provider>.<model>` (`AR_AUTOPILOT_MODEL_REF`); unset: the default model
    /// of `[llm] default_provider` ([`default_model`]).
    pub model_ref: Option<String>,
    /// Model calls per turn before it stops (`AR_AUTOPILOT_MAX_ROUNDS`, default 8).
    pub max_rounds: u32,
    /// Repairs of a generated graph that failed validation (`AR_AUTOPILOT_MAX_REPAIRS`,
    /// default 3).
    pub max_repairs: u32,
}

/// The upper bound of `max_rounds` (a turn holds a model stream open per round).
pub const MAX_ROUNDS_LIMIT: u32 = 50;
/// The upper bound of `max_repairs`.
pub const MAX_REPAIRS_LIMIT: u32 = 10;

impl Default for AutopilotSettings {
    fn default() -> Self {
        AutopilotSettings {
            model_ref: None,
            max_rounds: 8,
            max_repairs: 3,
        }
    }
}

/// The model a provider's Autopilot uses when `model_ref` is unset; `None` for providers
/// without an obvious default (the operator then sets `model_ref`).
pub fn default_model(provider: &str) -> Option<&'static str> {
    match provider {
        "openai" => Some("gpt-4o-mini"),
        "anthropic" => Some("claude-3-5-haiku-latest"),
        _ => None,
    }
}

impl AutopilotSettings {
    /// `AR_AUTOPILOT_*` overrides, then the range checks (start-up errors).
    pub fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(v) = get("AR_AUTOPILOT_MODEL_REF") {
            let v = v.trim().to_string();
            self.model_ref = (!v.is_empty()).then_some(v);
        }
        let number = |name: &str, v: String| -> Result<u32, String> {
            v.trim()
                .parse()
                .map_err(|_| format!("environment variable {name}={v:?}: expected a whole number"))
        };
        if let Some(v) = get("AR_AUTOPILOT_MAX_ROUNDS") {
            self.max_rounds = number("AR_AUTOPILOT_MAX_ROUNDS", v)?;
        }
        if let Some(v) = get("AR_AUTOPILOT_MAX_REPAIRS") {
            self.max_repairs = number("AR_AUTOPILOT_MAX_REPAIRS", v)?;
        }
        self.check()
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=MAX_ROUNDS_LIMIT).contains(&self.max_rounds) {
            return Err(format!(
                "autopilot.max_rounds / AR_AUTOPILOT_MAX_ROUNDS must be between 1 and {MAX_ROUNDS_LIMIT}"
            ));
        }
        if self.max_repairs > MAX_REPAIRS_LIMIT {
            return Err(format!(
                "autopilot.max_repairs / AR_AUTOPILOT_MAX_REPAIRS must be at most {MAX_REPAIRS_LIMIT}"
            ));
        }
        if let Some(r) = &self.model_ref
            && let Err(e) = ar_connect::llm::ModelRef::parse(r)
        {
            return Err(format!("autopilot.model_ref / AR_AUTOPILOT_MODEL_REF: {e}"));
        }
        Ok(())
    }
}
