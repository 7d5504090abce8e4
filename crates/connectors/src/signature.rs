//! Signature primitives a provider module builds its webhook verification from: HMACs over the
//! parts of a message in hex or base64, a constant-time comparison, and a timestamp window.
//! Verification is always over the raw bytes, before anything is parsed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ring::{digest, hmac};

use crate::{Secret, SignatureError};

/// The hash under an HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// Only where the provider signs with nothing else (Trello).
    Sha1,
    Sha256,
}

/// How the signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Hex,
    Base64,
}

/// One way of signing: a hash and how its value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hmac {
    pub hash: Hash,
    pub encoding: Encoding,
}

impl Hmac {
    pub const SHA256_HEX: Hmac = Hmac {
        hash: Hash::Sha256,
        encoding: Encoding::Hex,
    };
    pub const SHA256_BASE64: Hmac = Hmac {
        hash: Hash::Sha256,
        encoding: Encoding::Base64,
    };
    pub const SHA1_BASE64: Hmac = Hmac {
        hash: Hash::Sha1,
        encoding: Encoding::Base64,
    };

    fn key(self, secret: &[u8]) -> hmac::Key {
        let algorithm = match self.hash {
            Hash::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha256 => hmac::HMAC_SHA256,
        };
        hmac::Key::new(algorithm, secret)
    }

    /// The signature of the parts, concatenated, as the provider writes it: what a fake sends.
    pub fn sign(self, secret: &str, parts: &[&[u8]]) -> String {
        let mut context = hmac::Context::with_key(&self.key(secret.as_bytes()));
        for part in parts {
            context.update(part);
        }
        let tag = context.sign();
        match self.encoding {
            Encoding::Hex => hex::encode(tag.as_ref()),
            Encoding::Base64 => STANDARD.encode(tag.as_ref()),
        }
    }

    /// Whether `given` signs the parts, concatenated, with `secret`; compared in constant time.
    /// A value that does not decode is a mismatch.
    pub fn verify(self, secret: &Secret, parts: &[&[u8]], given: &str) -> bool {
        let given = given.trim();
        let decoded = match self.encoding {
            Encoding::Hex => hex::decode(given).ok(),
            Encoding::Base64 => STANDARD.decode(given).ok(),
        };
        let Some(tag) = decoded else {
            return false;
        };
        let message: Vec<u8> = parts.concat();
        hmac::verify(&self.key(secret.expose().as_bytes()), &message, &tag).is_ok()
    }
}

/// Whether two values are equal, in time that says nothing about where they differ or how long
/// either is: for tokens a provider sends back as they are (GitLab's `X-Gitlab-Token`).
pub fn constant_time_eq(expected: &[u8], given: &[u8]) -> bool {
    let expected = digest::digest(&digest::SHA256, expected);
    let given = digest::digest(&digest::SHA256, given);
    expected
        .as_ref()
        .iter()
        .zip(given.as_ref())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Checks a request's timestamp (seconds since the epoch, as the provider writes it) is within
/// `tolerance_seconds` of now either way: an older one may be a replay.
pub fn within_window(
    timestamp: &str,
    now: DateTime<Utc>,
    tolerance_seconds: i64,
) -> Result<i64, SignatureError> {
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if now.timestamp().abs_diff(seconds) > tolerance_seconds.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2 (HMAC-SHA256) and RFC 2202 test case 2 (HMAC-SHA1).
    const KEY: &str = "Jefe";
    const DATA: &[u8] = b"what do ya want for nothing?";
    const SHA256: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    const SHA1: &str = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";

    #[test]
    fn published_vectors_sign_and_verify() {
        assert_eq!(Hmac::SHA256_HEX.sign(KEY, &[DATA]), SHA256);
        let sha1 = Hmac {
            hash: Hash::Sha1,
            encoding: Encoding::Hex,
        };
        assert_eq!(sha1.sign(KEY, &[DATA]), SHA1);
        let base64 = STANDARD.encode(hex::decode(SHA256).unwrap_or_default());
        assert_eq!(Hmac::SHA256_BASE64.sign(KEY, &[DATA]), base64);
        let secret = Secret::new(KEY);
        assert!(Hmac::SHA256_HEX.verify(&secret, &[b"what do ya ", b"want for nothing?"], SHA256));
        assert!(Hmac::SHA256_BASE64.verify(&secret, &[DATA], &base64));
        assert!(!Hmac::SHA256_HEX.verify(&secret, &[DATA], &base64));
        assert!(!Hmac::SHA256_HEX.verify(&Secret::new("jefe"), &[DATA], SHA256));
    }

    #[test]
    fn equal_values_match_and_others_do_not() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"token "));
        assert!(!constant_time_eq(b"token", b""));
    }

    #[test]
    fn timestamps_outside_the_window_are_stale() {
        let now = DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default();
        assert_eq!(within_window("1767603300", now, 300), Ok(1_767_603_300));
        assert_eq!(within_window("1767603900", now, 300), Ok(1_767_603_900));
        assert_eq!(
            within_window("1767603299", now, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            within_window("soon", now, 300),
            Err(SignatureError::BadTimestamp)
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_signature_verifies_its_message_and_no_other(
            secret in "[ -~]{1,64}",
            body in proptest::collection::vec(any::<u8>(), 0..512),
            other in proptest::collection::vec(any::<u8>(), 0..512),
            base64 in any::<bool>(),
        ) {
            let hmac = if base64 { Hmac::SHA256_BASE64 } else { Hmac::SHA256_HEX };
            let key = Secret::new(secret.clone());
            let signature = hmac.sign(&secret, &[&body]);
            prop_assert!(hmac.verify(&key, &[&body], &signature));
            if other != body {
                prop_assert!(!hmac.verify(&key, &[&other], &signature));
            }
        }

        #[test]
        fn any_header_is_answered_without_panic(
            header in ".{0,200}",
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let key = Secret::new("s3cret");
            prop_assert!(!Hmac::SHA256_HEX.verify(&key, &[&body], &header));
            prop_assert!(!Hmac::SHA1_BASE64.verify(&key, &[&body], &header));
        }
    }
}
