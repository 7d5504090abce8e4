//! Serialized pages of one user's time entries, kept while that user's entry version stays the
//! same. The version is bumped by database triggers on every insert, update and delete of their
//! entries, from any process and through any path (foreign-key cascades included), so checking it
//! costs one single-row read instead of reading and encoding a whole page, and a cached page is
//! never served after the entries changed. A page with a running entry shows its duration up to
//! now; it is served only within the second it was made in.

use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use stint_entity::time_entry_version;
use uuid::Uuid;

use crate::cache_metrics::CacheCounter;
use crate::error::CoreError;

/// What a page shows: one user's entries through one query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub user_id: Uuid,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub project_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub limit: u64,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone)]
struct CachedPage {
    version: i64,
    body: Bytes,
    /// The second (Unix time) it was made in, when it shows a running entry.
    live_second: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct BodySize;

impl Weighter<PageKey, CachedPage> for BodySize {
    fn weight(&self, key: &PageKey, page: &CachedPage) -> u64 {
        let key_size = size_of::<PageKey>() + key.cursor.as_ref().map_or(0, String::len);
        (page.body.len() + key_size) as u64
    }
}

/// Bytes of pages kept per process, at most.
const CAPACITY_BYTES: u64 = 8 * 1024 * 1024;
/// A typical page of 50 entries is about 17 KB.
const ESTIMATED_PAGES: usize = 512;

pub struct EntryPages {
    pages: Cache<PageKey, CachedPage, BodySize>,
    lookups: CacheCounter,
}

impl EntryPages {
    pub fn new(lookups: CacheCounter) -> Self {
        EntryPages {
            pages: Cache::with_weighter(ESTIMATED_PAGES, CAPACITY_BYTES, BodySize),
            lookups,
        }
    }

    /// The page, if it was made at this version (and, when live, in this second).
    pub fn get(&self, key: &PageKey, version: i64, now_second: i64) -> Option<Bytes> {
        let body = self.pages.get(key).and_then(|page| {
            let fresh = page.version == version
                && page.live_second.is_none_or(|second| second == now_second);
            fresh.then_some(page.body)
        });
        self.lookups.record(body.is_some());
        body
    }

    /// Whether a page is kept for this key, at whatever version.
    pub fn holds(&self, key: &PageKey) -> bool {
        self.pages.contains_key(key)
    }

    /// A lookup answered without `get` (the key is not held).
    pub fn count_miss(&self) {
        self.lookups.record(false);
    }

    pub fn put(&self, key: PageKey, version: i64, body: Bytes, live_second: Option<i64>) {
        self.pages.insert(
            key,
            CachedPage {
                version,
                body,
                live_second,
            },
        );
    }
}

/// The user's entry version: 0 until their first entry.
pub async fn version_of<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<i64, CoreError> {
    Ok(time_entry_version::Entity::find_by_id(user_id)
        .select_only()
        .column(time_entry_version::Column::Version)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(cursor: Option<&str>) -> PageKey {
        PageKey {
            user_id: Uuid::nil(),
            from: None,
            to: None,
            project_id: None,
            task_id: None,
            limit: 50,
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn a_page_is_served_only_at_its_version() {
        let pages = EntryPages::new(CacheCounter::detached());
        pages.put(key(None), 3, Bytes::from_static(b"[]"), None);
        assert_eq!(
            pages.get(&key(None), 3, 100),
            Some(Bytes::from_static(b"[]"))
        );
        assert_eq!(pages.get(&key(None), 4, 100), None);
        assert_eq!(pages.get(&key(Some("c")), 3, 100), None);
    }

    #[test]
    fn a_live_page_is_served_only_in_its_second() {
        let pages = EntryPages::new(CacheCounter::detached());
        pages.put(key(None), 1, Bytes::from_static(b"[]"), Some(100));
        assert!(pages.get(&key(None), 1, 100).is_some());
        assert!(pages.get(&key(None), 1, 101).is_none());
    }

    #[test]
    fn pages_beyond_the_capacity_are_evicted() {
        let pages = EntryPages::new(CacheCounter::detached());
        let body = Bytes::from(vec![b' '; 1024 * 1024]);
        for n in 0..32 {
            pages.put(key(Some(&n.to_string())), 1, body.clone(), None);
        }
        let kept = (0..32)
            .filter(|n| pages.get(&key(Some(&n.to_string())), 1, 0).is_some())
            .count();
        assert!(kept <= 8, "{kept} pages of 1 MiB kept");
    }
}
