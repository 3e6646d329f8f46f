//! Shared server state handed to every handler.

use std::sync::Arc;

use ar_store::tenant::TenantStore;

use crate::auth::password::Passwords;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    tenants: Arc<dyn TenantStore>,
    passwords: Passwords,
    limiter: RateLimiter,
    origin: String,
}

impl AppState {
    /// `public_origin` is the scheme://host:port browsers use to reach this server
    /// (cookie-authenticated writes must come from it).
    pub fn new(
        settings: Settings,
        tenants: Arc<dyn TenantStore>,
        public_origin: String,
    ) -> Result<AppState, String> {
        let passwords = Passwords::new(settings.password_hashing)?;
        let limiter = RateLimiter::new(&settings.rate_limits);
        Ok(AppState {
            inner: Arc::new(Inner {
                settings,
                tenants,
                passwords,
                limiter,
                origin: public_origin,
            }),
        })
    }
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    pub fn tenants(&self) -> &dyn TenantStore {
        self.inner.tenants.as_ref()
    }
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }
    /// The server's own origin, e.g. `http://127.0.0.1:8080`.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }
}
