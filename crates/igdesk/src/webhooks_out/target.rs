//! Where the Business Messaging API's webhooks may go: https to public addresses
//! only. A URL an administrator saves is otherwise a way to make igdesk POST to
//! services inside its own network (a cloud's metadata service at 169.254.169.254,
//! an admin port on 127.0.0.1, …). `IGDESK_WEBHOOK_ALLOW_PRIVATE` lifts this for
//! development and tests, where the receiver is on the same machine.
//!
//! Checked twice: when a URL is saved ([`check_saved`]: the scheme, an address
//! written in the URL, what a name resolves to now) and when connecting: the
//! delivery client ([`client`]) resolves names through [`PublicOnly`], which drops
//! every non-public address, so the address checked is the address connected to (a
//! name re-pointed after saving, or answering differently each time, gains
//! nothing). An address written in the URL is never resolved, so [`check_url`]
//! runs before each delivery too. Redirects are not followed: a 3xx is a failed
//! delivery like any other.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The setting that allows http and non-public targets, as refusals name it.
pub const SETTING: &str = "IGDESK_WEBHOOK_ALLOW_PRIVATE";

/// How long a name may take to resolve when a URL is saved.
const SAVE_LOOKUP: Duration = Duration::from_secs(5);

/// Why a URL may not receive webhooks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("is not an http(s) URL")]
    NotHttp,
    #[error("must use https (set {SETTING}=true to allow http, for development only)")]
    NotHttps,
    #[error("points at {0}, which is not public (loopback, private, link-local or reserved); set {SETTING}=true to allow it, for development only")]
    Private(IpAddr),
    #[error("resolves to {1}, which is not public (loopback, private, link-local or reserved); set {SETTING}=true to allow it, for development only")]
    ResolvesPrivate(String, IpAddr),
}

impl Refusal {
    /// The error code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotHttp | Refusal::NotHttps => "invalid_url",
            Refusal::Private(_) | Refusal::ResolvesPrivate(..) => "private_url",
        }
    }
}

/// What can be told from the URL alone: http(s), https unless private targets are
/// allowed, and an address written in it public.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, Refusal> {
    let parsed = Url::parse(url).map_err(|_| Refusal::NotHttp)?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(Refusal::NotHttps),
        _ => return Err(Refusal::NotHttp),
    }
    let Some(host) = parsed.host_str() else {
        return Err(Refusal::NotHttp);
    };
    match written_address(host) {
        Some(ip) if !allow_private && !is_public(ip) => Err(Refusal::Private(ip)),
        _ => Ok(parsed),
    }
}

/// [`check_url`], then what the name resolves to now: every address must be
/// public. A name that does not resolve yet is accepted (a receiver set up after
/// igdesk); every delivery checks again anyway.
pub async fn check_saved(url: &str, allow_private: bool) -> Result<(), Refusal> {
    let parsed = check_url(url, allow_private)?;
    if allow_private {
        return Ok(());
    }
    let name = parsed.host_str().unwrap_or_default();
    if written_address(name).is_some() {
        return Ok(());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let found = tokio::time::timeout(SAVE_LOOKUP, tokio::net::lookup_host((name, port))).await;
    if let Ok(Ok(addrs)) = found {
        for addr in addrs {
            if !is_public(addr.ip()) {
                return Err(Refusal::ResolvesPrivate(name.to_owned(), addr.ip()));
            }
        }
    }
    Ok(())
}

/// The address a URL's host names directly, if it is one. The URL parser has
/// already turned every IPv4 spelling (`2130706433`, `0x7f.1`) into dotted form and
/// put IPv6 in brackets.
fn written_address(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// The client webhooks are delivered with: no redirects, no proxy (a proxy would
/// resolve and connect on its own), and, unless private targets are allowed,
/// https only and names resolved through [`PublicOnly`].
pub fn client(allow_private: bool, timeout: Duration) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("igdesk/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let builder = if allow_private {
        builder
    } else {
        builder.https_only(true).dns_resolver(Arc::new(PublicOnly))
    };
    builder.build().expect("an HTTP client")
}

/// Resolves a name with the system's resolver and keeps only public addresses;
/// none left is an error naming the name, the address and the setting.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                all.iter().copied().filter(|a| is_public(a.ip())).collect();
            match (public.is_empty(), all.first()) {
                (true, Some(first)) => {
                    Err(Box::new(Refusal::ResolvesPrivate(name, first.ip())) as _)
                }
                _ => Ok(Box::new(public.into_iter()) as Addrs),
            }
        })
    }
}

/// Whether an address is reachable on the public internet: not loopback, private,
/// shared (CGNAT), link-local, multicast, documentation or otherwise reserved, and
/// for IPv6 only global unicast; an IPv4 address inside IPv6 (mapped, NAT64, 6to4)
/// is judged as the IPv4 address it is.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0 // "this network", 0.0.0.0 included
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // IETF assignments, TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relays
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return public_v4(v4);
    }
    let s = ip.segments();
    // Only global unicast (2000::/3) is public; this also refuses ::, ::1,
    // IPv4-compatible ::/96, fc00::/7, fe80::/10, fec0::/10 and ff00::/8.
    let global_unicast = s[0] & 0xe000 == 0x2000;
    let special = match s[0] {
        // IETF assignments (Teredo, ORCHID, …) and documentation.
        0x2001 => s[1] < 0x0200 || s[1] == 0x0db8,
        // Documentation.
        0x3fff => s[1] < 0x1000,
        _ => false,
    };
    global_unicast && !special
}

/// The IPv4 address carried by an IPv4-mapped (::ffff:0:0/96), NAT64
/// (64:ff9b::/96) or 6to4 (2002::/16) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(from(hi, lo)),
        [0x2002, hi, lo, ..] => Some(from(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn ipv4_private_loopback_link_local_and_reserved_are_not_public() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.1.1",
            "192.169.0.1",
            "223.255.255.254",
        ] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn ipv6_only_global_unicast_is_public() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "64:ff9b:1::1",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in [
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "2400:cb00::1",
        ] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_ipv4() {
        for ip in [
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_for_scheme_and_written_addresses() {
        assert!(check_url("https://bot.example/in", false).is_ok());
        assert!(check_url("https://93.184.215.14/in", false).is_ok());
        assert_eq!(
            check_url("http://bot.example/in", false),
            Err(Refusal::NotHttps)
        );
        assert_eq!(check_url("ftp://bot.example", true), Err(Refusal::NotHttp));
        assert_eq!(check_url("not a url", true), Err(Refusal::NotHttp));
        for url in [
            "https://127.0.0.1/in",
            "https://2130706433/in",
            "https://0x7f.1/in",
            "https://[::1]/in",
            "https://[::ffff:7f00:1]/in",
            "https://169.254.169.254/latest",
        ] {
            assert!(
                matches!(check_url(url, false), Err(Refusal::Private(_))),
                "{url}"
            );
        }
        assert!(check_url("http://127.0.0.1:9/in", true).is_ok());
        assert!(Refusal::NotHttps.to_string().contains(SETTING));
        let private = Refusal::Private("10.0.0.1".parse().unwrap());
        assert!(private.to_string().contains(SETTING));
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_when_saved() {
        let refused = check_saved("https://localhost:8443/in", false).await;
        assert!(
            matches!(refused, Err(Refusal::ResolvesPrivate(ref name, _)) if name == "localhost"),
            "{refused:?}"
        );
        assert!(check_saved("http://localhost:8443/in", true).await.is_ok());
    }

    #[tokio::test]
    async fn the_resolver_keeps_no_private_address() {
        let name: Name = "localhost".parse().unwrap();
        let refused = PublicOnly.resolve(name).await.err().expect("refused");
        assert!(refused.to_string().contains(SETTING), "{refused}");
    }
}
