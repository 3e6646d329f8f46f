//! What a connection's credentials may be, and how they are sealed.
//!
//! Credentials are a JSON object of string values (`{"api_key": "…"}`), checked here
//! against the connection's auth type and sealed as one JSON document with the workspace
//! vault (record kind `connection`, field `credentials`). Refusals name the offending
//! key, never a value: a value may be a secret, and an invalid key name may be one pasted
//! into the wrong place, so neither is echoed.

use std::collections::BTreeMap;

use ar_connect::SecretString;
use ar_store::integrations::ConnectionRecord;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::vault::SealedField;

/// Most credential values one connection holds.
pub const MAX_KEYS: usize = 32;
/// Longest credential name.
pub const MAX_KEY_LEN: usize = 64;
/// Largest single value (a PEM key or a long JWT fits).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
/// Largest sum of all values.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024;

/// How a connection authenticates, which decides the keys its credentials must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    ApiKey,
    Token,
    Basic,
    Dsn,
    Custom,
    OAuth2,
}

impl AuthType {
    pub const ALL: [AuthType; 6] = [
        AuthType::ApiKey,
        AuthType::Token,
        AuthType::Basic,
        AuthType::Dsn,
        AuthType::Custom,
        AuthType::OAuth2,
    ];

    pub fn parse(text: &str) -> Option<AuthType> {
        AuthType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::ApiKey => "api_key",
            AuthType::Token => "token",
            AuthType::Basic => "basic",
            AuthType::Dsn => "dsn",
            AuthType::Custom => "custom",
            AuthType::OAuth2 => "oauth2",
        }
    }

    /// The keys the credentials must contain.
    pub fn required_keys(self) -> &'static [&'static str] {
        match self {
            AuthType::ApiKey => &["api_key"],
            AuthType::Token => &["token"],
            AuthType::Basic => &["username", "password"],
            AuthType::Dsn => &["dsn"],
            AuthType::Custom => &[],
            AuthType::OAuth2 => &["access_token"],
        }
    }

    /// The key holding the value sent as a bearer token, if this type has one.
    pub fn bearer_key(self) -> Option<&'static str> {
        match self {
            AuthType::ApiKey => Some("api_key"),
            AuthType::Token => Some("token"),
            AuthType::OAuth2 => Some("access_token"),
            AuthType::Basic | AuthType::Dsn | AuthType::Custom => None,
        }
    }
}

/// The `auth_type` of a create request that leaves it out (the hosted body, docs/contract.md §9):
/// the first type whose required credential names are all given, else `custom`. Given
/// only OAuth tokens, it is `oauth2` (which `POST /v1/connections` refuses with a pointer
/// to the OAuth flow, as for an explicit `oauth2`).
pub fn infer_auth_type(credentials: Option<&Value>) -> AuthType {
    let Some(Value::Object(fields)) = credentials else {
        return AuthType::Custom;
    };
    [
        AuthType::ApiKey,
        AuthType::Token,
        AuthType::Basic,
        AuthType::Dsn,
        AuthType::OAuth2,
    ]
    .into_iter()
    .find(|t| t.required_keys().iter().all(|k| fields.contains_key(*k)))
    .unwrap_or(AuthType::Custom)
}

/// Parses `auth_type` of a request, with the accepted values in the refusal.
pub fn parse_auth_type(text: &str) -> ApiResult<AuthType> {
    AuthType::parse(text).ok_or_else(|| {
        let names: Vec<&str> = AuthType::ALL.iter().map(|t| t.as_str()).collect();
        ApiError::bad_request(format!(
            "unknown `auth_type` `{text}`: use one of {}",
            names.join(", ")
        ))
    })
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks the `credentials` of a request for `auth_type` and takes its values.
pub fn check_credentials(
    auth_type: AuthType,
    credentials: Option<Value>,
) -> ApiResult<BTreeMap<String, SecretString>> {
    let example = match auth_type.required_keys() {
        [] => "{\"<name>\": \"<value>\"}".to_string(),
        keys => format!(
            "{{{}}}",
            keys.iter()
                .map(|k| format!("\"{k}\": \"…\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let fields = match credentials {
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(format!(
                "`credentials` is required: an object of string values, e.g. {example}"
            )));
        }
        Some(Value::Object(fields)) => fields,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`credentials` must be an object of string values (e.g. {example}), not {}",
                json_type(&other)
            )));
        }
    };
    if fields.is_empty() {
        return Err(ApiError::bad_request(format!(
            "`credentials` is empty: give at least one value, e.g. {example}"
        )));
    }
    if fields.len() > MAX_KEYS {
        return Err(ApiError::bad_request(format!(
            "`credentials` has {} values; at most {MAX_KEYS} are allowed",
            fields.len()
        )));
    }
    let mut values = BTreeMap::new();
    let mut total = 0;
    for (key, value) in fields {
        if !valid_key(&key) {
            return Err(ApiError::bad_request(format!(
                "a credential name is invalid: names are 1–{MAX_KEY_LEN} letters, digits, `_`, `-` or `.` (the name is not repeated here in case it is a secret)"
            )));
        }
        let Value::String(text) = value else {
            return Err(ApiError::bad_request(format!(
                "credentials.`{key}` must be a string, not {}",
                json_type(&value)
            )));
        };
        if text.trim().is_empty() {
            return Err(ApiError::bad_request(format!(
                "credentials.`{key}` is empty"
            )));
        }
        if text.len() > MAX_VALUE_BYTES {
            return Err(ApiError::bad_request(format!(
                "credentials.`{key}` is longer than {MAX_VALUE_BYTES} bytes"
            )));
        }
        total += text.len();
        values.insert(key, SecretString::new(text));
    }
    if total > MAX_TOTAL_BYTES {
        return Err(ApiError::bad_request(format!(
            "`credentials` values add up to more than {MAX_TOTAL_BYTES} bytes"
        )));
    }
    let missing: Vec<&str> = auth_type
        .required_keys()
        .iter()
        .copied()
        .filter(|k| !values.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::bad_request(format!(
            "auth_type `{}` needs credentials {}: send e.g. {example}",
            auth_type.as_str(),
            missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        )));
    }
    Ok(values)
}

/// The field the credentials document of connection `id` is sealed for.
pub fn field(id: &str) -> SealedField<'_> {
    SealedField {
        record_kind: "connection",
        record_id: id,
        field: "credentials",
    }
}

/// Seals `values` as one JSON document for connection `id`; returns what the record
/// stores and the key names.
pub async fn seal(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    values: &BTreeMap<String, SecretString>,
) -> ApiResult<(Value, Vec<String>)> {
    let exposed: BTreeMap<&str, &str> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose_secret()))
        .collect();
    let document = SecretString::new(serde_json::to_string(&exposed).map_err(ApiError::internal)?);
    let sealed = state
        .vault()
        .seal(workspace_id, field(id), document.expose_secret())
        .await?;
    Ok((sealed, values.keys().cloned().collect()))
}

/// Opens the credentials of `connection`, in memory only.
pub async fn open(
    state: &AppState,
    connection: &ConnectionRecord,
) -> ApiResult<BTreeMap<String, SecretString>> {
    let document = state
        .vault()
        .open(
            &connection.workspace_id,
            field(&connection.id),
            &connection.credentials_sealed,
        )
        .await?;
    serde_json::from_str(document.expose_secret()).map_err(|e| {
        ApiError::internal(format!(
            "connection {}: sealed credentials are not an object of strings: {e}",
            connection.id
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_left_out_auth_type_is_inferred_from_the_credential_names() {
        let cases = [
            (json!({"api_key": "k", "region": "eu"}), AuthType::ApiKey),
            (json!({"token": "t"}), AuthType::Token),
            (json!({"username": "u", "password": "p"}), AuthType::Basic),
            (json!({"username": "u"}), AuthType::Custom),
            (json!({"dsn": "postgres://x"}), AuthType::Dsn),
            (
                json!({"access_token": "a", "refresh_token": "r"}),
                AuthType::OAuth2,
            ),
            (json!({"x_key": "v"}), AuthType::Custom),
            (json!("not an object"), AuthType::Custom),
        ];
        for (credentials, want) in cases {
            assert_eq!(infer_auth_type(Some(&credentials)), want, "{credentials}");
        }
        assert_eq!(infer_auth_type(None), AuthType::Custom);
    }

    #[test]
    fn required_keys_and_types_are_checked_without_echoing_values() {
        let ok = check_credentials(AuthType::ApiKey, Some(json!({"api_key": "sk-1"})));
        assert_eq!(ok.expect("valid").len(), 1);
        let cases = [
            (
                AuthType::ApiKey,
                json!({"token": "sk-secret-1"}),
                "`api_key`",
            ),
            (AuthType::Basic, json!({"username": "u"}), "`password`"),
            (AuthType::Custom, json!({}), "empty"),
            (AuthType::Token, json!({"token": 5}), "must be a string"),
            (
                AuthType::Token,
                json!("sk-secret-1"),
                "object of string values",
            ),
            (AuthType::Token, json!({"token": " "}), "is empty"),
            (
                AuthType::Token,
                json!({"sk-secret-1 x": "v"}),
                "name is invalid",
            ),
        ];
        for (auth, body, expected) in cases {
            let error = check_credentials(auth, Some(body.clone())).expect_err("refused");
            assert!(
                error.message.contains(expected),
                "{body}: {}",
                error.message
            );
            assert!(!error.message.contains("sk-secret-1"), "{}", error.message);
        }
        let big = "x".repeat(MAX_VALUE_BYTES + 1);
        assert!(check_credentials(AuthType::Dsn, Some(json!({"dsn": big}))).is_err());
    }

    #[test]
    fn bearer_keys_follow_the_auth_type() {
        assert_eq!(AuthType::ApiKey.bearer_key(), Some("api_key"));
        assert_eq!(AuthType::OAuth2.bearer_key(), Some("access_token"));
        assert_eq!(AuthType::Basic.bearer_key(), None);
        assert!(parse_auth_type("password").is_err());
    }
}
