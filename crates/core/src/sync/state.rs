//! Where each resource of a connection stands: its cursor, last success and last error.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use stint_entity::sync_state;
use uuid::Uuid;

use crate::error::CoreError;

pub(super) async fn load<C: ConnectionTrait>(
    db: &C,
    integration_id: Uuid,
    resource: &str,
) -> Result<Option<sync_state::Model>, CoreError> {
    Ok(sync_state::Entity::find()
        .filter(sync_state::Column::IntegrationId.eq(integration_id))
        .filter(sync_state::Column::Resource.eq(resource))
        .one(db)
        .await?)
}

/// What to write: a new cursor (with the page it covers), a success, an error.
#[derive(Debug, Default)]
pub(super) struct Change<'a> {
    pub cursor: Option<&'a str>,
    pub succeeded_at: Option<DateTime<Utc>>,
    pub error: Option<&'a str>,
}

pub(super) async fn save<C: ConnectionTrait>(
    db: &C,
    integration_id: Uuid,
    resource: &str,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    match load(db, integration_id, resource).await? {
        Some(state) => {
            let mut model = state.into_active_model();
            if let Some(cursor) = change.cursor {
                model.cursor = Set(Some(cursor.to_owned()));
            }
            if let Some(at) = change.succeeded_at {
                model.last_success_at = Set(Some(at));
            }
            model.last_error = Set(change.error.map(str::to_owned));
            model.updated_at = Set(now);
            model.update(db).await?;
        }
        None => {
            sync_state::ActiveModel {
                id: Set(Uuid::now_v7()),
                integration_id: Set(integration_id),
                resource: Set(resource.to_owned()),
                cursor: Set(change.cursor.map(str::to_owned)),
                last_success_at: Set(change.succeeded_at),
                last_error: Set(change.error.map(str::to_owned)),
                counts: Set(json!({})),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
