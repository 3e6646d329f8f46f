//! Shared by the tests of the MCP clients side (`agentruntime mcp`, the SDKs, the
//! conformance suite, the Inspector): where scripts/mcp-fixtures.sh installed the
//! third-party tools, child processes killed on drop, and the stdio bridge driven line by
//! line.

#![allow(dead_code)] // each test crate uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The cache folder scripts/mcp-fixtures.sh installed into.
pub fn fixtures_dir() -> PathBuf {
    let dir = std::env::var_os("AR_MCP_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/agentruntime-fixtures"));
    assert!(
        dir.join("versions.env").is_file(),
        "the MCP test tools are not installed in {}: run `eval \"$(scripts/mcp-fixtures.sh)\"` \
         from the repository root (it sets AR_MCP_FIXTURES_DIR), then run the tests again",
        dir.display()
    );
    dir
}

fn installed(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/mcp-fixtures.sh",
        path.display()
    );
    path
}

/// The virtualenv's Python, which has the `mcp` SDK.
pub fn python() -> PathBuf {
    installed(fixtures_dir().join("venv/bin/python"))
}

/// The npm folder holding the TypeScript SDK, the conformance suite and the Inspector.
pub fn npm_clients_dir() -> PathBuf {
    installed(fixtures_dir().join("npm-clients/node_modules/@modelcontextprotocol/sdk"));
    fixtures_dir().join("npm-clients")
}

/// A script in `crates/cli/tests/fixtures/platform_mcp/`.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/platform_mcp")
        .join(name)
}

/// The Python fixture MCP server of crates/mcp's tests.
pub fn python_fixture_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mcp/tests/fixtures/fixture_server.py")
}

/// `dist/index.js` of @modelcontextprotocol/server-everything.
pub fn everything_js() -> PathBuf {
    installed(
        fixtures_dir()
            .join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
    )
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process killed (and reaped) when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts an HTTP MCP server and waits until `port` accepts connections.
pub fn start_http_server(mut command: Command, port: u16) -> Guard {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the MCP server");
    let guard = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the MCP server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    guard
}

/// How long one answer of the bridge may take.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// `agentruntime mcp` as a child, driven line by line.
pub struct Bridge {
    child: Guard,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// What the bridge left when it ended.
#[derive(Debug)]
pub struct BridgeExit {
    pub code: Option<i32>,
    pub stdout_rest: Vec<String>,
    pub stderr: String,
}

impl Bridge {
    /// `agentruntime mcp ARGS` with `env` added (and no AGENTRUNTIME_* inherited).
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Bridge {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
        command
            .arg("mcp")
            .args(args)
            .env_remove("AGENTRUNTIME_URL")
            .env_remove("AGENTRUNTIME_TOKEN")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn agentruntime mcp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Bridge {
            child: Guard(child),
            stdin,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Writes one line (a JSON value, or raw text for malformed-input tests).
    pub fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to the bridge");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    /// The next line on stdout, as JSON.
    pub fn recv(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(ANSWER_TIMEOUT)
            .unwrap_or_else(|e| panic!("no answer from the bridge ({e})"));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next message answering request `id` (notifications before it are skipped).
    pub fn answer_to(&mut self, id: &Value) -> Value {
        loop {
            let message = self.recv();
            if message.get("id") == Some(id) && message.get("method").is_none() {
                return message;
            }
        }
    }

    /// A request and its answer.
    pub fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(
            &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        self.answer_to(&Value::from(id))
    }

    /// Closes stdin and waits for the bridge to exit.
    pub fn finish(mut self) -> BridgeExit {
        drop(self.stdin.take());
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.0.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the bridge did not exit after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = self
            .stderr
            .take()
            .expect("stderr")
            .join()
            .unwrap_or_default();
        BridgeExit {
            code: status.code(),
            stdout_rest: self.lines.try_iter().collect(),
            stderr,
        }
    }
}

/// Runs a client script and parses the one JSON object it prints.
pub fn run_json(mut command: Command, what: &str) -> Value {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run ({e})"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    // The whole of stdout (the Inspector pretty-prints), else its last line (a script
    // whose libraries printed before it).
    serde_json::from_str(&stdout)
        .or_else(|_| serde_json::from_str(stdout.lines().last().unwrap_or_default()))
        .unwrap_or_else(|e: serde_json::Error| {
            panic!("{what}: stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}")
        })
}

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1), and the
/// body length the proxy's own framing decides.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// A forwarding proxy on `127.0.0.1:port` in front of `upstream` that adds
/// `Authorization: Bearer TOKEN` to requests that carry none, for clients that cannot
/// send a header (the conformance suite's server mode). Everything else — method, path,
/// Host, Origin, body, the streamed answer — passes through unchanged.
pub async fn start_bearer_proxy(
    port: u16,
    upstream: String,
    token: std::sync::Arc<std::sync::OnceLock<String>>,
) -> tokio::task::JoinHandle<()> {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::{StatusCode, header};
    use axum::response::{IntoResponse, Response};

    let http = reqwest::Client::new();
    let forward = move |request: Request| {
        let http = http.clone();
        let upstream = upstream.clone();
        let token = token.clone();
        async move {
            let (parts, body) = request.into_parts();
            let Ok(body) = axum::body::to_bytes(body, 16 << 20).await else {
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            };
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let mut out = http
                .request(parts.method.clone(), format!("{upstream}{path}"))
                .body(body);
            for (name, value) in &parts.headers {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    out = out.header(name, value);
                }
            }
            if let Some(token) = token.get()
                && !parts.headers.contains_key(header::AUTHORIZATION)
            {
                out = out.bearer_auth(token);
            }
            match out.send().await {
                Ok(answer) => {
                    let mut response = Response::builder().status(answer.status());
                    for (name, value) in answer.headers() {
                        if !HOP_BY_HOP.contains(&name.as_str()) {
                            response = response.header(name, value);
                        }
                    }
                    response
                        .body(Body::from_stream(answer.bytes_stream()))
                        .unwrap_or_else(|e| {
                            (StatusCode::BAD_GATEWAY, e.to_string()).into_response()
                        })
                }
                Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
            }
        }
    };
    let app = axum::Router::new().fallback(forward);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the proxy port");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}
