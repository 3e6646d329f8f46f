//! A JSON body extractor whose refusals are API errors: malformed JSON is a 400 naming the
//! parse error, a field of the wrong type a 400 naming the field, an oversized body a 413,
//! a missing content type a 415, all as `{"error": "…"}`.
//!
//! Text holding a NUL character (`\u0000`) is refused here, for every route: PostgreSQL
//! cannot store one in text or JSONB, so it would otherwise be a 500 on one backend and
//! stored on the other.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// `axum::Json` with [`ApiError`] rejections. Also a response type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => from_object(value).map(Json),
            Err(rejection) => Err(rejection_to_error(rejection)),
        }
    }
}

/// Every request body of the API is a JSON object; serde would otherwise also read a
/// struct from an array, positionally.
fn from_object<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::bad_request(format!(
            "the request body must be a JSON object, not {}",
            json_type(&value)
        )));
    }
    if let Some(path) = nul_at(&value, &mut String::new()) {
        return Err(ApiError::bad_request(format!(
            "invalid request body: `{path}` holds a NUL character (\\u0000), which text may not contain"
        )));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ApiError::bad_request(if path == "." {
            format!("invalid request body: {inner}")
        } else {
            format!("invalid request body: `{path}`: {inner}")
        })
    })
}

/// The path of the first key or string value holding a NUL character.
fn nul_at(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
            ".".into()
        } else {
            path.clone()
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            // Written into the buffer: no allocation per element of every body.
            let _ = write!(path, "[{i}]");
            let found = nul_at(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let found = if key.contains('\0') {
                Some(path.clone())
            } else {
                nul_at(item, path)
            };
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        amount: i64,
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        name: String,
    }

    fn error(v: Value) -> String {
        format!("{:?}", from_object::<Body>(v).unwrap_err())
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = error(serde_json::json!({"amount": "5", "items": []}));
        assert!(e.contains("`amount`: invalid type"), "{e}");
        let e = error(serde_json::json!({"amount": 5, "items": [{"name": 1}]}));
        assert!(e.contains("`items[0].name`"), "{e}");
        let e = error(serde_json::json!({"items": []}));
        assert!(e.contains("missing field `amount`"), "{e}");
    }

    #[test]
    fn nul_characters_are_refused_where_they_are() {
        let e = error(serde_json::json!({"amount": 5, "items": [{"name": "a\u{0}b"}]}));
        assert!(e.contains("`items[0].name` holds a NUL"), "{e}");
        let e = error(serde_json::json!({"amount": 5, "items": [], "x": {"k\u{0}": 1}}));
        assert!(e.contains("holds a NUL"), "{e}");
        assert!(
            from_object::<Body>(serde_json::json!({"amount": 5, "items": [{"name": "ok"}]}))
                .is_ok()
        );
    }
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

fn rejection_to_error(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = match &rejection {
        JsonRejection::JsonDataError(e) => format!("invalid request body: {}", e.body_text()),
        JsonRejection::JsonSyntaxError(e) => format!("malformed JSON: {}", e.body_text()),
        JsonRejection::MissingJsonContentType(_) => {
            "expected `Content-Type: application/json`".to_string()
        }
        other => other.body_text(),
    };
    // axum reports a data error (wrong field types) as 422; the contract keeps 422 for
    // semantic validation, so a body that does not have the request's shape is a 400.
    let status = if status == axum::http::StatusCode::UNPROCESSABLE_ENTITY {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        status
    };
    ApiError::new(status, message)
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A JSON body that may be absent (empty body: `T::default()`); same errors as [`Json`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
        from_object(value).map(OptionalJson)
    }
}
