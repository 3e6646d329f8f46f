//! `model_ref`: `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`.

use std::fmt;
use std::str::FromStr;

use super::error::LlmError;

/// Sources a `model_ref` may name. `direct`: call the provider's API with a key
/// from the step, the workspace or the system.
pub const KNOWN_SOURCES: &[&str] = &["direct"];

/// A parsed `model_ref`. The model part is everything after the second dot, so
/// model names with dots (`gpt-4.1-mini`, `llama3.1:8b`) work as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModelRef {
    /// Where the call goes, e.g. `direct`.
    pub source: String,
    /// The provider's name, e.g. `openai`.
    pub provider: String,
    /// The provider's wire name of the model.
    pub model: String,
}

impl ModelRef {
    /// Parses and validates a `model_ref`.
    pub fn parse(text: &str) -> Result<Self, LlmError> {
        let invalid = |reason: String| LlmError::InvalidModelRef {
            model_ref: text.to_owned(),
            reason,
        };
        let mut parts = text.splitn(3, '.');
        let (Some(source), Some(provider), Some(model)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("it needs three dot-separated parts".to_owned()));
        };
        for (what, part) in [("source", source), ("provider", provider)] {
            if part.is_empty() {
                return Err(invalid(format!("the {what} is empty")));
            }
            if !part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            {
                return Err(invalid(format!(
                    "the {what} {part:?} may only contain lowercase letters, digits, '-' and '_'"
                )));
            }
        }
        if !KNOWN_SOURCES.contains(&source) {
            return Err(invalid(format!(
                "unknown source {source:?} (known: {})",
                KNOWN_SOURCES.join(", ")
            )));
        }
        if model.is_empty() {
            return Err(invalid("the model is empty".to_owned()));
        }
        if model.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "the model contains whitespace or control characters".to_owned(),
            ));
        }
        Ok(Self {
            source: source.to_owned(),
            provider: provider.to_owned(),
            model: model.to_owned(),
        })
    }
}

impl FromStr for ModelRef {
    type Err = LlmError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.source, self.provider, self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_model_refs_split_into_source_provider_and_model() {
        let cases = [
            ("direct.openai.gpt-4o-mini", "openai", "gpt-4o-mini"),
            ("direct.openai.gpt-4.1-mini", "openai", "gpt-4.1-mini"),
            (
                "direct.anthropic.claude-sonnet-4-5",
                "anthropic",
                "claude-sonnet-4-5",
            ),
            ("direct.ollama.llama3.1:8b", "ollama", "llama3.1:8b"),
            (
                "direct.openrouter.meta-llama/llama-3-70b",
                "openrouter",
                "meta-llama/llama-3-70b",
            ),
            ("direct.my_vllm-2.org/model", "my_vllm-2", "org/model"),
        ];
        for (text, provider, model) in cases {
            let parsed = ModelRef::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.source, "direct", "{text}");
            assert_eq!(parsed.provider, provider, "{text}");
            assert_eq!(parsed.model, model, "{text}");
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn invalid_model_refs_are_refused_with_the_reason() {
        let cases = [
            ("", "three dot-separated parts"),
            ("gpt-4o-mini", "three dot-separated parts"),
            ("openai.gpt-4o-mini", "three dot-separated parts"),
            ("direct..gpt-4o", "the provider is empty"),
            (".openai.gpt-4o", "the source is empty"),
            ("direct.openai.", "the model is empty"),
            (
                "direct.OpenAI.gpt-4o",
                "the provider \"OpenAI\" may only contain",
            ),
            ("direct.open ai.gpt-4o", "may only contain"),
            (
                "cached.openai.gpt-4o",
                "unknown source \"cached\" (known: direct)",
            ),
            ("direct.openai.gpt 4o", "whitespace"),
            ("direct.openai.gpt\n4o", "whitespace or control"),
        ];
        for (text, expected) in cases {
            let error = ModelRef::parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(
                error.contains("direct.openai.gpt-4o-mini"),
                "{text:?}: {error}"
            );
        }
    }
}
