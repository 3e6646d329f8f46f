//! The MCP side of the benchmark: server-everything from the fixture folder, and the
//! Python baseline script.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// Where `scripts/mcp-fixtures.sh` installed the servers.
fn fixtures_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    anyhow::ensure!(
        dir.join("versions.env").is_file(),
        "the MCP servers are not installed in {}: run `eval \"$(scripts/mcp-fixtures.sh)\"` first",
        dir.display()
    );
    Ok(dir)
}

/// server-everything in Streamable HTTP mode, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_everything_http() -> anyhow::Result<Server> {
    let js = fixtures_dir()?
        .join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new("node")
        .arg(js)
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting server-everything with node")?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}/mcp"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "server-everything did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// Runs `bench/mcp_direct.py` with the fixture venv's Python; its per-call time.
pub fn python_direct_per_call_ms(url: &str, calls: usize) -> anyhow::Result<f64> {
    let python = fixtures_dir()?.join("venv/bin/python");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp_direct.py");
    let output = Command::new(python)
        .arg(script)
        .arg(url)
        .arg(calls.to_string())
        .output()
        .context("running bench/mcp_direct.py")?;
    anyhow::ensure!(
        output.status.success(),
        "bench/mcp_direct.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("bench/mcp_direct.py printed no JSON")?;
    report["per_call_ms"]
        .as_f64()
        .context("bench/mcp_direct.py: no per_call_ms")
}
