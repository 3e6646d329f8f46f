//! The table's vocabulary: where an id goes ([`Place`]), what it names ([`Obj`]), the ids
//! of one workspace ([`Ids`]), one request ([`Req`]) and one row ([`Row`]).

use std::sync::Arc;

use serde_json::Value;

use crate::world::Tenant;

/// Where a request carries the id under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
    Header,
    Body,
}

/// The kind of object whose id a row sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    Workspace,
    Project,
    Member,
    Pat,
    Workflow,
    Version,
    Run,
    Task,
    Webhook,
    Trigger,
    McpServer,
    McpInstance,
    McpProfile,
    /// A workspace secret (addressed by name).
    VaultSecret,
    Connection,
    /// A workspace LLM provider key.
    LlmKey,
    /// A project agent.
    Agent,
    /// A chat thread (a channel of P, or the owner's Autopilot thread; docs/contract.md §13).
    ChatThread,
    /// A message (an Autopilot turn's reply) of such a thread.
    ChatMessage,
}

pub(crate) const OBJECT_KINDS: [Obj; 19] = [
    Obj::Workspace,
    Obj::Project,
    Obj::Member,
    Obj::Pat,
    Obj::Workflow,
    Obj::Version,
    Obj::Run,
    Obj::Task,
    Obj::Webhook,
    Obj::Trigger,
    Obj::McpServer,
    Obj::McpInstance,
    Obj::McpProfile,
    Obj::VaultSecret,
    Obj::Connection,
    Obj::LlmKey,
    Obj::Agent,
    Obj::ChatThread,
    Obj::ChatMessage,
];

/// How the answer to A's id is compared with the answer to an unknown id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Same status and same body (ids the request carried masked).
    Exact,
    /// Same status only: both calls create a new object of B's, whose body differs.
    Status,
}

/// The ids of one workspace's objects, as requests carry them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    pub(crate) slug: String,
    /// The private project P.
    pub(crate) project: String,
    /// A workspace member (not the owner) with a role in P.
    pub(crate) member: String,
    pub(crate) member_email: String,
    pub(crate) pat: String,
    /// A published workflow in P whose one step is a human task.
    pub(crate) workflow: String,
    /// A run waiting at its human task `approve`.
    pub(crate) run: String,
    pub(crate) stopped_run: String,
    /// The client id `run` was started with.
    pub(crate) client_run_id: String,
    /// The run-list cursor that points at `run`.
    pub(crate) cursor: String,
    pub(crate) webhook: String,
    /// A disabled cron trigger of the workflow (it must not fire during the test).
    pub(crate) trigger: String,
    /// A custom MCP server of P, an instance of it, and the instance's profile.
    pub(crate) mcp_server: String,
    pub(crate) mcp_instance: String,
    pub(crate) mcp_profile: String,
    /// The name of a workspace secret.
    pub(crate) secret: String,
    /// A connection in P.
    pub(crate) connection: String,
    pub(crate) llm_key: String,
    /// An agent of P, whose tools name `mcp_instance`.
    pub(crate) agent: String,
    /// A channel of P with one message.
    pub(crate) chat_thread: String,
    /// The owner's Autopilot thread in P, and its reply's id (a finished turn).
    pub(crate) autopilot_thread: String,
    pub(crate) autopilot_message: String,
}

impl Ids {
    pub(crate) fn labelled(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("slug", &self.slug),
            ("project", &self.project),
            ("member", &self.member),
            ("member_email", &self.member_email),
            ("pat", &self.pat),
            ("workflow", &self.workflow),
            ("run", &self.run),
            ("stopped_run", &self.stopped_run),
            ("client_run_id", &self.client_run_id),
            ("cursor", &self.cursor),
            ("webhook", &self.webhook),
            ("trigger", &self.trigger),
            ("mcp_server", &self.mcp_server),
            ("mcp_instance", &self.mcp_instance),
            ("mcp_profile", &self.mcp_profile),
            ("secret", &self.secret),
            ("connection", &self.connection),
            ("llm_key", &self.llm_key),
            ("agent", &self.agent),
            ("chat_thread", &self.chat_thread),
            ("autopilot_thread", &self.autopilot_thread),
            ("autopilot_message", &self.autopilot_message),
        ]
    }

    /// Ids nobody has, shaped like `a`'s.
    pub(crate) fn unknown(a: &Ids) -> Ids {
        let id = || uuid::Uuid::now_v7().to_string();
        let tail = || uuid::Uuid::now_v7().simple().to_string()[20..].to_string();
        Ids {
            slug: format!("no-such-{}", tail()),
            project: id(),
            member: id(),
            member_email: format!("nobody-{}@nowhere.test", tail()),
            pat: id(),
            workflow: id(),
            run: id(),
            stopped_run: id(),
            client_run_id: format!("client-{}", tail()),
            cursor: cursor_beside(&a.cursor),
            webhook: id(),
            trigger: id(),
            mcp_server: id(),
            mcp_instance: id(),
            mcp_profile: id(),
            secret: format!("no_such_{}", tail()),
            connection: id(),
            llm_key: id(),
            agent: id(),
            chat_thread: format!("cth_{}", id()),
            autopilot_thread: format!("cth_{}", tail()),
            autopilot_message: format!("cmsg_{}", tail()),
        }
    }
}

/// A cursor at the same position as `cursor` but naming a run that does not exist: the
/// last character of the run id changes, so runs of the same millisecond sort the same.
fn cursor_beside(cursor: &str) -> String {
    let text = String::from_utf8(hex::decode(cursor).expect("hex cursor")).expect("utf-8");
    let (at, run) = text.split_once(':').expect("`<created_at>:<run id>`");
    let mut run = run.to_string();
    let last = if run.ends_with('0') { '1' } else { '0' };
    run.pop();
    run.push(last);
    hex::encode(format!("{at}:{run}"))
}

/// One request of a row.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    /// Path and query.
    pub(crate) path: String,
    pub(crate) body: Option<Value>,
    pub(crate) tenant: Option<String>,
    pub(crate) project: Option<String>,
}

impl Req {
    /// A request of B's owner in B's workspace.
    pub(crate) fn of(b: &Tenant, path: impl Into<String>) -> Req {
        Req {
            path: path.into(),
            body: None,
            tenant: Some(b.ids.slug.clone()),
            project: None,
        }
    }
    pub(crate) fn body(mut self, body: Value) -> Req {
        self.body = Some(body);
        self
    }
    pub(crate) fn tenant(mut self, slug: Option<&str>) -> Req {
        self.tenant = slug.map(str::to_string);
        self
    }
    pub(crate) fn project(mut self, id: &str) -> Req {
        self.project = Some(id.to_string());
        self
    }
    /// Everything the request carries, to tell which ids it sent.
    pub(crate) fn text(&self) -> String {
        format!(
            "{} {} {:?} {:?}",
            self.path,
            self.body.as_ref().map(Value::to_string).unwrap_or_default(),
            self.tenant,
            self.project
        )
    }
}

/// Builds a row's request as B's owner (`b`), with the ids under test (`x`: A's, or
/// unknown ones) in the row's place.
pub(crate) type Build = Arc<dyn Fn(&Tenant, &Ids) -> Req + Send + Sync>;

#[derive(Clone)]
pub(crate) struct Row {
    pub(crate) method: &'static str,
    /// The route-table path.
    pub(crate) route: &'static str,
    pub(crate) place: Place,
    /// The path parameter, query parameter, header or body field that carries the id
    /// (`params.run_id` for a field inside `params`).
    pub(crate) name: &'static str,
    pub(crate) object: Obj,
    pub(crate) build: Build,
    pub(crate) compare: Compare,
    pub(crate) websocket: bool,
}

impl Row {
    pub(crate) fn status_only(mut self) -> Row {
        self.compare = Compare::Status;
        self
    }
    /// The same row sent as a WebSocket handshake (a stream subscription).
    pub(crate) fn over_websocket(&self) -> Row {
        Row {
            websocket: true,
            ..self.clone()
        }
    }
    pub(crate) fn label(&self) -> String {
        format!(
            "{} {} [{:?} `{}`, {:?}{}]",
            self.method,
            self.route,
            self.place,
            self.name,
            self.object,
            if self.websocket {
                ", WebSocket handshake"
            } else {
                ""
            }
        )
    }
}

pub(crate) fn row(
    method: &'static str,
    route: &'static str,
    place: Place,
    name: &'static str,
    object: Obj,
    build: impl Fn(&Tenant, &Ids) -> Req + Send + Sync + 'static,
) -> Row {
    Row {
        method,
        route,
        place,
        name,
        object,
        build: Arc::new(build),
        compare: Compare::Exact,
        websocket: false,
    }
}
