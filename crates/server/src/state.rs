//! Shared server state handed to every handler.

use std::sync::Arc;

use ar_engine::Engine;
use ar_store::automation::AutomationStore;
use ar_store::integrations::IntegrationStore;
use ar_store::tenant::TenantStore;

use crate::auth::login_throttle::LoginThrottle;
use crate::auth::password::Passwords;
use crate::client_addr::TrustedProxies;
use crate::connections::RefreshLocks;
use crate::host_check::AllowedHosts;
use crate::master_key::VaultKeys;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use crate::stream::{StreamConfig, Streams};
use crate::vault::WorkspaceVault;

/// A non-owning handle on an [`AppState`], for parts the state itself owns (the engine's
/// executors) that need it at run time without keeping it alive.
#[derive(Clone)]
pub struct WeakAppState(std::sync::Weak<Inner>);

impl WeakAppState {
    pub fn upgrade(&self) -> Option<AppState> {
        self.0.upgrade().map(|inner| AppState { inner })
    }
}

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    tenants: Arc<dyn TenantStore>,
    /// Webhook subscriptions and cron triggers.
    automation: Arc<dyn AutomationStore>,
    /// The vault's data keys and secrets, connections, the MCP registry, LLM keys.
    integrations: Arc<dyn IntegrationStore>,
    /// Seals and opens secret values with each workspace's data key.
    vault: WorkspaceVault,
    /// One OAuth token refresh per connection at a time on this node.
    connection_refresh: RefreshLocks,
    /// Connects to MCP servers for registration, discovery and validation.
    mcp_discovery: crate::mcp::Discovery,
    /// The operator's exceptions to the SSRF guard (`mcp_allowed_hosts`, which
    /// `AR_MCP_ALLOWED_HOSTS` overrides): MCP connections and OAuth token endpoints.
    mcp_allowlist: Arc<ar_mcp::HostAllowlist>,
    /// The workflow engine of this node; runs, commands, tasks and streams go through it.
    engine: Engine,
    /// Live event streams (hubs shared by this node's WebSocket subscribers).
    streams: Streams,
    /// "A chat thread changed here", for this node's open thread streams.
    chat_live: crate::chat::live::ChatLive,
    /// The vault's master key(s); integrations seal and open secrets with them.
    vault_keys: VaultKeys,
    passwords: Passwords,
    limiter: RateLimiter,
    /// Failed sign-ins per account (issue 13 item 3).
    login_throttle: LoginThrottle,
    /// The operator's reverse proxies: who may report a client's address.
    proxies: TrustedProxies,
    /// The `Host` names requests may carry (issue 13 item 7).
    allowed_hosts: AllowedHosts,
    origin: String,
    /// `/metrics`: the Prometheus recorder and the queue gauges.
    metrics: crate::metrics::Scrape,
    /// Where dry-run validations run: bounded, budgeted, cancelled with their request.
    validation: crate::validation_pool::ValidationPool,
    /// Cancelled when the server stops: ends the Platform MCP's open sessions and event
    /// streams, which would otherwise hold a graceful shutdown open.
    platform_mcp_shutdown: tokio_util::sync::CancellationToken,
    /// The console copilot: its model access and this node's live turns.
    autopilot: crate::autopilot::Autopilot,
    /// Who takes payments for credits (`[billing.payments]`).
    payments: crate::billing::payments::Payments,
}

impl AppState {
    /// `public_origin` is the scheme://host:port browsers use to reach this server
    /// (cookie-authenticated writes must come from it); `mcp_pool` is the node's MCP
    /// connection pool, which the `mcp_call` executor shares; `allowed_hosts` the names
    /// requests may carry in `Host` ([`crate::host_check`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        settings: Settings,
        tenants: Arc<dyn TenantStore>,
        automation: Arc<dyn AutomationStore>,
        integrations: Arc<dyn IntegrationStore>,
        engine: Engine,
        vault_keys: VaultKeys,
        public_origin: String,
        mcp_pool: Arc<ar_mcp::McpClientPool>,
        allowed_hosts: AllowedHosts,
    ) -> Result<AppState, String> {
        let passwords = Passwords::new(settings.password_hashing, settings.password_work)?;
        let proxies = TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|e| format!("trusted_proxies: {e}"))?;
        let limiter = RateLimiter::new(&settings.rate_limits, proxies.clone());
        let login_throttle = LoginThrottle::new(settings.login_throttle);
        let mcp_allowlist = Arc::new(settings.mcp_allowlist().map_err(|e| e.to_string())?);
        let mcp_discovery =
            crate::mcp::Discovery::new(Arc::clone(&mcp_pool), Arc::clone(&mcp_allowlist));
        let validation = crate::validation_pool::ValidationPool::new(&settings.dry_run);
        let autopilot =
            crate::autopilot::Autopilot::new(crate::autopilot::model::ModelAccess::new(
                &settings,
                crate::llm::keys::WorkspaceLlmKeys::new(
                    integrations.clone(),
                    WorkspaceVault::new(vault_keys.clone(), integrations.clone()),
                    crate::llm::system_keys(&settings),
                    crate::llm::keys::SystemKeyWorkspaces::new(
                        settings.llm.clone(),
                        tenants.clone(),
                    ),
                ),
                integrations.clone(),
            ));
        let payments = crate::billing::payments::Payments::new(&settings.billing)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                payments,
                validation,
                settings,
                tenants,
                automation,
                vault: WorkspaceVault::new(vault_keys.clone(), integrations.clone()),
                connection_refresh: RefreshLocks::default(),
                integrations,
                mcp_discovery,
                mcp_allowlist,
                streams: Streams::new(engine.clone(), StreamConfig::default()),
                chat_live: crate::chat::live::ChatLive::default(),
                metrics: crate::metrics::Scrape::new(engine.store().clone(), mcp_pool),
                engine,
                vault_keys,
                passwords,
                limiter,
                login_throttle,
                proxies,
                allowed_hosts,
                origin: public_origin,
                platform_mcp_shutdown: tokio_util::sync::CancellationToken::new(),
                autopilot,
            }),
        })
    }
    /// See [`crate::platform_mcp`]: cancelled when the server stops.
    pub fn platform_mcp_shutdown(&self) -> &tokio_util::sync::CancellationToken {
        &self.inner.platform_mcp_shutdown
    }
    pub fn autopilot(&self) -> &crate::autopilot::Autopilot {
        &self.inner.autopilot
    }
    pub fn payments(&self) -> &crate::billing::payments::Payments {
        &self.inner.payments
    }
    pub fn downgrade(&self) -> WeakAppState {
        WeakAppState(Arc::downgrade(&self.inner))
    }
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    pub fn metrics(&self) -> &crate::metrics::Scrape {
        &self.inner.metrics
    }
    pub fn tenants(&self) -> &dyn TenantStore {
        self.inner.tenants.as_ref()
    }
    pub fn automation(&self) -> &dyn AutomationStore {
        self.inner.automation.as_ref()
    }
    pub fn integrations(&self) -> &dyn IntegrationStore {
        self.inner.integrations.as_ref()
    }
    pub fn vault(&self) -> &WorkspaceVault {
        &self.inner.vault
    }
    pub fn connection_refresh(&self) -> &RefreshLocks {
        &self.inner.connection_refresh
    }
    pub fn mcp_discovery(&self) -> &crate::mcp::Discovery {
        &self.inner.mcp_discovery
    }
    pub fn mcp_allowlist(&self) -> &Arc<ar_mcp::HostAllowlist> {
        &self.inner.mcp_allowlist
    }
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
    pub fn chat_live(&self) -> &crate::chat::live::ChatLive {
        &self.inner.chat_live
    }
    pub fn streams(&self) -> &Streams {
        &self.inner.streams
    }
    pub fn vault_keys(&self) -> &VaultKeys {
        &self.inner.vault_keys
    }
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }
    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.inner.login_throttle
    }
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.inner.proxies
    }
    pub fn allowed_hosts(&self) -> &AllowedHosts {
        &self.inner.allowed_hosts
    }
    pub fn validation(&self) -> &crate::validation_pool::ValidationPool {
        &self.inner.validation
    }
    /// The server's own origin, e.g. `http://127.0.0.1:8080`.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }
}
