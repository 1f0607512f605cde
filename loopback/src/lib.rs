//! A defence against DNS rebinding for servers on loopback: the local stack's servers
//! answer only requests addressed to a loopback name.
//!
//! A web page from anywhere can make a browser send requests to a name its owner points
//! at 127.0.0.1; the browser then treats the local server as that site's own origin.
//! Such requests carry the attacker's name in `Host`, so a local server refuses them
//! with [`addressed_to_loopback`]. A local proxy in front (`trunk serve
//! --proxy-backend` rewrites `Host` to the backend's address) passes the name on in
//! `X-Forwarded-Host` or `Forwarded`; those must name loopback too.

use http::{HeaderMap, header};

/// What a local server answers, with a 400, to a request addressed elsewhere.
pub const REFUSAL: &str =
    "this local server answers only requests addressed to localhost or 127.0.0.1";

/// Whether a `Host` header value names this machine's loopback interface:
/// `localhost`, an address in 127.0.0.0/8 or `[::1]`, with any port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) => {
                return ip == "::1"
                    && (port.is_empty() || port.strip_prefix(':').is_some_and(is_port));
            }
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A port number: digits only, up to 65535.
fn is_port(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u16>().is_ok()
}

/// Whether a request with these headers is addressed to loopback: its `Host` names
/// loopback, and so does every host a proxy says it was forwarded for
/// (`X-Forwarded-Host`, the `host=` of `Forwarded`, each value of each header).
pub fn addressed_to_loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_loopback_host);
    host && forwarded_hosts(headers).all(|h| h.is_some_and(is_loopback_host))
}

/// Every host the forwarding headers name; `None` for a value that is not text.
fn forwarded_hosts(headers: &HeaderMap) -> impl Iterator<Item = Option<&str>> {
    let x_forwarded = headers
        .get_all("x-forwarded-host")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(|h| Some(h.trim())).collect::<Vec<_>>(),
            Err(_) => vec![None],
        });
    let forwarded =
        headers
            .get_all(header::FORWARDED)
            .iter()
            .flat_map(|value| match value.to_str() {
                Ok(text) => text
                    .split([',', ';'])
                    .filter_map(|pair| {
                        let (name, value) = pair.trim().split_once('=')?;
                        name.trim()
                            .eq_ignore_ascii_case("host")
                            .then(|| Some(value.trim().trim_matches('"')))
                    })
                    .collect::<Vec<_>>(),
                Err(_) => vec![None],
            });
    x_forwarded.chain(forwarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_pass_with_or_without_a_port() {
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1",
            "127.0.0.1:3000",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_hosts_must_name_loopback_too() {
        let ok = [
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "localhost:8080"),
            ]),
            headers(&[
                ("host", "localhost"),
                (
                    "forwarded",
                    "for=127.0.0.1;host=\"127.0.0.1:8080\";proto=http",
                ),
            ]),
        ];
        for map in ok {
            assert!(addressed_to_loopback(&map), "{map:?}");
        }
        let refused = [
            headers(&[]),
            headers(&[("host", "evil.example")]),
            // What `trunk serve --proxy-backend` sends for a rebound name.
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("x-forwarded-host", "evil.example:8080"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("x-forwarded-host", "localhost, evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("x-forwarded-host", "localhost"),
                ("x-forwarded-host", "evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("forwarded", "for=1.2.3.4;Host=evil.example, host=localhost"),
            ]),
        ];
        for map in refused {
            assert!(!addressed_to_loopback(&map), "{map:?}");
        }
    }

    #[test]
    fn other_names_fail() {
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:3000",
            "0.0.0.0:3000",
            "[::2]:3000",
            "[::1]x",
            "[::1]3000",
            "localhost:http",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
