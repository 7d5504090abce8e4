//! What core needs from a provider's OAuth endpoints — code exchange and refresh — as a trait
//! that `stint-providers` implements, and the errors every provider call classifies into. Core keeps the rules (state, storage,
//! status); the adapters keep the wire formats.

use std::time::Duration;

use super::spec::ProviderSpec;
use crate::Secret;

/// The client credentials of a provider app.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: Option<Secret>,
}

/// A token endpoint's answer.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: Secret,
    /// Absent when the provider did not send one (keep the stored one then).
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<Duration>,
    pub token_type: Option<String>,
    pub scopes: Option<String>,
}

/// The account an integration is connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountIdentity {
    pub id: String,
    /// What a person recognises: a login, a workspace name, an email.
    pub label: String,
}

/// How a provider call failed, in the three ways that decide what happens next.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// The grant is dead (`invalid_grant`, `invalid_client`, revoked): the user must reconnect.
    #[error("the provider refused the grant: {0}")]
    DeadGrant(String),
    /// The access token was refused (401): refresh once and retry.
    #[error("the provider refused the access token")]
    DeadAccessToken,
    /// Network failure, timeout or 5xx: retry later; nothing is known about the grant.
    #[error("the provider could not be reached or failed: {0}")]
    Inconclusive(String),
    /// 429, or GitHub's 403 with no requests left: wait, then try again.
    #[error("the provider's rate limit was reached")]
    RateLimited {
        retry_after: Option<Duration>,
        /// When the quota resets (epoch seconds), where the provider says.
        reset_at: Option<i64>,
    },
    /// The provider answered and said no (`channel_not_found`, an unknown repository): retrying
    /// will not help.
    #[error("the provider refused the request: {0}")]
    Refused(String),
}

impl GatewayError {
    /// A rate limit or a failure that says nothing about the request itself: worth asking again.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            GatewayError::RateLimited { .. } | GatewayError::Inconclusive(_)
        )
    }
}

/// OAuth 2.0 code exchange and refresh: the same for every OAuth provider in the catalogue.
#[async_trait::async_trait]
pub trait OAuthClient: Send + Sync {
    async fn exchange_code(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        code: &str,
        pkce_verifier: Option<&Secret>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, GatewayError>;

    async fn refresh(
        &self,
        spec: &ProviderSpec,
        app: &AppCredentials,
        refresh_token: &Secret,
    ) -> Result<TokenGrant, GatewayError>;
}
