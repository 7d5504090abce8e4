//! Integrations: the provider catalogue as users see it, provider apps (admin setup) and
//! connections.

pub mod checks;
pub mod connection_secrets;
pub mod connections;
pub mod credentials;
pub mod oauth;
pub mod provider_apps;
pub mod resolve;
pub mod scope;
pub mod settings;
pub mod signing_secrets;
pub mod sync_history;
pub mod tokens;

pub use crate::state::integrations::Integrations;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::{IntegrationScope, ProviderKey};
use stint_entity::integration;
use uuid::Uuid;

use crate::error::CoreError;

/// The global integration of a provider, or a user's personal one.
pub(crate) async fn find_integration<C: ConnectionTrait>(
    db: &C,
    key: ProviderKey,
    scope: IntegrationScope,
    user_id: Option<Uuid>,
) -> Result<Option<integration::Model>, CoreError> {
    let mut select = integration::Entity::find()
        .filter(integration::Column::Provider.eq(key.as_str()))
        .filter(integration::Column::Scope.eq(scope.as_str()));
    select = match user_id {
        Some(user) => select.filter(integration::Column::UserId.eq(user)),
        None => select.filter(integration::Column::UserId.is_null()),
    };
    Ok(select.one(db).await?)
}
