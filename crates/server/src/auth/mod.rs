//! Authentication (who is calling) and the authorization gate (may they do this).
//!
//! - [`principal::Principal`]: the signed-in user, from a session cookie or a PAT;
//! - [`gate::Gate`]: the route's [`ar_model::authz::Action`] decided for that user in the
//!   request's workspace and project by `ar_model::authz::authorize`, the only decision
//!   function;
//! - [`standing`]: the same decision re-made later, for access that outlives its request
//!   (open streams, cron fires, webhook deliveries);
//! - [`password`], [`tokens`], [`session`]: hashing, secrets, cookies and CSRF;
//! - [`session_lifetime`]: the sliding idle timeout of sessions.
//! - [`login_throttle`]: backoff of sign-ins to an account after failures.

pub mod gate;
pub mod login_throttle;
pub mod password;
pub mod principal;
pub mod session;
pub mod session_lifetime;
pub mod standing;
pub mod tokens;
