//! What the API shows of a connection (docs/contract.md §11): never a credential value.

use ar_store::integrations::ConnectionRecord;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::connections::oauth;
use crate::views::Time;

/// A connection as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Connection {
    pub id: String,
    pub project_id: String,
    pub display_name: String,
    /// The same as `display_name`.
    pub name: String,
    pub provider: String,
    #[schema(required = true)]
    pub service: Option<String>,
    /// `api_key`, `token`, `basic`, `dsn`, `custom` or `oauth2`.
    pub auth_type: String,
    /// The names of the credential values (never the values).
    pub credential_keys: Vec<String>,
    /// `active` or `needs_reauth`.
    pub status: String,
    #[schema(required = true)]
    pub status_reason: Option<String>,
    /// When the OAuth access token expires.
    #[schema(required = true)]
    pub expires_at: Option<Time>,
    /// OAuth 2.0 connections only.
    #[schema(required = true)]
    pub oauth: Option<ConnectionOAuth>,
    pub created_by: String,
    pub created_at: Time,
    pub updated_at: Time,
}

/// An OAuth 2.0 connection's client settings (the client secret only as `has_client_secret`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConnectionOAuth {
    #[schema(value_type = String)]
    pub authorization_url: Value,
    #[schema(value_type = String)]
    pub token_url: Value,
    #[schema(value_type = String)]
    pub client_id: Value,
    #[schema(value_type = Vec<String>)]
    pub scopes: Value,
    #[schema(value_type = Option<String>, required = true)]
    pub revocation_url: Value,
    pub has_client_secret: bool,
    /// A provider preset's account (Google: e-mail, enabled services); `null` otherwise.
    #[schema(required = true)]
    pub account: Option<Value>,
}

impl From<&ConnectionRecord> for Connection {
    fn from(c: &ConnectionRecord) -> Self {
        let oauth = c.oauth.as_ref().map(|o| ConnectionOAuth {
            authorization_url: o["authorization_url"].clone(),
            token_url: o["token_url"].clone(),
            client_id: o["client_id"].clone(),
            scopes: o["scopes"].clone(),
            revocation_url: o["revocation_url"].clone(),
            has_client_secret: c.oauth_client_secret_sealed.is_some(),
            account: o.get(oauth::ACCOUNT_KEY).cloned(),
        });
        Connection {
            id: c.id.clone(),
            project_id: c.project_id.clone(),
            display_name: c.display_name.clone(),
            name: c.display_name.clone(),
            provider: c.provider.clone(),
            service: c.service.clone(),
            auth_type: c.auth_type.clone(),
            credential_keys: c.credential_keys.clone(),
            status: c.status.clone(),
            status_reason: c.status_reason.clone(),
            expires_at: Time::opt(c.expires_at),
            oauth,
            created_by: c.created_by.clone(),
            created_at: Time(c.created_at),
            updated_at: Time(c.updated_at),
        }
    }
}

/// `GET /v1/connections/{id}/credentials`: what the credentials are, never what they hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialsMetadata {
    pub connection_id: String,
    pub auth_type: String,
    pub credential_keys: Vec<String>,
    pub has_refresh_token: bool,
    /// An OAuth connection's scopes; `null` otherwise.
    #[schema(value_type = Option<Vec<String>>, required = true)]
    pub scopes: Option<Value>,
    pub status: String,
    #[schema(required = true)]
    pub status_reason: Option<String>,
    #[schema(required = true)]
    pub expires_at: Option<Time>,
    #[schema(required = true)]
    pub last_refreshed_at: Option<Time>,
    pub updated_at: Time,
}

impl From<&ConnectionRecord> for CredentialsMetadata {
    fn from(c: &ConnectionRecord) -> Self {
        CredentialsMetadata {
            connection_id: c.id.clone(),
            auth_type: c.auth_type.clone(),
            credential_keys: c.credential_keys.clone(),
            has_refresh_token: c.credential_keys.iter().any(|k| k == "refresh_token"),
            scopes: c.oauth.as_ref().map(|o| o["scopes"].clone()),
            status: c.status.clone(),
            status_reason: c.status_reason.clone(),
            expires_at: Time::opt(c.expires_at),
            last_refreshed_at: Time::opt(c.refreshed_at),
            updated_at: Time(c.updated_at),
        }
    }
}

/// `GET /v1/connections`'s answer, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<Connection>,
}

/// `POST /v1/connections/oauth/start`'s answer: send the user to `authorize_url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthStarted {
    pub authorize_url: String,
    /// The single-use authorization state the provider sends back.
    pub state: String,
    pub redirect_uri: String,
    pub expires_at: Time,
}
