use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};

/// A value that must never be logged or returned: `Debug` and `Display` show at most a short
/// prefix (enough to tell `xoxb-…` from `ghp_…`), never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn prefix(&self) -> String {
        // Short values would be given away by a prefix; show none.
        if self.0.chars().count() < 16 {
            return String::new();
        }
        self.0.chars().take(4).collect()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}…)", self.prefix())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.prefix())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

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
pub fn secret_matches(expected: &Secret, given: &str) -> bool {
    let expected = ring::digest::digest(&ring::digest::SHA256, expected.expose().as_bytes());
    let given = ring::digest::digest(&ring::digest::SHA256, given.as_bytes());
    expected.as_ref() == given.as_ref()
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_redact() {
        let secret = Secret::new("xoxb-1234567890-abcdefghijkl");
        assert_eq!(format!("{secret:?}"), "Secret(xoxb…)");
        assert_eq!(format!("{secret}"), "xoxb…");
        assert!(!format!("{secret:?}").contains("1234567890"));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(…)");
    }
}
