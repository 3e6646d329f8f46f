//! Where an MCP server lives: a Streamable HTTP URL or a local command run over stdio.
//!
//! A target carries the resolved credentials of the active profile (headers for HTTP,
//! environment for stdio). Its `Debug` output names header and variable names only,
//! never their values, so a target can be logged safely.

use std::collections::BTreeMap;
use std::fmt;

/// An MCP server to talk to, with the credentials to present.
///
/// Two targets that differ only in a credential value are different connections, so
/// a rotated token takes effect on the next call.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum McpTarget {
    /// A Streamable HTTP endpoint (both protocol eras).
    Http {
        /// The endpoint URL, e.g. `https://tools.example.com/mcp`.
        url: String,
        /// Headers sent with every request (e.g. `Authorization`).
        headers: BTreeMap<String, String>,
    },
    /// A child process speaking MCP on stdin/stdout (operator-configured only).
    Stdio {
        /// The program to run.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Extra environment (credentials); see [`crate::stdio`] for what is inherited.
        env: BTreeMap<String, String>,
    },
}

impl McpTarget {
    /// An HTTP target without headers.
    pub fn http(url: impl Into<String>) -> Self {
        Self::Http {
            url: url.into(),
            headers: BTreeMap::new(),
        }
    }

    /// A stdio target without extra environment.
    pub fn stdio(
        command: impl Into<String>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self::Stdio {
            command: command.into(),
            args: args.into_iter().map(Into::into).collect(),
            env: BTreeMap::new(),
        }
    }

    /// Adds a header (HTTP) or an environment variable (stdio): the way a profile's
    /// credential is applied to either kind of server.
    pub fn with_credential(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        match &mut self {
            Self::Http { headers, .. } => {
                headers.insert(name.into(), value.into());
            }
            Self::Stdio { env, .. } => {
                env.insert(name.into(), value.into());
            }
        }
        self
    }
}

impl McpTarget {
    /// Where the target lives, with nothing that may be secret: for HTTP the URL's
    /// scheme, host, port and path (no user info, query or fragment); for stdio the
    /// command (not its arguments). For health reports and logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Http { url, .. } => match url::Url::parse(url) {
                Ok(parsed) => format!(
                    "{}://{}{}",
                    parsed.scheme(),
                    parsed
                        .host_str()
                        .map(|host| match parsed.port() {
                            Some(port) => format!("{host}:{port}"),
                            None => host.to_owned(),
                        })
                        .unwrap_or_default(),
                    parsed.path()
                ),
                Err(_) => "(an invalid URL)".to_owned(),
            },
            Self::Stdio { command, .. } => format!("stdio:{command}"),
        }
    }
}

impl fmt::Debug for McpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http { url, headers } => f
                .debug_struct("Http")
                .field("url", url)
                .field("headers", &headers.keys().collect::<Vec<_>>())
                .finish(),
            Self::Stdio { command, args, env } => f
                .debug_struct("Stdio")
                .field("command", command)
                .field("args", args)
                .field("env", &env.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_targets_keep_where_but_not_secrets() {
        let http = McpTarget::http("https://user:pw@tools.example.com:8443/mcp?key=s3cret#f")
            .with_credential("Authorization", "Bearer s3cret");
        assert_eq!(http.redacted(), "https://tools.example.com:8443/mcp");
        let stdio = McpTarget::stdio("node", ["server.js", "--token=s3cret"])
            .with_credential("API_TOKEN", "s3cret");
        assert_eq!(stdio.redacted(), "stdio:node");
        assert_eq!(McpTarget::http("not a url").redacted(), "(an invalid URL)");
    }

    #[test]
    fn debug_output_hides_credential_values() {
        let http = McpTarget::http("https://x.example/mcp")
            .with_credential("Authorization", "Bearer s3cret");
        let stdio = McpTarget::stdio("server", ["--flag"]).with_credential("API_TOKEN", "s3cret");
        for target in [http, stdio] {
            let shown = format!("{target:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(
                shown.contains("Authorization") || shown.contains("API_TOKEN"),
                "{shown}"
            );
        }
    }
}
