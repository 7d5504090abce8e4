//! Authenticated callers, remembered for two seconds: a busy client would otherwise cost two
//! queries (token, user) on every request before any work is done. A change to a user or a token
//! in this process clears the cache at once; another process sees it within two seconds.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Principal;
use crate::ttl_cache::TtlCache;

pub struct PrincipalCache(TtlCache<(Principal, Option<DateTime<Utc>>)>);

impl Default for PrincipalCache {
    fn default() -> Self {
        PrincipalCache(TtlCache::new(Duration::from_secs(2), 10_000))
    }
}

impl PrincipalCache {
    pub fn get(&self, key: &str, now: DateTime<Utc>) -> Option<Principal> {
        let (principal, expires_at) = self.0.get(key)?;
        // An API token's own expiry still counts on every hit.
        expires_at.is_none_or(|at| at > now).then_some(principal)
    }

    pub fn put(&self, key: String, principal: Principal, expires_at: Option<DateTime<Utc>>) {
        self.0.put(key, (principal, expires_at));
    }

    /// Forgets everyone: after a role, an account's status or a token changed.
    pub fn clear(&self) {
        self.0.clear();
    }
}
