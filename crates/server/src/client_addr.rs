//! Who a request comes from, for rate limiting (issue 13 item 3).
//!
//! The client is the socket peer, unless the peer is a reverse proxy the operator trusts
//! (`trusted_proxies`). Then `X-Forwarded-For` is read from the right — each proxy appends
//! the address it received the request from — and the first address that is not itself
//! a trusted proxy is the client. Anything left of it was written by the client, who may
//! write anything there, so it is never read. Without trusted proxies the header is
//! ignored: a forged one gets no bucket of its own.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header proxies append the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The operator's reverse proxies (addresses and networks).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// Parses `10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`, …
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let networks = entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("{entry:?} is not an IP address or a CIDR such as 10.0.0.0/8")
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies { networks })
    }

    /// Whether `ip` is one of the operator's proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|net| net.contains(&ip))
    }

    /// The client's address, from the peer and the request's `X-Forwarded-For`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Several header lines form one list, in order.
        let lines: Vec<String> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let hops = lines.iter().flat_map(|line| line.split(','));
        for hop in hops.rev() {
            // An entry that is not an address: the hop that reported it is the client.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`[::1]:80`, `1.2.3.4:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The rate-limit key of a client address. IPv6 clients are counted by their /64: one
/// subscriber usually holds a whole /64, so single addresses would give them billions of
/// buckets.
pub fn bucket_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .expect("proxies")
    }

    fn xff(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for line in lines {
            h.append(FORWARDED_FOR, line.parse().expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("127.0.0.1"), &xff(&["203.0.113.9"])),
            ip("127.0.0.1")
        );
        // A peer that is not a trusted proxy cannot speak for anyone else either.
        let some = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            some.client_ip(ip("198.51.100.7"), &xff(&["203.0.113.9"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let cases: &[(&[&str], &str)] = &[
            // The client forged the left part; the proxy appended the real address.
            (&["1.1.1.1, 203.0.113.9"], "203.0.113.9"),
            // Two proxies in a row.
            (&["203.0.113.9, 10.1.2.3"], "203.0.113.9"),
            (&["1.1.1.1", "203.0.113.9, 10.1.2.3"], "203.0.113.9"),
            (&["[2001:db8::1]:443"], "2001:db8::1"),
            (&["::ffff:203.0.113.9"], "203.0.113.9"),
            // Nothing reported: the proxy itself.
            (&[], "127.0.0.1"),
            // Only proxies: the left-most of them.
            (&["10.9.9.9, 10.1.1.1"], "10.9.9.9"),
            // Garbage at the right: the hop that reported it.
            (&["203.0.113.9, not-an-address"], "127.0.0.1"),
            (&["203.0.113.9, 10.1.1.1, unknown"], "127.0.0.1"),
            (&["garbage, 10.1.1.1"], "10.1.1.1"),
        ];
        for (lines, want) in cases {
            assert_eq!(
                p.client_ip(ip("127.0.0.1"), &xff(lines)),
                ip(want),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn bad_proxy_entries_are_refused() {
        let err = TrustedProxies::parse(&["10.0.0.0/33".into()]).expect_err("bad");
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert!(TrustedProxies::parse(&["proxy.internal".into()]).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(bucket_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(bucket_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(
            bucket_key(ip("2001:db8:1:2:aaaa::1")),
            bucket_key(ip("2001:db8:1:2:ffff::2"))
        );
        assert_ne!(
            bucket_key(ip("2001:db8:1:2::1")),
            bucket_key(ip("2001:db8:1:3::1"))
        );
    }
}
