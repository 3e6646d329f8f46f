//! The MCP endpoint URL from what the user gave: the server's base URL or the
//! endpoint itself (docs/contract.md §12: MCP is served at `/mcp` of the API port).

use reqwest::Url;

/// The path the server serves MCP at.
const MCP_PATH: &str = "mcp";

/// `https://host[/prefix]` becomes `https://host[/prefix]/mcp`; a URL whose path already
/// ends in `/mcp` is kept as is. Only http and https URLs without credentials are taken.
pub fn mcp_endpoint(given: &str) -> Result<String, String> {
    let mut url = Url::parse(given.trim()).map_err(|e| {
        format!("--url / AGENTRUNTIME_URL is not a URL ({e}); give e.g. https://ar.example.com")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "--url / AGENTRUNTIME_URL must be an http or https URL, not `{}:`",
            url.scheme()
        ));
    }
    // A user:password in the URL would travel beside the token; refuse instead of
    // guessing which one the user meant.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "--url / AGENTRUNTIME_URL must not hold credentials; give the token with \
             --token / AGENTRUNTIME_TOKEN"
                .into(),
        );
    }
    url.set_query(None);
    url.set_fragment(None);
    let trimmed = url.path().trim_end_matches('/').to_owned();
    if trimmed.rsplit('/').next() != Some(MCP_PATH) {
        url.set_path(&format!("{trimmed}/{MCP_PATH}"));
    } else {
        url.set_path(&trimmed);
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::mcp_endpoint;

    #[test]
    fn a_base_url_gets_the_mcp_path() {
        for (given, want) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/mcp"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/mcp"),
            (
                "https://ar.example.com/prefix/",
                "https://ar.example.com/prefix/mcp",
            ),
            ("https://ar.example.com/mcp", "https://ar.example.com/mcp"),
            ("https://ar.example.com/mcp/", "https://ar.example.com/mcp"),
            (
                "https://ar.example.com/?x=1#f",
                "https://ar.example.com/mcp",
            ),
        ] {
            assert_eq!(mcp_endpoint(given).as_deref(), Ok(want), "{given}");
        }
    }

    #[test]
    fn unusable_urls_are_refused_with_a_reason() {
        for given in [
            "",
            "ar.example.com",
            "ftp://ar.example.com",
            "https://user:secret@ar.example.com",
        ] {
            let error = mcp_endpoint(given).expect_err(given);
            assert!(error.contains("AGENTRUNTIME_URL"), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }
}
