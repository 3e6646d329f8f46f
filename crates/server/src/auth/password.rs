//! Password hashing with Argon2id (memory-hard), off the async threads, and bounded
//! (issue 13 item 3): each hash takes `memory_kib` and a core for a while, so at most
//! `password_work.slots` run at once (one per core by default) and at most
//! `password_work.queue` more requests wait for a slot. Past that a request is refused at
//! once with 503 and `Retry-After`, so a burst of sign-ins never grows memory or threads
//! without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::StatusCode;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::settings::{PasswordHashing, PasswordWorkSettings};

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
    work: Arc<Work>,
}

/// The bound on hashing work.
struct Work {
    /// One permit per hash allowed to run.
    slots: Arc<Semaphore>,
    /// Requests running or waiting.
    admitted: AtomicUsize,
    /// Most requests running or waiting: slots + queue.
    capacity: usize,
}

/// A request's place among the admitted; given back when dropped.
struct Admission(Arc<Work>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// 503: every slot is busy and the queue is full.
fn busy() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is busy checking passwords; retry in a moment",
    );
    e.retry_after = Some(1);
    e
}

impl Passwords {
    pub fn new(cost: PasswordHashing, work: PasswordWorkSettings) -> Result<Passwords, String> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| format!("invalid password hashing settings: {e}"))?;
        let slots = work.effective_slots();
        Ok(Passwords {
            params,
            work: Arc::new(Work {
                slots: Arc::new(Semaphore::new(slots)),
                admitted: AtomicUsize::new(0),
                capacity: slots.saturating_add(work.queue),
            }),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `job` on a blocking thread once a slot is free, or refuses at once (503) when
    /// the slots and the queue are full. The slot is held until the job ends, even if
    /// the request that asked for it goes away.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let admitted = self
            .work
            .admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.work.capacity).then_some(n + 1)
            });
        if admitted.is_err() {
            return Err(busy());
        }
        let admission = Admission(self.work.clone());
        let slot = self
            .work
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let _held = (slot, admission);
            job(argon2)
        })
        .await
        .map_err(ApiError::internal)
    }

    /// The PHC string of `password` with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.to_owned();
        self.run(move |argon2| {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(ApiError::internal)
    }

    /// Whether `password` matches `phc` (a malformed stored hash never matches); 503 when
    /// too many passwords are being checked.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, ApiError> {
        let password = password.to_owned();
        let phc = phc.to_owned();
        self.run(move |argon2| {
            PasswordHash::new(&phc)
                .is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
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
        Passwords::new(
            PasswordHashing {
                memory_kib: 256,
                iterations: 1,
                parallelism: 1,
            },
            PasswordWorkSettings::default(),
        )
        .expect("params")
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = cheap();
        let h = p.hash("correct horse").await.expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(p.verify("correct horse", &h).await.expect("verify"));
        assert!(!p.verify("correct horsE", &h).await.expect("verify"));
        assert!(
            !p.verify("correct horse", "not a phc string")
                .await
                .expect("verify")
        );
        assert_ne!(
            h,
            p.hash("correct horse").await.expect("hash"),
            "salts differ"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_beyond_the_slots_and_the_queue_is_refused_at_once() {
        // A costly hash, one slot and one waiting place: of four at once, two are refused.
        let p = Passwords::new(
            PasswordHashing {
                memory_kib: 8 * 1024,
                iterations: 4,
                parallelism: 1,
            },
            PasswordWorkSettings {
                slots: Some(1),
                queue: 1,
            },
        )
        .expect("params");
        let started = std::time::Instant::now();
        let results = futures::future::join_all((0..4).map(|_| p.hash("correct horse"))).await;
        let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(refused.len(), 2, "{results:?}");
        for e in refused {
            assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(e.retry_after, Some(1));
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        // Everything was given back: four more in a row all run.
        assert_eq!(p.work.admitted.load(Ordering::Acquire), 0);
        for _ in 0..4 {
            p.hash("correct horse").await.expect("a free slot");
        }
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
