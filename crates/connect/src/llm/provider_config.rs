//! Which providers exist, which wire protocol each speaks, and where it lives.

use url::Url;

use super::error::LlmError;

/// The wire protocol a provider speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiFlavor {
    /// OpenAI Chat Completions (`POST {base}/chat/completions`, bearer token): OpenAI,
    /// Ollama, vLLM, LM Studio, OpenRouter and many more.
    OpenAiCompatible,
    /// Anthropic Messages (`POST {base}/v1/messages`, `x-api-key`).
    Anthropic,
}

/// A provider as the operator configured it (or a built-in default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The name used in `model_ref` and in key lookups, e.g. `openai`.
    pub name: String,
    /// The protocol.
    pub flavor: ApiFlavor,
    /// API root: for OpenAI-compatible providers the URL that `/chat/completions` is
    /// appended to (e.g. `https://api.openai.com/v1`); for Anthropic the host root
    /// that `/v1/messages` is appended to.
    pub base_url: Url,
    /// Whether a call without an API key is refused before it is sent (local
    /// servers such as Ollama need none).
    pub requires_api_key: bool,
}

/// Built-in providers: (name, flavor, default base URL, requires a key).
const BUILT_IN: &[(&str, ApiFlavor, &str, bool)] = &[
    (
        "openai",
        ApiFlavor::OpenAiCompatible,
        "https://api.openai.com/v1",
        true,
    ),
    (
        "anthropic",
        ApiFlavor::Anthropic,
        "https://api.anthropic.com",
        true,
    ),
    (
        "openrouter",
        ApiFlavor::OpenAiCompatible,
        "https://openrouter.ai/api/v1",
        true,
    ),
    (
        "ollama",
        ApiFlavor::OpenAiCompatible,
        "http://127.0.0.1:11434/v1",
        false,
    ),
    (
        "vllm",
        ApiFlavor::OpenAiCompatible,
        "http://127.0.0.1:8000/v1",
        false,
    ),
    (
        "lmstudio",
        ApiFlavor::OpenAiCompatible,
        "http://127.0.0.1:1234/v1",
        false,
    ),
];

impl ProviderConfig {
    /// A provider with an explicit base URL (operator settings, tests).
    pub fn new(
        name: impl Into<String>,
        flavor: ApiFlavor,
        base_url: &str,
        requires_api_key: bool,
    ) -> Result<Self, LlmError> {
        let name = name.into();
        let base_url = Url::parse(base_url).map_err(|error| {
            LlmError::InvalidRequest(format!("base URL {base_url:?} of provider {name}: {error}"))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(LlmError::InvalidRequest(format!(
                "base URL of provider {name} must be http or https, not {}",
                base_url.scheme()
            )));
        }
        Ok(Self {
            name,
            flavor,
            base_url,
            requires_api_key,
        })
    }

    /// The built-in provider called `name` with its default base URL.
    pub fn built_in(name: &str) -> Result<Self, LlmError> {
        let (name, flavor, base_url, requires_api_key) = BUILT_IN
            .iter()
            .find(|(known, ..)| *known == name)
            .copied()
            .ok_or_else(|| LlmError::UnknownProvider {
                provider: name.to_owned(),
                known: built_in_names().join(", "),
            })?;
        Self::new(name, flavor, base_url, requires_api_key)
    }

    /// The same provider at another base URL (an operator override, a proxy, a test).
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, LlmError> {
        self.base_url = Self::new(self.name.clone(), self.flavor, base_url, true)?.base_url;
        Ok(self)
    }

    /// `base_url` joined with `path` (which starts with `/`), keeping the base's path.
    pub(crate) fn endpoint(&self, path: &str) -> Result<Url, LlmError> {
        let joined = format!("{}{path}", self.base_url.as_str().trim_end_matches('/'));
        Url::parse(&joined).map_err(|error| {
            LlmError::InvalidRequest(format!(
                "endpoint {joined:?} of provider {}: {error}",
                self.name
            ))
        })
    }
}

/// Names of the built-in providers.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(name, ..)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_providers_have_their_flavor_and_endpoint() {
        let cases = [
            (
                "openai",
                ApiFlavor::OpenAiCompatible,
                "/chat/completions",
                "https://api.openai.com/v1/chat/completions",
            ),
            (
                "anthropic",
                ApiFlavor::Anthropic,
                "/v1/messages",
                "https://api.anthropic.com/v1/messages",
            ),
            (
                "openrouter",
                ApiFlavor::OpenAiCompatible,
                "/chat/completions",
                "https://openrouter.ai/api/v1/chat/completions",
            ),
            (
                "ollama",
                ApiFlavor::OpenAiCompatible,
                "/chat/completions",
                "http://127.0.0.1:11434/v1/chat/completions",
            ),
        ];
        for (name, flavor, path, url) in cases {
            let config = ProviderConfig::built_in(name).expect(name);
            assert_eq!(config.flavor, flavor, "{name}");
            assert_eq!(
                config.endpoint(path).expect("joins").as_str(),
                url,
                "{name}"
            );
        }
        assert!(
            ProviderConfig::built_in("openai")
                .expect("openai")
                .requires_api_key
        );
        assert!(
            !ProviderConfig::built_in("ollama")
                .expect("ollama")
                .requires_api_key
        );
    }

    #[test]
    fn base_url_override_keeps_its_path_with_or_without_trailing_slash() {
        for base in [
            "http://127.0.0.1:9000/proxy/v1",
            "http://127.0.0.1:9000/proxy/v1/",
        ] {
            let config = ProviderConfig::built_in("openai")
                .and_then(|config| config.with_base_url(base))
                .expect("valid");
            assert_eq!(
                config
                    .endpoint("/chat/completions")
                    .expect("joins")
                    .as_str(),
                "http://127.0.0.1:9000/proxy/v1/chat/completions"
            );
        }
    }

    #[test]
    fn unknown_provider_and_bad_base_urls_are_refused() {
        let error = ProviderConfig::built_in("gpt")
            .expect_err("unknown")
            .to_string();
        assert!(
            error.contains("\"gpt\"") && error.contains("openai, anthropic"),
            "{error}"
        );
        let cases = [
            ("not a url", "base URL"),
            ("ftp://example.com", "http or https"),
        ];
        for (base, expected) in cases {
            let error = ProviderConfig::new("x", ApiFlavor::OpenAiCompatible, base, true)
                .expect_err(base)
                .to_string();
            assert!(error.contains(expected), "{base}: {error}");
        }
    }
}
