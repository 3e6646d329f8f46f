//! Connections (docs/contract.md §11): a project's credentials for an outside service, sealed at
//! rest with the workspace vault and opened only in memory, for one call.
//!
//! - [`credentials`]: the auth types, what their credentials must hold, sealing.
//! - [`oauth`]: OAuth 2.0 connections (authorization code with PKCE, refresh).
//! - [`google`]: the Google preset over [`oauth`] and its service catalog.
//! - [`whatsapp`]: WhatsApp Business credentials, manual or from Meta's embedded signup.
//! - [`settings`]: `[connections.google]` and `[connections.whatsapp]`.
//! - [`provider_http`]: JSON calls to a provider's API while a connection is made.
//! - [`view`]: what the API shows of a connection.
//! - [`credentials_for_call`]: what the MCP executor calls to get a connection's values.
//!
//! The HTTP surface is `crate::routes::connections`; docs/connections.md is the user guide.

pub mod credentials;
pub mod google;
pub mod oauth;
pub mod provider_http;
pub mod settings;
pub mod view;
pub mod whatsapp;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};

use ar_connect::SecretString;
use ar_store::integrations::ConnectionRecord;
use ar_store::now_ms;
use axum::http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use credentials::AuthType;

/// `status` of a connection that works.
pub const ACTIVE: &str = "active";
/// `status` of a connection whose provider no longer honours its tokens.
pub const NEEDS_REAUTH: &str = "needs_reauth";

/// A connection's credentials, opened in memory for one call. `Debug` shows no value.
#[derive(Debug, Clone)]
pub struct ConnectionCredentials {
    pub auth_type: String,
    pub values: BTreeMap<String, SecretString>,
}

impl ConnectionCredentials {
    /// The bearer/API token to send, if the auth type has one (`api_key`, `token`, or an
    /// OAuth `access_token`).
    pub fn bearer(&self) -> Option<&SecretString> {
        let key = AuthType::parse(&self.auth_type)?.bearer_key()?;
        self.values.get(key)
    }
}

/// A connection's credentials, opened in memory for one call. OAuth access tokens that
/// expire within 60 s are refreshed first (and the refreshed tokens stored).
///
/// Errors name the connection and say what to do; they never carry a value: 404 for an
/// unknown connection (or another workspace's), 409 when it needs re-authorization, 502
/// when the provider could not be reached to refresh.
pub async fn credentials_for_call(
    state: &AppState,
    workspace_id: &str,
    connection_id: &str,
) -> ApiResult<ConnectionCredentials> {
    let mut connection = state
        .integrations()
        .connection(workspace_id, connection_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "connection {connection_id} not found in this workspace; check the connection bound in the MCP instance's profile"
                ),
            )
        })?;
    ensure_active(&connection)?;
    if connection.auth_type == AuthType::OAuth2.as_str()
        && oauth::needs_refresh(&connection, now_ms())
    {
        connection = oauth::refresh(state, connection).await?;
    }
    Ok(ConnectionCredentials {
        values: credentials::open(state, &connection).await?,
        auth_type: connection.auth_type,
    })
}

/// 409 unless the connection is usable as it is.
pub fn ensure_active(connection: &ConnectionRecord) -> ApiResult<()> {
    if connection.status == ACTIVE {
        return Ok(());
    }
    Err(needs_reauth_error(
        connection,
        connection
            .status_reason
            .as_deref()
            .unwrap_or("its provider refused its tokens"),
    ))
}

/// "connection X needs re-authorization: <why>; reconnect it under Connections".
pub fn needs_reauth_error(connection: &ConnectionRecord, why: &str) -> ApiError {
    ApiError::conflict(format!(
        "connection {} ({}) needs re-authorization: {why}; reconnect it under Connections",
        connection.display_name, connection.id
    ))
}

/// One lock per connection id, so this node refreshes a connection's tokens once however
/// many calls need them at the same moment (other nodes are kept honest by the store's
/// compare-and-set). Entries go away with their last holder.
#[derive(Default)]
pub struct RefreshLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl RefreshLocks {
    /// Waits for and holds the lock of `connection_id`.
    pub async fn lock(&self, connection_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            if locks.len() > 1024 {
                locks.retain(|_, weak| weak.strong_count() > 0);
            }
            match locks.get(connection_id).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(connection_id.to_owned(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}
