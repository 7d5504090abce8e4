//! Accounts and authentication: password hashes, session JWTs, personal API tokens, login rate
//! limits, and the `Principal` every service call is made for.

mod accounts;
mod api_tokens;
mod client_address;
mod jwt;
mod password;
mod principal;
mod principal_cache;
mod rate_limit;
mod service;

pub use accounts::Accounts;
pub use api_tokens::{create_token, delete_token, list_tokens};
pub use client_address::client_address;
pub use jwt::SessionKeys;
pub use password::{hash_password, verify_password};
pub use principal::{Credential, Principal};
pub use principal_cache::PrincipalCache;
pub use rate_limit::LoginLimiter;
pub use service::{authenticate_bearer, end_sessions, login, logout};

use ring::rand::{SecureRandom, SystemRandom};

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system RNG only fails when the OS cannot provide randomness at all; nothing secure can
    // continue then.
    #[allow(clippy::expect_used)]
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random source failed");
    bytes
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `given` is the expected secret, compared through their digests so the time taken says
/// nothing about how much of it matched.
pub fn secret_matches(expected: &crate::secret::Secret, given: &str) -> bool {
    let expected = ring::digest::digest(&ring::digest::SHA256, expected.expose().as_bytes());
    let given = ring::digest::digest(&ring::digest::SHA256, given.as_bytes());
    expected.as_ref() == given.as_ref()
}
