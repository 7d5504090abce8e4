//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. GitHub also sends a SHA-1
//! `X-Hub-Signature` for old integrations; Stint refuses a delivery signed with that alone.

use stint_connectors::signature::Hmac;
use stint_connectors::{Secret, SignatureError};

pub(crate) fn verify(
    secret: Option<&Secret>,
    signature_256: Option<&str>,
    has_sha1_signature: bool,
    body: &[u8],
) -> Result<(), SignatureError> {
    let secret = secret.ok_or(SignatureError::NoSecret)?;
    let Some(header) = signature_256 else {
        return Err(if has_sha1_signature {
            SignatureError::Unsupported(
                "only a SHA-1 signature was sent; Stint accepts `X-Hub-Signature-256` only",
            )
        } else {
            SignatureError::Missing
        });
    };
    let hex = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Mismatch)?;
    if Hmac::SHA256_HEX.verify(secret, &[body], hex) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `sha256=<hex>` for a body: what GitHub sends (for fakes, tests and benchmarks).
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", Hmac::SHA256_HEX.sign(secret, &[body]))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    // GitHub's documented example ("Validating webhook deliveries").
    const SECRET: &str = "It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn the_documented_vector_verifies() {
        assert_eq!(sign(SECRET, BODY), SIGNATURE);
        let secret = Secret::new(SECRET);
        assert_eq!(verify(Some(&secret), Some(SIGNATURE), false, BODY), Ok(()));
    }

    #[test]
    fn tampering_a_wrong_secret_and_missing_or_sha1_headers_are_refused() {
        let secret = Secret::new(SECRET);
        let wrong = Secret::new("not the secret");
        let signature = Some(SIGNATURE);
        assert_eq!(
            verify(Some(&secret), signature, false, b"Hello, World?"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&wrong), signature, false, BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&secret), None, false, BODY),
            Err(SignatureError::Missing)
        );
        assert!(matches!(
            verify(Some(&secret), None, true, BODY),
            Err(SignatureError::Unsupported(reason)) if reason.contains("SHA-1")
        ));
        assert_eq!(
            verify(Some(&secret), Some("sha256=zz"), false, BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(None, signature, false, BODY),
            Err(SignatureError::NoSecret)
        );
    }

    proptest! {
        #[test]
        fn a_signature_verifies_its_body_and_no_other(
            secret in "[ -~]{1,64}",
            body in proptest::collection::vec(any::<u8>(), 0..512),
            other in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let key = Secret::new(secret.clone());
            let signature = sign(&secret, &body);
            prop_assert!(verify(Some(&key), Some(&signature), false, &body).is_ok());
            if other != body {
                prop_assert!(verify(Some(&key), Some(&signature), false, &other).is_err());
            }
        }

        #[test]
        fn any_header_is_answered_without_panic(
            header in ".{0,200}",
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let key = Secret::new("s3cret");
            prop_assert!(verify(Some(&key), Some(&header), false, &body).is_err());
        }
    }
}
