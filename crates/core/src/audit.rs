use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use stint_entity::audit_log;
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

/// Records an action. `detail` must never contain a secret.
pub async fn record(
    stint: &Stint,
    actor: &Principal,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: serde_json::Value,
) -> Result<(), CoreError> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_user_id: Set(Some(actor.user_id.as_uuid())),
        action: Set(action.to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(Some(target_id.to_owned())),
        detail: Set(detail),
        ip: Set(None),
        created_at: Set(stint.clock.now()),
    }
    .insert(&stint.db)
    .await?;
    Ok(())
}
