//! The SSRF guard: tenant-supplied MCP server URLs may not reach the platform's own
//! network (loopback, private ranges, link-local including cloud metadata, unique-local,
//! unspecified) unless the operator allows the host or address.
//!
//! Two checks, one rule ([`HostAllowlist`] plus [`restricted_reason`]):
//! - [`check_url`] resolves the host up front, for a clear error at registration and
//!   before a connection is attempted;
//! - [`GuardedResolver`] is the DNS resolver of every HTTP client this crate builds, so
//!   the addresses a connection actually uses are checked again at connect time. A name
//!   that resolved to a public address during [`check_url`] and to `127.0.0.1` a moment
//!   later (DNS rebinding) is refused by the resolver, because the socket only ever
//!   connects to addresses the resolver returned. IP-literal URLs never reach a resolver
//!   and cannot rebind; [`check_url`] covers them, and redirects are disabled so no
//!   response can point the client elsewhere.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use thiserror::Error;

/// Name of the environment variable holding the operator allowlist.
pub const ALLOWED_HOSTS_ENV: &str = "AR_MCP_ALLOWED_HOSTS";

/// Why a URL was refused by the SSRF guard.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SsrfError {
    /// The text is not a URL.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// Only `http` and `https` URLs are accepted.
    #[error("unsupported URL scheme `{0}` (only http and https are accepted)")]
    UnsupportedScheme(String),
    /// The URL has no host.
    #[error("the URL has no host")]
    MissingHost,
    /// The host name did not resolve.
    #[error("could not resolve host `{host}`: {message}")]
    Resolve { host: String, message: String },
    /// The host resolved to an address in a range that tenants may not reach.
    #[error(
        "refused to connect to `{host}`: it resolves to {addr}, a {reason} address \
         (the operator can allow it in {ALLOWED_HOSTS_ENV})"
    )]
    Refused {
        host: String,
        addr: IpAddr,
        reason: &'static str,
    },
    /// An entry of the operator allowlist is neither a host, an address nor a CIDR.
    #[error(
        "invalid entry `{0}` in {ALLOWED_HOSTS_ENV}: expected a host name, an IP address or a CIDR"
    )]
    InvalidAllowlistEntry(String),
}

/// The operator's exceptions to the SSRF guard: host names and IP networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAllowlist {
    hosts: Vec<String>,
    networks: Vec<IpNet>,
}

impl HostAllowlist {
    /// An allowlist that allows nothing beyond public addresses.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list of host names, IP addresses and CIDRs,
    /// e.g. `127.0.0.1, tools.internal, 10.1.0.0/16`. Empty entries are ignored.
    pub fn parse(spec: &str) -> Result<Self, SsrfError> {
        let mut allowlist = Self::default();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(network) = entry.parse::<IpNet>() {
                allowlist.networks.push(network);
            } else if let Ok(addr) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
                allowlist.networks.push(IpNet::from(addr));
            } else if is_host_name(entry) {
                allowlist.hosts.push(normalize_host(entry));
            } else {
                return Err(SsrfError::InvalidAllowlistEntry(entry.to_owned()));
            }
        }
        Ok(allowlist)
    }

    /// Reads [`ALLOWED_HOSTS_ENV`]; unset means empty.
    pub fn from_env() -> Result<Self, SsrfError> {
        match std::env::var(ALLOWED_HOSTS_ENV) {
            Ok(spec) => Self::parse(&spec),
            Err(_) => Ok(Self::empty()),
        }
    }

    /// Whether the host name itself is allowed (then any address it resolves to is).
    pub fn allows_host(&self, host: &str) -> bool {
        let host = normalize_host(host);
        self.hosts.contains(&host)
    }

    /// Whether the address falls in an allowed network.
    pub fn allows_addr(&self, addr: IpAddr) -> bool {
        let addr = canonical_ip(addr);
        self.networks.iter().any(|net| net.contains(&addr))
    }
}

/// Why tenants may not reach this address, or `None` when it is public.
pub fn restricted_reason(addr: IpAddr) -> Option<&'static str> {
    match canonical_ip(addr) {
        IpAddr::V4(v4) => {
            let octets = v4.octets();
            if v4.is_unspecified() {
                Some("unspecified")
            } else if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if octets[0] == 100 && (octets[1] & 0xc0) == 64 {
                // 100.64.0.0/10, carrier-grade NAT: private in practice.
                Some("shared (CGNAT)")
            } else if octets[0] == 0 {
                // 0.0.0.0/8 reaches the local host on some systems.
                Some("this-network")
            } else if v4.is_broadcast() || v4.is_multicast() {
                Some("broadcast or multicast")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_loopback() {
                Some("loopback")
            } else if (first & 0xfe00) == 0xfc00 {
                Some("unique-local")
            } else if (first & 0xffc0) == 0xfe80 {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("multicast")
            } else {
                None
            }
        }
    }
}

/// Checks the resolved addresses of `host` against the rule: every address must be
/// public, allowed by network, or the host itself must be allowed.
pub fn check_addrs(
    host: &str,
    addrs: &[IpAddr],
    allowlist: &HostAllowlist,
) -> Result<(), SsrfError> {
    if allowlist.allows_host(host) {
        return Ok(());
    }
    for addr in addrs {
        if let Some(reason) = restricted_reason(*addr)
            && !allowlist.allows_addr(*addr)
        {
            return Err(SsrfError::Refused {
                host: host.to_owned(),
                addr: *addr,
                reason,
            });
        }
    }
    Ok(())
}

/// Checks that `url` is an http(s) URL whose host resolves only to addresses tenants
/// may reach, or that the operator allowlist covers it.
pub async fn check_url(url: &str, allowlist: &HostAllowlist) -> Result<(), SsrfError> {
    let parsed = url::Url::parse(url).map_err(|e| SsrfError::InvalidUrl(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SsrfError::UnsupportedScheme(parsed.scheme().to_owned()));
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    match parsed.host() {
        None => Err(SsrfError::MissingHost),
        Some(url::Host::Ipv4(v4)) => check_addrs(&v4.to_string(), &[IpAddr::V4(v4)], allowlist),
        Some(url::Host::Ipv6(v6)) => check_addrs(&v6.to_string(), &[IpAddr::V6(v6)], allowlist),
        Some(url::Host::Domain(name)) => {
            let addrs = resolve(name, port).await?;
            check_addrs(name, &addrs, allowlist)
        }
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<IpAddr>, SsrfError> {
    let resolve_error = |message: String| SsrfError::Resolve {
        host: host.to_owned(),
        message,
    };
    let addrs: Vec<IpAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| resolve_error(e.to_string()))?
        .map(|sa| sa.ip())
        .collect();
    if addrs.is_empty() {
        return Err(resolve_error("no addresses".to_owned()));
    }
    Ok(addrs)
}

/// A DNS resolver for reqwest that applies the SSRF rule to every resolution, so the
/// addresses a connection uses are the checked ones (see the module docs).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    allowlist: Arc<HostAllowlist>,
}

impl GuardedResolver {
    /// A resolver enforcing `allowlist`'s exceptions.
    pub fn new(allowlist: Arc<HostAllowlist>) -> Self {
        Self { allowlist }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowlist = Arc::clone(&self.allowlist);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest substitutes the URL's port.
            let addrs = resolve(&host, 0).await?;
            check_addrs(&host, &addrs, &allowlist)?;
            let socket_addrs: Vec<SocketAddr> =
                addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(Box::new(socket_addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are judged as the IPv4 address.
fn canonical_ip(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn is_host_name(entry: &str) -> bool {
    !entry.is_empty()
        && entry.len() <= 253
        && entry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    #[test]
    fn restricted_reason_classifies_each_range() {
        let cases = [
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("10.0.0.1", Some("private")),
            ("172.16.5.4", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("shared (CGNAT)")),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("this-network")),
            ("255.255.255.255", Some("broadcast or multicast")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fd00::1", Some("unique-local")),
            ("fc12::1", Some("unique-local")),
            ("fe80::1", Some("link-local")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2001:4860:4860::8888", None),
        ];
        for (addr, expected) in cases {
            assert_eq!(restricted_reason(ip(addr)), expected, "{addr}");
        }
    }

    #[test]
    fn allowlist_parses_hosts_addresses_and_cidrs() {
        let list = HostAllowlist::parse(" 127.0.0.1 , Tools.Internal., 10.1.0.0/16,[::1],,")
            .expect("valid allowlist");
        assert!(list.allows_addr(ip("127.0.0.1")));
        assert!(!list.allows_addr(ip("127.0.0.2")));
        assert!(list.allows_addr(ip("10.1.200.3")));
        assert!(!list.allows_addr(ip("10.2.0.1")));
        assert!(list.allows_addr(ip("::1")));
        assert!(list.allows_addr(ip("::ffff:127.0.0.1")));
        assert!(list.allows_host("tools.internal"));
        assert!(list.allows_host("TOOLS.internal."));
        assert!(!list.allows_host("other.internal"));
    }

    #[test]
    fn allowlist_rejects_garbage_entries() {
        for bad in ["10.0.0.0/33", "http://x", "a b", "host/path"] {
            assert_eq!(
                HostAllowlist::parse(bad),
                Err(SsrfError::InvalidAllowlistEntry(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn check_addrs_refuses_if_any_address_is_restricted() {
        let empty = HostAllowlist::empty();
        let result = check_addrs("mixed.example", &[ip("8.8.8.8"), ip("10.0.0.1")], &empty);
        assert!(matches!(
            result,
            Err(SsrfError::Refused {
                reason: "private",
                ..
            })
        ));
        assert_eq!(check_addrs("pub.example", &[ip("8.8.8.8")], &empty), Ok(()));
    }

    #[test]
    fn check_addrs_honours_host_and_network_exceptions() {
        let by_host = HostAllowlist::parse("mixed.example").expect("valid");
        assert_eq!(
            check_addrs("mixed.example", &[ip("10.0.0.1")], &by_host),
            Ok(())
        );
        let by_net = HostAllowlist::parse("10.0.0.0/8").expect("valid");
        assert_eq!(check_addrs("x.example", &[ip("10.9.9.9")], &by_net), Ok(()));
        assert!(check_addrs("x.example", &[ip("192.168.0.1")], &by_net).is_err());
    }

    #[tokio::test]
    async fn check_url_rejects_non_http_schemes_and_bad_urls() {
        let empty = HostAllowlist::empty();
        assert_eq!(
            check_url("file:///etc/passwd", &empty).await,
            Err(SsrfError::UnsupportedScheme("file".to_owned()))
        );
        assert!(matches!(
            check_url("not a url", &empty).await,
            Err(SsrfError::InvalidUrl(_))
        ));
    }
}
