//! Hits and misses of the in-process caches, served at `/metrics`, so an operator or a benchmark
//! can tell an answer made from memory from one read from the database.

use prometheus::{Encoder, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

pub struct CacheMetrics {
    registry: Registry,
    lookups: IntCounterVec,
}

/// One cache's two counters; cloning shares them.
#[derive(Clone)]
pub struct CacheCounter {
    hits: IntCounter,
    misses: IntCounter,
}

impl CacheMetrics {
    pub fn new() -> Result<CacheMetrics, prometheus::Error> {
        let registry = Registry::new();
        let lookups = IntCounterVec::new(
            Opts::new(
                "stint_cache_lookups_total",
                "Lookups in this process's caches, by cache and outcome (hit, miss)",
            ),
            &["cache", "outcome"],
        )?;
        registry.register(Box::new(lookups.clone()))?;
        Ok(CacheMetrics { registry, lookups })
    }

    pub fn counter(&self, cache: &str) -> CacheCounter {
        CacheCounter {
            hits: self.lookups.with_label_values(&[cache, "hit"]),
            misses: self.lookups.with_label_values(&[cache, "miss"]),
        }
    }

    /// The text exposition format.
    pub fn text(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::warn!(error = %err, "could not encode cache metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl CacheCounter {
    /// Counters that no registry reports, for a cache built on its own in a unit test.
    #[cfg(test)]
    pub fn detached() -> CacheCounter {
        CacheCounter {
            hits: IntCounter::new("hits", "hits").expect("a constant, valid metric name"),
            misses: IntCounter::new("misses", "misses").expect("a constant, valid metric name"),
        }
    }

    pub fn record(&self, hit: bool) {
        if hit {
            self.hits.inc();
        } else {
            self.misses.inc();
        }
    }

    pub fn hits(&self) -> u64 {
        self.hits.get()
    }

    pub fn misses(&self) -> u64 {
        self.misses.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_misses_are_counted_apart_per_cache() {
        let metrics = CacheMetrics::new().unwrap();
        let pages = metrics.counter("entry_pages");
        let principals = metrics.counter("principals");
        pages.record(true);
        pages.record(true);
        pages.record(false);
        principals.record(false);
        let text = metrics.text();
        assert!(text.contains(r#"stint_cache_lookups_total{cache="entry_pages",outcome="hit"} 2"#));
        assert!(
            text.contains(r#"stint_cache_lookups_total{cache="entry_pages",outcome="miss"} 1"#)
        );
        assert!(text.contains(r#"stint_cache_lookups_total{cache="principals",outcome="miss"} 1"#));
        assert_eq!((principals.hits(), principals.misses()), (0, 1));
    }
}
