//! Authenticated callers, remembered for two seconds: a busy client would otherwise cost two
//! queries (token, user) on every request before any work is done. A change to a user or a token
//! in this process clears the cache at once; another process sees it within two seconds.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Principal;
use crate::cache_metrics::CacheCounter;
use crate::ttl_cache::TtlCache;

pub struct PrincipalCache {
    callers: TtlCache<(Principal, Option<DateTime<Utc>>)>,
    lookups: CacheCounter,
}

impl PrincipalCache {
    pub fn new(lookups: CacheCounter) -> Self {
        PrincipalCache {
            callers: TtlCache::new(Duration::from_secs(2), 10_000),
            lookups,
        }
    }

    pub fn get(&self, key: &str, now: DateTime<Utc>) -> Option<Principal> {
        // An API token's own expiry still counts on every hit.
        let principal = self.callers.get(key).and_then(|(principal, expires_at)| {
            expires_at.is_none_or(|at| at > now).then_some(principal)
        });
        self.lookups.record(principal.is_some());
        principal
    }

    pub fn put(&self, key: String, principal: Principal, expires_at: Option<DateTime<Utc>>) {
        self.callers.put(key, (principal, expires_at));
    }

    /// Forgets everyone: after a role, an account's status or a token changed.
    pub fn clear(&self) {
        self.callers.clear();
    }
}
