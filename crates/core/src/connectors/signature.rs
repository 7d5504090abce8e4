//! Webhook signatures, checked over the raw bytes before anything is parsed. `ring::hmac::verify`
//! compares in constant time.

use chrono::{DateTime, Utc};
use ring::hmac;

use crate::secret::Secret;

/// Why a signature was refused. The verdict is recorded; the reason is logged and returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature does not match the body")]
    Mismatch,
    #[error("only a SHA-1 signature was sent; Stint accepts `X-Hub-Signature-256` only")]
    Sha1Only,
    #[error("the request timestamp is missing or not a number")]
    BadTimestamp,
    #[error("the request timestamp is more than five minutes away from now (a replay?)")]
    Stale,
    #[error("no signing secret is configured for this provider")]
    NoSecret,
}

impl SignatureError {
    /// How `webhook_deliveries.signature` records it.
    pub fn verdict(self) -> &'static str {
        match self {
            SignatureError::Missing | SignatureError::NoSecret => "missing",
            _ => "invalid",
        }
    }
}

fn verify_hex(secret: &Secret, message: &[u8], hex_signature: &str) -> bool {
    let Ok(expected) = hex::decode(hex_signature.trim()) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes());
    hmac::verify(&key, message, &expected).is_ok()
}

/// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn verify_github(
    secret: Option<&Secret>,
    signature_256: Option<&str>,
    has_sha1_signature: bool,
    body: &[u8],
) -> Result<(), SignatureError> {
    let secret = secret.ok_or(SignatureError::NoSecret)?;
    let Some(header) = signature_256 else {
        return Err(if has_sha1_signature {
            SignatureError::Sha1Only
        } else {
            SignatureError::Missing
        });
    };
    let hex_signature = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Mismatch)?;
    if verify_hex(secret, body, hex_signature) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// How far a Slack request timestamp may be from now.
pub const SLACK_TOLERANCE_SECONDS: i64 = 5 * 60;

/// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:{timestamp}:{body}")>` with
/// `X-Slack-Request-Timestamp` within five minutes of now.
pub fn verify_slack(
    secret: Option<&Secret>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let secret = secret.ok_or(SignatureError::NoSecret)?;
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if (now.timestamp() - seconds).abs() > SLACK_TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let hex_signature = signature
        .strip_prefix("v0=")
        .ok_or(SignatureError::Mismatch)?;
    let mut message = format!("v0:{}:", timestamp.trim()).into_bytes();
    message.extend_from_slice(body);
    if verify_hex(secret, &message, hex_signature) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `sha256=<hex>` for a body: what GitHub sends, for tests and benchmarks that play GitHub.
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    format!("sha256={}", hex::encode(hmac::sign(&key, body)))
}

/// `v0=<hex>` for a timestamp and body: what Slack sends.
pub fn slack_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut context = hmac::Context::with_key(&key);
    context.update(format!("v0:{timestamp}:").as_bytes());
    context.update(body);
    format!("v0={}", hex::encode(context.sign()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    // GitHub's documented example ("Validating webhook deliveries").
    const GITHUB_SECRET: &str = "It's a Secret to Everybody";
    const GITHUB_BODY: &[u8] = b"Hello, World!";
    const GITHUB_SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    // Slack's documented example ("Verifying requests from Slack").
    const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const SLACK_TIMESTAMP: &str = "1531420618";
    const SLACK_BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SLACK_SIGNATURE: &str =
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn secret(value: &str) -> Secret {
        Secret::new(value)
    }

    fn slack_now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_531_420_618 + 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn github_documented_vector_verifies() {
        assert_eq!(
            github_signature(GITHUB_SECRET, GITHUB_BODY),
            GITHUB_SIGNATURE
        );
        let s = secret(GITHUB_SECRET);
        assert_eq!(
            verify_github(Some(&s), Some(GITHUB_SIGNATURE), false, GITHUB_BODY),
            Ok(())
        );
    }

    #[test]
    fn github_refuses_tampering_wrong_secret_and_missing_or_sha1_headers() {
        let s = secret(GITHUB_SECRET);
        let wrong = secret("not the secret");
        let sig = Some(GITHUB_SIGNATURE);
        assert_eq!(
            verify_github(Some(&s), sig, false, b"Hello, World?"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_github(Some(&wrong), sig, false, GITHUB_BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_github(Some(&s), None, false, GITHUB_BODY),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_github(Some(&s), None, true, GITHUB_BODY),
            Err(SignatureError::Sha1Only)
        );
        assert_eq!(
            verify_github(Some(&s), Some("sha256=zz"), false, GITHUB_BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_github(None, sig, false, GITHUB_BODY),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn slack_documented_vector_verifies() {
        let timestamp: i64 = SLACK_TIMESTAMP.parse().unwrap_or_default();
        assert_eq!(
            slack_signature(SLACK_SECRET, timestamp, SLACK_BODY),
            SLACK_SIGNATURE
        );
        let s = secret(SLACK_SECRET);
        assert_eq!(
            verify_slack(
                Some(&s),
                Some(SLACK_TIMESTAMP),
                Some(SLACK_SIGNATURE),
                SLACK_BODY,
                slack_now()
            ),
            Ok(())
        );
    }

    #[test]
    fn slack_refuses_old_timestamps_tampering_and_missing_headers() {
        let s = secret(SLACK_SECRET);
        let six_minutes_later = slack_now() + chrono::Duration::minutes(6);
        assert_eq!(
            verify_slack(
                Some(&s),
                Some(SLACK_TIMESTAMP),
                Some(SLACK_SIGNATURE),
                SLACK_BODY,
                six_minutes_later
            ),
            Err(SignatureError::Stale)
        );
        let mut tampered = SLACK_BODY.to_vec();
        tampered[0] = b'T';
        assert_eq!(
            verify_slack(
                Some(&s),
                Some(SLACK_TIMESTAMP),
                Some(SLACK_SIGNATURE),
                &tampered,
                slack_now()
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_slack(
                Some(&s),
                None,
                Some(SLACK_SIGNATURE),
                SLACK_BODY,
                slack_now()
            ),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_slack(
                Some(&s),
                Some("soon"),
                Some(SLACK_SIGNATURE),
                SLACK_BODY,
                slack_now()
            ),
            Err(SignatureError::BadTimestamp)
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn secret() -> impl Strategy<Value = String> {
        "[ -~]{1,64}"
    }

    proptest! {
        #[test]
        fn a_github_signature_verifies_its_body_and_no_other(
            secret in secret(),
            body in proptest::collection::vec(any::<u8>(), 0..512),
            other in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let key = Secret::new(secret.clone());
            let signature = github_signature(&secret, &body);
            prop_assert!(verify_github(Some(&key), Some(&signature), false, &body).is_ok());
            if other != body {
                prop_assert!(verify_github(Some(&key), Some(&signature), false, &other).is_err());
            }
        }

        #[test]
        fn any_github_header_is_answered_without_panic(
            header in ".{0,200}",
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let key = Secret::new("s3cret".to_owned());
            prop_assert!(verify_github(Some(&key), Some(&header), false, &body).is_err());
        }

        #[test]
        fn a_slack_signature_verifies_within_its_window_only(
            secret in secret(),
            body in proptest::collection::vec(any::<u8>(), 0..512),
            age in -600i64..600,
        ) {
            let now = DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default();
            let timestamp = now.timestamp() - age;
            let key = Secret::new(secret.clone());
            let signature = slack_signature(&secret, timestamp, &body);
            let verdict = verify_slack(Some(&key), Some(&timestamp.to_string()), Some(&signature), &body, now);
            prop_assert_eq!(verdict.is_ok(), age.abs() <= SLACK_TOLERANCE_SECONDS);
        }

        #[test]
        fn any_slack_headers_are_answered_without_panic(
            timestamp in ".{0,40}",
            signature in ".{0,200}",
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let key = Secret::new("s3cret".to_owned());
            let now = DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default();
            prop_assert!(verify_slack(Some(&key), Some(&timestamp), Some(&signature), &body, now).is_err());
        }
    }
}
