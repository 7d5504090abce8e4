use std::fmt;

use crate::signature::constant_time_eq;

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

    /// Whether `given` is this secret, compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), given.as_bytes())
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
        assert!(Secret::new("hunter2").matches("hunter2"));
        assert!(!Secret::new("hunter2").matches("hunter3"));
    }
}
