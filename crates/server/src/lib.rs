//! `ar-server`: the agentruntime HTTP API.
//!
//! - [`Settings`]: TOML file + `AR_*` environment (documented in `docs/server.md`);
//! - [`app`]: the axum [`Router`] of `/healthz`, `/readyz` and the `/v1` surface, with
//!   JSON errors (docs/contract.md §1), a body limit, rate limiting, the `Host` check and request
//!   tracing;
//! - [`auth`]: sessions, PATs, CSRF and the authorization [`auth::gate::Gate`];
//! - [`routes`]: the route table (every route names its permission-table action);
//! - [`serve`] / [`start`]: bind, bootstrap on first start, graceful shutdown.

pub mod agents;
pub mod analytics;
pub mod auth;
pub mod automation;
pub mod autopilot;
pub mod billing;
pub mod body_limit;
pub mod bootstrap;
pub mod chat;
pub mod client_addr;
pub mod connections;
pub mod console;
pub mod error;
pub mod extract;
pub mod host_check;
pub mod json;
pub mod llm;
pub mod master_key;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod otel;
pub mod platform_mcp;
pub mod platform_tools;
pub mod ratelimit;
pub mod routes;
pub mod runs;
pub mod settings;
pub mod starters;
pub mod state;
pub mod stream;
pub mod validation_pool;
pub mod vault;
pub mod views;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ar_engine::{Engine, Executors};
use ar_store::automation::{AutomationStore, PgAutomationStore, SqliteAutomationStore};
use ar_store::integrations::{IntegrationStore, PgIntegrationStore, SqliteIntegrationStore};
use ar_store::tenant::{PgTenantStore, SqliteTenantStore, TenantStore};
use ar_store::{PgConfig, PgStore, SqliteConfig, SqliteStore, Store};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use settings::{Settings, SignupPolicy};
pub use state::AppState;

/// Builds the router. Health probes sit outside the rate limiter.
pub fn app(state: AppState) -> Router {
    let mut api = v1_routes();
    // The Platform MCP's tools are REST requests made through these same `/v1` routes
    // (docs/platform-mcp.md); `/mcp` itself is not among them.
    if let Some(mcp) = platform_mcp::router(&state, api.clone().with_state(state.clone())) {
        api = api.merge(mcp);
    }
    let body_limit = state.settings().body_limit_bytes;
    api.layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_limit::enforce,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::limit,
        ))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route(metrics::access::PATH, get(metrics::access::scrape))
        .route(openapi::OPENAPI_PATH, get(openapi::serve_document))
        // Everything else: the console at `/`, or the JSON 404 for unknown `/v1` routes.
        .fallback(console::fallback)
        // Every route but the health probes: a request for another host name is refused
        // before anything else (DNS rebinding, docs/security.md).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host_check::enforce,
        ))
        // Outside the limiter, so refused requests (429, 413) are counted too; per route,
        // so the route template is known (`unmatched` for the fallback).
        .layer(axum::middleware::from_fn(metrics::http::record))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// The `/v1` routes of the route table, traced, without the layers `app` adds around them
/// (body limit, rate limits, Host check). The platform tools make their REST requests
/// through these (`platform_tools::dispatch::Dispatcher`).
pub fn v1_routes() -> Router<AppState> {
    let mut api = Router::new();
    for route in routes::table() {
        api = api.route(route.spec.path, route.handler);
    }
    api.route_layer(trace_layer())
        .method_not_allowed_fallback(error::method_not_allowed)
}

/// Request tracing of the `/v1` routes.
fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&axum::http::Request<axum::body::Body>) -> tracing::Span + Clone,
> {
    // Traced inside routing, so spans name the route pattern, never the concrete path
    // (invite tokens travel in paths and must not reach the logs).
    TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            .unwrap_or("");
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            route,
            otel.name = %format_args!("{} {route}", req.method()),
            otel.kind = "server",
        );
        // A caller's trace context (`traceparent`) makes this request part of its trace.
        if let Some(parent) = otel::incoming_context(req.headers()) {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            let _ = span.set_parent(parent);
        }
        span
    })
}

/// The two views of the configured database: tenancy (users, workspaces, workflows, …)
/// and the engine's run store. On Postgres they share one pool; on SQLite they are two
/// connections to the same file (the engine's writer thread and the tenancy pool).
#[derive(Clone)]
pub struct Stores {
    pub tenants: Arc<dyn TenantStore>,
    pub runs: Arc<dyn Store>,
    /// Webhook subscriptions and cron triggers (the tenancy pool's connections).
    pub automation: Arc<dyn AutomationStore>,
    /// The vault's data keys and secrets, connections, the MCP registry, LLM keys.
    pub integrations: Arc<dyn IntegrationStore>,
    /// The vault's master key(s), which wrap every workspace's data key. Loaded with the
    /// database because secrets sealed in it only open with this key; never stored in it.
    /// Reloaded from its source when a data key names a key it does not hold (rotation).
    pub vault_keys: master_key::VaultKeys,
    /// What the `mcp_call` executor, built (by [`default_executors`]) before the server
    /// state, shares with it: the state, which [`start`] puts there (the resolver needs it
    /// for connections), and the node's one MCP connection pool.
    pub mcp_state: mcp::McpShared,
}

/// Opens the configured database (creating `data_dir` for SQLite) and loads the master
/// key ([`master_key::load`]: `AR_MASTER_KEY`, else `<data_dir>/master.key`).
pub async fn open_stores(settings: &Settings) -> anyhow::Result<Stores> {
    let (vault_keys, key) = master_key::VaultKeys::load(settings)?;
    // The key id is a public fingerprint; the key itself is never logged.
    tracing::info!(key_id = %key.key_id, source = ?key.source, "vault master key loaded");
    let url = settings.effective_database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut config = PgConfig::new(&url);
        if let Some(schema) = &settings.database_schema {
            config = config.with_schema(schema);
        }
        let pg = PgStore::open(config).await?;
        let tenants = Arc::new(PgTenantStore::from_pool(pg.pool().clone()));
        let automation = Arc::new(PgAutomationStore::from_pool(pg.pool().clone()));
        let integrations = Arc::new(PgIntegrationStore::from_pool(pg.pool().clone()));
        return Ok(Stores {
            tenants,
            automation,
            integrations,
            runs: Arc::new(pg),
            vault_keys,
            mcp_state: Default::default(),
        });
    }
    if settings.database_schema.is_some() {
        anyhow::bail!(
            "database_schema (AR_DATABASE_SCHEMA) applies to PostgreSQL only; set database_url too"
        );
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(&url);
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    // The run store first: it applies the migrations both views rely on.
    let runs = Arc::new(SqliteStore::open(SqliteConfig::file(path)).await?);
    let tenants = SqliteTenantStore::open(path).await?;
    let automation = Arc::new(SqliteAutomationStore::from_pool(tenants.pool().clone()));
    let integrations = Arc::new(SqliteIntegrationStore::from_pool(tenants.pool().clone()));
    Ok(Stores {
        tenants: Arc::new(tenants),
        automation,
        integrations,
        runs,
        vault_keys,
        mcp_state: Default::default(),
    })
}

/// The step executors a server node offers: the built-in ones (Lua, human tasks,
/// composites) and `mcp_call`/`llm_call`. `mcp_call` resolves servers through the
/// project's MCP registry ([`mcp::RegistryResolver`]: instances, active profiles, vault
/// secrets, the operator catalog) and connects through the node's pool
/// ([`mcp::pool`]: per workspace, under the settings' SSRF allowlist — `mcp_allowed_hosts`
/// < `AR_MCP_ALLOWED_HOSTS`; docs/integrations.md — and caps on stdio children); LLM providers
/// and system keys come from the settings' `[llm]` (docs/llm-providers.md), with
/// workspace keys from the vault. Both are metered ([`llm::metering`]).
pub fn default_executors(settings: &Settings, stores: &Stores) -> Executors {
    let mut executors = Executors::with_builtin(ar_lua::LuaLimits::default());
    let registered = stores
        .mcp_state
        .pool
        .get_or_create(settings)
        .and_then(|pool| {
            let resolver: Arc<dyn ar_executors::McpTargetResolver> =
                Arc::new(mcp::RegistryResolver::new(
                    stores.integrations.clone(),
                    settings.mcp_catalog.clone(),
                    stores.mcp_state.state.clone(),
                ));
            ar_executors::register_with(&mut executors, pool.clone(), resolver.clone())
                .map(|()| Arc::new(ar_executors::McpCallExecutor::new(pool, resolver)))
        });
    let mcp = match registered {
        Ok(mcp) => mcp,
        Err(error) => {
            // Fail closed: MCP, LLM and agent steps fail with "no executor configured".
            tracing::error!(%error, "mcp_call, llm_call and agent_call are unavailable");
            return executors;
        }
    };
    match llm_executor(settings, stores) {
        Ok(llm) => {
            let metered = llm::metering::Metered::new(
                llm.clone(),
                llm::metering::Meter::Llm,
                stores.integrations.clone(),
            )
            .charging(charger(settings, stores));
            executors.register("llm_call", Arc::new(metered));
            // docs/contract.md §13: one durable turn of a project agent, metered (§14).
            let agent = ar_executors::AgentCallExecutor::new(
                llm,
                mcp,
                Arc::new(agents::backend::StoreAgentBackend::new(
                    stores.integrations.clone(),
                    // Bound by `start`, like the MCP resolver's: workflow tools start runs.
                    stores.mcp_state.state.clone(),
                )),
            )
            // Workflow-tool calls wait for their runs in worker slots (docs/agents.md).
            .with_workers(settings.engine_config().workers);
            let metered = llm::metering::Metered::new(
                Arc::new(agent),
                llm::metering::Meter::Agent,
                stores.integrations.clone(),
            )
            .charging(charger(settings, stores));
            executors.register("agent_call", Arc::new(metered));
        }
        Err(error) => {
            tracing::error!(%error, "llm_call and agent_call are unavailable");
            executors.register("llm_call", Arc::new(Unavailable(error)));
        }
    }
    if let Some(mcp) = executors.get("mcp_call").cloned() {
        let metered = llm::metering::Metered::new(
            mcp,
            llm::metering::Meter::Mcp,
            stores.integrations.clone(),
        )
        .charging(charger(settings, stores));
        executors.register("mcp_call", Arc::new(metered));
    }
    executors
}

/// `llm_call`'s executor with this server's providers and keys (unmetered: the
/// registered `llm_call` and `agent_call` each wrap it in their metering).
fn llm_executor(
    settings: &Settings,
    stores: &Stores,
) -> Result<Arc<ar_executors::LlmCallExecutor>, String> {
    let providers = llm::providers(settings)?;
    let http = ar_connect::llm::http_client(ar_connect::llm::HttpOptions::default())
        .map_err(|e| e.to_string())?;
    let keys = llm::keys::WorkspaceLlmKeys::new(
        stores.integrations.clone(),
        vault::WorkspaceVault::new(stores.vault_keys.clone(), stores.integrations.clone()),
        llm::system_keys(settings),
        llm::keys::SystemKeyWorkspaces::new(settings.llm.clone(), stores.tenants.clone()),
    );
    Ok(Arc::new(ar_executors::LlmCallExecutor::new(
        providers,
        Arc::new(keys),
        http,
    )))
}

/// The charge of metered steps, when billing is on (docs/billing.md).
fn charger(settings: &Settings, stores: &Stores) -> Option<Arc<billing::charge::Charger>> {
    settings.billing.enabled.then(|| {
        Arc::new(billing::charge::Charger::new(
            stores.integrations.clone(),
            settings.billing.clone(),
        ))
    })
}

/// A step type whose executor could not be configured: every step fails saying why.
struct Unavailable(String);

#[async_trait::async_trait]
impl ar_engine::StepExecutor for Unavailable {
    async fn execute(
        &self,
        _call: ar_engine::StepCall,
    ) -> Result<serde_json::Value, ar_engine::StepFailure> {
        Err(ar_engine::StepFailure::permanent(
            ar_executors::llm_call::LLM_REQUEST_FAILED,
            format!("llm_call is not configured on this server: {}", self.0),
        ))
    }
}

/// A server running in the background (for tests and embedding).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stores: Stores,
    /// Stops this node's cron scheduler.
    scheduler: (
        tokio_util::sync::CancellationToken,
        tokio::task::JoinHandle<()>,
    ),
    /// Stops this node's chat turn finisher (`chat::finisher`).
    chat_finisher: (
        tokio_util::sync::CancellationToken,
        tokio::task::JoinHandle<()>,
    ),
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stops accepting, lets in-flight requests finish, stops the engine (the work it had
    /// in flight is handed back to the queue: another node takes it over at once, or the
    /// next start does) and closes the stores.
    pub async fn stop(self) -> std::io::Result<()> {
        // Open MCP sessions and their event streams would keep the drain waiting.
        self.state.platform_mcp_shutdown().cancel();
        let _ = self.shutdown.send(());
        let served = self.task.await.map_err(std::io::Error::other)?;
        // No new cron fires once the node is going away (a pass in progress finishes).
        self.scheduler.0.cancel();
        let _ = self.scheduler.1.await;
        self.chat_finisher.0.cancel();
        let _ = self.chat_finisher.1.await;
        self.state.streams().shutdown().await;
        self.state.engine().shutdown().await;
        self.stores.runs.close().await;
        served
    }
}

/// Binds `settings.listen`, runs the first-start bootstrap and serves in the background.
pub async fn start(
    settings: Settings,
    stores: Stores,
    executors: Executors,
) -> anyhow::Result<(RunningServer, Option<bootstrap::Bootstrapped>)> {
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let origin = match &settings.public_url {
        Some(u) => url::Url::parse(u)?.origin().ascii_serialization(),
        None => format!("http://{addr}"),
    };
    let allowed_hosts =
        host_check::AllowedHosts::new(&settings, addr).map_err(anyhow::Error::msg)?;
    if allowed_hosts.accepts_any() {
        tracing::warn!(
            listen = %addr,
            "listening on every interface without public_url or allowed_hosts: any Host name is accepted, so browsers are not protected from DNS rebinding; set public_url (AR_PUBLIC_URL) or allowed_hosts (AR_ALLOWED_HOSTS)"
        );
    }
    // Before the engine starts: what it counts at start (recovered work) must be recorded.
    metrics::install();
    let engine = Engine::start(stores.runs.clone(), settings.engine_config(), executors).await?;
    let mcp_pool = stores
        .mcp_state
        .pool
        .get_or_create(&settings)
        .map_err(anyhow::Error::msg)?;
    let state = AppState::new(
        settings,
        stores.tenants.clone(),
        stores.automation.clone(),
        stores.integrations.clone(),
        engine,
        stores.vault_keys.clone(),
        origin,
        mcp_pool,
        allowed_hosts,
    )
    .map_err(anyhow::Error::msg)?;
    stores.mcp_state.state.bind(&state);
    let created = bootstrap::bootstrap(&state)
        .await
        .map_err(|e| anyhow::anyhow!("first-start bootstrap failed: {}", e.message))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = app(state.clone());
    let limiter_state = state.clone();
    // Forget idle rate-limit keys and stale sign-in failures now and then, so memory
    // stays bounded.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter_state.limiter().shrink();
            limiter_state.login_throttle().shrink();
        }
    });
    // Histogram observations wait in the recorder until drained: drain them even when
    // nothing scrapes, so memory stays bounded.
    let metrics_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(metrics::UPKEEP_EVERY);
        loop {
            tick.tick().await;
            metrics_state.metrics().handle.run_upkeep();
        }
    });
    // Autopilot turns lost to a restart (docs/agents.md "Autopilot").
    tokio::spawn(autopilot::sweep::run(state.downgrade()));
    // Hourly analytics rollups (docs/analytics.md "How it stays fast").
    tokio::spawn(analytics::rollups::run(state.downgrade()));
    let scheduler_stop = tokio_util::sync::CancellationToken::new();
    let scheduler = automation::scheduler::Scheduler::new(state.clone(), auth::tokens::new_id())
        .spawn(scheduler_stop.clone());
    // Finishes agent turns whose runs ended, here or elsewhere (also those a crash left).
    let finisher_stop = tokio_util::sync::CancellationToken::new();
    let finisher = chat::finisher::spawn(state.clone(), finisher_stop.clone());
    let task = tokio::spawn(async move {
        axum::serve(
            without_nagle(listener),
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await
    });
    Ok((
        RunningServer {
            addr,
            state,
            stores,
            scheduler: (scheduler_stop, scheduler),
            chat_finisher: (finisher_stop, finisher),
            shutdown: tx,
            task,
        },
        created,
    ))
}

/// `listener`, with TCP_NODELAY set on every connection it accepts: an answer written in
/// more than one piece (a streamed MCP answer, docs/platform-mcp.md) otherwise waits out
/// the client's delayed ACK (~40 ms) under Nagle's algorithm before its last piece leaves.
fn without_nagle(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
        let _ = tcp.set_nodelay(true);
    }
    axum::serve::ListenerExt::tap_io(listener, set_nodelay as fn(&mut tokio::net::TcpStream))
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: the usual `shutdown` for [`serve`].
///
/// The handlers are installed when this is called, not when the future is first polled:
/// a supervisor that sends SIGTERM as soon as the server says it is listening must get a
/// graceful shutdown, not the default "terminate at once". Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {}
                _ = wait(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Runs the server until `shutdown` resolves (e.g. Ctrl-C), then drains in-flight requests.
pub async fn serve(settings: Settings, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    serve_with(settings, shutdown, |_| {}).await
}

/// [`serve`], with `customize` applied to the step executors first (the CLI wraps them
/// with its test hooks, inert unless their environment variables are set).
pub async fn serve_with(
    settings: Settings,
    shutdown: impl Future<Output = ()>,
    customize: impl FnOnce(&mut Executors),
) -> anyhow::Result<()> {
    let stores = open_stores(&settings).await?;
    let mut executors = default_executors(&settings, &stores);
    customize(&mut executors);
    let (server, created) = start(settings, stores, executors).await?;
    tracing::info!(url = %server.url(), "agentruntime server listening");
    // On stdout, for the operator (and for tools that start the server on port 0).
    println!("agentruntime: listening on {}", server.url());
    if let Some(b) = created {
        println!(
            "agentruntime: created the owner account {} in workspace `default` (project `Default`).",
            b.email
        );
        if let Some(p) = b.generated_password {
            println!("agentruntime: generated password (shown once): {p}");
        }
    }
    let origin = server.state.origin();
    println!(
        "agentruntime: sign in at {origin} (the console), or with POST {origin}/v1/auth/login {{\"email\", \"password\"}}"
    );
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    server.stop().await?;
    Ok(())
}

#[cfg(test)]
mod listener_tests {
    use axum::serve::Listener;

    /// Regression: streamed answers were held back ~40 ms each by Nagle's algorithm and
    /// the client's delayed ACK until accepted connections got TCP_NODELAY.
    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let bound = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = bound.local_addr().unwrap();
        let mut listener = super::without_nagle(bound);
        let client = tokio::spawn(tokio::net::TcpStream::connect(addr));
        let (accepted, _) = listener.accept().await;
        assert!(
            accepted.nodelay().unwrap(),
            "TCP_NODELAY on the accepted socket"
        );
        drop(client.await.unwrap().unwrap());
    }
}
