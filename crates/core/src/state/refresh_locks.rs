use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use stint_api_types::providers::ProviderKey;
use uuid::Uuid;

/// One async lock per integration, so that concurrent callers in this process wait for the one
/// refresh in flight instead of starting their own.
#[derive(Default)]
pub struct RefreshLocks {
    locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    /// An integration's provider never changes, so the hot path need not read it every time.
    providers: Mutex<HashMap<Uuid, ProviderKey>>,
    /// When each connection was last marked used.
    used: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

const USE_MARK_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

impl RefreshLocks {
    /// True (and remembered) when the connection was not marked used in the last minute.
    pub(crate) fn due_for_use_mark(&self, id: Uuid, now: DateTime<Utc>) -> bool {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if used.len() > 100_000 {
            used.clear();
        }
        match used.get(&id) {
            Some(last) if now - *last < USE_MARK_EVERY && now >= *last => false,
            _ => {
                used.insert(id, now);
                true
            }
        }
    }

    pub(crate) fn known_provider(&self, id: Uuid) -> Option<ProviderKey> {
        self.providers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .copied()
    }

    pub(crate) fn remember_provider(&self, id: Uuid, key: ProviderKey) {
        let mut map = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(id, key);
    }

    pub(crate) fn lock_for(&self, id: Uuid) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Forget locks nobody holds, so the map does not grow with every integration ever seen.
        if map.len() > 1024 {
            map.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        map.entry(id).or_default().clone()
    }
}
