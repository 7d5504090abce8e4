//! Authenticated callers, remembered for two seconds: a busy client would otherwise cost two
//! queries (token, user) on every request before any work is done. A change to a user or a token
//! in this process clears the cache at once; another process sees it within `TTL`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Principal;

const TTL: Duration = Duration::from_secs(2);
/// Beyond this many callers the cache starts over rather than grow.
const CAPACITY: usize = 10_000;

struct Entry {
    at: Instant,
    principal: Principal,
    /// An API token's own expiry, checked on every hit.
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct PrincipalCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl PrincipalCache {
    pub fn get(&self, key: &str, now: DateTime<Utc>) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        let fresh = entry.at.elapsed() < TTL && entry.expires_at.is_none_or(|at| at > now);
        fresh.then(|| entry.principal.clone())
    }

    pub fn put(&self, key: String, principal: Principal, expires_at: Option<DateTime<Utc>>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(
                key,
                Entry {
                    at: Instant::now(),
                    principal,
                    expires_at,
                },
            );
        }
    }

    /// Forgets everyone: after a role, an account's status or a token changed.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}
