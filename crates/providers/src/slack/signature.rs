//! `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")>`, with
//! `X-Slack-Request-Timestamp` within five minutes of now.

use chrono::{DateTime, Utc};
use stint_connectors::signature::{Hmac, within_window};
use stint_connectors::{Secret, SignatureError};

/// How far a request timestamp may be from now.
pub(crate) const TOLERANCE_SECONDS: i64 = 5 * 60;

pub(crate) fn verify(
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
    within_window(timestamp, now, TOLERANCE_SECONDS)?;
    let hex = signature
        .strip_prefix("v0=")
        .ok_or(SignatureError::Mismatch)?;
    let prefix = format!("v0:{}:", timestamp.trim());
    if Hmac::SHA256_HEX.verify(secret, &[prefix.as_bytes(), body], hex) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `v0=<hex>` for a timestamp and body: what Slack sends (for fakes, tests and benchmarks).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let prefix = format!("v0:{timestamp}:");
    format!(
        "v0={}",
        Hmac::SHA256_HEX.sign(secret, &[prefix.as_bytes(), body])
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    // Slack's documented example ("Verifying requests from Slack").
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_531_420_618 + 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn the_documented_vector_verifies() {
        let timestamp: i64 = TIMESTAMP.parse().unwrap_or_default();
        assert_eq!(sign(SECRET, timestamp, BODY), SIGNATURE);
        let secret = Secret::new(SECRET);
        assert_eq!(
            verify(Some(&secret), Some(TIMESTAMP), Some(SIGNATURE), BODY, now()),
            Ok(())
        );
    }

    #[test]
    fn old_timestamps_tampering_and_missing_headers_are_refused() {
        let secret = Secret::new(SECRET);
        let later = now() + chrono::Duration::minutes(6);
        assert_eq!(
            verify(Some(&secret), Some(TIMESTAMP), Some(SIGNATURE), BODY, later),
            Err(SignatureError::Stale)
        );
        let mut tampered = BODY.to_vec();
        tampered[0] = b'T';
        assert_eq!(
            verify(
                Some(&secret),
                Some(TIMESTAMP),
                Some(SIGNATURE),
                &tampered,
                now()
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&secret), None, Some(SIGNATURE), BODY, now()),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(Some(&secret), Some("soon"), Some(SIGNATURE), BODY, now()),
            Err(SignatureError::BadTimestamp)
        );
    }

    proptest! {
        #[test]
        fn a_signature_verifies_within_its_window_only(
            secret in "[ -~]{1,64}",
            body in proptest::collection::vec(any::<u8>(), 0..512),
            age in -600i64..600,
        ) {
            let now = DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default();
            let timestamp = now.timestamp() - age;
            let key = Secret::new(secret.clone());
            let signature = sign(&secret, timestamp, &body);
            let verdict = verify(Some(&key), Some(&timestamp.to_string()), Some(&signature), &body, now);
            prop_assert_eq!(verdict.is_ok(), age.abs() <= TOLERANCE_SECONDS);
        }

        #[test]
        fn any_headers_are_answered_without_panic(
            timestamp in ".{0,40}",
            signature in ".{0,200}",
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let key = Secret::new("s3cret");
            let now = DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default();
            prop_assert!(verify(Some(&key), Some(&timestamp), Some(&signature), &body, now).is_err());
        }
    }
}
