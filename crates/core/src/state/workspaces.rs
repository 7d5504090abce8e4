//! Which workspaces (Slack teams, …) a provider's active connections are for. One app can be
//! installed in several workspaces, all signing with the same secret, so a valid signature alone
//! does not say a request is for us. Read often (every event), changed rarely (connect,
//! disconnect): cached here, and cleared here when a connection changes.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use stint_api_types::providers::{IntegrationStatus, ProviderKey};
use stint_entity::integration;

use crate::error::CoreError;
use crate::ttl_cache::TtlCache;
use crate::wire::wire_name;

/// Read again after this long (a connection made in another process counts within it).
const TTL: Duration = Duration::from_secs(10);

pub struct ConnectedWorkspaces(TtlCache<Vec<String>>);

impl Default for ConnectedWorkspaces {
    fn default() -> Self {
        ConnectedWorkspaces(TtlCache::new(TTL, 64))
    }
}

impl ConnectedWorkspaces {
    /// Whether a request from `workspace` is for one of the provider's active connections. With
    /// no connection that names its workspace there is nothing to hold it against.
    pub async fn is_connected<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        provider: ProviderKey,
        workspace: &str,
    ) -> Result<bool, CoreError> {
        let known = match self.0.get(provider.as_str()) {
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
                self.0.put(provider.as_str().to_owned(), known.clone());
                known
            }
        };
        Ok(known.is_empty() || known.iter().any(|id| id == workspace))
    }

    /// A connection was made or ended: read the workspaces again.
    pub(crate) fn forget(&self, provider: ProviderKey) {
        self.0.remove(provider.as_str());
    }
}
