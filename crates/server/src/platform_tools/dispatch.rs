//! One REST request made as the caller, through the `/v1` router itself (tower
//! `oneshot`): the route's handler, its gate and every rule apply exactly as for an HTTP
//! client. The caller's principal is already verified; it is handed to the router as such
//! (`auth::principal::assume_verified`), so nothing is authenticated twice and a session
//! caller passes the CSRF check by naming this server's own origin.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, header};
use serde_json::{Map, Value};
use tower::ServiceExt;

use super::{Caller, JsonObject, ToolOutcome, ToolSpec};
use crate::auth::gate::{PROJECT_HEADER, TENANT_HEADER};
use crate::auth::principal::{Credential, assume_verified};
use crate::state::AppState;

/// The largest REST answer a tool hands back (a run's context can be big; beyond this the
/// caller pages through the REST route's own paging).
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The `/v1` router (without `/mcp`) and the state, to make requests with.
#[derive(Clone)]
pub struct Dispatcher {
    router: Router,
    state: AppState,
}

/// A REST answer: its status and JSON body (an empty body is `{}`).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// As a tool result: 2xx is a success, anything else an error carrying the body.
    pub fn into_outcome(self) -> ToolOutcome {
        let is_error = !(200..300).contains(&self.status);
        let body = match self.body {
            Value::Object(o) => o,
            // Non-object answers (none so far) are wrapped, so `structuredContent` is an object.
            other => {
                let mut o = Map::new();
                o.insert("result".into(), other);
                o
            }
        };
        ToolOutcome {
            is_error,
            status: self.status,
            body,
        }
    }
}

impl Dispatcher {
    /// `router` must be the `/v1` routes with their state, and no `/mcp` (a tool must not
    /// call the MCP endpoint).
    pub fn new(router: Router, state: AppState) -> Dispatcher {
        Dispatcher { router, state }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Sends `method path_and_query` with `body` as `caller`, in `project` when given.
    pub async fn send(
        &self,
        caller: &Caller,
        method: Method,
        path_and_query: &str,
        project: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path_and_query);
        if let Some(slug) = caller
            .workspace
            .as_deref()
            .and_then(|s| HeaderValue::from_str(s).ok())
        {
            request = request.header(TENANT_HEADER, slug);
        }
        if let Some(project) = project.and_then(|p| HeaderValue::from_str(p).ok()) {
            request = request.header(PROJECT_HEADER, project);
        }
        if matches!(caller.principal.credential, Credential::Session(_))
            && let Ok(origin) = HeaderValue::from_str(self.state.origin())
        {
            // A session caller's writes are checked against CSRF: this request comes from
            // the server itself, on the caller's behalf.
            request = request.header(header::ORIGIN, origin);
        }
        let body = match body {
            Some(value) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let mut request = match request.body(body) {
            Ok(r) => r,
            Err(e) => {
                return Answer {
                    status: 400,
                    body: serde_json::json!({ "error": format!("invalid request: {e}") }),
                };
            }
        };
        assume_verified(request.extensions_mut(), caller.principal.clone());
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status().as_u16();
        let bytes = match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return Answer {
                    status: 502,
                    body: serde_json::json!({
                        "error": format!("the answer is larger than {MAX_ANSWER_BYTES} bytes; page through it")
                    }),
                };
            }
        };
        let body = if bytes.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| serde_json::json!({ "text": String::from_utf8_lossy(&bytes) }))
        };
        Answer { status, body }
    }

    /// The project a request acts in: the `project_id` argument, else the caller's own,
    /// else the workspace's default project (`Default`, else the first one).
    pub async fn project_of(&self, caller: &Caller, arguments: &JsonObject) -> Option<String> {
        if let Some(p) = arguments.get("project_id").and_then(Value::as_str) {
            return Some(p.to_string());
        }
        if let Some(p) = &caller.project_id {
            return Some(p.clone());
        }
        self.default_project(caller).await
    }

    async fn default_project(&self, caller: &Caller) -> Option<String> {
        let tenants = self.state.tenants();
        let workspace_id = match (&caller.workspace, caller.principal.pat()) {
            (Some(slug), _) => tenants.workspace_by_slug(slug).await.ok()??.id,
            (None, Some(pat)) => pat.workspace_id.clone(),
            (None, None) => return None,
        };
        let projects = tenants.list_projects(&workspace_id).await.ok()?;
        projects
            .iter()
            .find(|p| p.name == "Default")
            .or(projects.first())
            .map(|p| p.id.clone())
    }

    /// A tool that is exactly one REST route ([`super::Behavior::Rest`]).
    pub async fn rest_tool(
        &self,
        caller: &Caller,
        tool: &ToolSpec,
        path_args: &[(&str, &str)],
        query_args: &[&str],
        arguments: JsonObject,
    ) -> ToolOutcome {
        let mut rest = arguments.clone();
        let explicit_project = rest
            .remove("project_id")
            .and_then(|v| v.as_str().map(str::to_string));
        let mut path = tool.path.to_string();
        for (param, arg) in path_args {
            let Some(value) = rest.remove(*arg) else {
                return ToolOutcome::refused(400, format!("`{arg}` is required"));
            };
            let Some(value) = value.as_str() else {
                return ToolOutcome::refused(400, format!("`{arg}` must be a string"));
            };
            let Some(segment) = path_segment(value) else {
                return ToolOutcome::refused(400, format!("`{arg}` is not a valid id"));
            };
            path = path.replace(&format!("{{{param}}}"), &segment);
        }
        let mut pairs = Vec::new();
        for name in query_args {
            if let Some(value) = rest.remove(*name) {
                match value {
                    Value::String(s) => pairs.push((*name, s)),
                    Value::Null => {}
                    other => pairs.push((*name, other.to_string())),
                }
            }
        }
        if !pairs.is_empty() {
            path = format!("{path}?{}", query_string(&pairs));
        }
        // Collection routes act in a project; routes naming an object take its project
        // (an `X-Project-Id` there would have to match it), unless the caller names one.
        let project = match explicit_project {
            Some(p) => Some(p),
            None if path_args.is_empty() => self.project_of(caller, &Map::new()).await,
            None => None,
        };
        let body = match tool.method {
            Method::GET | Method::DELETE => None,
            _ => Some(Value::Object(rest)),
        };
        self.send(caller, tool.method.clone(), &path, project.as_deref(), body)
            .await
            .into_outcome()
    }
}

/// `a=1&b=2`, form-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    query.finish()
}

/// `value` as one path segment, percent-encoded; `None` for values that could address
/// another route (empty, `.`, `..`).
pub fn path_segment(value: &str) -> Option<String> {
    if value.is_empty() || value == "." || value == ".." {
        return None;
    }
    let mut url = url::Url::parse("http://segment.invalid/").ok()?;
    url.path_segments_mut().ok()?.push(value);
    let encoded = url.path().trim_start_matches('/').to_string();
    // `/`, `?` and `#` are encoded by `push`; anything else that slipped through is refused.
    (!encoded.contains('/') && !encoded.is_empty()).then_some(encoded)
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn path_segments_cannot_leave_their_place() {
        assert_eq!(path_segment("abc-1").as_deref(), Some("abc-1"));
        assert_eq!(path_segment("a/b").as_deref(), Some("a%2Fb"));
        assert_eq!(path_segment("a?b#c").as_deref(), Some("a%3Fb%23c"));
        assert_eq!(path_segment(".."), None);
        assert_eq!(path_segment("."), None);
        assert_eq!(path_segment(""), None);
    }
}
