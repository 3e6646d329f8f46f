//! Deployment settings: a TOML file, then `AR_*` environment variables on top.
//!
//! Every setting and its variable is listed in `docs/server.md`. `product_code` is only
//! ever read from here (docs/contract.md §1: never from a request).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupPolicy {
    /// Anyone may sign up.
    Open,
    /// Only holders of a pending invite for their email.
    Invite,
}

/// Request rate limits (token bucket per key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Requests per minute for one token or session (the key is the credential).
    pub per_token_per_minute: u32,
    /// Requests per minute from one IP address without credentials.
    pub per_ip_per_minute: u32,
    /// Requests allowed at once above the steady rate.
    pub burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_token_per_minute: 6000,
            per_ip_per_minute: 600,
            burst: 100,
        }
    }
}

/// Argon2id cost. The defaults are OWASP's recommendation (19 MiB, 2 passes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordHashing {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// All server settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`AR_LISTEN`).
    pub listen: SocketAddr,
    /// Directory for the SQLite database and the master key file (`AR_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `postgres://…` for scale-out; unset means `<data_dir>/agentruntime.db` (`AR_DATABASE_URL`).
    pub database_url: Option<String>,
    /// PostgreSQL schema to keep the tables in (created if missing); unset means the
    /// connection's default `search_path` (`AR_DATABASE_SCHEMA`). Lets several
    /// deployments, or test runs, share one database.
    pub database_schema: Option<String>,
    /// Stamped on every workspace at creation (`AR_PRODUCT_CODE`).
    pub product_code: String,
    /// `open` or `invite` (`AR_SIGNUP`); `invite` by default (issue 13 item 8, below).
    pub signup: SignupPolicy,
    /// The URL browsers use to reach the server, e.g. `https://ar.example.com`; its origin is
    /// the one cookie-authenticated writes must come from. Unset: `http://<listen>`
    /// (`AR_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Mark session cookies `Secure` (`AR_SECURE_COOKIES`); unset: whenever `public_url`
    /// is https (see [`Settings::cookies_secure`]).
    pub secure_cookies: Option<bool>,
    /// Session lifetime in hours (`AR_SESSION_TTL_HOURS`).
    pub session_ttl_hours: u32,
    /// Largest accepted request body in bytes (`AR_BODY_LIMIT_BYTES`).
    pub body_limit_bytes: usize,
    /// Invite lifetime in hours (`AR_INVITE_TTL_HOURS`).
    pub invite_ttl_hours: u32,
    pub rate_limits: RateLimits,
    pub password_hashing: PasswordHashing,
    /// First-start owner account (`AR_ADMIN_EMAIL`, `AR_ADMIN_PASSWORD`).
    pub admin_email: String,
    pub admin_password: Option<String>,
    // --- MCP (docs/mcp.md "Operator settings"): the catalog and the SSRF allowlist.
    /// Operator exceptions to the SSRF guard (comma-separated hosts, addresses, CIDRs);
    /// `AR_MCP_ALLOWED_HOSTS` replaces it.
    pub mcp_allowed_hosts: Option<String>,
    /// The operator's MCP servers (`[[mcp_catalog]]`), offered to every project.
    pub mcp_catalog: Vec<McpCatalogEntry>,
    // --- Issue 13 item 6 (one MCP pool per tenant) and item 8 (stdio quota): caps on
    // the stdio MCP server processes of this node (docs/security.md "MCP connections").
    /// Stdio MCP server processes at most, all workspaces together
    /// (`AR_MCP_STDIO_CHILDREN_MAX`).
    pub mcp_stdio_children_max: usize,
    /// Stdio MCP server processes of one workspace at most, its runs and its registry's
    /// validation together (`AR_MCP_STDIO_CHILDREN_PER_WORKSPACE`).
    pub mcp_stdio_children_per_workspace: usize,
    // --- end of item 6.
    /// LLM providers: system keys and base URL overrides (`[llm]`, see below).
    pub llm: LlmSettings,
    // --- The engine on this node (docs/engine.md "Leases and claim order").
    /// This node's name in `step_started` events and on its leases (`AR_NODE_ID`); unset:
    /// `<hostname>-<pid>`.
    pub node_id: Option<String>,
    /// How long a claim on work lasts before another node may take it over, in
    /// milliseconds; extended every third of it while the work runs (`AR_LEASE_MS`).
    pub lease_ms: u64,
    /// How many times in a row a step may be taken over (its node died or stopped
    /// responding) before it fails with `RUN_STALLED_OR_TIMED_OUT` (`AR_MAX_TAKEOVERS`).
    pub max_takeovers: u32,
    /// `GET /metrics` (`[metrics]`, docs/operations.md).
    pub metrics: MetricsSettings,
    /// OpenTelemetry trace export (`[tracing]`, docs/operations.md).
    pub tracing: crate::otel::TracingSettings,
    // --- Defaults for an open network (issue 13 item 8; docs/security.md "Defaults").
    // Besides these: `signup` defaults to `invite` and `secure_cookies` follows `public_url`.
    /// A session unused for this long ends (`AR_SESSION_IDLE_SECONDS`); activity extends
    /// it, up to `session_ttl_hours` after sign-in.
    pub session_idle_seconds: u32,
    /// The lifetime of a PAT created without `expires_at` / `expires_in_days`
    /// (`AR_PAT_DEFAULT_TTL_DAYS`).
    pub pat_default_ttl_days: u32,
    /// The longest lifetime a PAT may be given (`AR_PAT_MAX_TTL_DAYS`).
    pub pat_max_ttl_days: u32,
    /// Whether a PAT may be created with `never_expires` (`AR_PAT_ALLOW_NEVER`).
    pub pat_allow_never: bool,
    /// Unfinished runs (queued, running, paused, draining) one workspace may have; a start
    /// beyond it is refused with 429 (`AR_MAX_ACTIVE_RUNS_PER_WORKSPACE`).
    pub max_active_runs_per_workspace: u32,
    // --- Issue 13 items 3 and 7 (docs/security.md "Request limits", "Host names"): who a
    // request comes from, login throttling, bounded password hashing, accepted `Host`s.
    /// Reverse proxies (IP addresses or CIDRs) whose `X-Forwarded-For` names the client;
    /// empty: the socket peer is the client (`AR_TRUSTED_PROXIES`, comma-separated).
    pub trusted_proxies: Vec<String>,
    /// Backoff of sign-ins to one email after failed attempts (`[login_throttle]`).
    pub login_throttle: LoginThrottleSettings,
    /// How many password hashes run at once and wait (`[password_work]`).
    pub password_work: PasswordWorkSettings,
    /// More `Host` names this server answers to, beyond its listen address, loopback
    /// names and `public_url`'s host; `name` (any port) or `name:port`
    /// (`AR_ALLOWED_HOSTS`, comma-separated).
    pub allowed_hosts: Vec<String>,
    // --- end of issue 13 items 3 and 7.
    /// Dry-run validation's Lua budget and pool (`[dry_run]`, issue 13 item 4).
    pub dry_run: DryRunSettings,
    /// The Platform MCP endpoint `/mcp` (`[platform_mcp]`, docs/platform-mcp.md).
    pub platform_mcp: PlatformMcpSettings,
    /// Credits, plans and prices (`[billing]`, docs/billing.md).
    pub billing: crate::billing::settings::BillingSettings,
    /// The console copilot (`[autopilot]`, docs/agents.md "Autopilot").
    pub autopilot: crate::autopilot::settings::AutopilotSettings,
    /// Google and WhatsApp connect (`[connections.google]`, `[connections.whatsapp]`,
    /// docs/connections.md).
    pub connections: crate::connections::settings::ConnectionsSettings,
}

/// Parses the value of the environment variable `name`.
fn parse_env<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, SettingsError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| SettingsError::Env {
        name,
        value,
        reason: e.to_string(),
    })
}

/// Default of `session_idle_seconds`: 8 hours.
pub const DEFAULT_SESSION_IDLE_SECONDS: u32 = 8 * 3600;
/// Default of `pat_default_ttl_days`.
pub const DEFAULT_PAT_TTL_DAYS: u32 = 90;
/// Default of `pat_max_ttl_days`.
pub const DEFAULT_PAT_MAX_TTL_DAYS: u32 = 365;
/// The most `pat_max_ttl_days` may be (ten years).
pub const PAT_TTL_DAYS_LIMIT: u32 = 3650;
/// Default of `max_active_runs_per_workspace`.
pub const DEFAULT_MAX_ACTIVE_RUNS_PER_WORKSPACE: u32 = 100;

// --- Issue 13 item 3: login throttling and bounded password hashing.

/// `[login_throttle]`: after `free_failures` failed sign-ins to one email, each further
/// failure closes sign-in to that email for twice as long as the one before (starting at
/// `first_delay_secs`), at most `max_delay_secs`. A success resets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginThrottleSettings {
    /// Failures allowed before the first delay (`AR_LOGIN_FREE_FAILURES`).
    pub free_failures: u32,
    /// The first delay, in seconds (`AR_LOGIN_FIRST_DELAY_SECS`).
    pub first_delay_secs: u64,
    /// The longest delay, in seconds: an attacker can delay an owner's sign-in, never lock
    /// them out for longer (`AR_LOGIN_MAX_DELAY_SECS`).
    pub max_delay_secs: u64,
}

impl Default for LoginThrottleSettings {
    fn default() -> Self {
        LoginThrottleSettings {
            free_failures: 5,
            first_delay_secs: 1,
            max_delay_secs: 15 * 60,
        }
    }
}

/// `[password_work]`: Argon2 hashes run on at most `slots` blocking threads at once, and
/// at most `queue` more requests wait for one; the rest are refused at once (503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordWorkSettings {
    /// Hashes at once; unset: the number of CPU cores (`AR_PASSWORD_HASH_SLOTS`).
    pub slots: Option<usize>,
    /// Requests that may wait for a slot (`AR_PASSWORD_HASH_QUEUE`).
    pub queue: usize,
}

impl Default for PasswordWorkSettings {
    fn default() -> Self {
        PasswordWorkSettings {
            slots: None,
            queue: 16,
        }
    }
}

impl PasswordWorkSettings {
    /// `slots`, or the cores this process may use.
    pub fn effective_slots(&self) -> usize {
        self.slots
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1)
    }
}

/// A comma-separated list, trimmed, without empty entries.
fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

// --- end of issue 13 item 3.

/// `[metrics]`: the Prometheus scrape endpoint.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve `/metrics` (`AR_METRICS_ENABLED`, default true).
    pub enabled: bool,
    /// A bearer token that lets scrapers in from anywhere (`AR_METRICS_TOKEN`); without
    /// it only loopback clients that are not relayed by a proxy may scrape.
    pub token: Option<String>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            enabled: true,
            token: None,
        }
    }
}

impl std::fmt::Debug for MetricsSettings {
    /// Never prints the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

// --- Dry-run validation (issue 13 item 4: validation is not a denial of service).

/// `[dry_run]`: what one `POST …/validate` may spend running Lua fixtures, and how many
/// validations run at once on this node.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DryRunSettings {
    /// Total time for all the Lua fixtures of one validation, in milliseconds (each fixture
    /// also keeps its own 1 s limit); fixtures left when it is spent are reported as not
    /// run (`AR_DRY_RUN_LUA_BUDGET_MS`, default 2000).
    pub lua_budget_ms: u64,
    /// Validations running at once on this node (`AR_DRY_RUN_WORKERS`); 0, the default,
    /// means one per CPU core.
    pub workers: usize,
    /// How long a validation waits for a free worker before it is refused with 503 and
    /// `Retry-After`, in milliseconds (`AR_DRY_RUN_QUEUE_WAIT_MS`, default 1000).
    pub queue_wait_ms: u64,
}

impl Default for DryRunSettings {
    fn default() -> Self {
        DryRunSettings {
            lua_budget_ms: 2_000,
            workers: 0,
            queue_wait_ms: 1_000,
        }
    }
}

// --- The Platform MCP (docs/contract.md §12, docs/platform-mcp.md).

/// `[platform_mcp]`: whether `/mcp` is served and which tool groups it offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformMcpSettings {
    /// Serve `/mcp` (`AR_PLATFORM_MCP_ENABLED`, default true).
    pub enabled: bool,
    /// The enabled tool groups; unset: every group but `risk`
    /// (`AR_PLATFORM_MCP_GROUPS`, comma-separated).
    pub groups: Option<Vec<String>>,
    /// Groups switched off, whatever `groups` says (`AR_PLATFORM_MCP_DISABLED_GROUPS`).
    pub disabled_groups: Vec<String>,
    /// Tool calls one token may make per minute, 0 for no limit
    /// (`AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE`, default 120).
    pub tool_calls_per_minute: u32,
}

impl Default for PlatformMcpSettings {
    fn default() -> Self {
        PlatformMcpSettings {
            enabled: true,
            groups: None,
            disabled_groups: Vec::new(),
            tool_calls_per_minute: 120,
        }
    }
}

impl PlatformMcpSettings {
    /// The groups offered (names already checked by [`PlatformMcpSettings::check`]).
    pub fn enabled_groups(&self) -> crate::platform_tools::EnabledGroups {
        use crate::platform_tools::{EnabledGroups, ToolGroup};
        let base = match &self.groups {
            Some(names) => EnabledGroups::new(names.iter().filter_map(|n| ToolGroup::parse(n))),
            None => EnabledGroups::default_set(),
        };
        let off: Vec<ToolGroup> = self
            .disabled_groups
            .iter()
            .filter_map(|n| ToolGroup::parse(n))
            .collect();
        EnabledGroups::new(
            ToolGroup::ALL
                .into_iter()
                .filter(|g| base.contains(*g) && !off.contains(g)),
        )
    }

    fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        if let Some(v) = get("AR_PLATFORM_MCP_ENABLED") {
            self.enabled = parse_env("AR_PLATFORM_MCP_ENABLED", v)?;
        }
        if let Some(v) = get("AR_PLATFORM_MCP_GROUPS") {
            self.groups = Some(comma_list(&v));
        }
        if let Some(v) = get("AR_PLATFORM_MCP_DISABLED_GROUPS") {
            self.disabled_groups = comma_list(&v);
        }
        if let Some(v) = get("AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE") {
            self.tool_calls_per_minute = parse_env("AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE", v)?;
        }
        self.check()
    }

    /// An unknown group name is a start-up error (a typo must not switch tools off silently).
    fn check(&self) -> Result<(), SettingsError> {
        let names = self.groups.iter().flatten().chain(&self.disabled_groups);
        for name in names {
            if crate::platform_tools::ToolGroup::parse(name).is_none() {
                let known: Vec<&str> = crate::platform_tools::ToolGroup::ALL
                    .iter()
                    .map(|g| g.name())
                    .collect();
                return Err(SettingsError::PlatformMcp(format!(
                    "platform_mcp: unknown tool group `{name}` (known: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// The accepted range of `dry_run.lua_budget_ms`.
pub const DRY_RUN_BUDGET_MS_RANGE: std::ops::RangeInclusive<u64> = 10..=600_000;
/// The accepted range of `dry_run.queue_wait_ms`.
pub const DRY_RUN_QUEUE_WAIT_MS_RANGE: std::ops::RangeInclusive<u64> = 0..=60_000;

impl DryRunSettings {
    /// `AR_DRY_RUN_*` overrides, then the range checks (a start-up error).
    fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        fn number<T: std::str::FromStr>(
            name: &'static str,
            value: String,
        ) -> Result<T, SettingsError> {
            value.trim().parse().map_err(|_| SettingsError::Env {
                name,
                value,
                reason: "expected a whole number".into(),
            })
        }
        if let Some(v) = get("AR_DRY_RUN_LUA_BUDGET_MS") {
            self.lua_budget_ms = number("AR_DRY_RUN_LUA_BUDGET_MS", v)?;
        }
        if let Some(v) = get("AR_DRY_RUN_WORKERS") {
            self.workers = number("AR_DRY_RUN_WORKERS", v)?;
        }
        if let Some(v) = get("AR_DRY_RUN_QUEUE_WAIT_MS") {
            self.queue_wait_ms = number("AR_DRY_RUN_QUEUE_WAIT_MS", v)?;
        }
        let out_of_range = |what: &str, value: u64, range: &std::ops::RangeInclusive<u64>| {
            SettingsError::DryRun(format!(
                "dry_run.{what} = {value}: must be between {} and {}",
                range.start(),
                range.end()
            ))
        };
        if !DRY_RUN_BUDGET_MS_RANGE.contains(&self.lua_budget_ms) {
            return Err(out_of_range(
                "lua_budget_ms",
                self.lua_budget_ms,
                &DRY_RUN_BUDGET_MS_RANGE,
            ));
        }
        if !DRY_RUN_QUEUE_WAIT_MS_RANGE.contains(&self.queue_wait_ms) {
            return Err(out_of_range(
                "queue_wait_ms",
                self.queue_wait_ms,
                &DRY_RUN_QUEUE_WAIT_MS_RANGE,
            ));
        }
        Ok(())
    }

    /// Validations at once: the setting, or the number of CPU cores.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            return self.workers;
        }
        std::thread::available_parallelism().map_or(2, usize::from)
    }
}

/// The accepted range of `lease_ms`: shorter leases mean faster takeover of a dead node's
/// work but more heartbeat writes (one per third of the lease per piece of work in flight).
pub const LEASE_MS_RANGE: std::ops::RangeInclusive<u64> = 200..=3_600_000;

// --- LLM providers (docs/llm-providers.md)

/// `[llm]`: what `llm_call` steps may use beyond the built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// The provider of steps that give a bare `model` (default `openai`).
    /// Env: `AR_LLM_DEFAULT_PROVIDER`.
    pub default_provider: Option<String>,
    /// `[llm.providers.<name>]`: a built-in provider's system key and base URL, or a new
    /// OpenAI-compatible provider (a name that is not built in, with a `base_url`).
    pub providers: BTreeMap<String, LlmProviderSettings>,
    /// The workspaces (by slug) whose runs may use the operator's system keys; `*` allows
    /// every workspace. Default: the first-start workspace `default` only, so a stranger
    /// who signs up does not spend the operator's keys.
    /// Env: `AR_LLM_SYSTEM_KEY_WORKSPACES` (comma-separated).
    pub system_key_workspaces: Vec<String>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            default_provider: None,
            providers: BTreeMap::new(),
            system_key_workspaces: vec![crate::bootstrap::DEFAULT_WORKSPACE.to_owned()],
        }
    }
}

/// One provider's operator settings. Env (wins over the file, for built-in providers and
/// those named in the file): `AR_<PROVIDER>_API_KEY`, `AR_<PROVIDER>_BASE_URL`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmProviderSettings {
    /// The system key: used when neither the step nor the workspace has one.
    pub api_key: Option<String>,
    /// The API root, e.g. `https://llm-proxy.internal/v1` (operator-trusted).
    pub base_url: Option<String>,
}

impl std::fmt::Debug for LlmProviderSettings {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProviderSettings")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl LlmSettings {
    /// Whether runs of the workspace `slug` may use the operator's system keys.
    pub fn system_keys_allowed_for(&self, slug: &str) -> bool {
        self.system_keys_allowed_everywhere()
            || self
                .system_key_workspaces
                .iter()
                .any(|allowed| allowed == slug)
    }

    /// Whether `system_key_workspaces` holds `*`.
    pub fn system_keys_allowed_everywhere(&self) -> bool {
        self.system_key_workspaces
            .iter()
            .any(|allowed| allowed == "*")
    }

    /// `AR_LLM_DEFAULT_PROVIDER`, then `AR_<PROVIDER>_API_KEY` / `AR_<PROVIDER>_BASE_URL`
    /// for the built-in providers and those the file names.
    fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("AR_LLM_DEFAULT_PROVIDER") {
            self.default_provider = Some(v);
        }
        if let Some(v) = get("AR_LLM_SYSTEM_KEY_WORKSPACES") {
            self.system_key_workspaces = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        let mut names: Vec<String> = ar_connect::llm::built_in_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        names.extend(self.providers.keys().cloned());
        for name in names {
            let key_var = ar_connect::llm::system_key_env_var(&name);
            let url_var = format!("{}_BASE_URL", key_var.trim_end_matches("_API_KEY"));
            let key = get(&key_var).filter(|v| !v.trim().is_empty());
            let url = get(&url_var).filter(|v| !v.trim().is_empty());
            if key.is_none() && url.is_none() {
                continue;
            }
            let entry = self.providers.entry(name).or_default();
            if key.is_some() {
                entry.api_key = key;
            }
            if url.is_some() {
                entry.base_url = url;
            }
        }
    }
}

/// A server of the operator's MCP catalog: a remote URL, or a local command over stdio.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpCatalogEntry {
    /// Unique in the catalog; a command's steps name it `stdio:<name>`.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A Streamable HTTP endpoint (exclusive with `command`).
    #[serde(default)]
    pub url: Option<String>,
    /// A program speaking MCP on stdin/stdout, and its arguments.
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    /// `none` (default) | `token` | `oauth`.
    #[serde(default = "default_auth_mode")]
    pub auth_mode: String,
    /// The environment variables (stdio) or headers (HTTP) a profile must provide. For a
    /// stdio server these, and `connection_env`, are the only variables a profile may set.
    #[serde(default)]
    pub credentials: Vec<String>,
    /// stdio: the variable a profile's connection token is put in (default
    /// `MCP_ACCESS_TOKEN`).
    #[serde(default)]
    pub connection_env: Option<String>,
    /// Projects get an instance automatically the first time a step names the server.
    #[serde(default)]
    pub auto_instance: bool,
}

fn default_auth_mode() -> String {
    "none".into()
}

impl McpCatalogEntry {
    /// The URL steps name the server by: `url`, or `stdio:<name>` for a command.
    pub fn canonical_url(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None => format!("stdio:{}", self.name),
        }
    }
    /// `http` or `stdio`.
    pub fn transport(&self) -> &'static str {
        if self.url.is_some() { "http" } else { "stdio" }
    }
    /// The variable a stdio server gets a profile's connection token in.
    pub fn connection_env(&self) -> &str {
        self.connection_env
            .as_deref()
            .unwrap_or(crate::mcp::env_policy::DEFAULT_CONNECTION_ENV)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./agentruntime-data"),
            database_url: None,
            database_schema: None,
            product_code: "agentruntime".into(),
            signup: SignupPolicy::Invite,
            public_url: None,
            secure_cookies: None,
            session_ttl_hours: 24 * 14,
            body_limit_bytes: 2 * 1024 * 1024,
            invite_ttl_hours: 24 * 7,
            rate_limits: RateLimits::default(),
            password_hashing: PasswordHashing::default(),
            admin_email: "admin@localhost".into(),
            admin_password: None,
            mcp_allowed_hosts: None,
            mcp_catalog: Vec::new(),
            // Item 6: ar_mcp's defaults (64 overall, 8 per workspace).
            mcp_stdio_children_max: ar_mcp::ChildLimits::default().total,
            mcp_stdio_children_per_workspace: ar_mcp::ChildLimits::default().per_workspace,
            llm: LlmSettings::default(),
            node_id: None,
            lease_ms: 30_000,
            max_takeovers: ar_engine::EngineConfig::default().max_takeovers,
            metrics: MetricsSettings::default(),
            tracing: crate::otel::TracingSettings::default(),
            session_idle_seconds: DEFAULT_SESSION_IDLE_SECONDS,
            pat_default_ttl_days: DEFAULT_PAT_TTL_DAYS,
            pat_max_ttl_days: DEFAULT_PAT_MAX_TTL_DAYS,
            pat_allow_never: false,
            max_active_runs_per_workspace: DEFAULT_MAX_ACTIVE_RUNS_PER_WORKSPACE,
            // Issue 13 items 3 and 7.
            trusted_proxies: Vec::new(),
            login_throttle: LoginThrottleSettings::default(),
            password_work: PasswordWorkSettings::default(),
            allowed_hosts: Vec::new(),
            dry_run: DryRunSettings::default(),
            platform_mcp: PlatformMcpSettings::default(),
            billing: Default::default(),
            autopilot: Default::default(),
            connections: Default::default(),
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path}: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("environment variable {name}={value:?}: {reason}")]
    Env {
        name: &'static str,
        value: String,
        reason: String,
    },
    /// An engine setting (node id, lease) is invalid.
    #[error("{0}")]
    Engine(String),
    /// The MCP allowlist or catalog is invalid.
    #[error("MCP settings: {0}")]
    Mcp(String),
    /// A setting of the open-network defaults (sessions, PATs, run quota) is invalid.
    #[error("{0}")]
    Defaults(String),
    /// Trusted proxies, login throttling, password work or allowed hosts are invalid
    /// (issue 13 items 3 and 7).
    #[error("{0}")]
    RequestLimits(String),
    /// A `[dry_run]` setting is out of range.
    #[error("{0}")]
    DryRun(String),
    /// A `[platform_mcp]` setting is invalid.
    #[error("{0}")]
    PlatformMcp(String),
    /// A `[billing]` setting is invalid.
    #[error("{0}")]
    Billing(String),
    /// An `[autopilot]` setting is invalid.
    #[error("{0}")]
    Autopilot(String),
    /// A `[connections.*]` setting is invalid.
    #[error("{0}")]
    Connections(String),
}

impl Settings {
    /// Reads `file` (if given), then applies `AR_*` variables from the process environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        let base = match file {
            Some(path) => Settings::from_toml_file(path)?,
            None => Settings::default(),
        };
        base.with_env(|name| std::env::var(name).ok())
    }

    /// Parses a TOML settings file; unknown keys are an error (a typo must not be ignored).
    pub fn from_toml_file(path: &Path) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| SettingsError::Toml {
            path: path.into(),
            source,
        })
    }

    /// Applies `AR_*` overrides read through `get` (the environment, or a map in tests).
    pub fn with_env(
        mut self,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        if let Some(v) = get("AR_LISTEN") {
            self.listen = parse_env("AR_LISTEN", v)?;
        }
        if let Some(v) = get("AR_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("AR_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("AR_DATABASE_SCHEMA") {
            self.database_schema = Some(v);
        }
        if let Some(v) = get("AR_PRODUCT_CODE") {
            self.product_code = v;
        }
        if let Some(v) = get("AR_SIGNUP") {
            self.signup = match v.as_str() {
                "open" => SignupPolicy::Open,
                "invite" => SignupPolicy::Invite,
                _ => {
                    return Err(SettingsError::Env {
                        name: "AR_SIGNUP",
                        value: v,
                        reason: "expected open or invite".into(),
                    });
                }
            };
        }
        if let Some(v) = get("AR_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = get("AR_SECURE_COOKIES") {
            self.secure_cookies = Some(parse_env("AR_SECURE_COOKIES", v)?);
        }
        if let Some(v) = get("AR_SESSION_TTL_HOURS") {
            self.session_ttl_hours = parse_env("AR_SESSION_TTL_HOURS", v)?;
        }
        if let Some(v) = get("AR_BODY_LIMIT_BYTES") {
            self.body_limit_bytes = parse_env("AR_BODY_LIMIT_BYTES", v)?;
        }
        if let Some(v) = get("AR_INVITE_TTL_HOURS") {
            self.invite_ttl_hours = parse_env("AR_INVITE_TTL_HOURS", v)?;
        }
        if let Some(v) = get("AR_RATE_LIMIT_PER_TOKEN") {
            self.rate_limits.per_token_per_minute = parse_env("AR_RATE_LIMIT_PER_TOKEN", v)?;
        }
        if let Some(v) = get("AR_RATE_LIMIT_PER_IP") {
            self.rate_limits.per_ip_per_minute = parse_env("AR_RATE_LIMIT_PER_IP", v)?;
        }
        if let Some(v) = get("AR_RATE_LIMIT_BURST") {
            self.rate_limits.burst = parse_env("AR_RATE_LIMIT_BURST", v)?;
        }
        if let Some(v) = get("AR_ADMIN_EMAIL") {
            self.admin_email = v;
        }
        if let Some(v) = get("AR_ADMIN_PASSWORD") {
            self.admin_password = Some(v);
        }
        if let Some(v) = get("AR_MCP_ALLOWED_HOSTS") {
            self.mcp_allowed_hosts = Some(v);
        }
        // Item 6: caps on stdio MCP server processes.
        if let Some(v) = get("AR_MCP_STDIO_CHILDREN_MAX") {
            self.mcp_stdio_children_max = parse_env("AR_MCP_STDIO_CHILDREN_MAX", v)?;
        }
        if let Some(v) = get("AR_MCP_STDIO_CHILDREN_PER_WORKSPACE") {
            self.mcp_stdio_children_per_workspace =
                parse_env("AR_MCP_STDIO_CHILDREN_PER_WORKSPACE", v)?;
        }
        if let Some(v) = get("AR_NODE_ID") {
            self.node_id = Some(v);
        }
        if let Some(v) = get("AR_LEASE_MS") {
            self.lease_ms = parse_env("AR_LEASE_MS", v)?;
        }
        if let Some(v) = get("AR_MAX_TAKEOVERS") {
            self.max_takeovers = parse_env("AR_MAX_TAKEOVERS", v)?;
        }
        if let Some(v) = get("AR_METRICS_ENABLED") {
            self.metrics.enabled = parse_env("AR_METRICS_ENABLED", v)?;
        }
        if let Some(v) = get("AR_METRICS_TOKEN").filter(|v| !v.trim().is_empty()) {
            self.metrics.token = Some(v);
        }
        self.apply_open_network_env(&get)?;
        // --- Issue 13 items 3 and 7.
        if let Some(v) = get("AR_TRUSTED_PROXIES") {
            self.trusted_proxies = comma_list(&v);
        }
        if let Some(v) = get("AR_LOGIN_FREE_FAILURES") {
            self.login_throttle.free_failures = parse_env("AR_LOGIN_FREE_FAILURES", v)?;
        }
        if let Some(v) = get("AR_LOGIN_FIRST_DELAY_SECS") {
            self.login_throttle.first_delay_secs = parse_env("AR_LOGIN_FIRST_DELAY_SECS", v)?;
        }
        if let Some(v) = get("AR_LOGIN_MAX_DELAY_SECS") {
            self.login_throttle.max_delay_secs = parse_env("AR_LOGIN_MAX_DELAY_SECS", v)?;
        }
        if let Some(v) = get("AR_PASSWORD_HASH_SLOTS") {
            self.password_work.slots = Some(parse_env("AR_PASSWORD_HASH_SLOTS", v)?);
        }
        if let Some(v) = get("AR_PASSWORD_HASH_QUEUE") {
            self.password_work.queue = parse_env("AR_PASSWORD_HASH_QUEUE", v)?;
        }
        if let Some(v) = get("AR_ALLOWED_HOSTS") {
            self.allowed_hosts = comma_list(&v);
        }
        self.check_request_limits()?;
        // --- end of issue 13 items 3 and 7.
        self.check_mcp()?;
        self.check_engine()?;
        self.check_open_network()?;
        self.llm.apply_env(&get);
        self.tracing.apply_env(&get);
        self.dry_run.apply_env(&get)?;
        self.platform_mcp.apply_env(&get)?;
        self.billing
            .apply_env(&get)
            .and_then(|()| self.billing.check(&self.product_code))
            .map_err(SettingsError::Billing)?;
        self.autopilot
            .apply_env(&get)
            .map_err(SettingsError::Autopilot)?;
        self.connections
            .apply_env(&get)
            .map_err(SettingsError::Connections)?;
        Ok(self)
    }

    /// `AR_*` of the open-network defaults (issue 13 item 8).
    fn apply_open_network_env(
        &mut self,
        get: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), SettingsError> {
        if let Some(v) = get("AR_SESSION_IDLE_SECONDS") {
            self.session_idle_seconds = parse_env("AR_SESSION_IDLE_SECONDS", v)?;
        }
        if let Some(v) = get("AR_PAT_DEFAULT_TTL_DAYS") {
            self.pat_default_ttl_days = parse_env("AR_PAT_DEFAULT_TTL_DAYS", v)?;
        }
        if let Some(v) = get("AR_PAT_MAX_TTL_DAYS") {
            self.pat_max_ttl_days = parse_env("AR_PAT_MAX_TTL_DAYS", v)?;
        }
        if let Some(v) = get("AR_PAT_ALLOW_NEVER") {
            self.pat_allow_never = parse_env("AR_PAT_ALLOW_NEVER", v)?;
        }
        if let Some(v) = get("AR_MAX_ACTIVE_RUNS_PER_WORKSPACE") {
            self.max_active_runs_per_workspace = parse_env("AR_MAX_ACTIVE_RUNS_PER_WORKSPACE", v)?;
        }
        Ok(())
    }

    /// Zero idle time, a zero quota or a default PAT lifetime beyond the maximum would
    /// lock everyone out or contradict itself: start-up errors.
    fn check_open_network(&self) -> Result<(), SettingsError> {
        let problem = if self.session_idle_seconds == 0 {
            Some("session_idle_seconds / AR_SESSION_IDLE_SECONDS must be at least 1")
        } else if !(1..=PAT_TTL_DAYS_LIMIT).contains(&self.pat_max_ttl_days) {
            Some("pat_max_ttl_days / AR_PAT_MAX_TTL_DAYS must be between 1 and 3650")
        } else if !(1..=self.pat_max_ttl_days).contains(&self.pat_default_ttl_days) {
            Some(
                "pat_default_ttl_days / AR_PAT_DEFAULT_TTL_DAYS must be between 1 and pat_max_ttl_days",
            )
        } else if self.max_active_runs_per_workspace == 0 {
            Some(
                "max_active_runs_per_workspace / AR_MAX_ACTIVE_RUNS_PER_WORKSPACE must be at least 1",
            )
        } else {
            None
        };
        match problem {
            Some(p) => Err(SettingsError::Defaults(p.to_owned())),
            None => Ok(()),
        }
    }

    /// Whether session cookies carry `Secure`: the explicit `secure_cookies` if set, else
    /// whenever browsers reach the server over https (`public_url`).
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
        })
    }

    /// A bad node id or lease is a start-up error.
    fn check_engine(&self) -> Result<(), SettingsError> {
        if let Some(id) = &self.node_id {
            ar_engine::check_node_id(id)
                .map_err(|e| SettingsError::Engine(format!("node_id / AR_NODE_ID {id:?}: {e}")))?;
        }
        if !LEASE_MS_RANGE.contains(&self.lease_ms) {
            return Err(SettingsError::Engine(format!(
                "lease_ms / AR_LEASE_MS = {}: must be between {} and {} milliseconds",
                self.lease_ms,
                LEASE_MS_RANGE.start(),
                LEASE_MS_RANGE.end()
            )));
        }
        Ok(())
    }

    /// The engine configuration these settings give this node.
    pub fn engine_config(&self) -> ar_engine::EngineConfig {
        let mut config = ar_engine::EngineConfig {
            lease: std::time::Duration::from_millis(self.lease_ms),
            max_takeovers: self.max_takeovers,
            ..ar_engine::EngineConfig::default()
        };
        if let Some(id) = &self.node_id {
            config.node_id = id.clone();
        }
        config
    }

    /// The SSRF allowlist of MCP connections (the file's, or `AR_MCP_ALLOWED_HOSTS`).
    pub fn mcp_allowlist(&self) -> Result<ar_mcp::HostAllowlist, ar_mcp::SsrfError> {
        match &self.mcp_allowed_hosts {
            Some(spec) => ar_mcp::HostAllowlist::parse(spec),
            None => Ok(ar_mcp::HostAllowlist::empty()),
        }
    }

    /// Item 6: the caps on stdio MCP server processes.
    pub fn mcp_child_limits(&self) -> ar_mcp::ChildLimits {
        ar_mcp::ChildLimits {
            total: self.mcp_stdio_children_max,
            per_workspace: self.mcp_stdio_children_per_workspace,
        }
    }

    /// The catalog entry steps name by `canonical_url`.
    pub fn mcp_catalog_entry(&self, canonical_url: &str) -> Option<&McpCatalogEntry> {
        self.mcp_catalog
            .iter()
            .find(|e| e.canonical_url() == canonical_url)
    }

    /// A bad allowlist or catalog is a start-up error, not a surprise at the first call.
    fn check_mcp(&self) -> Result<(), SettingsError> {
        if let Err(e) = self.mcp_allowlist() {
            return Err(SettingsError::Mcp(format!(
                "mcp_allowed_hosts / AR_MCP_ALLOWED_HOSTS: {e}"
            )));
        }
        // Item 6: a cap of zero would refuse every stdio server.
        for (name, value) in [
            ("mcp_stdio_children_max", self.mcp_stdio_children_max),
            (
                "mcp_stdio_children_per_workspace",
                self.mcp_stdio_children_per_workspace,
            ),
        ] {
            if value == 0 {
                return Err(SettingsError::Mcp(format!(
                    "{name} / AR_{}: must be at least 1",
                    name.to_ascii_uppercase()
                )));
            }
        }
        let mut names = std::collections::HashSet::new();
        for entry in &self.mcp_catalog {
            let problem = if entry.name.trim().is_empty() {
                Some("an entry has an empty name".to_string())
            } else if !names.insert(entry.name.as_str()) {
                Some("the name is used twice".to_string())
            } else if entry.url.is_some() == entry.command.is_some() {
                Some("give exactly one of `url` or `command`".to_string())
            } else if !["none", "token", "oauth"].contains(&entry.auth_mode.as_str()) {
                Some("auth_mode must be none, token or oauth".to_string())
            } else if entry.command.is_some() {
                crate::mcp::env_policy::check_declared(entry).err()
            } else {
                entry
                    .url
                    .as_deref()
                    .filter(|u| !(u.starts_with("http://") || u.starts_with("https://")))
                    .map(|_| "url must be an http(s) URL".to_string())
            };
            if let Some(reason) = problem {
                return Err(SettingsError::Mcp(format!(
                    "[[mcp_catalog]] entry {:?}: {reason}",
                    entry.name
                )));
            }
        }
        Ok(())
    }

    /// Issue 13 items 3 and 7: a bad proxy list, throttle, hashing bound or host name is a
    /// start-up error.
    fn check_request_limits(&self) -> Result<(), SettingsError> {
        let bad = |what: &str, reason: String| {
            Err(SettingsError::RequestLimits(format!("{what}: {reason}")))
        };
        if let Err(e) = crate::client_addr::TrustedProxies::parse(&self.trusted_proxies) {
            return bad("trusted_proxies / AR_TRUSTED_PROXIES", e);
        }
        if let Err(e) = crate::host_check::AllowedHosts::parse_extra(&self.allowed_hosts) {
            return bad("allowed_hosts / AR_ALLOWED_HOSTS", e);
        }
        let t = &self.login_throttle;
        if t.first_delay_secs == 0 || t.max_delay_secs < t.first_delay_secs {
            return bad(
                "login_throttle",
                format!(
                    "first_delay_secs ({}) must be at least 1 and at most max_delay_secs ({})",
                    t.first_delay_secs, t.max_delay_secs
                ),
            );
        }
        if self.password_work.slots == Some(0) {
            return bad(
                "password_work.slots / AR_PASSWORD_HASH_SLOTS",
                "must be at least 1 (unset: the number of cores)".into(),
            );
        }
        Ok(())
    }

    /// The database URL to open: the configured one, or the SQLite file in `data_dir`.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("agentruntime.db").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_listen_on_localhost_8080_with_invite_only_signup() {
        let s = Settings::default();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.signup, SignupPolicy::Invite);
        assert!(s.effective_database_url().ends_with("agentruntime.db"));
    }

    #[test]
    fn toml_is_read_and_environment_wins() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nproduct_code = \"acme\"\nsignup = \"invite\"\n[rate_limits]\nburst = 7\n")
            .expect("write");
        let s = Settings::from_toml_file(&path).expect("parse");
        assert_eq!(
            (
                s.listen.port(),
                s.product_code.as_str(),
                s.signup,
                s.rate_limits.burst
            ),
            (9000, "acme", SignupPolicy::Invite, 7)
        );
        let s = s
            .with_env(env(&[
                ("AR_LISTEN", "127.0.0.1:1234"),
                ("AR_SIGNUP", "open"),
            ]))
            .expect("env");
        assert_eq!(
            (s.listen.port(), s.signup, s.product_code.as_str()),
            (1234, SignupPolicy::Open, "acme")
        );
    }

    /// deploy/agentruntime.toml is what operators copy: it must load as it ships.
    #[test]
    fn the_deployment_example_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agentruntime.toml");
        let s = Settings::from_toml_file(&path)
            .expect("the example parses")
            .with_env(env(&[("AR_METRICS_TOKEN", "t0ken")]))
            .expect("and takes the environment");
        assert!(
            s.database_url
                .as_deref()
                .is_some_and(|u| u.starts_with("postgres://"))
        );
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.cookies_secure() && s.metrics.enabled);
        assert_eq!(s.metrics.token.as_deref(), Some("t0ken"));
        assert!(s.tracing.otlp_endpoint.is_some());
        assert_eq!(s.trusted_proxies, ["127.0.0.1/32", "::1/128"]);
        assert!(
            !format!("{s:?}").contains("t0ken"),
            "the token is never printed"
        );
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        let cases: &[(&str, &str)] = &[
            ("AR_LISTEN", "not an address"),
            ("AR_SIGNUP", "sometimes"),
            ("AR_BODY_LIMIT_BYTES", "-1"),
            ("AR_SECURE_COOKIES", "yes please"),
        ];
        for (name, value) in cases {
            let err = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err(name);
            assert!(err.to_string().contains(name), "{err}");
        }
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(&path, "lisen = \"typo\"\n").expect("write");
        let err = Settings::from_toml_file(&path).expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
    }

    /// Issue 13 items 3 and 7: lists from the environment, bad values refused at start.
    #[test]
    fn request_limit_settings_are_read_and_checked() {
        let s = Settings::default()
            .with_env(env(&[
                ("AR_TRUSTED_PROXIES", "10.0.0.0/8, ::1,"),
                ("AR_ALLOWED_HOSTS", "agents.internal,other.example:9000"),
                ("AR_LOGIN_FREE_FAILURES", "3"),
                ("AR_LOGIN_MAX_DELAY_SECS", "60"),
                ("AR_PASSWORD_HASH_SLOTS", "2"),
                ("AR_PASSWORD_HASH_QUEUE", "4"),
            ]))
            .expect("env");
        assert_eq!(s.trusted_proxies, ["10.0.0.0/8", "::1"]);
        assert_eq!(s.allowed_hosts, ["agents.internal", "other.example:9000"]);
        assert_eq!(
            (
                s.login_throttle.free_failures,
                s.login_throttle.max_delay_secs
            ),
            (3, 60)
        );
        assert_eq!(s.password_work.effective_slots(), 2);
        assert_eq!(s.password_work.queue, 4);
        assert!(Settings::default().password_work.effective_slots() >= 1);
        let cases: &[(&str, &str, &str)] = &[
            ("AR_TRUSTED_PROXIES", "proxy.internal", "trusted_proxies"),
            ("AR_ALLOWED_HOSTS", "http://x.example/", "allowed_hosts"),
            ("AR_PASSWORD_HASH_SLOTS", "0", "AR_PASSWORD_HASH_SLOTS"),
            ("AR_LOGIN_FIRST_DELAY_SECS", "0", "first_delay_secs"),
            ("AR_LOGIN_MAX_DELAY_SECS", "-5", "AR_LOGIN_MAX_DELAY_SECS"),
        ];
        for (name, value, said) in cases {
            let err = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err(name);
            assert!(err.to_string().contains(said), "{name}: {err}");
        }
    }

    #[test]
    fn open_network_defaults_are_safe_and_the_environment_changes_them() {
        let s = Settings::default().with_env(env(&[])).expect("defaults");
        assert_eq!(
            (
                s.signup,
                s.session_idle_seconds,
                s.pat_default_ttl_days,
                s.pat_max_ttl_days,
                s.pat_allow_never,
                s.max_active_runs_per_workspace
            ),
            (SignupPolicy::Invite, 8 * 3600, 90, 365, false, 100)
        );
        let s = Settings::default()
            .with_env(env(&[
                ("AR_SESSION_IDLE_SECONDS", "60"),
                ("AR_PAT_DEFAULT_TTL_DAYS", "7"),
                ("AR_PAT_MAX_TTL_DAYS", "30"),
                ("AR_PAT_ALLOW_NEVER", "true"),
                ("AR_MAX_ACTIVE_RUNS_PER_WORKSPACE", "3"),
            ]))
            .expect("env");
        assert_eq!(
            (
                s.session_idle_seconds,
                s.pat_default_ttl_days,
                s.pat_max_ttl_days,
                s.pat_allow_never,
                s.max_active_runs_per_workspace
            ),
            (60, 7, 30, true, 3)
        );
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("AR_SESSION_IDLE_SECONDS", "0")],
                "AR_SESSION_IDLE_SECONDS",
            ),
            (
                &[("AR_SESSION_IDLE_SECONDS", "soon")],
                "AR_SESSION_IDLE_SECONDS",
            ),
            (&[("AR_PAT_MAX_TTL_DAYS", "4000")], "AR_PAT_MAX_TTL_DAYS"),
            (
                &[
                    ("AR_PAT_MAX_TTL_DAYS", "30"),
                    ("AR_PAT_DEFAULT_TTL_DAYS", "90"),
                ],
                "AR_PAT_DEFAULT_TTL_DAYS",
            ),
            (&[("AR_PAT_ALLOW_NEVER", "maybe")], "AR_PAT_ALLOW_NEVER"),
            (
                &[("AR_MAX_ACTIVE_RUNS_PER_WORKSPACE", "0")],
                "AR_MAX_ACTIVE_RUNS_PER_WORKSPACE",
            ),
        ];
        for (vars, named) in cases {
            let err = Settings::default()
                .with_env(env(vars))
                .expect_err(named)
                .to_string();
            assert!(err.contains(named), "{vars:?}: {err}");
        }
    }

    #[test]
    fn cookies_are_secure_for_an_https_public_url_unless_the_operator_says_otherwise() {
        let with = |pairs: &[(&str, &str)]| {
            Settings::default()
                .with_env(env(pairs))
                .expect("env")
                .cookies_secure()
        };
        assert!(!with(&[]), "http://<listen> by default");
        assert!(!with(&[("AR_PUBLIC_URL", "http://ar.example.com")]));
        assert!(with(&[("AR_PUBLIC_URL", "https://ar.example.com")]));
        assert!(with(&[("AR_PUBLIC_URL", "HTTPS://AR.example.com")]));
        assert!(
            !with(&[
                ("AR_PUBLIC_URL", "https://ar.example.com"),
                ("AR_SECURE_COOKIES", "false")
            ]),
            "an explicit setting wins"
        );
        assert!(with(&[
            ("AR_PUBLIC_URL", "http://10.0.0.5:8080"),
            ("AR_SECURE_COOKIES", "true")
        ]));
    }

    #[test]
    fn the_node_id_and_lease_reach_the_engine_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(&path, "node_id = \"from-file\"\nlease_ms = 5000\n").expect("write");
        let s = Settings::from_toml_file(&path).expect("parse");
        let config = s.engine_config();
        assert_eq!(config.node_id, "from-file");
        assert_eq!(config.lease, std::time::Duration::from_millis(5000));
        let s = s
            .with_env(env(&[
                ("AR_NODE_ID", "eu-1a-worker-2"),
                ("AR_LEASE_MS", "800"),
            ]))
            .expect("env");
        let config = s.engine_config();
        assert_eq!(config.node_id, "eu-1a-worker-2");
        assert_eq!(config.lease, std::time::Duration::from_millis(800));
        // Unset: a per-process default, and the 30 s lease.
        let config = Settings::default().engine_config();
        assert!(
            config.node_id.contains(&std::process::id().to_string()),
            "{}",
            config.node_id
        );
        assert_eq!(config.lease, std::time::Duration::from_secs(30));
    }

    #[test]
    fn bad_node_ids_and_leases_are_refused_at_start() {
        let cases: &[(&str, &str, &str)] = &[
            ("AR_NODE_ID", "", "1 to 128"),
            ("AR_NODE_ID", "two words", "whitespace"),
            ("AR_LEASE_MS", "50", "between 200 and 3600000"),
            ("AR_LEASE_MS", "99999999", "between 200 and 3600000"),
            ("AR_LEASE_MS", "soon", "AR_LEASE_MS"),
        ];
        for (name, value, says) in cases {
            let err = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err(value);
            let text = err.to_string();
            assert!(
                text.contains(name) && text.contains(says),
                "{name}={value:?}: {text}"
            );
        }
    }

    #[test]
    fn llm_provider_settings_come_from_the_file_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(
            &path,
            "[llm]\ndefault_provider = \"anthropic\"\n[llm.providers.openai]\napi_key = \"sk-file\"\nbase_url = \"https://proxy.example/v1\"\n[llm.providers.corp]\nbase_url = \"https://llm.corp.example/v1\"\n",
        )
        .expect("write");
        let s = Settings::from_toml_file(&path).expect("parse");
        assert_eq!(s.llm.default_provider.as_deref(), Some("anthropic"));
        let s = s
            .with_env(env(&[
                ("AR_OPENAI_API_KEY", "sk-env"),
                ("AR_CORP_API_KEY", "sk-corp"),
                ("AR_ANTHROPIC_BASE_URL", "https://claude.example"),
            ]))
            .expect("env");
        let openai = &s.llm.providers["openai"];
        assert_eq!(openai.api_key.as_deref(), Some("sk-env"), "env wins");
        assert_eq!(openai.base_url.as_deref(), Some("https://proxy.example/v1"));
        assert_eq!(s.llm.providers["corp"].api_key.as_deref(), Some("sk-corp"));
        assert_eq!(
            s.llm.providers["anthropic"].base_url.as_deref(),
            Some("https://claude.example")
        );
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("sk-env") && !shown.contains("sk-corp"),
            "{shown}"
        );
    }

    #[test]
    fn system_keys_serve_the_first_start_workspace_unless_the_operator_lists_more() {
        let s = Settings::default();
        assert!(s.llm.system_keys_allowed_for("default"));
        assert!(!s.llm.system_keys_allowed_for("stranger"));
        let s = Settings::default()
            .with_env(env(&[("AR_LLM_SYSTEM_KEY_WORKSPACES", "acme, partner ,")]))
            .expect("env");
        assert_eq!(s.llm.system_key_workspaces, ["acme", "partner"]);
        assert!(s.llm.system_keys_allowed_for("partner"));
        assert!(
            !s.llm.system_keys_allowed_for("default"),
            "the list replaces the default"
        );
        let s = Settings::default()
            .with_env(env(&[("AR_LLM_SYSTEM_KEY_WORKSPACES", "*")]))
            .expect("env");
        assert!(s.llm.system_keys_allowed_for("anyone"));
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(&path, "[llm]\nsystem_key_workspaces = []\n").expect("write");
        let s = Settings::from_toml_file(&path).expect("parse");
        assert!(
            !s.llm.system_keys_allowed_for("default"),
            "an empty list: nobody"
        );
    }

    /// Item 6: the caps on stdio children, from the file and the environment; zero is
    /// refused at start.
    #[test]
    fn stdio_child_caps_have_safe_defaults_and_refuse_zero() {
        let s = Settings::default();
        assert_eq!(
            s.mcp_child_limits(),
            ar_mcp::ChildLimits {
                total: 64,
                per_workspace: 8
            }
        );
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(
            &path,
            "mcp_stdio_children_max = 10
",
        )
        .expect("write");
        let s = Settings::from_toml_file(&path)
            .expect("parse")
            .with_env(env(&[("AR_MCP_STDIO_CHILDREN_PER_WORKSPACE", "3")]))
            .expect("env");
        assert_eq!(
            s.mcp_child_limits(),
            ar_mcp::ChildLimits {
                total: 10,
                per_workspace: 3
            }
        );
        let err = Settings::default()
            .with_env(env(&[("AR_MCP_STDIO_CHILDREN_MAX", "0")]))
            .expect_err("zero");
        assert!(
            err.to_string().contains("AR_MCP_STDIO_CHILDREN_MAX"),
            "{err}"
        );
    }

    #[test]
    fn a_stdio_catalog_entry_cannot_declare_a_code_loading_variable() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        let load = |entry: &str| {
            std::fs::write(
                &path,
                format!("[[mcp_catalog]]\nname = \"x\"\ncommand = \"node\"\n{entry}\n"),
            )
            .expect("write");
            Settings::from_toml_file(&path)
                .expect("parse")
                .with_env(env(&[]))
        };
        let err = load("credentials = [\"TOKEN\", \"NODE_OPTIONS\"]").expect_err("refused");
        assert!(err.to_string().contains("NODE_OPTIONS"), "{err}");
        let err = load("connection_env = \"LD_PRELOAD\"").expect_err("refused");
        assert!(err.to_string().contains("LD_PRELOAD"), "{err}");
        let s = load("credentials = [\"TOKEN\"]\nconnection_env = \"GH_TOKEN\"").expect("valid");
        assert_eq!(s.mcp_catalog[0].connection_env(), "GH_TOKEN");
    }

    #[test]
    fn the_mcp_catalog_and_allowlist_come_from_the_file_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ar.toml");
        std::fs::write(
            &path,
            "mcp_allowed_hosts = \"10.0.0.0/8\"\n\
             [[mcp_catalog]]\nname = \"files\"\ncommand = \"node\"\nargs = [\"fs.js\"]\n\
             credentials = [\"FS_TOKEN\"]\nauto_instance = true\n\
             [[mcp_catalog]]\nname = \"search\"\nurl = \"https://search.example/mcp\"\nauth_mode = \"token\"\n",
        )
        .expect("write");
        let s = Settings::from_toml_file(&path).expect("parse");
        let files = s.mcp_catalog_entry("stdio:files").expect("files");
        assert_eq!((files.transport(), files.auto_instance), ("stdio", true));
        let search = s
            .mcp_catalog_entry("https://search.example/mcp")
            .expect("search");
        assert_eq!(
            (search.transport(), search.auth_mode.as_str()),
            ("http", "token")
        );
        let allow = s.mcp_allowlist().expect("allowlist");
        assert!(allow.allows_addr("10.1.2.3".parse().expect("ip")));
        let s = s
            .with_env(env(&[("AR_MCP_ALLOWED_HOSTS", "127.0.0.1")]))
            .expect("env");
        let allow = s.mcp_allowlist().expect("allowlist");
        assert!(!allow.allows_addr("10.1.2.3".parse().expect("ip")));
        assert!(allow.allows_addr("127.0.0.1".parse().expect("ip")));

        let bad = |entry: &str| {
            std::fs::write(&path, format!("[[mcp_catalog]]\n{entry}\n")).expect("write");
            Settings::from_toml_file(&path)
                .expect("parse")
                .with_env(env(&[]))
                .expect_err(entry)
                .to_string()
        };
        assert!(bad("name = \"x\"").contains("exactly one of `url` or `command`"));
        assert!(bad("name = \"x\"\nurl = \"ftp://x\"").contains("http(s)"));
        assert!(
            bad("name = \"x\"\nurl = \"https://x\"\nauth_mode = \"magic\"").contains("auth_mode")
        );
        let err = Settings::default()
            .with_env(env(&[("AR_MCP_ALLOWED_HOSTS", "not a host!")]))
            .expect_err("bad allowlist");
        assert!(err.to_string().contains("AR_MCP_ALLOWED_HOSTS"), "{err}");
    }

    #[test]
    fn platform_mcp_groups_default_to_all_but_risk_and_read_env() {
        use crate::platform_tools::ToolGroup;
        let s = Settings::default().with_env(env(&[])).expect("defaults");
        assert!(s.platform_mcp.enabled);
        let groups = s.platform_mcp.enabled_groups();
        assert!(groups.contains(ToolGroup::Core) && groups.contains(ToolGroup::Vault));
        assert!(!groups.risk());
        let s = Settings::default()
            .with_env(env(&[
                ("AR_PLATFORM_MCP_ENABLED", "false"),
                ("AR_PLATFORM_MCP_GROUPS", "core, vault ,risk"),
                ("AR_PLATFORM_MCP_DISABLED_GROUPS", "vault"),
                ("AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE", "7"),
            ]))
            .expect("overrides");
        assert!(!s.platform_mcp.enabled);
        assert_eq!(s.platform_mcp.tool_calls_per_minute, 7);
        let groups = s.platform_mcp.enabled_groups();
        assert!(groups.contains(ToolGroup::Core) && groups.risk());
        assert!(!groups.contains(ToolGroup::Vault) && !groups.contains(ToolGroup::Pat));
        for (name, value) in [
            ("AR_PLATFORM_MCP_GROUPS", "core,vualt"),
            ("AR_PLATFORM_MCP_DISABLED_GROUPS", "everything"),
            ("AR_PLATFORM_MCP_TOOL_CALLS_PER_MINUTE", "-1"),
            ("AR_PLATFORM_MCP_ENABLED", "maybe"),
        ] {
            let error = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err("refused");
            assert!(
                error.to_string().contains("platform_mcp") || error.to_string().contains(name),
                "{error}"
            );
        }
        let toml: Settings =
            toml::from_str("[platform_mcp]\ngroups = [\"core\"]\ntool_calls_per_minute = 0\n")
                .expect("toml");
        assert_eq!(toml.platform_mcp.groups, Some(vec!["core".to_string()]));
        assert_eq!(toml.platform_mcp.tool_calls_per_minute, 0);
    }

    #[test]
    fn autopilot_settings_default_read_env_and_refuse_out_of_range() {
        let s = Settings::default().with_env(env(&[])).expect("defaults");
        assert_eq!(s.autopilot.model_ref, None);
        assert_eq!((s.autopilot.max_rounds, s.autopilot.max_repairs), (8, 3));
        let s = Settings::default()
            .with_env(env(&[
                ("AR_AUTOPILOT_MODEL_REF", "direct.openai.gpt-4o"),
                ("AR_AUTOPILOT_MAX_ROUNDS", "3"),
                ("AR_AUTOPILOT_MAX_REPAIRS", "0"),
            ]))
            .expect("overrides");
        assert_eq!(
            s.autopilot.model_ref.as_deref(),
            Some("direct.openai.gpt-4o")
        );
        assert_eq!((s.autopilot.max_rounds, s.autopilot.max_repairs), (3, 0));
        for (name, value) in [
            ("AR_AUTOPILOT_MAX_ROUNDS", "0"),
            ("AR_AUTOPILOT_MAX_ROUNDS", "51"),
            ("AR_AUTOPILOT_MAX_REPAIRS", "11"),
            ("AR_AUTOPILOT_MAX_REPAIRS", "three"),
            ("AR_AUTOPILOT_MODEL_REF", "gpt-4o"),
        ] {
            let error = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err("refused");
            assert!(error.to_string().contains(name), "{error}");
        }
        let toml: Settings = toml::from_str(
            "[autopilot]\nmodel_ref = \"direct.anthropic.claude-x\"\nmax_rounds = 4\n",
        )
        .expect("toml");
        assert_eq!(toml.autopilot.max_rounds, 4);
        assert_eq!(toml.autopilot.max_repairs, 3);
        assert!(toml::from_str::<Settings>("[autopilot]\nmodle_ref = \"x\"\n").is_err());
    }

    #[test]
    fn dry_run_settings_default_safely_read_env_and_refuse_out_of_range() {
        let s = Settings::default().with_env(env(&[])).expect("defaults");
        assert_eq!(s.dry_run, DryRunSettings::default());
        assert_eq!(s.dry_run.lua_budget_ms, 2_000);
        assert!(s.dry_run.worker_count() >= 1);
        let s = Settings::default()
            .with_env(env(&[
                ("AR_DRY_RUN_LUA_BUDGET_MS", "500"),
                ("AR_DRY_RUN_WORKERS", "3"),
                ("AR_DRY_RUN_QUEUE_WAIT_MS", "0"),
            ]))
            .expect("overrides");
        assert_eq!(
            (
                s.dry_run.lua_budget_ms,
                s.dry_run.worker_count(),
                s.dry_run.queue_wait_ms
            ),
            (500, 3, 0)
        );
        for (name, value) in [
            ("AR_DRY_RUN_LUA_BUDGET_MS", "0"),
            ("AR_DRY_RUN_LUA_BUDGET_MS", "two"),
            ("AR_DRY_RUN_QUEUE_WAIT_MS", "3600000"),
        ] {
            let error = Settings::default()
                .with_env(env(&[(name, value)]))
                .expect_err("refused");
            assert!(
                error.to_string().contains("dry_run") || error.to_string().contains(name),
                "{error}"
            );
        }
    }
}
