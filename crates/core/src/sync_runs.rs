//! Sync runs: queued, running, finished with counts. Visible to whoever may see the integration.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::{SyncRun, SyncStatus, SyncTrigger};
use stint_entity::{integration, sync_run};
use uuid::Uuid;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::wire::{from_wire_name, wire_name};

/// What a run did so far: written with each page, and at its end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    pub created: i32,
    pub updated: i32,
    pub deleted: i32,
    pub skipped: i32,
    pub failed: i32,
    /// Why items were skipped (or kept), each with how many.
    pub reasons: BTreeMap<String, i32>,
}

impl Counts {
    /// An item skipped for a reason the member should see.
    pub fn skip(&mut self, reason: &str) {
        self.skipped += 1;
        *self.reasons.entry(reason.to_owned()).or_default() += 1;
    }

    fn reasons_json(&self) -> Option<serde_json::Value> {
        (!self.reasons.is_empty()).then(|| serde_json::json!(self.reasons))
    }
}

fn to_api(run: &sync_run::Model, provider: ProviderKey) -> Result<SyncRun, CoreError> {
    Ok(SyncRun {
        id: run.id,
        integration_id: run.integration_id,
        provider,
        resource: run.resource.clone(),
        trigger: from_wire_name(&run.trigger)?,
        status: from_wire_name(&run.status)?,
        queued_at: run.queued_at,
        started_at: run.started_at,
        finished_at: run.finished_at,
        created: run.created_count,
        updated: run.updated_count,
        deleted: run.deleted_count,
        skipped: run.skipped_count,
        failed: run.failed_count,
        skip_reasons: run
            .skip_reasons
            .clone()
            .and_then(|reasons| serde_json::from_value(reasons).ok())
            .unwrap_or_default(),
        error: run.error.clone(),
        done: run.created_count
            + run.updated_count
            + run.deleted_count
            + run.skipped_count
            + run.failed_count,
        total: run.items_total,
    })
}

pub(crate) async fn queue(
    stint: &Stint,
    integration_id: Uuid,
    resource: &str,
    trigger: SyncTrigger,
) -> Result<Uuid, CoreError> {
    let busy = sync_run::Entity::find()
        .filter(sync_run::Column::IntegrationId.eq(integration_id))
        .filter(sync_run::Column::Resource.eq(resource))
        .filter(sync_run::Column::Status.is_in([
            wire_name(&SyncStatus::Queued),
            wire_name(&SyncStatus::Running),
        ]))
        .filter(sync_run::Column::QueuedAt.gt(stint.clock.now() - chrono::Duration::hours(1)))
        .one(&stint.db)
        .await?;
    if let Some(run) = busy {
        return Err(CoreError::Conflict(format!(
            "sync run {} is still in progress; follow it at /api/sync-runs/{}",
            run.id, run.id
        )));
    }
    let id = Uuid::now_v7();
    sync_run::ActiveModel {
        id: Set(id),
        integration_id: Set(integration_id),
        resource: Set(resource.to_owned()),
        trigger: Set(wire_name(&trigger)),
        status: Set(wire_name(&SyncStatus::Queued)),
        queued_at: Set(stint.clock.now()),
        started_at: Set(None),
        finished_at: Set(None),
        created_count: Set(0),
        updated_count: Set(0),
        skipped_count: Set(0),
        failed_count: Set(0),
        deleted_count: Set(0),
        skip_reasons: Set(None),
        error: Set(None),
        items_total: Set(None),
    }
    .insert(&stint.db)
    .await?;
    Ok(id)
}

pub(crate) async fn find(stint: &Stint, id: Uuid) -> Result<Option<sync_run::Model>, CoreError> {
    Ok(sync_run::Entity::find_by_id(id).one(&stint.db).await?)
}

/// The counts so far (and the total, once known), written with the page they cover.
pub(crate) async fn progress<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: Uuid,
    counts: &Counts,
    total: Option<i32>,
) -> Result<(), CoreError> {
    let mut update = counted(sync_run::Entity::update_many(), counts);
    if let Some(total) = total {
        update = update.col_expr(sync_run::Column::ItemsTotal, Expr::value(total));
    }
    update.filter(sync_run::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

pub(crate) async fn mark_running(stint: &Stint, id: Uuid) -> Result<(), CoreError> {
    sync_run::Entity::update_many()
        .col_expr(
            sync_run::Column::Status,
            Expr::value(wire_name(&SyncStatus::Running)),
        )
        .col_expr(sync_run::Column::StartedAt, Expr::value(stint.clock.now()))
        .filter(sync_run::Column::Id.eq(id))
        .exec(&stint.db)
        .await?;
    Ok(())
}

fn counted(
    update: sea_orm::UpdateMany<sync_run::Entity>,
    counts: &Counts,
) -> sea_orm::UpdateMany<sync_run::Entity> {
    update
        .col_expr(sync_run::Column::CreatedCount, Expr::value(counts.created))
        .col_expr(sync_run::Column::UpdatedCount, Expr::value(counts.updated))
        .col_expr(sync_run::Column::DeletedCount, Expr::value(counts.deleted))
        .col_expr(sync_run::Column::SkippedCount, Expr::value(counts.skipped))
        .col_expr(sync_run::Column::FailedCount, Expr::value(counts.failed))
        .col_expr(
            sync_run::Column::SkipReasons,
            Expr::value(counts.reasons_json()),
        )
}

pub(crate) async fn finish(
    stint: &Stint,
    id: Uuid,
    status: SyncStatus,
    counts: &Counts,
    error: Option<String>,
) -> Result<(), CoreError> {
    counted(sync_run::Entity::update_many(), counts)
        .col_expr(sync_run::Column::Status, Expr::value(wire_name(&status)))
        .col_expr(sync_run::Column::FinishedAt, Expr::value(stint.clock.now()))
        .col_expr(sync_run::Column::Error, Expr::value(error))
        .filter(sync_run::Column::Id.eq(id))
        .exec(&stint.db)
        .await?;
    // Nobody listening is fine.
    let _ = stint.finished_syncs.send(id);
    Ok(())
}

/// Admins see runs of global integrations; each user sees runs of their own.
fn may_see(principal: &Principal, integration: &integration::Model) -> bool {
    match integration.user_id {
        None => principal.acts_as_admin(),
        Some(owner) => owner == principal.user_id.as_uuid(),
    }
}

pub async fn get(stint: &Stint, principal: &Principal, id: Uuid) -> Result<SyncRun, CoreError> {
    let run = sync_run::Entity::find_by_id(id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("sync run"))?;
    let integration = integration::Entity::find_by_id(run.integration_id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("sync run"))?;
    if !may_see(principal, &integration) {
        return Err(CoreError::NotFound("sync run"));
    }
    let provider = ProviderKey::parse(&integration.provider)
        .ok_or_else(|| CoreError::Internal("unknown provider".into()))?;
    to_api(&run, provider)
}

/// The most recent run of a connection, if any.
pub(crate) async fn latest(
    stint: &Stint,
    integration: &integration::Model,
) -> Result<Option<SyncRun>, CoreError> {
    let Some(provider) = ProviderKey::parse(&integration.provider) else {
        return Ok(None);
    };
    let run = sync_run::Entity::find()
        .filter(sync_run::Column::IntegrationId.eq(integration.id))
        .order_by_desc(sync_run::Column::QueuedAt)
        .order_by_desc(sync_run::Column::Id)
        .one(&stint.db)
        .await?;
    run.map(|run| to_api(&run, provider)).transpose()
}

/// The 50 most recent runs of one connection.
pub(crate) async fn recent(
    stint: &Stint,
    integration: &integration::Model,
    provider: ProviderKey,
) -> Result<Vec<SyncRun>, CoreError> {
    let runs = sync_run::Entity::find()
        .filter(sync_run::Column::IntegrationId.eq(integration.id))
        .order_by_desc(sync_run::Column::QueuedAt)
        .order_by_desc(sync_run::Column::Id)
        .limit(50)
        .all(&stint.db)
        .await?;
    runs.iter().map(|run| to_api(run, provider)).collect()
}
