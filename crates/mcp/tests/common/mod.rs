//! Shared test support: locating the third-party MCP servers installed by
//! `scripts/mcp-fixtures.sh`, starting them, and a pool that may reach loopback.

#![allow(dead_code)]

pub mod misbehaving;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_mcp::{
    ConnectOptions, HostAllowlist, McpClientPool, McpTarget, PoolConfig, ProtocolPreference,
};

/// The cache folder the fixture script installed into.
pub fn fixtures_dir() -> PathBuf {
    let dir = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    assert!(
        dir.join("versions.env").is_file(),
        "the MCP test servers are not installed in {}: run `eval \"$(scripts/mcp-fixtures.sh)\"` \
         from the repository root (it sets AR_MCP_FIXTURES_DIR), then run the tests again",
        dir.display()
    );
    dir
}

/// `dist/index.js` of @modelcontextprotocol/server-everything.
pub fn everything_js() -> PathBuf {
    let path = fixtures_dir()
        .join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/mcp-fixtures.sh",
        path.display()
    );
    path
}

/// The virtualenv's Python, which has the `mcp` SDK.
pub fn fixture_python() -> PathBuf {
    let path = fixtures_dir().join("venv/bin/python");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/mcp-fixtures.sh",
        path.display()
    );
    path
}

/// The Python fixture server kept in this crate. The path goes through `../mcp` so it
/// also holds when another crate's tests include this module (ar-executors does).
pub fn fixture_server_py() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mcp/tests/fixtures/fixture_server.py")
}

/// server-everything over stdio.
pub fn everything_stdio() -> McpTarget {
    McpTarget::stdio(
        "node",
        [everything_js().display().to_string(), "stdio".to_owned()],
    )
}

/// The Python fixture over stdio.
pub fn python_stdio() -> McpTarget {
    McpTarget::stdio(
        fixture_python().display().to_string(),
        [
            fixture_server_py().display().to_string(),
            "stdio".to_owned(),
        ],
    )
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A server process killed when the test ends.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_http(mut command: Command, port: u16) -> ServerProcess {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the MCP server");
    let server = ServerProcess {
        child,
        url: format!("http://127.0.0.1:{port}/mcp"),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the MCP server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

impl ServerProcess {
    /// Kills the server and waits until it is gone (its port is free again).
    pub fn stop(self) {
        drop(self);
    }
}

/// Kills a process by id (a stdio server the pool spawned) and waits until it has
/// exited as its parent sees it.
///
/// Why not "until /proc shows a zombie": a multi-threaded child (Node, Python) shows
/// its leader as a zombie while its other threads are still being torn down; its pipes
/// stay open and its parent cannot yet see the exit. A request written then lands in a
/// pipe nobody will read, which the pool rightly treats as "may have run". A child that
/// died between two calls is one whose exit the parent can already see.
pub fn kill_pid(pid: u32) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -KILL {pid} failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !exit_visible_to_parent(pid) {
        assert!(Instant::now() < deadline, "process {pid} did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether this process (the pool's, the child's parent) can see `pid` exited: waitable
/// without reaping it, or already reaped.
fn exit_visible_to_parent(pid: u32) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let pid = Pid::from_raw(i32::try_from(pid).expect("a pid")).expect("a positive pid");
    match waitid(
        WaitId::Pid(pid),
        WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
    ) {
        Ok(status) => status.is_some(),
        Err(rustix::io::Errno::CHILD) => true,
        Err(error) => panic!("waitid({pid:?}): {error}"),
    }
}

/// server-everything in Streamable HTTP mode (it reads its port from `PORT`).
pub fn start_everything_http() -> ServerProcess {
    start_everything_http_on(free_port())
}

/// server-everything in Streamable HTTP mode on `port` (to restart it where it was).
pub fn start_everything_http_on(port: u16) -> ServerProcess {
    let mut command = Command::new("node");
    command
        .arg(everything_js())
        .arg("streamableHttp")
        .env("PORT", port.to_string());
    start_http(command, port)
}

/// The Python fixture in Streamable HTTP mode; `stateless` serves without sessions.
pub fn start_python_http(stateless: bool) -> ServerProcess {
    start_python_http_on(free_port(), stateless)
}

/// The Python fixture in Streamable HTTP mode on `port` (to restart it where it was).
pub fn start_python_http_on(port: u16, stateless: bool) -> ServerProcess {
    let mut command = Command::new(fixture_python());
    command
        .arg(fixture_server_py())
        .arg("http")
        .arg(port.to_string());
    if stateless {
        command.arg("--stateless");
    }
    start_http(command, port)
}

/// Connect options that may reach the loopback servers of the tests.
pub fn loopback_options(protocol: ProtocolPreference) -> ConnectOptions {
    ConnectOptions {
        allowlist: Arc::new(HostAllowlist::parse("127.0.0.1").expect("valid allowlist")),
        connect_timeout: Duration::from_secs(30),
        protocol,
        ..ConnectOptions::default()
    }
}

/// A pool for loopback servers.
pub fn loopback_pool(protocol: ProtocolPreference, idle_timeout: Duration) -> Arc<McpClientPool> {
    McpClientPool::new(PoolConfig {
        connect: loopback_options(protocol),
        idle_timeout,
        ..PoolConfig::default()
    })
}

/// Logs at debug to the test output (stdio servers' stderr shows up here).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "ar_mcp=debug".into()),
        )
        .with_test_writer()
        .try_init();
}
