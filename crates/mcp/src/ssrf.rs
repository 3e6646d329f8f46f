//! The SSRF guard: tenant-supplied MCP server URLs may not reach the platform's own
//! network (loopback, private ranges, link-local including cloud metadata, unique-local,
//! unspecified, reserved and special-purpose ranges) unless the operator allows the host
//! or address. IPv6 forms that embed an IPv4 address (IPv4-mapped and -compatible,
//! NAT64, 6to4, Teredo) are judged by the IPv4 address they lead to ([`classify`]).
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

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
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
        "refused to connect to `{host}`: it resolves to {addr}, a {reason} address{} \
         (the operator can allow it in {ALLOWED_HOSTS_ENV})",
        .via.map(|v| format!(" ({v})")).unwrap_or_default()
    )]
    Refused {
        host: String,
        addr: IpAddr,
        reason: &'static str,
        /// The IPv4 address embedded in `addr` that decided, when there is one.
        via: Option<Embedded>,
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

/// An IPv4 address carried inside an IPv6 one, and the form that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    /// `IPv4-mapped`, `IPv4-compatible`, `IPv4-translated`, `NAT64`, `6to4`, `Teredo`.
    pub form: &'static str,
    pub ipv4: Ipv4Addr,
}

impl fmt::Display for Embedded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} address of {}", self.form, self.ipv4)
    }
}

/// Why tenants may not reach an address: its class, and the embedded IPv4 address that
/// decided when the address carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restriction {
    pub reason: &'static str,
    pub via: Option<Embedded>,
}

/// IPv4 ranges tenants may not reach, most specific first (the first match names the
/// reason). Everything not listed is public.
const RESTRICTED_V4: &[(&str, &str)] = &[
    ("0.0.0.0/32", "unspecified"),
    // Reaches the local host on some systems.
    ("0.0.0.0/8", "this-network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    // IETF protocol assignments: DS-Lite (192.0.0.0/29), NAT64 discovery (.170, .171).
    ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.168.0.0/16", "private"),
    // Network benchmarking, used inside labs and appliances.
    ("198.18.0.0/15", "benchmarking"),
    ("224.0.0.0/4", "broadcast or multicast"),
    ("255.255.255.255/32", "broadcast or multicast"),
    ("240.0.0.0/4", "reserved"),
];

/// IPv6 ranges tenants may not reach whatever they carry (forms that embed an IPv4
/// address are in [`embedded_ipv4`]).
const RESTRICTED_V6: &[(&str, &str)] = &[
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    // RFC 8215: NAT64 prefixes of a local network, of any length inside this one.
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    // Deprecated, still routed locally by some networks.
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
];

fn ranges<N: std::str::FromStr>(table: &[(&str, &'static str)]) -> Vec<(N, &'static str)>
where
    N::Err: fmt::Debug,
{
    table
        .iter()
        .map(|(net, reason)| (net.parse().expect("a valid range in the table"), *reason))
        .collect()
}

fn v4_reason(addr: Ipv4Addr) -> Option<&'static str> {
    static TABLE: LazyLock<Vec<(Ipv4Net, &'static str)>> = LazyLock::new(|| ranges(RESTRICTED_V4));
    TABLE
        .iter()
        .find(|(net, _)| net.contains(&addr))
        .map(|(_, reason)| *reason)
}

fn v6_reason(addr: Ipv6Addr) -> Option<&'static str> {
    static TABLE: LazyLock<Vec<(Ipv6Net, &'static str)>> = LazyLock::new(|| ranges(RESTRICTED_V6));
    TABLE
        .iter()
        .find(|(net, _)| net.contains(&addr))
        .map(|(_, reason)| *reason)
}

/// The IPv4 addresses an IPv6 address leads to, with the form that embeds them.
/// Teredo carries two (its server, and the client XOR-obfuscated); every one must pass.
fn embedded_ipv4(addr: Ipv6Addr) -> Vec<Embedded> {
    let s = addr.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let embedded = |form: &'static str, ipv4| Embedded { form, ipv4 };
    match s {
        // ::ffff:a.b.c.d
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => vec![embedded("IPv4-mapped", v4(hi, lo))],
        // ::ffff:0:a.b.c.d (SIIT)
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => vec![embedded("IPv4-translated", v4(hi, lo))],
        // ::a.b.c.d, except :: and ::1, which are IPv6's own.
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) != (0, 0) && (hi, lo) != (0, 1) => {
            vec![embedded("IPv4-compatible", v4(hi, lo))]
        }
        // 64:ff9b::a.b.c.d, the well-known NAT64 prefix (RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => vec![embedded("NAT64", v4(hi, lo))],
        // 2002:AABB:CCDD::/48, 6to4 (RFC 3056).
        [0x2002, hi, lo, ..] => vec![embedded("6to4", v4(hi, lo))],
        // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC, Teredo (RFC 4380).
        [0x2001, 0, shi, slo, _, _, chi, clo] => vec![
            embedded("Teredo server", v4(shi, slo)),
            embedded("Teredo client", v4(!chi, !clo)),
        ],
        _ => Vec::new(),
    }
}

/// Why tenants may not reach this address, or `None` when it is public. An IPv6
/// address embedding an IPv4 one is refused when that IPv4 address would be.
pub fn classify(addr: IpAddr) -> Option<Restriction> {
    match addr {
        IpAddr::V4(v4) => v4_reason(v4).map(|reason| Restriction { reason, via: None }),
        IpAddr::V6(v6) => {
            if let Some(reason) = v6_reason(v6) {
                return Some(Restriction { reason, via: None });
            }
            embedded_ipv4(v6).into_iter().find_map(|via| {
                v4_reason(via.ipv4).map(|reason| Restriction {
                    reason,
                    via: Some(via),
                })
            })
        }
    }
}

/// Why tenants may not reach this address (its class, see [`classify`]), or `None`
/// when it is public.
pub fn restricted_reason(addr: IpAddr) -> Option<&'static str> {
    classify(addr).map(|r| r.reason)
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
        if let Some(Restriction { reason, via }) = classify(*addr)
            && !allowlist.allows_addr(*addr)
        {
            return Err(SsrfError::Refused {
                host: host.to_owned(),
                addr: *addr,
                reason,
                via,
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

    /// Every range of issue 13 item 10, and the forms that embed an IPv4 address, which
    /// are judged by that address: refused when it is restricted, public when it is.
    #[test]
    fn special_purpose_and_embedding_forms_are_classified() {
        // (address, expected (reason, embedded (form, IPv4))).
        type Expected = Option<(&'static str, Option<(&'static str, &'static str)>)>;
        let cases: &[(&str, Expected)] = &[
            // IPv4 ranges.
            ("198.18.0.1", Some(("benchmarking", None))),
            ("198.19.255.254", Some(("benchmarking", None))),
            ("198.20.0.1", None),
            ("240.0.0.1", Some(("reserved", None))),
            ("254.255.255.255", Some(("reserved", None))),
            ("192.0.0.1", Some(("IETF protocol assignment", None))),
            ("192.0.0.170", Some(("IETF protocol assignment", None))),
            ("192.0.1.1", None),
            ("224.0.0.251", Some(("broadcast or multicast", None))),
            // NAT64, well-known prefix: by the embedded address.
            (
                "64:ff9b::7f00:1",
                Some(("loopback", Some(("NAT64", "127.0.0.1")))),
            ),
            (
                "64:ff9b::a9fe:a9fe",
                Some(("link-local", Some(("NAT64", "169.254.169.254")))),
            ),
            (
                "64:ff9b::a00:5",
                Some(("private", Some(("NAT64", "10.0.0.5")))),
            ),
            ("64:ff9b::808:808", None),
            // NAT64, local-use prefix: never.
            ("64:ff9b:1::808:808", Some(("local-use NAT64", None))),
            ("64:ff9b:1:ffff::1", Some(("local-use NAT64", None))),
            // IPv4-compatible (deprecated) and IPv4-translated.
            (
                "::7f00:1",
                Some(("loopback", Some(("IPv4-compatible", "127.0.0.1")))),
            ),
            (
                "::a00:1",
                Some(("private", Some(("IPv4-compatible", "10.0.0.1")))),
            ),
            ("::808:808", None),
            (
                "::ffff:0:7f00:1",
                Some(("loopback", Some(("IPv4-translated", "127.0.0.1")))),
            ),
            // IPv4-mapped.
            (
                "::ffff:c612:1",
                Some(("benchmarking", Some(("IPv4-mapped", "198.18.0.1")))),
            ),
            ("::ffff:808:808", None),
            // 6to4.
            (
                "2002:7f00:1::1",
                Some(("loopback", Some(("6to4", "127.0.0.1")))),
            ),
            (
                "2002:c0a8:101::",
                Some(("private", Some(("6to4", "192.168.1.1")))),
            ),
            ("2002:808:808::1", None),
            // Teredo: the server, and the client (stored inverted).
            (
                "2001:0:a00:1::808:808",
                Some(("private", Some(("Teredo server", "10.0.0.1")))),
            ),
            (
                "2001:0:808:808:0:0:80ff:fffe",
                Some(("loopback", Some(("Teredo client", "127.0.0.1")))),
            ),
            ("2001:0:808:808:0:0:f7f7:f7f7", None),
            // Other IPv6 ranges; 2001:db8:: and Google's 2001:4860:: are not Teredo.
            ("fec0::1", Some(("site-local", None))),
            ("ff02::1", Some(("multicast", None))),
            ("2001:db8::1", None),
            ("2001:4860:4860::8888", None),
        ];
        for (text, expected) in cases {
            let expected = expected.map(|(reason, via)| Restriction {
                reason,
                via: via.map(|(form, v4)| Embedded {
                    form,
                    ipv4: v4.parse().expect("test IPv4"),
                }),
            });
            assert_eq!(classify(ip(text)), expected, "{text}");
        }
    }

    #[test]
    fn a_refusal_names_the_embedded_address() {
        let error = check_addrs(
            "x.example",
            &[ip("64:ff9b::7f00:1")],
            &HostAllowlist::empty(),
        )
        .expect_err("NAT64 of loopback");
        let text = error.to_string();
        assert!(
            text.contains("loopback") && text.contains("NAT64 address of 127.0.0.1"),
            "{text}"
        );
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
