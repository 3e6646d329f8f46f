//! Config profile values: what a profile's `env` and `headers` maps hold.
//!
//! Each value is one of (JSON):
//! - `"text"` — literal text, stored and shown as is: for settings that are not secret
//!   (`"X-Region": "eu"`). Literal `Authorization`, `Proxy-Authorization` and `Cookie`
//!   headers are refused: a credential goes into the vault and is bound;
//! - `{"secret": "<vault secret name>", "prefix"?: "Bearer "}` — the workspace vault
//!   secret of that name, opened at call time; `prefix` is put in front (so
//!   `Authorization: Bearer <secret>` needs no second secret);
//! - `{"connection": "<connection id>", "key": "<credential key>", "prefix"?: …}` — one
//!   credential of a connection.
//!
//! The store keeps this JSON (names and references only); the API shows it unchanged,
//! since it holds no secret. [`open_values`] turns it into the real values in memory,
//! right before a call.

use std::collections::BTreeMap;

use ar_connect::SecretString;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::vault::SealedField;

/// Headers whose literal values would be credentials in clear.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// One parsed profile value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileValue {
    Text(String),
    Secret {
        name: String,
        prefix: String,
    },
    Connection {
        id: String,
        key: String,
        prefix: String,
    },
}

/// Which map a value sits in (the name rules differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Env,
    Headers,
}

impl ValueKind {
    fn field(self) -> &'static str {
        match self {
            ValueKind::Env => "env",
            ValueKind::Headers => "headers",
        }
    }
}

/// An environment variable name: a letter or `_`, then letters, digits and `_`.
pub(crate) fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// RFC 9110 token characters.
fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses and checks a profile's `env` or `headers` map (400 naming the entry at fault).
pub fn parse_values(kind: ValueKind, value: &Value) -> ApiResult<BTreeMap<String, ProfileValue>> {
    let field = kind.field();
    let Value::Object(entries) = value else {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be an object of NAME: value"
        )));
    };
    let mut out = BTreeMap::new();
    for (name, v) in entries {
        let name_ok = match kind {
            ValueKind::Env => valid_env_name(name),
            ValueKind::Headers => valid_header_name(name),
        };
        if !name_ok {
            let rule = match kind {
                ValueKind::Env => "letters, digits and `_`, not starting with a digit",
                ValueKind::Headers => "an HTTP header name (letters, digits, `-`, …)",
            };
            return Err(ApiError::bad_request(format!(
                "`{field}.{name}`: invalid name; use {rule}"
            )));
        }
        let parsed = parse_value(field, name, v)?;
        if kind == ValueKind::Headers
            && matches!(parsed, ProfileValue::Text(_))
            && CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
        {
            return Err(ApiError::bad_request(format!(
                "`{field}.{name}` holds a credential: store it in the vault and bind it, e.g. {{\"secret\": \"MY_TOKEN\", \"prefix\": \"Bearer \"}}"
            )));
        }
        out.insert(name.clone(), parsed);
    }
    Ok(out)
}

fn parse_value(field: &str, name: &str, v: &Value) -> ApiResult<ProfileValue> {
    let shape = || {
        ApiError::bad_request(format!(
            "`{field}.{name}`: a value is text, {{\"secret\": \"<vault secret name>\", \"prefix\"?: \"…\"}} or {{\"connection\": \"<id>\", \"key\": \"<credential key>\", \"prefix\"?: \"…\"}}"
        ))
    };
    let text = |o: &Map<String, Value>, k: &str| -> ApiResult<Option<String>> {
        match o.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() || k == "prefix" => Ok(Some(s.clone())),
            Some(_) => Err(shape()),
        }
    };
    match v {
        Value::String(s) => Ok(ProfileValue::Text(s.clone())),
        Value::Object(o) => {
            let prefix = text(o, "prefix")?.unwrap_or_default();
            if let Some(secret) = text(o, "secret")? {
                if o.keys().any(|k| k != "secret" && k != "prefix") {
                    return Err(shape());
                }
                return Ok(ProfileValue::Secret {
                    name: secret,
                    prefix,
                });
            }
            match (text(o, "connection")?, text(o, "key")?) {
                (Some(id), Some(key))
                    if o.keys()
                        .all(|k| matches!(k.as_str(), "connection" | "key" | "prefix")) =>
                {
                    Ok(ProfileValue::Connection { id, key, prefix })
                }
                _ => Err(shape()),
            }
        }
        _ => Err(shape()),
    }
}

/// Who is writing a profile, as far as its bindings are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingRights {
    /// The writer may read the workspace vault (`VaultRead`: a tenant admin, with the
    /// `admin` scope on a token). Others bind only the secrets granted to the project.
    pub reads_vault: bool,
}

/// The answer to binding a vault secret the writer may not use: the same whether or not
/// the workspace has a secret of that name, so it tells no names apart.
fn secret_not_usable(name: &str) -> ApiError {
    ApiError::forbidden(format!(
        "binding the vault secret {name:?} needs a workspace admin, or a grant of that secret to this project by one (PUT /v1/vault/secrets/{{name}}/grants/{{project_id}})"
    ))
}

/// Checks that every binding of `values` points at something the instance's project may
/// use and the writer may bind:
/// - a vault secret: the writer reads the vault (then the secret must exist: 422), or
///   the secret is granted to the project (403 otherwise, the same answer for a name
///   that does not exist);
/// - a connection credential: the connection is the project's, has the key, and the key
///   is one a call sends ([`bindable_connection_key`]) (422 naming what is wrong).
pub async fn check_bindings(
    state: &AppState,
    rights: BindingRights,
    workspace_id: &str,
    project_id: &str,
    values: &BTreeMap<String, ProfileValue>,
) -> ApiResult<()> {
    for value in values.values() {
        match value {
            ProfileValue::Text(_) => {}
            ProfileValue::Secret { name, .. } if !rights.reads_vault => {
                let granted = state
                    .integrations()
                    .project_secret_grants(workspace_id, project_id)
                    .await?
                    .iter()
                    .any(|g| g.secret_name == *name);
                if !granted {
                    return Err(secret_not_usable(name));
                }
            }
            ProfileValue::Secret { name, .. } => {
                if state
                    .integrations()
                    .secret(workspace_id, name)
                    .await?
                    .is_none()
                {
                    return Err(ApiError::unprocessable(format!(
                        "the vault has no secret named {name:?}; add it under the workspace vault first"
                    )));
                }
            }
            ProfileValue::Connection { id, key, .. } => {
                let connection = project_connection(state, workspace_id, project_id, id).await?;
                if !connection.credential_keys.iter().any(|k| k == key) {
                    return Err(ApiError::unprocessable(format!(
                        "connection {id:?} has no credential {key:?}; it has: {}",
                        connection.credential_keys.join(", ")
                    )));
                }
                bindable_connection_key(&connection.auth_type, key)
                    .map_err(|why| ApiError::unprocessable(format!("connection {id:?}: {why}")))?;
            }
        }
    }
    Ok(())
}

/// Credential keys a binding never exposes: they mint or prove tokens, they are not the
/// token a call sends.
const NEVER_BOUND_KEYS: [&str; 2] = ["refresh_token", "client_secret"];

/// Whether a binding may send the connection's credential `key`: an OAuth connection only
/// its `access_token`; any connection never a refresh token or client secret. `Err` says
/// why not (names only).
pub fn bindable_connection_key(auth_type: &str, key: &str) -> Result<(), String> {
    use crate::connections::credentials::AuthType;
    let oauth = AuthType::parse(auth_type) == Some(AuthType::OAuth2);
    if NEVER_BOUND_KEYS.contains(&key) || (oauth && key != "access_token") {
        let allowed = if oauth {
            "`access_token` (the token a call sends)"
        } else {
            "any credential but a refresh token or client secret"
        };
        return Err(format!(
            "credential {key:?} cannot be bound: a binding sends only the token a call needs; bind {allowed}"
        ));
    }
    Ok(())
}

/// The connection `id` of the project (422 when it is not one: connections belong to a
/// project, and an instance uses only its own project's).
pub async fn project_connection(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    id: &str,
) -> ApiResult<ar_store::integrations::ConnectionRecord> {
    state
        .integrations()
        .connection(workspace_id, id)
        .await?
        .filter(|c| c.project_id == project_id)
        .ok_or_else(|| {
            ApiError::unprocessable(format!(
                "connection {id:?} does not exist in this project; bind one of the project's connections (GET /v1/connections)"
            ))
        })
}

/// Why a value could not be opened (no value in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError(pub String);

/// Opens every value in memory: literal text as is, vault secrets decrypted, connection
/// credentials through `crate::connections::credentials_for_call` (an OAuth token about to
/// expire is refreshed), `prefix` applied. `project_id` is the instance's project: a
/// connection of another project is refused. The result must only go into the call's
/// target.
pub async fn open_values(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    values: &BTreeMap<String, ProfileValue>,
) -> Result<BTreeMap<String, SecretString>, OpenError> {
    let store = state.integrations();
    let vault = state.vault();
    let mut out = BTreeMap::new();
    for (name, value) in values {
        let opened = match value {
            ProfileValue::Text(t) => SecretString::from(t.clone()),
            ProfileValue::Secret {
                name: secret,
                prefix,
            } => {
                let record = store
                    .secret(workspace_id, secret)
                    .await
                    .map_err(|e| OpenError(format!("reading vault secret {secret:?}: {e}")))?
                    .ok_or_else(|| {
                        OpenError(format!(
                            "{name} is bound to the vault secret {secret:?}, which does not exist (any more)"
                        ))
                    })?;
                let field = SealedField {
                    record_kind: "vault_secret",
                    record_id: &record.id,
                    field: "value",
                };
                let plain = vault
                    .open(workspace_id, field, &record.value_sealed)
                    .await
                    .map_err(|_| {
                        OpenError(format!("the vault secret {secret:?} could not be opened"))
                    })?;
                SecretString::from(format!("{prefix}{}", plain.expose_secret()))
            }
            ProfileValue::Connection { id, key, prefix } => {
                let values = connection_values(state, workspace_id, project_id, id).await?;
                // Checked again at call time: a profile written before the rule must
                // not send a refresh token either.
                bindable_connection_key(&values.auth_type, key)
                    .map_err(|why| OpenError(format!("{name}: connection {id:?}: {why}")))?;
                let value = values.values.get(key).ok_or_else(|| {
                    OpenError(format!("{name} is bound to credential {key:?} of connection {id:?}, which has no such credential"))
                })?;
                SecretString::from(format!("{prefix}{}", value.expose_secret()))
            }
        };
        out.insert(name.clone(), opened);
    }
    Ok(out)
}

/// A connection's credentials for a call, checked to be the project's.
pub async fn connection_values(
    state: &AppState,
    workspace_id: &str,
    project_id: &str,
    id: &str,
) -> Result<crate::connections::ConnectionCredentials, OpenError> {
    project_connection(state, workspace_id, project_id, id)
        .await
        .map_err(|e| OpenError(e.message))?;
    crate::connections::credentials_for_call(state, workspace_id, id)
        .await
        .map_err(|e| OpenError(e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_parse_as_text_secret_or_connection() {
        let parsed = parse_values(
            ValueKind::Headers,
            &json!({
                "X-Region": "eu",
                "Authorization": {"secret": "GH", "prefix": "Bearer "},
                "X-Key": {"connection": "c1", "key": "api_key"},
            }),
        )
        .expect("valid");
        assert_eq!(parsed["X-Region"], ProfileValue::Text("eu".into()));
        assert_eq!(
            parsed["Authorization"],
            ProfileValue::Secret {
                name: "GH".into(),
                prefix: "Bearer ".into()
            }
        );
        assert!(matches!(parsed["X-Key"], ProfileValue::Connection { .. }));
    }

    #[test]
    fn bindings_send_only_the_token_a_call_needs() {
        assert!(bindable_connection_key("oauth2", "access_token").is_ok());
        assert!(bindable_connection_key("api_key", "api_key").is_ok());
        assert!(bindable_connection_key("basic", "password").is_ok());
        assert!(bindable_connection_key("custom", "region").is_ok());
        for (auth, key) in [
            ("oauth2", "refresh_token"),
            ("oauth2", "id_token"),
            ("custom", "refresh_token"),
            ("custom", "client_secret"),
            ("token", "refresh_token"),
        ] {
            let why = bindable_connection_key(auth, key).expect_err(key);
            assert!(why.contains(key), "{why}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_entry_named() {
        let cases = [
            (
                ValueKind::Headers,
                json!({"Authorization": "Bearer x"}),
                "credential",
            ),
            (ValueKind::Headers, json!({"Bad Name": "x"}), "Bad Name"),
            (ValueKind::Env, json!({"1X": "x"}), "1X"),
            (
                ValueKind::Env,
                json!({"X": {"secret": "a", "extra": 1}}),
                "X",
            ),
            (ValueKind::Env, json!({"X": {"connection": "c"}}), "X"),
            (ValueKind::Env, json!({"X": 3}), "X"),
            (ValueKind::Env, json!([1]), "object"),
        ];
        for (kind, value, expected) in cases {
            let err = parse_values(kind, &value).expect_err("refused");
            assert_eq!(err.status, 400);
            assert!(err.message.contains(expected), "{}", err.message);
        }
    }
}
