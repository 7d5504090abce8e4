//! The signing secret a provider's webhooks are checked with, read through its cache
//! (`state::signing_secrets`).

use stint_api_types::providers::ProviderKey;

use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::provider_apps;
use stint_connectors::Secret;
use stint_connectors::SigningKey;

/// The secret a provider's webhooks are signed with: the app's signing secret or its webhook
/// secret, as the provider's receiver says.
pub async fn signing_secret(
    stint: &Stint,
    key: ProviderKey,
    which: SigningKey,
) -> Result<Option<Secret>, CoreError> {
    if let Some(secret) = stint.integrations.secrets.get(key.as_str()) {
        return Ok(secret);
    }
    let app = provider_apps::load(stint, key).await?;
    let secret = match which {
        SigningKey::SigningSecret => app.signing_secret,
        SigningKey::WebhookSecret => app.webhook_secret,
    };
    stint
        .integrations
        .secrets
        .put(key.as_str().to_owned(), secret.clone());
    Ok(secret)
}
