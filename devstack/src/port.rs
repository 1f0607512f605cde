//! Free loopback ports for the processes the local stack, the tests and the
//! benchmarks start.
//!
//! A port found free is closed again before the child binds it. Were it one of the
//! kernel's ephemeral ports (what `bind(0)` and every outgoing connection draw from),
//! any connection made in between could take it, and more often the busier the machine.
//! So the port comes from below the ephemeral range, where nothing is handed out
//! implicitly, chosen at random so that concurrent callers do not collide.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{Ipv4Addr, TcpListener};

/// The lowest port handed out: above the well-known and most registered services.
const LOWEST: u16 = 10_000;
/// Linux's default start of the ephemeral range, when the kernel does not say.
const EPHEMERAL_START: u16 = 32_768;

/// The first port of the kernel's ephemeral range.
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .filter(|&start| start > LOWEST + 1_000)
        .unwrap_or(EPHEMERAL_START)
}

/// A loopback port nothing listens on now, outside the ephemeral range.
pub fn free_port() -> std::io::Result<u16> {
    let end = ephemeral_start();
    let random = RandomState::new();
    for attempt in 0u32..1_000 {
        let port = LOWEST + (random.hash_one(attempt) % u64::from(end - LOWEST)) as u16;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no free loopback port below the ephemeral range",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_port_is_below_the_ephemeral_range_and_bindable() {
        let port = free_port().unwrap_or_default();
        assert!((LOWEST..ephemeral_start()).contains(&port), "{port}");
        assert!(TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok());
    }
}
