use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CoreError;
use stint_connectors::Secret;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    iat: i64,
    exp: i64,
    /// The session's own id, so that it can be signed out alone.
    #[serde(default)]
    sid: Option<Uuid>,
    /// The user's session generation when it was issued; a later one ends it.
    #[serde(default)]
    #[serde(rename = "gen")]
    generation: i64,
}

/// What a valid session token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionClaims {
    pub user_id: Uuid,
    pub session: Option<Uuid>,
    pub generation: i64,
}

/// HS256 session tokens. The algorithm is pinned on decode: a token naming another algorithm
/// (`none`, RS256 with the secret as a public key, …) is refused.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SessionKeys {
    pub fn new(secret: &Secret) -> Self {
        SessionKeys {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
        }
    }

    pub fn issue(
        &self,
        session: SessionClaims,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, CoreError> {
        let claims = Claims {
            sub: session.user_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            sid: session.session,
            generation: session.generation,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| CoreError::Internal(format!("signing a session token failed: {e}")))
    }

    /// The claims of a valid, unexpired token; `InvalidToken` otherwise.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<SessionClaims, CoreError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        // Expiry is checked below against the injected clock, not the library's.
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| CoreError::InvalidToken)?;
        if data.claims.exp <= now.timestamp() {
            return Err(CoreError::InvalidToken);
        }
        Ok(SessionClaims {
            user_id: data.claims.sub,
            session: data.claims.sid,
            generation: data.claims.generation,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn keys(secret: &str) -> SessionKeys {
        SessionKeys::new(&Secret::new(secret))
    }

    #[test]
    fn round_trip_and_expiry() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let session = SessionClaims {
            user_id: Uuid::now_v7(),
            session: Some(Uuid::now_v7()),
            generation: 3,
        };
        let token = k.issue(session, now, now + Duration::hours(12)).unwrap();
        assert_eq!(k.verify(&token, now).unwrap(), session);
        assert!(k.verify(&token, now + Duration::hours(12)).is_err());
        assert!(
            keys("another secret that is long enough!")
                .verify(&token, now)
                .is_err()
        );
    }

    #[test]
    fn refuses_other_algorithms() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let claims = Claims {
            sub: Uuid::now_v7(),
            iat: now.timestamp(),
            exp: now.timestamp() + 60,
            sid: None,
            generation: 0,
        };
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(k.verify(&hs512, now).is_err());
        // An unsigned token: header {"alg":"none"}.
        let unsigned = format!(
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
            hs512.split('.').nth(1).unwrap()
        );
        assert!(k.verify(&unsigned, now).is_err());
    }
}
