//! Harness for the `agentruntime serve` tests: the real binary as a child process on a
//! free port, its output collected, SIGTERM to stop it, and a small JSON HTTP client.

#![allow(dead_code)] // each test crate uses a different subset

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const ADMIN_EMAIL: &str = "owner@example.com";
pub const ADMIN_PASSWORD: &str = "owner-password-1";

/// How long a server may take to print its address (a cold debug build on a busy
/// 2-core machine opens its database and hashes the owner's password first).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Environment every test server gets: a known owner account and no rate limiting in
/// the way of a test's bursts. Tests add their own on top.
pub fn base_env() -> Vec<(String, String)> {
    [
        ("AR_ADMIN_EMAIL", ADMIN_EMAIL),
        ("AR_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("AR_RATE_LIMIT_PER_TOKEN", "1000000"),
        ("AR_RATE_LIMIT_PER_IP", "1000000"),
        ("AR_RATE_LIMIT_BURST", "100000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A `serve` child process. Dropping it kills the process.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub base: String,
    stdout: mpsc::Receiver<String>,
    /// Collects stderr until the process closes it.
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// A `serve` process that ended (on its own or after SIGTERM).
#[derive(Debug)]
pub struct Exited {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// The command line of `agentruntime serve ARGS` with `env` added to the inherited
/// environment minus every `AR_*` variable (so the caller's shell cannot leak settings in).
fn command(args: &[&str], env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentruntime"));
    command.arg("serve").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("AR_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `agentruntime serve ARGS` and waits for its "listening on" line. `Err` when the
/// process exits first (a refused start).
pub fn spawn(args: &[&str], env: &[(String, String)]) -> Result<Server, Exited> {
    let mut child = command(args, env)
        .spawn()
        .expect("spawn agentruntime serve");
    let (tx, stdout) = mpsc::channel();
    let out = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut err = child.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let mut server = Server {
        child: Some(child),
        base: String::new(),
        stdout,
        stderr: Some(stderr),
    };
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match server.stdout.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("agentruntime: listening on ") {
                    server.base = url.trim().to_owned();
                    return Ok(server);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(server.wait()),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        assert!(
            Instant::now() < deadline,
            "serve printed no address within {START_TIMEOUT:?}"
        );
    }
}

/// Like [`spawn`], for a start that must be refused.
pub fn spawn_refused(args: &[&str], env: &[(String, String)]) -> Exited {
    match spawn(args, env) {
        Ok(server) => panic!("serve started at {} but should have refused", server.base),
        Err(exited) => exited,
    }
}

impl Server {
    /// The process id of the running server (for reading its CPU time in /proc).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> Exited {
        let pid = self.child.as_ref().expect("running").id() as libc::pid_t;
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM to {pid}");
        self.wait()
    }

    /// The process's end and output if it has ended by itself (a failpoint), else `None`.
    pub fn exited(&mut self) -> Option<Exited> {
        let child = self.child.as_mut().expect("running");
        child.try_wait().expect("wait")?;
        Some(self.wait())
    }

    /// SIGKILLs the server (no shutdown of any kind) and collects its output.
    pub fn kill(mut self) -> Exited {
        if let Some(child) = self.child.as_mut() {
            child.kill().expect("SIGKILL");
        }
        self.wait()
    }

    fn wait(&mut self) -> Exited {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("serve did not exit within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout: Vec<String> = self.stdout.try_iter().collect();
        let stderr = self.stderr.take().and_then(|t| t.join().ok());
        Exited {
            status,
            stdout: stdout.join("\n"),
            stderr: stderr.unwrap_or_default(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The JSON log lines (`--log-format json`) of an exited server.
pub fn json_log_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The time (unix ms) of the first JSON log line whose message is `message`.
pub fn json_log_time(stderr: &str, message: &str) -> Option<i64> {
    json_log_lines(stderr)
        .into_iter()
        .find(|line| line["fields"]["message"] == message)
        .and_then(|line| {
            let at = line["timestamp"].as_str()?.to_owned();
            chrono::DateTime::parse_from_rfc3339(&at)
                .ok()
                .map(|t| t.timestamp_millis())
        })
}

/// Creates a workflow of `graph` in `project` and publishes it; returns its id.
pub async fn published_workflow(client: &Client, project: &str, graph: Value) -> String {
    let created = client
        .send(
            reqwest::Method::POST,
            "/v1/workflows",
            Some(project),
            Some(json!({"name": "recovery", "graph": graph})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let workflow = created.body["id"].as_str().expect("id").to_owned();
    let published = client
        .send(
            reqwest::Method::POST,
            &format!("/v1/workflows/{workflow}/versions"),
            None,
            Some(json!({"changelog": "v1"})),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.body);
    workflow
}

/// Starts a run of `workflow` with `params`; returns its id.
pub async fn start_run(client: &Client, workflow: &str, params: Value) -> String {
    let started = client
        .send(
            reqwest::Method::POST,
            &format!("/v1/workflows/{workflow}/command"),
            None,
            Some(json!({"command": "start", "params": params})),
        )
        .await;
    assert!(
        started.status == 200 || started.status == 201,
        "{}",
        started.body
    );
    started.body["run_id"].as_str().expect("run_id").to_owned()
}

/// A chain of `len` Lua steps `s1 → s2 → …`.
pub fn lua_chain(len: usize) -> Value {
    let steps: Vec<Value> = (1..=len)
        .map(|i| {
            let deps: Vec<String> = (i > 1).then(|| format!("s{}", i - 1)).into_iter().collect();
            json!({"id": format!("s{i}"), "type": "lua_script", "depends_on": deps,
                   "script": format!("return {{n = {i}}}")})
        })
        .collect();
    json!({ "steps": steps })
}

/// The mode bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A JSON client for one server, authenticating with a PAT once it has one.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub pat: Option<String>,
}

/// Status and JSON body (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            pat: None,
        }
    }

    pub fn with_pat(base: &str, pat: &str) -> Client {
        Client {
            pat: Some(pat.to_owned()),
            ..Client::new(base)
        }
    }

    /// One request in the default workspace; `project` sets `X-Project-Id`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        project: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Tenant-Id", "default");
        if let Some(pat) = &self.pat {
            request = request.bearer_auth(pat);
        }
        if let Some(project) = project {
            request = request.header("X-Project-Id", project);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, None).await
    }
}

/// Signs in as the owner on `base` and creates a PAT with every scope. Returns the PAT and
/// the id of the `Default` project.
pub async fn owner_pat(base: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200, "sign in as the first-start owner");
    // `ar_session=VALUE; HttpOnly; …` -> `ar_session=VALUE`
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let me: Value = http
        .get(format!("{base}/v1/auth/me"))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("me json");
    let project = me["workspaces"][0]["projects"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a Default project in {me}"))
        .to_owned();
    let created: Value = http
        .post(format!("{base}/v1/pats"))
        .header("Cookie", &cookie)
        // Cookie-authenticated writes must come from the server's own origin.
        .header("Origin", base)
        .header("X-Tenant-Id", "default")
        .json(&json!({"name": "serve-test", "scopes":
            ["workflow:read", "workflow:write", "workflow:run", "admin"]}))
        .send()
        .await
        .expect("create PAT")
        .json()
        .await
        .expect("PAT json");
    let pat = created["token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token in {created}"))
        .to_owned();
    (pat, project)
}
