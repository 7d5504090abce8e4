//! The Slack connector: slash commands, events, timer notifications and the daily summary.

pub mod api;
pub mod commands;
pub mod events;
pub mod notify;
pub mod report;
pub mod summary;
pub mod users;

use sea_orm::ConnectionTrait;
use stint_api_types::providers::{IntegrationScope, ProviderKey, SlackSettings};
use stint_entity::integration;

use crate::error::CoreError;

/// The organisation's Slack workspace connection, if any, with its settings.
pub(crate) async fn workspace<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<(integration::Model, SlackSettings)>, CoreError> {
    let found = crate::integrations::find_integration(
        db,
        ProviderKey::Slack,
        IntegrationScope::Global,
        None,
    )
    .await?;
    Ok(found.map(|row| {
        let settings = serde_json::from_value(row.config.clone()).unwrap_or_default();
        (row, settings)
    }))
}
