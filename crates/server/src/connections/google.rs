//! Google connections (docs/connections.md "Google"): a provider preset over the generic
//! OAuth 2.0 flow ([`super::oauth`]) with the platform's own Google client
//! (`[connections.google]`), and a catalog of Workspace services and the scopes each
//! needs. One connection holds one Google account; its enabled services are a subset of
//! what the account granted.
//!
//! What the preset knows of the account lives in the connection's `oauth` settings under
//! [`super::oauth::ACCOUNT_KEY`]: `{email, services, granted_scopes}` (none is secret).

use ar_connect::SecretString;
use ar_store::integrations::ConnectionRecord;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::oauth::{ACCOUNT_KEY, Exchanged, NewAuthorization, OAuthSettings};
use super::provider_http::get_json;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The `provider` of Google connections, and the preset name of their authorizations.
pub const PRESET: &str = "google";
/// Scopes every Google authorization asks for: who the account is.
pub const IDENTITY_SCOPES: [&str; 2] = ["openid", "email"];
/// Google's parameters: a refresh token (`offline`), asked again on every consent (so a
/// reconnect gets a new refresh token), and earlier grants of the client kept.
pub const AUTHORIZE_PARAMS: [(&str, &str); 3] = [
    ("access_type", "offline"),
    ("prompt", "consent"),
    ("include_granted_scopes", "true"),
];

/// A Workspace service and the scopes its MCP adapter needs.
pub struct Service {
    pub name: &'static str,
    pub title: &'static str,
    pub scopes: &'static [&'static str],
}

/// The service catalog (the adapters of the hosted docs' Google Workspace page).
pub const SERVICES: &[Service] = &[
    Service {
        name: "gmail",
        title: "Gmail",
        scopes: &["https://www.googleapis.com/auth/gmail.modify"],
    },
    Service {
        name: "google-calendar",
        title: "Google Calendar",
        scopes: &["https://www.googleapis.com/auth/calendar"],
    },
    Service {
        name: "google-drive",
        title: "Google Drive",
        scopes: &["https://www.googleapis.com/auth/drive"],
    },
    Service {
        name: "google-docs",
        title: "Google Docs",
        scopes: &["https://www.googleapis.com/auth/documents"],
    },
    Service {
        name: "google-sheets",
        title: "Google Sheets",
        scopes: &["https://www.googleapis.com/auth/spreadsheets"],
    },
    Service {
        name: "google-slides",
        title: "Google Slides",
        scopes: &["https://www.googleapis.com/auth/presentations"],
    },
    Service {
        name: "google-tasks",
        title: "Google Tasks",
        scopes: &["https://www.googleapis.com/auth/tasks"],
    },
    Service {
        name: "google-forms",
        title: "Google Forms",
        scopes: &[
            "https://www.googleapis.com/auth/forms.body",
            "https://www.googleapis.com/auth/forms.responses.readonly",
        ],
    },
    Service {
        name: "google-search-console",
        title: "Google Search Console",
        scopes: &["https://www.googleapis.com/auth/webmasters.readonly"],
    },
];

/// The catalog entry of `name` (`google-form`, the hosted adapter's name, is
/// `google-forms`).
pub fn service(name: &str) -> Option<&'static Service> {
    let name = if name == "google-form" {
        "google-forms"
    } else {
        name
    };
    SERVICES.iter().find(|s| s.name == name)
}

/// The catalog as the API shows it.
pub fn catalog() -> Vec<Value> {
    SERVICES
        .iter()
        .map(|s| json!({"service": s.name, "title": s.title, "scopes": s.scopes}))
        .collect()
}

/// 400 unless every name is in the catalog; the names, deduplicated, in catalog order.
pub fn check_services(names: &[String]) -> ApiResult<Vec<&'static str>> {
    let mut chosen = Vec::new();
    for name in names {
        let found = service(name.trim()).ok_or_else(|| unknown_service(name))?;
        if !chosen.contains(&found.name) {
            chosen.push(found.name);
        }
    }
    chosen.sort_by_key(|n| SERVICES.iter().position(|s| s.name == *n));
    Ok(chosen)
}

fn unknown_service(name: &str) -> ApiError {
    let known: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
    let shown: String = name.chars().take(64).collect();
    ApiError::bad_request(format!(
        "unknown Google service `{shown}`: use one of {}",
        known.join(", ")
    ))
}

/// 409 when Google connect is not configured; else the client id and secret.
pub fn configured(state: &AppState) -> ApiResult<(String, SecretString)> {
    state
        .settings()
        .connections
        .google
        .client()
        .map(|(id, secret)| (id.to_owned(), SecretString::new(secret.to_owned())))
        .ok_or_else(|| {
            ApiError::conflict(
                "Google connect is not configured on this server: the operator sets [connections.google] client_id and client_secret (or AR_GOOGLE_CLIENT_ID and AR_GOOGLE_CLIENT_SECRET)",
            )
        })
}

/// The authorization of a new Google connection for `services` (already checked).
pub fn authorization(
    state: &AppState,
    services: &[&'static str],
    display_name: String,
    redirect_uri: Option<String>,
    reconnect: Option<String>,
) -> ApiResult<NewAuthorization> {
    let (client_id, client_secret) = configured(state)?;
    let google = &state.settings().connections.google;
    let mut scopes: Vec<String> = IDENTITY_SCOPES.iter().map(|s| s.to_string()).collect();
    for name in services {
        for scope in service(name).map(|s| s.scopes).unwrap_or_default() {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
    }
    Ok(NewAuthorization {
        display_name,
        provider: PRESET.to_owned(),
        service: None,
        settings: OAuthSettings {
            authorization_url: google.authorization_url.clone(),
            token_url: google.token_url.clone(),
            client_id,
            scopes,
            revocation_url: Some(google.revocation_url.clone()),
        },
        client_secret: Some(client_secret),
        redirect_uri: redirect_uri.or_else(|| google.redirect_uri.clone()),
        extra_params: AUTHORIZE_PARAMS.to_vec(),
        preset: Some(PRESET.to_owned()),
        reconnect,
    })
}

/// What a Google connection knows of its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub email: Option<String>,
    /// Enabled services, in catalog order.
    pub services: Vec<String>,
    pub granted_scopes: Vec<String>,
}

impl Account {
    /// Whether every scope of `service` was granted.
    pub fn grants(&self, service: &Service) -> bool {
        service
            .scopes
            .iter()
            .all(|s| self.granted_scopes.iter().any(|g| g == s))
    }
}

/// The account of a just-exchanged Google authorization: the e-mail from userinfo, the
/// granted scopes, and as enabled services those the start asked for whose scopes were
/// all granted (Google lets the user untick some). Reconnecting `current`, the consent
/// must come from the same account (409 otherwise: nothing is changed).
pub async fn account(
    state: &AppState,
    exchanged: &Exchanged,
    current: Option<&ConnectionRecord>,
) -> ApiResult<Value> {
    let email = userinfo_email(state, &exchanged.access_token()).await?;
    let previous = current.and_then(|c| account_of(c).ok());
    if let (Some(was), Some(now)) = (
        previous.as_ref().and_then(|a| a.email.as_deref()),
        email.as_deref(),
    ) && !was.eq_ignore_ascii_case(now)
    {
        return Err(ApiError::conflict(format!(
            "this connection is the Google account {was}, but the consent was given as {now}: reconnect signed in as {was}, or start a new connection for {now}"
        )));
    }
    let requested = exchanged.requested_scopes();
    let mut account = Account {
        email,
        services: Vec::new(),
        granted_scopes: exchanged.granted_scopes(),
    };
    account.services = SERVICES
        .iter()
        .filter(|s| {
            s.scopes
                .iter()
                .all(|scope| requested.iter().any(|r| r == scope))
        })
        .filter(|s| account.grants(s))
        .map(|s| s.name.to_owned())
        .collect();
    serde_json::to_value(&account).map_err(ApiError::internal)
}

/// The account's e-mail (OpenID Connect userinfo; the URL is the operator's setting).
async fn userinfo_email(state: &AppState, token: &SecretString) -> ApiResult<Option<String>> {
    let url = &state.settings().connections.google.userinfo_url;
    let info = get_json(url, &[], Some(token)).await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("reading the Google account's e-mail failed: {e}"),
        )
    })?;
    Ok(info["email"]
        .as_str()
        .map(|e| e.chars().take(320).collect()))
}

/// The account of a Google connection; 404 (as for an unknown id) for any other
/// connection.
pub fn account_of(connection: &ConnectionRecord) -> ApiResult<Account> {
    let stored = connection
        .oauth
        .as_ref()
        .filter(|_| connection.provider == PRESET)
        .and_then(|o| o.get(ACCOUNT_KEY))
        .ok_or_else(|| ApiError::not_found("Google connection"))?;
    serde_json::from_value(stored.clone()).map_err(|e| {
        ApiError::internal(format!(
            "connection {}: Google account unreadable: {e}",
            connection.id
        ))
    })
}

/// The account as the API shows it.
pub fn account_view(connection: &ConnectionRecord, account: &Account) -> Value {
    let services: Vec<Value> = SERVICES
        .iter()
        .map(|s| {
            json!({
                "service": s.name, "title": s.title, "scopes": s.scopes,
                "enabled": account.services.iter().any(|e| e == s.name),
                "granted": account.grants(s),
            })
        })
        .collect();
    json!({
        "connection_id": connection.id, "display_name": connection.display_name,
        "email": account.email, "status": connection.status,
        "services": services, "granted_scopes": account.granted_scopes,
    })
}

/// Applies `{service: enabled}` changes to `account`. Enabling a service whose scopes the
/// account did not grant is a 409 that says to reconnect with it (the hosted console then
/// asks for consent again); unknown names are a 400.
pub fn change_services(account: &mut Account, changes: &[(String, bool)]) -> ApiResult<()> {
    let mut missing = Vec::new();
    for (name, enabled) in changes {
        let found = service(name.trim()).ok_or_else(|| unknown_service(name))?;
        if *enabled && !account.grants(found) {
            missing.push(found.name);
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::conflict(format!(
            "this Google account did not grant the scopes of {}: reconnect with {} (POST /v1/connections/google/oauth-url with \"connection_id\" of this connection and \"services\": [{}])",
            missing.join(", "),
            if missing.len() == 1 {
                "that service"
            } else {
                "those services"
            },
            missing
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for (name, enabled) in changes {
        let Some(found) = service(name.trim()) else {
            continue;
        };
        account.services.retain(|s| s != found.name);
        if *enabled {
            account.services.push(found.name.to_owned());
        }
    }
    account
        .services
        .sort_by_key(|n| SERVICES.iter().position(|s| s.name == n));
    Ok(())
}

/// Writes `account` into the connection's settings (for a compare-and-set save).
pub fn with_account(connection: &ConnectionRecord, account: &Account) -> ApiResult<Value> {
    let mut oauth = connection
        .oauth
        .clone()
        .ok_or_else(|| ApiError::not_found("Google connection"))?;
    oauth[ACCOUNT_KEY] = serde_json::to_value(account).map_err(ApiError::internal)?;
    Ok(oauth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(scopes: &[&str], services: &[&str]) -> Account {
        Account {
            email: Some("a@example.com".into()),
            services: services.iter().map(|s| s.to_string()).collect(),
            granted_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn services_are_checked_against_the_catalog_and_the_grant() {
        assert_eq!(
            check_services(&["google-drive".into(), "gmail".into(), "gmail".into()])
                .expect("known"),
            vec!["gmail", "google-drive"]
        );
        assert_eq!(
            check_services(&["google-form".into()]).expect("alias"),
            vec!["google-forms"]
        );
        let e = check_services(&["gmial".into()]).expect_err("unknown");
        assert!(e.message.contains("gmial") && e.message.contains("google-sheets"));

        let gmail = service("gmail").expect("gmail").scopes[0];
        let mut a = account(&["openid", gmail], &["gmail"]);
        change_services(&mut a, &[("gmail".into(), false)]).expect("disable");
        assert!(a.services.is_empty());
        change_services(&mut a, &[("gmail".into(), true)]).expect("granted");
        assert_eq!(a.services, vec!["gmail"]);
        let e = change_services(&mut a, &[("google-drive".into(), true)]).expect_err("not granted");
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert!(e.message.contains("reconnect") && e.message.contains("google-drive"));
        assert_eq!(a.services, vec!["gmail"], "nothing changed on a refusal");
        let e = change_services(&mut a, &[("nope".into(), false)]).expect_err("unknown");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
