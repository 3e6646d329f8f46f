//! Inbound webhook signatures (CONTRACT §10): the sender signs the raw request body with
//! the subscription's signing secret, HMAC-SHA256, and sends
//! `X-Agentruntime-Signature: sha256=<hex>`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::auth::tokens::random_secret;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-agentruntime-signature";
/// Prefix of signing secrets.
pub const SECRET_PREFIX: &str = "whsec_";
/// The scheme named in the header value.
const SCHEME: &str = "sha256=";

/// A fresh signing secret: `whsec_` + 32 random bytes in hex.
pub fn new_signing_secret() -> String {
    random_secret(SECRET_PREFIX)
}

/// Why a request's signature was refused. The messages say what to fix and never echo
/// the signature or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Mismatch,
}

impl SignatureError {
    pub fn message(self) -> &'static str {
        match self {
            SignatureError::Missing => {
                "the X-Agentruntime-Signature header is required: `sha256=<hex HMAC-SHA256 of the raw body>`"
            }
            SignatureError::Malformed => {
                "the X-Agentruntime-Signature header must be `sha256=` followed by 64 hex digits"
            }
            SignatureError::Mismatch => {
                "the signature does not match the body; sign the raw body with the subscription's signing secret"
            }
        }
    }
}

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(body);
    mac
}

/// The header value a sender computes: `sha256=<hex>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "{SCHEME}{}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Checks `header` (the header's value, if present) against the body, comparing the
/// MACs in constant time.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let value = header.map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or(SignatureError::Missing)?;
    let hex_digest = value
        .strip_prefix(SCHEME)
        .ok_or(SignatureError::Malformed)?;
    let presented = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if presented.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac(secret, body)
        .verify_slice(&presented)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe"), so the MAC is the standard one, not just
    /// self-consistent.
    #[test]
    fn signs_with_standard_hmac_sha256() {
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_only_the_right_signature() {
        let secret = new_signing_secret();
        assert!(secret.starts_with("whsec_") && secret.len() == 6 + 64);
        let body = br#"{"order": 42}"#;
        let good = sign(&secret, body);
        assert_eq!(verify(&secret, body, Some(&good)), Ok(()));
        assert_eq!(verify(&secret, body, Some(&format!("  {good} "))), Ok(()));
        assert_eq!(
            verify(&secret, br#"{"order": 43}"#, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&new_signing_secret(), body, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(&secret, body, None), Err(SignatureError::Missing));
        assert_eq!(
            verify(&secret, body, Some("")),
            Err(SignatureError::Missing)
        );
        let bare_hex = good.trim_start_matches("sha256=");
        assert_eq!(
            verify(&secret, body, Some(bare_hex)),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&secret, body, Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&secret, body, Some("sha256=abcd")),
            Err(SignatureError::Malformed),
            "a truncated MAC is refused, not compared as a prefix"
        );
    }
}
