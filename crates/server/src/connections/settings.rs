//! `[connections.google]` and `[connections.whatsapp]`: the platform's own OAuth client
//! and Meta app behind the provider connections (docs/connections.md "Google",
//! "WhatsApp"). Every provider URL is a setting, so tests and air-gapped deployments can
//! point them at a local server.

use serde::Deserialize;

/// Google's OAuth 2.0 authorization endpoint.
pub const GOOGLE_AUTHORIZATION_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's OpenID Connect userinfo endpoint (the account's e-mail).
pub const GOOGLE_USERINFO_URL: &str = "https://openidconnect.googleapis.com/v1/userinfo";
/// Google's token revocation endpoint (stored on the connection).
pub const GOOGLE_REVOCATION_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Meta's Graph API.
pub const GRAPH_URL: &str = "https://graph.facebook.com";
/// The Graph API version the connections use (the WhatsApp adapter's default).
pub const GRAPH_API_VERSION: &str = "v20.0";

/// `[connections]`
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionsSettings {
    pub google: GoogleSettings,
    pub whatsapp: WhatsAppSettings,
}

/// `[connections.google]`: Google connect is enabled when both `client_id` and
/// `client_secret` are set.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleSettings {
    /// The OAuth client's id (`AR_GOOGLE_CLIENT_ID`).
    pub client_id: Option<String>,
    /// The OAuth client's secret (`AR_GOOGLE_CLIENT_SECRET`); never printed.
    pub client_secret: Option<String>,
    /// Where Google sends the browser back, unless the request names one
    /// (`AR_GOOGLE_REDIRECT_URI`); unset: this server's OAuth callback.
    pub redirect_uri: Option<String>,
    /// `AR_GOOGLE_AUTHORIZATION_URL`
    pub authorization_url: String,
    /// `AR_GOOGLE_TOKEN_URL`
    pub token_url: String,
    /// `AR_GOOGLE_USERINFO_URL`
    pub userinfo_url: String,
    /// `AR_GOOGLE_REVOCATION_URL`
    pub revocation_url: String,
}

impl Default for GoogleSettings {
    fn default() -> Self {
        GoogleSettings {
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            authorization_url: GOOGLE_AUTHORIZATION_URL.into(),
            token_url: GOOGLE_TOKEN_URL.into(),
            userinfo_url: GOOGLE_USERINFO_URL.into(),
            revocation_url: GOOGLE_REVOCATION_URL.into(),
        }
    }
}

impl std::fmt::Debug for GoogleSettings {
    /// Never prints the client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleSettings")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("authorization_url", &self.authorization_url)
            .field("token_url", &self.token_url)
            .field("userinfo_url", &self.userinfo_url)
            .finish()
    }
}

impl GoogleSettings {
    /// The client id and secret, when Google connect is configured.
    pub fn client(&self) -> Option<(&str, &str)> {
        match (self.client_id.as_deref(), self.client_secret.as_deref()) {
            (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                Some((id.trim(), secret.trim()))
            }
            _ => None,
        }
    }
}

/// `[connections.whatsapp]`: embedded signup is enabled when both `app_id` and
/// `app_secret` are set; manual credentials need no settings.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsAppSettings {
    /// The Meta app's id (`AR_WHATSAPP_APP_ID`).
    pub app_id: Option<String>,
    /// The Meta app's secret (`AR_WHATSAPP_APP_SECRET`); never printed.
    pub app_secret: Option<String>,
    /// The embedded signup configuration id the console opens (`AR_WHATSAPP_CONFIG_ID`).
    pub config_id: Option<String>,
    /// The Graph API base URL (`AR_WHATSAPP_GRAPH_URL`).
    pub graph_url: String,
    /// The Graph API version (`AR_WHATSAPP_API_VERSION`).
    pub api_version: String,
}

impl Default for WhatsAppSettings {
    fn default() -> Self {
        WhatsAppSettings {
            app_id: None,
            app_secret: None,
            config_id: None,
            graph_url: GRAPH_URL.into(),
            api_version: GRAPH_API_VERSION.into(),
        }
    }
}

impl std::fmt::Debug for WhatsAppSettings {
    /// Never prints the app secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppSettings")
            .field("app_id", &self.app_id)
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("config_id", &self.config_id)
            .field("graph_url", &self.graph_url)
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl WhatsAppSettings {
    /// The app id and secret, when embedded signup is configured.
    pub fn app(&self) -> Option<(&str, &str)> {
        match (self.app_id.as_deref(), self.app_secret.as_deref()) {
            (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                Some((id.trim(), secret.trim()))
            }
            _ => None,
        }
    }
}

impl ConnectionsSettings {
    /// `AR_GOOGLE_*` and `AR_WHATSAPP_*` overrides, then the URL checks (start-up errors).
    pub fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), String> {
        let text = |name: &str| get(name).map(|v| v.trim().to_string());
        let g = &mut self.google;
        for (name, slot) in [
            ("AR_GOOGLE_CLIENT_ID", &mut g.client_id),
            ("AR_GOOGLE_CLIENT_SECRET", &mut g.client_secret),
            ("AR_GOOGLE_REDIRECT_URI", &mut g.redirect_uri),
        ] {
            if let Some(v) = text(name) {
                *slot = (!v.is_empty()).then_some(v);
            }
        }
        for (name, slot) in [
            ("AR_GOOGLE_AUTHORIZATION_URL", &mut g.authorization_url),
            ("AR_GOOGLE_TOKEN_URL", &mut g.token_url),
            ("AR_GOOGLE_USERINFO_URL", &mut g.userinfo_url),
            ("AR_GOOGLE_REVOCATION_URL", &mut g.revocation_url),
        ] {
            if let Some(v) = text(name) {
                *slot = v;
            }
        }
        let w = &mut self.whatsapp;
        for (name, slot) in [
            ("AR_WHATSAPP_APP_ID", &mut w.app_id),
            ("AR_WHATSAPP_APP_SECRET", &mut w.app_secret),
            ("AR_WHATSAPP_CONFIG_ID", &mut w.config_id),
        ] {
            if let Some(v) = text(name) {
                *slot = (!v.is_empty()).then_some(v);
            }
        }
        if let Some(v) = text("AR_WHATSAPP_GRAPH_URL") {
            w.graph_url = v;
        }
        if let Some(v) = text("AR_WHATSAPP_API_VERSION") {
            w.api_version = v;
        }
        self.check()
    }

    fn check(&self) -> Result<(), String> {
        let g = &self.google;
        let w = &self.whatsapp;
        let urls = [
            (
                "connections.google.authorization_url",
                Some(&g.authorization_url),
            ),
            ("connections.google.token_url", Some(&g.token_url)),
            ("connections.google.userinfo_url", Some(&g.userinfo_url)),
            ("connections.google.revocation_url", Some(&g.revocation_url)),
            ("connections.google.redirect_uri", g.redirect_uri.as_ref()),
            ("connections.whatsapp.graph_url", Some(&w.graph_url)),
        ];
        for (name, url) in urls {
            let Some(url) = url else { continue };
            let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(format!("{name} must be an http(s) URL, not {url:?}"));
            }
        }
        let version_ok = w.api_version.len() <= 16
            && w.api_version.starts_with('v')
            && w.api_version[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && w.api_version.len() > 1;
        if !version_ok {
            return Err(format!(
                "connections.whatsapp.api_version must look like v20.0, not {:?}",
                w.api_version
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_overrides_and_checks() {
        let mut s = ConnectionsSettings::default();
        assert!(s.google.client().is_none());
        assert!(s.whatsapp.app().is_none());
        let env: HashMap<&str, &str> = [
            ("AR_GOOGLE_CLIENT_ID", "cid"),
            ("AR_GOOGLE_CLIENT_SECRET", "google-secret-1"),
            ("AR_GOOGLE_TOKEN_URL", "http://127.0.0.1:9/token"),
            ("AR_WHATSAPP_APP_ID", "app"),
            ("AR_WHATSAPP_APP_SECRET", "meta-secret-1"),
            ("AR_WHATSAPP_API_VERSION", "v21.0"),
        ]
        .into();
        s.apply_env(&|n| env.get(n).map(|v| v.to_string()))
            .expect("valid");
        assert_eq!(s.google.client(), Some(("cid", "google-secret-1")));
        assert_eq!(s.google.token_url, "http://127.0.0.1:9/token");
        assert_eq!(s.google.userinfo_url, GOOGLE_USERINFO_URL);
        assert_eq!(s.whatsapp.app(), Some(("app", "meta-secret-1")));
        let printed = format!("{s:?}");
        assert!(!printed.contains("google-secret-1"), "{printed}");
        assert!(!printed.contains("meta-secret-1"), "{printed}");

        let bad = |name: &'static str, value: &'static str| {
            let mut s = ConnectionsSettings::default();
            s.apply_env(&|n| (n == name).then(|| value.to_string()))
                .expect_err(name)
        };
        assert!(bad("AR_GOOGLE_USERINFO_URL", "ftp://x").contains("userinfo_url"));
        assert!(bad("AR_WHATSAPP_GRAPH_URL", "not a url").contains("graph_url"));
        assert!(bad("AR_WHATSAPP_API_VERSION", "20").contains("api_version"));
        let toml: ConnectionsSettings =
            toml::from_str("[google]\nclient_id = \"a\"\nclient_secret = \"b\"\n").expect("toml");
        assert_eq!(toml.google.client(), Some(("a", "b")));
        assert!(toml::from_str::<ConnectionsSettings>("[google]\nclient = \"a\"\n").is_err());
    }
}
