//! The signing secrets webhooks are checked with, cached briefly: decrypting a provider app on
//! every delivery would cost a query per request at thousands of requests a second. An admin's
//! change applies at once in this process and within `TTL` in others.

use std::time::Duration;

use crate::ttl_cache::TtlCache;
use stint_connectors::Secret;

const TTL: Duration = Duration::from_secs(10);

pub struct SigningSecrets(TtlCache<Option<Secret>>);

impl Default for SigningSecrets {
    fn default() -> Self {
        SigningSecrets(TtlCache::new(TTL, 64))
    }
}

impl SigningSecrets {
    /// Forgets a provider's secret (by its key) or a connection's (`connection:{id}`).
    pub fn forget(&self, key: &str) {
        self.0.remove(key);
    }

    pub(crate) fn get(&self, key: &str) -> Option<Option<Secret>> {
        self.0.get(key)
    }

    pub(crate) fn put(&self, key: String, secret: Option<Secret>) {
        self.0.put(key, secret);
    }
}
