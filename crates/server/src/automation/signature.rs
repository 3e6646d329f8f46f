//! Inbound webhook signatures (docs/contract.md §10, docs/webhooks-and-schedules.md). The sender
//! signs with the subscription's signing secret, HMAC-SHA256, in one of two forms of the
//! `X-Agentruntime-Signature` header:
//!
//! - plain (the hosted service's): `sha256=<hex HMAC of the raw body>`;
//! - timestamped: `t=<unix seconds>,v1=<hex HMAC of "<t>.<raw body>">`. The timestamp must
//!   be within [`TOLERANCE_SECS`] of the server's clock, and the ingress accepts each
//!   `(t, v1)` once (the route records it: [`Verified::replay_key`]), so a captured
//!   delivery cannot be replayed. Several `v1=` entries may be sent (while a sender moves
//!   to a new secret); unknown keys are ignored.
//!
//! A subscription can require the timestamped form.

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

/// How far a timestamped signature's `t` may be from the server's clock, either way.
pub const TOLERANCE_SECS: i64 = 300;
/// Most `v1=` entries looked at in one header (each costs a MAC over the body).
const MAX_V1_ENTRIES: usize = 4;

/// Why a request's signature was refused. The messages say what to fix and never echo
/// the signature or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Mismatch,
    /// The subscription requires the timestamped form and got the plain one.
    TimestampRequired,
    /// The timestamp is further than [`TOLERANCE_SECS`] from the server's clock.
    Stale,
}

impl SignatureError {
    pub fn message(self) -> &'static str {
        match self {
            SignatureError::Missing => {
                "the X-Agentruntime-Signature header is required: `sha256=<hex HMAC-SHA256 of the raw body>` or `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`"
            }
            SignatureError::Malformed => {
                "the X-Agentruntime-Signature header must be `sha256=<64 hex digits>` or `t=<unix seconds>,v1=<64 hex digits>` (at most 4 `v1` entries)"
            }
            SignatureError::Mismatch => {
                "the signature does not match the body; sign the raw body with the subscription's signing secret"
            }
            SignatureError::TimestampRequired => {
                "this subscription requires the timestamped signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`"
            }
            SignatureError::Stale => {
                "the signature's timestamp is more than 5 minutes from the server's clock; sign each delivery when it is sent (and check the sender's clock)"
            }
        }
    }
}

/// A signature that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    Plain,
    /// The timestamped form; the delivery must be refused if its replay key was seen.
    Timestamped {
        /// SHA-256 (hex) of `<t>.<matching v1>`: what identifies this signed delivery.
        replay_key: String,
        /// When the key can be forgotten (unix ms): the timestamp is stale by then.
        remember_until_ms: i64,
    },
}

impl Verified {
    /// The replay key and how long to remember it, for the timestamped form.
    pub fn replay_key(&self) -> Option<(&str, i64)> {
        match self {
            Verified::Plain => None,
            Verified::Timestamped {
                replay_key,
                remember_until_ms,
            } => Some((replay_key, *remember_until_ms)),
        }
    }
}

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    timestamped_mac(secret, None, body)
}

/// The MAC of the body, or of `<t>.<body>` when a timestamp is given.
fn timestamped_mac(secret: &str, timestamp: Option<&str>, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    if let Some(t) = timestamp {
        mac.update(t.as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    mac
}

/// The timestamped header value a sender computes: `t=<timestamp>,v1=<hex>`.
pub fn sign_timestamped(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let digest = timestamped_mac(secret, Some(&t), body)
        .finalize()
        .into_bytes();
    format!("t={t},v1={}", hex::encode(digest))
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
    let presented = decode_digest(hex_digest)?;
    mac(secret, body)
        .verify_slice(&presented)
        .map_err(|_| SignatureError::Mismatch)
}

/// What the ingress requires of a delivery's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Refuse the plain form.
    pub require_timestamp: bool,
    /// The server's clock (unix seconds).
    pub now_secs: i64,
}

/// Checks either form of the header against the body (see the module docs). The
/// timestamped form's replay key is returned for the caller to record.
pub fn verify_delivery(
    secret: &str,
    body: &[u8],
    header: Option<&str>,
    policy: Policy,
) -> Result<Verified, SignatureError> {
    let value = header.map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or(SignatureError::Missing)?;
    if value.starts_with(SCHEME) {
        if policy.require_timestamp {
            return Err(SignatureError::TimestampRequired);
        }
        return verify(secret, body, Some(value)).map(|()| Verified::Plain);
    }
    let header = parse_timestamped(value)?;
    let t = header.t;
    let timestamp: i64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    if timestamp.abs_diff(policy.now_secs) > TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let mac = timestamped_mac(secret, Some(t), body);
    let matched = header
        .v1
        .iter()
        .find(|v1| mac.clone().verify_slice(&v1.digest).is_ok())
        .ok_or(SignatureError::Mismatch)?;
    let replay_key = crate::auth::tokens::hash_secret(&format!("{t}.{}", matched.hex));
    Ok(Verified::Timestamped {
        replay_key,
        remember_until_ms: timestamp
            .saturating_add(TOLERANCE_SECS + 1)
            .saturating_mul(1000),
    })
}

fn decode_digest(hex_digest: &str) -> Result<Vec<u8>, SignatureError> {
    let digest = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if digest.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    Ok(digest)
}

/// A parsed timestamped header.
struct TimestampedHeader<'a> {
    /// The timestamp as sent (decimal digits): the MAC covers this text.
    t: &'a str,
    v1: Vec<V1Entry>,
}

/// One `v1=` entry: lower-case hex (what the replay key is made of) and its bytes.
struct V1Entry {
    hex: String,
    digest: Vec<u8>,
}

/// `t=…,v1=…[,v1=…]`. Exactly one `t` of decimal digits, 1 to [`MAX_V1_ENTRIES`] `v1`s;
/// other keys ignored.
fn parse_timestamped(value: &str) -> Result<TimestampedHeader<'_>, SignatureError> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in value.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" if t.is_none() && !val.is_empty() && val.bytes().all(|b| b.is_ascii_digit()) => {
                t = Some(val);
            }
            "t" => return Err(SignatureError::Malformed),
            "v1" if v1.len() < MAX_V1_ENTRIES => {
                v1.push(V1Entry {
                    hex: val.to_ascii_lowercase(),
                    digest: decode_digest(val)?,
                });
            }
            "v1" => return Err(SignatureError::Malformed),
            _ => {}
        }
    }
    match t {
        Some(t) if !v1.is_empty() && t.len() <= 12 => Ok(TimestampedHeader { t, v1 }),
        _ => Err(SignatureError::Malformed),
    }
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

    const NOW: i64 = 1_800_000_000;

    fn policy(require_timestamp: bool) -> Policy {
        Policy {
            require_timestamp,
            now_secs: NOW,
        }
    }

    /// The timestamped MAC is HMAC-SHA256 over `<t>.<body>`: checked against the plain
    /// form computed over that string, so it is the documented construction.
    #[test]
    fn the_timestamped_form_signs_t_dot_body() {
        let header = sign_timestamped("Jefe", 1_700_000_000, b"{}");
        let plain = sign("Jefe", b"1700000000.{}");
        assert_eq!(
            header,
            format!("t=1700000000,v1={}", plain.trim_start_matches("sha256="))
        );
    }

    #[test]
    fn timestamped_signatures_are_checked_for_time_and_give_a_replay_key() {
        let secret = new_signing_secret();
        let body = br#"{"order": 42}"#;
        let good = sign_timestamped(&secret, NOW - 10, body);
        let verified = verify_delivery(&secret, body, Some(&good), policy(true)).expect("ok");
        let (key, until) = verified.replay_key().expect("a replay key");
        assert_eq!(until, (NOW - 10 + TOLERANCE_SECS + 1) * 1000);
        // The same delivery gives the same key (so the store can refuse its replay); a
        // new timestamp gives another.
        let again = verify_delivery(&secret, body, Some(&good), policy(true)).expect("ok");
        assert_eq!(again.replay_key().map(|k| k.0), Some(key));
        let later = sign_timestamped(&secret, NOW - 9, body);
        let other = verify_delivery(&secret, body, Some(&later), policy(true)).expect("ok");
        assert_ne!(other.replay_key().map(|k| k.0), Some(key));

        let cases = [
            (
                sign_timestamped(&secret, NOW - 301, body),
                SignatureError::Stale,
            ),
            (
                sign_timestamped(&secret, NOW + 301, body),
                SignatureError::Stale,
            ),
            (
                sign_timestamped(&secret, NOW, b"{}"),
                SignatureError::Mismatch,
            ),
            (
                sign_timestamped("whsec_other", NOW, body),
                SignatureError::Mismatch,
            ),
            // The timestamp is covered: moving it breaks the MAC.
            (
                good.replace(&format!("t={}", NOW - 10), &format!("t={}", NOW - 5)),
                SignatureError::Mismatch,
            ),
            (format!("t={NOW}"), SignatureError::Malformed),
            (format!("t={NOW},v1=abcd"), SignatureError::Malformed),
            (
                format!("t=-5,{}", good.split_once(',').unwrap().1),
                SignatureError::Malformed,
            ),
            (
                format!("t=1,t=2,{}", good.split_once(',').unwrap().1),
                SignatureError::Malformed,
            ),
            ("garbage".to_string(), SignatureError::Malformed),
            (sign(&secret, body), SignatureError::TimestampRequired),
        ];
        for (header, expected) in cases {
            assert_eq!(
                verify_delivery(&secret, body, Some(&header), policy(true)),
                Err(expected),
                "{header}"
            );
        }
        // Unknown keys are ignored; a second v1 (a sender moving to a new secret) counts.
        let v1 = good.split_once(",v1=").unwrap().1;
        let mixed = format!("t={},v0=zz,v1={},v1={v1}", NOW - 10, "0".repeat(64));
        assert!(verify_delivery(&secret, body, Some(&mixed), policy(true)).is_ok());
        let too_many = format!("t={},{}", NOW - 10, vec![format!("v1={v1}"); 5].join(","));
        assert_eq!(
            verify_delivery(&secret, body, Some(&too_many), policy(true)),
            Err(SignatureError::Malformed)
        );
        // Without the requirement, the plain form passes and has no replay key.
        let plain = verify_delivery(&secret, body, Some(&sign(&secret, body)), policy(false));
        assert_eq!(plain, Ok(Verified::Plain));
        assert_eq!(
            verify_delivery(&secret, body, None, policy(false)),
            Err(SignatureError::Missing)
        );
    }
}
