//! What a valid signature alone does not settle: a command replayed byte for byte inside the
//! signature's time window. (Requests from a workspace that is not the connected one are told
//! apart by `integrations::workspaces`.)

use std::time::Duration;

use stint_api_types::providers::ProviderKey;

use crate::ttl_cache::TtlCache;

/// Slack's signatures hold for five minutes either way; a replay is remembered a little longer.
const REPLAY_WINDOW: Duration = Duration::from_secs(11 * 60);

pub struct Guard {
    seen: TtlCache<()>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            seen: TtlCache::new(REPLAY_WINDOW, 200_000),
        }
    }
}

impl Guard {
    /// True the first time these exact bytes arrive for this provider within the window.
    pub fn first_time(&self, provider: ProviderKey, body: &[u8]) -> bool {
        let key = format!("{provider}:{}", crate::secret::sha256_hex(body));
        if self.seen.get(&key).is_some() {
            return false;
        }
        self.seen.put(key, ());
        true
    }
}
