//! Which address a request comes from. Behind a reverse proxy every request arrives from the
//! proxy; only a proxy the operator trusts (`STINT_TRUSTED_PROXIES`) may say, in
//! `X-Forwarded-For`, whom it forwards for. Anyone else's header is ignored, since anyone can
//! send one.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address: the peer's, or — when the peer is a trusted proxy — the nearest address
/// in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    // Each proxy appends whom it heard from: read from the right, past our own proxies.
    for entry in header.rsplit(',').map(str::trim) {
        match entry.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return Some(ip),
            // Garbage where an address should be: trust nothing further left.
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        // A stranger's header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // Our proxy's word is taken; a spoofed entry further left is not.
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Past a chain of our own proxies.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("198.51.100.7, 10.0.0.1"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), None, &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("not an address"), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("1.2.3.4"), &[]),
            ip("127.0.0.1")
        );
    }
}
