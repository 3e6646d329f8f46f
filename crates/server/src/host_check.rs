//! The `Host` names this server answers to (issue 13 item 7: DNS rebinding).
//!
//! A page on `evil.example` can point its own name at 127.0.0.1 once loaded; the browser
//! then sends that page's requests to a server on loopback as same-origin requests, with
//! `Host: evil.example`. Refusing Hosts that are not this server's names closes that:
//! the browser always sends the name it resolved.
//!
//! Accepted: the listen address and the loopback names (`localhost`, `127.0.0.1`,
//! `[::1]`) with the port the server is bound to; `public_url`'s host (any port: a proxy in
//! front may pass it with or without one); and every `allowed_hosts` entry — `name` (any
//! port) or `name:port`. A server listening on every interface (`0.0.0.0`, `[::]`) also
//! accepts any IP address as Host (an address cannot be rebound); with neither
//! `public_url` nor `allowed_hosts` there, it cannot know its names and accepts any Host
//! (a warning is logged at start). A Host without a port stands for port 80 or 443.
//!
//! Refused: 421 Misdirected Request. The health probes (`/healthz`, `/readyz`) are
//! exempt: load balancers probe by address, and they reveal nothing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::settings::Settings;
use crate::state::AppState;

/// Paths answered whatever the Host.
const EXEMPT_PATHS: [&str; 2] = ["/healthz", "/readyz"];

/// A name the server answers to, on one port or any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostName {
    /// Lower-case, without a trailing dot; IPv6 addresses in brackets.
    name: String,
    port: Option<u16>,
}

impl HostName {
    fn matches(&self, presented: &HostName) -> bool {
        if self.name != presented.name {
            return false;
        }
        match (self.port, presented.port) {
            (None, _) => true,
            (Some(want), Some(got)) => want == got,
            (Some(want), None) => want == 80 || want == 443,
        }
    }
}

/// Reads `name`, `name:port`, `1.2.3.4:80`, `[::1]:80` (a Host value or a setting).
fn parse_host(value: &str) -> Option<HostName> {
    let authority: Authority = value.trim().parse().ok()?;
    // No user part, and a port that is a number when there is one.
    let has_port = authority.as_str().len() > authority.host().len();
    if authority.as_str().contains('@') || (has_port && authority.port_u16().is_none()) {
        return None;
    }
    let name = authority.host().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    Some(HostName {
        name,
        port: authority.port_u16(),
    })
}

/// The name of an address as it appears in a Host (`[…]` around IPv6).
fn address_name(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// What a request's Host must match.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    names: Vec<HostName>,
    /// Any IP address is one of this server's names (it listens on every interface).
    any_address: bool,
    /// The server cannot tell its names: everything is accepted.
    any: bool,
}

impl AllowedHosts {
    /// Checks the `allowed_hosts` setting (names, `name:port`).
    pub fn parse_extra(entries: &[String]) -> Result<(), String> {
        parse_entries(entries).map(|_| ())
    }

    /// The names of a server with `settings`, bound to `bound` (its real port, when the
    /// setting said port 0).
    pub fn new(settings: &Settings, bound: SocketAddr) -> Result<AllowedHosts, String> {
        let port = Some(bound.port());
        let mut names: Vec<HostName> = ["localhost", "127.0.0.1", "[::1]"]
            .into_iter()
            .map(|name| HostName {
                name: name.to_owned(),
                port,
            })
            .collect();
        let everywhere = bound.ip().is_unspecified();
        if !everywhere {
            names.push(HostName {
                name: address_name(bound.ip()),
                port,
            });
        }
        if let Some(public) = &settings.public_url {
            let url = url::Url::parse(public).map_err(|e| format!("public_url: {e}"))?;
            let host = url
                .host_str()
                .ok_or_else(|| "public_url has no host".to_string())?;
            names.push(HostName {
                name: host.trim_end_matches('.').to_ascii_lowercase(),
                port: None,
            });
        }
        names.extend(parse_entries(&settings.allowed_hosts)?);
        Ok(AllowedHosts {
            names,
            any_address: everywhere,
            any: everywhere && settings.public_url.is_none() && settings.allowed_hosts.is_empty(),
        })
    }

    /// True when every Host is accepted (listening everywhere, no names configured).
    pub fn accepts_any(&self) -> bool {
        self.any
    }

    /// Whether a request naming `host` is for this server.
    pub fn allows(&self, host: &str) -> bool {
        if self.any {
            return true;
        }
        let Some(presented) = parse_host(host) else {
            return false;
        };
        if self.any_address {
            let bare = presented.name.trim_start_matches('[').trim_end_matches(']');
            if bare.parse::<IpAddr>().is_ok() {
                return true;
            }
        }
        self.names.iter().any(|name| name.matches(&presented))
    }
}

fn parse_entries(entries: &[String]) -> Result<Vec<HostName>, String> {
    entries
        .iter()
        .map(|entry| {
            parse_host(entry).ok_or_else(|| {
                format!("{entry:?} is not a host name or name:port (e.g. agents.example.com)")
            })
        })
        .collect()
}

/// Middleware: answers 421 to requests whose `Host` (or HTTP/2 `:authority`) is not one
/// of this server's names.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if EXEMPT_PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let hosts = state.allowed_hosts();
    let authority = req.uri().authority().map(Authority::as_str);
    let host = match req.headers().get(header::HOST).map(|v| v.to_str()) {
        Some(Ok(host)) => Some(host),
        Some(Err(_)) => return misdirected("(not text)").into_response(),
        // HTTP/1.0 without a Host: no browser sends that, so it is no rebinding.
        None => None,
    };
    for presented in [authority, host].into_iter().flatten() {
        if !hosts.allows(presented) {
            return misdirected(presented).into_response();
        }
    }
    next.run(req).await
}

fn misdirected(host: &str) -> ApiError {
    let shown: String = host.chars().take(100).collect();
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "this server does not answer to the host `{shown}`; use its address, or ask the operator to add the name to allowed_hosts (AR_ALLOWED_HOSTS)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listen: &str, public_url: Option<&str>, extra: &[&str]) -> AllowedHosts {
        let settings = Settings {
            public_url: public_url.map(str::to_owned),
            allowed_hosts: extra.iter().map(|s| s.to_string()).collect(),
            ..Settings::default()
        };
        AllowedHosts::new(&settings, listen.parse().expect("addr")).expect("hosts")
    }

    #[test]
    fn a_loopback_server_answers_its_own_names_only() {
        let h = hosts("127.0.0.1:8080", None, &[]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST.:8080",
            "[::1]:8080",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1:9999",
            "localhost",
            "10.0.0.5:8080",
            "user@localhost:8080",
            "",
            "local host:8080",
        ] {
            assert!(!h.allows(refused), "{refused}");
        }
        assert!(!h.accepts_any());
    }

    #[test]
    fn the_public_url_and_allowed_hosts_are_accepted() {
        let h = hosts(
            "127.0.0.1:8080",
            Some("https://Agents.Example.com"),
            &["ar.internal", "other.example:9000"],
        );
        for ok in [
            "agents.example.com",
            "agents.example.com:443",
            "ar.internal:1234",
            "other.example:9000",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in ["other.example:9001", "example.com", "evil.example"] {
            assert!(!h.allows(refused), "{refused}");
        }
        // A name with port 80 or 443 also matches a Host without a port.
        let h = hosts("127.0.0.1:80", None, &[]);
        assert!(h.allows("localhost") && h.allows("localhost:80"));
    }

    #[test]
    fn listening_everywhere_accepts_addresses_and_warns_without_names() {
        let h = hosts("0.0.0.0:8080", Some("https://agents.example.com"), &[]);
        assert!(h.allows("10.0.0.5:8080") && h.allows("[2001:db8::1]:8080"));
        assert!(h.allows("agents.example.com"));
        assert!(!h.allows("evil.example") && !h.accepts_any());
        let open = hosts("[::]:8080", None, &[]);
        assert!(open.accepts_any() && open.allows("evil.example"));
    }

    #[test]
    fn bad_allowed_hosts_are_refused() {
        assert!(AllowedHosts::parse_extra(&["ok.example".into()]).is_ok());
        for bad in ["http://x.example", "x.example:port", "a b"] {
            assert!(
                AllowedHosts::parse_extra(&[bad.to_string()]).is_err(),
                "{bad}"
            );
        }
    }
}
