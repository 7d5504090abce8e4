//! Connections to providers, as the caller may see them.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use stint_api_types::providers::{Integration, IntegrationList, IntegrationScope, ProviderKey};
use stint_entity::integration;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::tracking::from_wire_name;

pub(crate) fn to_api(m: &integration::Model) -> Result<Integration, CoreError> {
    Ok(Integration {
        id: m.id,
        provider: ProviderKey::parse(&m.provider)
            .ok_or_else(|| CoreError::Internal(format!("unknown provider `{}`", m.provider)))?,
        scope: from_wire_name(&m.scope)?,
        user_id: m.user_id.map(Into::into),
        status: from_wire_name(&m.status)?,
        status_reason: m.status_reason.clone(),
        external_account: m.external_account_label.clone(),
        connected_at: m.connected_at,
        connected_by: m.connected_by.map(Into::into),
        last_sync_at: m.last_sync_at,
    })
}

/// Everyone sees the global integrations' status (never their secrets, which no response
/// carries); each user sees their own personal ones.
pub async fn list(stint: &Stint, principal: &Principal) -> Result<IntegrationList, CoreError> {
    let global = integration::Entity::find()
        .filter(integration::Column::Scope.eq(IntegrationScope::Global.as_str()))
        .order_by_asc(integration::Column::Provider)
        .all(&stint.db)
        .await?;
    let personal = integration::Entity::find()
        .filter(integration::Column::Scope.eq(IntegrationScope::Personal.as_str()))
        .filter(integration::Column::UserId.eq(principal.user_id.as_uuid()))
        .order_by_asc(integration::Column::Provider)
        .all(&stint.db)
        .await?;
    Ok(IntegrationList {
        global: global.iter().map(to_api).collect::<Result<_, _>>()?,
        personal: personal.iter().map(to_api).collect::<Result<_, _>>()?,
    })
}
