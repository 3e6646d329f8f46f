//! Password hashing with Argon2id (memory-hard), off the async threads.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;
use crate::settings::PasswordHashing;

/// Shortest password accepted at sign-up.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest new password, in characters (hashing cost must not be attacker-controlled).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest password read at sign-in, in bytes (256 characters of up to 4 bytes).
pub const MAX_PASSWORD_LEN: usize = 4 * MAX_PASSWORD_CHARS;

/// Hashes and verifies passwords with the configured Argon2id cost.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
}

impl Passwords {
    pub fn new(cost: PasswordHashing) -> Result<Passwords, String> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| format!("invalid password hashing settings: {e}"))?;
        Ok(Passwords { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string of `password` with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }

    /// True when `password` matches `phc`. A malformed stored hash never matches.
    pub async fn verify(&self, password: &str, phc: &str) -> bool {
        let argon2 = self.argon2();
        let password = password.to_owned();
        let phc = phc.to_owned();
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc)
                .is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .unwrap_or(false)
    }
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<(), ApiError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(ApiError::bad_request(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(ApiError::bad_request(format!(
            "the password must have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(PasswordHashing {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        })
        .expect("params")
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = cheap();
        let h = p.hash("correct horse").await.expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(p.verify("correct horse", &h).await);
        assert!(!p.verify("correct horsE", &h).await);
        assert!(!p.verify("correct horse", "not a phc string").await);
        assert_ne!(
            h,
            p.hash("correct horse").await.expect("hash"),
            "salts differ"
        );
    }

    #[test]
    fn new_passwords_are_length_checked() {
        let cases = [
            ("short", false),
            ("12345678", true),
            (&"x".repeat(257)[..], false),
            (&"é".repeat(256)[..], true),
        ];
        for (pw, ok) in cases {
            assert_eq!(check_new_password(pw).is_ok(), ok, "{pw:.10}");
        }
    }
}
