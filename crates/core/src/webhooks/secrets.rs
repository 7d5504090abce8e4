//! The signing secrets webhooks are checked with, cached briefly: decrypting a provider app on
//! every delivery would cost a query per request at thousands of requests a second. An admin's
//! change applies at once in this process and within `TTL` in others.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use stint_api_types::providers::ProviderKey;

use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::provider_apps;
use crate::secret::Secret;

const TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct SigningSecrets {
    cached: Mutex<HashMap<ProviderKey, (Instant, Option<Secret>)>>,
}

impl SigningSecrets {
    pub fn forget(&self, key: ProviderKey) {
        if let Ok(mut cached) = self.cached.lock() {
            cached.remove(&key);
        }
    }

    fn get(&self, key: ProviderKey) -> Option<Option<Secret>> {
        let cached = self.cached.lock().ok()?;
        let (at, secret) = cached.get(&key)?;
        (at.elapsed() < TTL).then(|| secret.clone())
    }

    fn put(&self, key: ProviderKey, secret: Option<Secret>) {
        if let Ok(mut cached) = self.cached.lock() {
            cached.insert(key, (Instant::now(), secret));
        }
    }
}

/// The secret a provider's webhooks are signed with: Slack's signing secret, else the webhook
/// secret of the provider app.
pub async fn signing_secret(stint: &Stint, key: ProviderKey) -> Result<Option<Secret>, CoreError> {
    if let Some(secret) = stint.signing_secrets.get(key) {
        return Ok(secret);
    }
    let app = provider_apps::load(stint, key).await?;
    let secret = match key {
        ProviderKey::Slack => app.signing_secret,
        _ => app.webhook_secret,
    };
    stint.signing_secrets.put(key, secret.clone());
    Ok(secret)
}
