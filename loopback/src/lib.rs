//! A defence against DNS rebinding for servers on loopback: the local stack's servers
//! answer only requests addressed to a loopback name.
//!
//! A web page from anywhere can make a browser send requests to a name its owner points
//! at 127.0.0.1; the browser then treats the local server as that site's own origin.
//! Such requests carry the attacker's name in `Host`, so a local server refuses them
//! with [`addressed_to_loopback`].

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
/// loopback.
pub fn addressed_to_loopback(headers: &HeaderMap) -> bool {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_loopback_host)
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
