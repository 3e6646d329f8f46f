//! `catalog_bff_request {method, path, query?, body?}`: any `/v1/mcp/*` route, as the REST
//! API answers it (docs/contract.md §12). Only paths of that subtree are forwarded, and only
//! in plain form: no `..` or `.` segments, no percent-encoding, no query or fragment in the
//! path, no absolute URLs. A path with `/credentials` needs the `risk` group.

use axum::http::Method;
use serde_json::Value;

use super::dispatch::{Dispatcher, query_string};
use super::{Caller, JsonObject, ToolOutcome};

/// The subtree the tool may reach.
pub const PREFIX: &str = "/v1/mcp/";

/// Whether a route-table path template belongs to the subtree.
pub fn forwardable(template: &str) -> bool {
    template.starts_with(PREFIX)
}

/// Why `path` may not be forwarded, if it may not.
pub fn refusal(path: &str, risk: bool) -> Option<String> {
    if !path.starts_with(PREFIX) {
        return Some(format!(
            "`path` must start with {PREFIX} (an absolute path of this API, not a URL)"
        ));
    }
    if path
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '%' | '?' | '#' | '\\'))
    {
        return Some(
            "`path` must be a plain path: no percent-encoding, spaces, `\\`, or query (use `query`)"
                .into(),
        );
    }
    if path
        .split('/')
        .skip(1)
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return Some("`path` may not contain empty, `.` or `..` segments".into());
    }
    if path.contains("/credentials") && !risk {
        return Some(
            "paths with /credentials need the `risk` group, which is not enabled on this server"
                .into(),
        );
    }
    None
}

/// The route-table template `path` is an instance of, for `method`.
fn template_of(method: &Method, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    crate::routes::specs()
        .into_iter()
        .filter(|s| s.method == *method && forwardable(s.path))
        .map(|s| s.path)
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
}

pub async fn request(
    dispatcher: &Dispatcher,
    caller: &Caller,
    risk: bool,
    mut arguments: JsonObject,
) -> ToolOutcome {
    let method = match arguments
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
    {
        Some(m) if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&m.as_str()) => {
            Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET)
        }
        _ => return ToolOutcome::refused(400, "`method` must be GET, POST, PATCH, PUT or DELETE"),
    };
    let path = arguments
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(why) = refusal(&path, risk) {
        return ToolOutcome::refused(400, why);
    }
    let Some(template) = template_of(&method, &path) else {
        return ToolOutcome::refused(404, format!("no {method} route {path} under {PREFIX}"));
    };
    let mut target = path.clone();
    if let Some(Value::Object(query)) = arguments.remove("query") {
        let pairs: Vec<(&str, String)> = query
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.as_str(), s.clone())),
                Value::Null => None,
                other => Some((k.as_str(), other.to_string())),
            })
            .collect();
        let q = query_string(&pairs);
        if !q.is_empty() {
            target = format!("{target}?{q}");
        }
    }
    // Collection routes act in a project; routes naming an object take the object's
    // project (an `X-Project-Id` there would have to match it) unless one is named.
    let explicit = arguments
        .get("project_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let project = match explicit {
        Some(p) => Some(p),
        None if !template.contains('{') => dispatcher.project_of(caller, &JsonObject::new()).await,
        None => None,
    };
    let body = match method {
        Method::GET | Method::DELETE => None,
        _ => Some(
            arguments
                .remove("body")
                .unwrap_or_else(|| Value::Object(JsonObject::new())),
        ),
    };
    dispatcher
        .send(caller, method, &target, project.as_deref(), body)
        .await
        .into_outcome()
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn only_plain_paths_under_mcp_pass() {
        assert_eq!(refusal("/v1/mcp/servers", false), None);
        assert_eq!(
            refusal("/v1/mcp/instances/abc/config-profiles", false),
            None
        );
        for bad in [
            "/v1/workflows",
            "/v1/mcp/../pats",
            "/v1/mcp/./servers",
            "/v1/mcp/%2e%2e/pats",
            "/v1/mcp/servers%2F..%2F..%2Fpats",
            "http://evil.test/v1/mcp/servers",
            "//evil.test/v1/mcp/servers",
            "/v1/mcp//servers",
            "/v1/mcp/servers?x=1",
            "/v1/mcp/servers#x",
            "/v1/mcp/servers\\..\\pats",
            "v1/mcp/servers",
        ] {
            assert!(refusal(bad, true).is_some(), "{bad} passed");
        }
        assert!(refusal("/v1/mcp/connections/x/credentials", false).is_some());
        assert_eq!(refusal("/v1/mcp/connections/x/credentials", true), None);
    }
}
