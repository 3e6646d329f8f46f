//! [`SecretString`]: the one type every decrypted or user-supplied secret travels in.
//!
//! It exists so that a secret cannot leak by accident: `Debug`, `Display` and
//! `Serialize` all print [`REDACTED`], and the memory is zeroed when the value is
//! dropped. Reading the value takes a deliberate call to
//! [`SecretString::expose_secret`], which is easy to find in review.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// What a secret prints as, everywhere.
pub const REDACTED: &str = "[REDACTED]";

/// A secret text value (API key, token, password, DSN …).
///
/// Deserializes from a plain JSON string (so request bodies can carry secrets in),
/// but serializes to [`REDACTED`] (so secrets can never leave through a response or
/// an event by being part of a serialized struct).
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a value. The original `String` is moved, not copied, so no unzeroed
    /// copy is left behind by this call.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The secret itself. Call this only where the value is actually used (an HTTP
    /// header, an environment variable of a child process, an encryption call).
    pub fn expose_secret(&self) -> &str {
        self.0.as_str()
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({REDACTED})")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "sk-live-0123456789abcdef";

    #[test]
    fn debug_display_and_serialize_never_show_the_value() {
        let secret = SecretString::from(VALUE);
        let renderings = [
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret}"),
            serde_json::to_string(&secret).expect("serializes"),
        ];
        for rendering in renderings {
            assert!(!rendering.contains(VALUE), "leaked in {rendering}");
            assert!(rendering.contains(REDACTED), "not marked in {rendering}");
        }
    }

    #[test]
    fn secret_inside_a_struct_is_redacted_in_its_debug_and_json() {
        #[derive(Debug, Serialize)]
        struct Connection {
            name: String,
            token: SecretString,
        }
        let connection = Connection {
            name: "github".into(),
            token: VALUE.into(),
        };
        assert!(!format!("{connection:?}").contains(VALUE));
        let json = serde_json::to_string(&connection).expect("serializes");
        assert_eq!(json, r#"{"name":"github","token":"[REDACTED]"}"#);
    }

    #[test]
    fn deserializes_from_a_plain_string_and_exposes_it_on_request() {
        let secret: SecretString = serde_json::from_str(&format!("\"{VALUE}\"")).expect("parses");
        assert_eq!(secret.expose_secret(), VALUE);
        assert!(!secret.is_empty());
        assert!(SecretString::default().is_empty());
    }
}
