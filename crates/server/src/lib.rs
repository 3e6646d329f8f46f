//! `ar-server`: the agentruntime HTTP API.
//!
//! - [`Settings`]: TOML file + `AR_*` environment (documented in `docs/server.md`);
//! - [`app`]: the axum [`Router`] of `/healthz`, `/readyz` and the `/v1` surface, with
//!   JSON errors (CONTRACT §1), a body limit, rate limiting and request tracing;
//! - [`auth`]: sessions, PATs, CSRF and the authorization [`auth::gate::Gate`];
//! - [`routes`]: the route table (every route names its permission-table action);
//! - [`serve`] / [`start`]: bind, bootstrap on first start, graceful shutdown.

pub mod auth;
pub mod bootstrap;
pub mod error;
pub mod extract;
pub mod json;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod settings;
pub mod state;
pub mod views;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ar_store::tenant::{PgTenantStore, SqliteTenantStore, TenantStore};
use ar_store::{PgConfig, PgStore};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use settings::{Settings, SignupPolicy};
pub use state::AppState;

/// Builds the router. Health probes sit outside the rate limiter.
pub fn app(state: AppState) -> Router {
    let mut api = Router::new();
    for route in routes::table() {
        api = api.route(route.spec.path, route.handler);
    }
    let body_limit = state.settings().body_limit_bytes;
    // Traced inside routing, so spans name the route pattern, never the concrete path
    // (invite tokens travel in paths and must not reach the logs).
    let trace = TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            .unwrap_or("");
        tracing::info_span!("request", method = %req.method(), route)
    });
    api.route_layer(trace)
        .fallback(error::unknown_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::limit,
        ))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route(openapi::OPENAPI_PATH, get(openapi::serve_document))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// The tenancy store for the configured database, plus the engine store it shares a pool
/// with on Postgres (kept alive by the caller).
pub struct Stores {
    pub tenants: Arc<dyn TenantStore>,
    pub pg: Option<PgStore>,
}

/// Opens the configured database (creating `data_dir` for SQLite).
pub async fn open_stores(settings: &Settings) -> anyhow::Result<Stores> {
    let url = settings.effective_database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pg = PgStore::open(PgConfig::new(&url)).await?;
        let tenants = Arc::new(PgTenantStore::from_pool(pg.pool().clone()));
        return Ok(Stores {
            tenants,
            pg: Some(pg),
        });
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(&url);
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    Ok(Stores {
        tenants: Arc::new(SqliteTenantStore::open(path).await?),
        pg: None,
    })
}

/// A server running in the background (for tests and embedding).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Binds `settings.listen`, runs the first-start bootstrap and serves in the background.
pub async fn start(
    settings: Settings,
    tenants: Arc<dyn TenantStore>,
) -> anyhow::Result<(RunningServer, Option<bootstrap::Bootstrapped>)> {
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let origin = match &settings.public_url {
        Some(u) => url::Url::parse(u)?.origin().ascii_serialization(),
        None => format!("http://{addr}"),
    };
    let state = AppState::new(settings, tenants, origin).map_err(anyhow::Error::msg)?;
    let created = bootstrap::bootstrap(&state)
        .await
        .map_err(|e| anyhow::anyhow!("first-start bootstrap failed: {}", e.message))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = app(state.clone());
    let limiter_state = state.clone();
    // Forget idle rate-limit keys now and then, so memory stays bounded.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter_state.limiter().shrink();
        }
    });
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
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
            shutdown: tx,
            task,
        },
        created,
    ))
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: the usual `shutdown` for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// Runs the server until `shutdown` resolves (e.g. Ctrl-C), then drains in-flight requests.
pub async fn serve(settings: Settings, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let stores = open_stores(&settings).await?;
    let (server, created) = start(settings, stores.tenants.clone()).await?;
    tracing::info!(url = %server.url(), "agentruntime server listening");
    if let Some(b) = created {
        println!(
            "agentruntime: created the owner account {} in workspace `default` (project `Default`).",
            b.email
        );
        if let Some(p) = b.generated_password {
            println!("agentruntime: generated password (shown once): {p}");
        }
        println!(
            "agentruntime: sign in at {} with POST /v1/auth/login {{\"email\", \"password\"}}",
            server.url()
        );
    }
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    server.stop().await?;
    if let Some(pg) = stores.pg {
        ar_store::Store::close(&pg).await;
    }
    Ok(())
}
