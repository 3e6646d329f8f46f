//! Authentication (who is calling) and the authorization gate (may they do this).
//!
//! - [`principal::Principal`]: the signed-in user, from a session cookie or a PAT;
//! - [`gate::Gate`]: the route's [`ar_model::authz::Action`] decided for that user in the
//!   request's workspace and project by `ar_model::authz::authorize`, the only decision
//!   function;
//! - [`standing`]: the same decision re-made later, for access that outlives its request
//!   (open streams, cron fires, webhook deliveries);
//! - [`password`], [`tokens`], [`session`]: hashing, secrets, cookies and CSRF.

pub mod gate;
pub mod password;
pub mod principal;
pub mod session;
pub mod standing;
pub mod tokens;
