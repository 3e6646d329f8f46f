//! Random secrets (session cookies, PATs, invite tokens) and how they are stored: only
//! their SHA-256, compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of personal access tokens.
pub const PAT_PREFIX: &str = "pat_";

/// A fresh secret: `prefix` + 32 random bytes in hex.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The SHA-256 of a secret, hex-encoded: what the database stores.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares a presented secret with a stored hash in constant time.
///
/// The lookup by hash already found the row; this re-check keeps the final comparison
/// independent of how the database compares strings.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    hash_secret(secret)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// A new random id (UUID v7: time-ordered).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_match_only_their_hash() {
        let a = random_secret(PAT_PREFIX);
        let b = random_secret(PAT_PREFIX);
        assert!(a.starts_with("pat_") && a.len() == 4 + 64, "{a}");
        assert_ne!(a, b);
        let stored = hash_secret(&a);
        assert_eq!(stored.len(), 64);
        assert!(secret_matches(&a, &stored));
        assert!(!secret_matches(&b, &stored));
        assert!(!secret_matches(&a, "short"));
    }
}
