//! Runs the API server with settings from `AR_*` variables (and an optional TOML file as
//! the first argument) until Ctrl-C. For local development and tools such as
//! schemathesis; `agentruntime serve` is the real entry point.
//!
//! ```sh
//! AR_DATA_DIR=/tmp/ar AR_ADMIN_PASSWORD=change-me-now cargo run -p ar-server --example dev_server
//! ```

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let file = std::env::args().nth(1).map(std::path::PathBuf::from);
    let settings = ar_server::Settings::load(file.as_deref())?;
    ar_server::serve(settings, ar_server::shutdown_signal()).await
}
