//! What a valid signature alone does not settle: a command replayed byte for byte inside the
//! signature's time window, and requests from a workspace that is not the connected one (one app
//! can be installed in several workspaces, all signing with the same secret).

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use stint_api_types::providers::{IntegrationStatus, ProviderKey};
use stint_entity::integration;

use crate::error::CoreError;
use crate::tracking::wire_name;
use crate::ttl_cache::TtlCache;

/// Slack's signatures hold for five minutes either way; a replay is remembered a little longer.
const REPLAY_WINDOW: Duration = Duration::from_secs(11 * 60);
/// Connected workspaces are read again after this long (a new connection counts within it).
const WORKSPACES_TTL: Duration = Duration::from_secs(10);

pub struct Guard {
    seen: TtlCache<()>,
    workspaces: TtlCache<Vec<String>>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            seen: TtlCache::new(REPLAY_WINDOW, 200_000),
            workspaces: TtlCache::new(WORKSPACES_TTL, 64),
        }
    }
}

impl Guard {
    /// True the first time these exact bytes arrive for this provider within the window.
    pub fn first_time(&self, provider: ProviderKey, body: &[u8]) -> bool {
        let key = format!("{provider}:{}", crate::auth::sha256_hex(body));
        if self.seen.get(&key).is_some() {
            return false;
        }
        self.seen.put(key, ());
        true
    }

    /// Whether a request from `workspace` is for one of the provider's active connections. With
    /// no connection that names its workspace there is nothing to hold it against.
    pub async fn workspace_is_connected<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        provider: ProviderKey,
        workspace: &str,
    ) -> Result<bool, CoreError> {
        let known = match self.workspaces.get(provider.as_str()) {
            Some(known) => known,
            None => {
                let known: Vec<String> = integration::Entity::find()
                    .select_only()
                    .column(integration::Column::ExternalAccountId)
                    .filter(integration::Column::Provider.eq(provider.as_str()))
                    .filter(integration::Column::Status.eq(wire_name(&IntegrationStatus::Active)))
                    .filter(integration::Column::ExternalAccountId.is_not_null())
                    .into_tuple::<Option<String>>()
                    .all(db)
                    .await?
                    .into_iter()
                    .flatten()
                    .collect();
                self.workspaces
                    .put(provider.as_str().to_owned(), known.clone());
                known
            }
        };
        Ok(known.is_empty() || known.iter().any(|id| id == workspace))
    }

    /// A connection was made or ended: read the workspaces again.
    pub fn forget_workspaces(&self, provider: ProviderKey) {
        self.workspaces.remove(provider.as_str());
    }
}
