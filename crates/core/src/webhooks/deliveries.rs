//! Recent deliveries for admins, and re-applying a failed one.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use stint_api_types::Page;
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::{DeliveryOutcome, DeliveryQuery, WebhookDelivery};
use stint_entity::webhook_delivery;
use uuid::Uuid;

use super::intake::{apply_batch, job_from_row};
use crate::auth::Principal;
use crate::context::Stint;
use crate::cursor;
use crate::error::CoreError;
use crate::validate;
use crate::wire::{from_wire_name, wire_name};

fn to_api(row: &webhook_delivery::Model) -> Result<WebhookDelivery, CoreError> {
    let outcome: DeliveryOutcome = from_wire_name(&row.outcome)?;
    Ok(WebhookDelivery {
        id: row.id,
        provider: ProviderKey::parse(&row.provider)
            .ok_or_else(|| CoreError::Internal(format!("unknown provider `{}`", row.provider)))?,
        delivery_id: row.delivery_id.clone(),
        event: row.event.clone(),
        signature: from_wire_name(&row.signature)?,
        outcome,
        detail: row.detail.clone(),
        duration_ms: row.duration_ms,
        attempts: row.attempts,
        received_at: row.received_at,
        can_reapply: outcome == DeliveryOutcome::Failed && row.payload.is_some(),
    })
}

pub async fn list(
    stint: &Stint,
    principal: &Principal,
    query: DeliveryQuery,
) -> Result<Page<WebhookDelivery>, CoreError> {
    principal.require_admin()?;
    let limit = validate::page_limit(query.limit)?;
    let mut select = webhook_delivery::Entity::find()
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit + 1);
    if let Some(provider) = query.provider {
        select = select.filter(webhook_delivery::Column::Provider.eq(provider.as_str()));
    }
    if let Some(outcome) = query.outcome {
        select = select.filter(webhook_delivery::Column::Outcome.eq(wire_name(&outcome)));
    }
    if let Some(raw) = &query.cursor {
        select = select.filter(webhook_delivery::Column::Id.lt(cursor::decode_id(raw)?));
    }
    cursor::page_by_id(select.all(&stint.db).await?, limit, |m| m.id, to_api)
}

/// Applies a failed delivery again, now, and returns it with its new outcome.
pub async fn reapply(
    stint: &Stint,
    principal: &Principal,
    id: Uuid,
) -> Result<WebhookDelivery, CoreError> {
    principal.require_admin()?;
    let found = webhook_delivery::Entity::find_by_id(id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("webhook delivery"))?;
    if found.outcome != wire_name(&DeliveryOutcome::Failed) || found.payload.is_none() {
        return Err(CoreError::Conflict(format!(
            "only a failed delivery whose body was kept can be re-applied; this one is `{}`",
            found.outcome
        )));
    }
    let requeued = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Outcome,
            Expr::value(wire_name(&DeliveryOutcome::Queued)),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Outcome.eq(wire_name(&DeliveryOutcome::Failed)))
        .exec(&stint.db)
        .await?;
    if requeued.rows_affected == 1
        && let Some(job) = job_from_row(found)
    {
        apply_batch(stint, vec![job]).await?;
    }
    let row = webhook_delivery::Entity::find_by_id(id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("webhook delivery"))?;
    to_api(&row)
}
