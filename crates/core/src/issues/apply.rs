//! A verified webhook's event applied in the intake's transaction: an issue change becomes or
//! updates a task; revoked access marks the connection revoked. Written once for every provider.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::{IntegrationScope, IntegrationStatus};
use stint_entity::integration;

use super::batch::{Batch, TargetKey};
use super::tasks::{self, Freshness, IssueTarget, Upserted};
use crate::catalogue::Connector;
use crate::connectors::{ExternalEvent, IssueChange};
use crate::error::CoreError;
use crate::tracking::wire_name;
use crate::webhooks::intake::{ApplyError, FollowUp, Handled};

/// The connection whose issues these are, as an issue target: the organisation's connection of
/// the provider, or one member's own.
pub async fn load_target<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    key: TargetKey,
) -> Result<Option<IssueTarget>, CoreError> {
    let found = match key {
        TargetKey::Organisation(provider) => {
            crate::integrations::find_integration(db, provider, IntegrationScope::Global, None)
                .await?
        }
        TargetKey::Connection(id) => integration::Entity::find_by_id(id).one(db).await?,
    };
    Ok(found.and_then(|row| IssueTarget::new(connector, &row)))
}

/// The batch's target, loaded on first use.
async fn target_of<'b, C: ConnectionTrait>(
    db: &C,
    batch: &'b mut Batch,
    connector: &Connector,
    key: TargetKey,
) -> Result<Option<&'b IssueTarget>, CoreError> {
    if batch.target(key).is_none() {
        let target = load_target(db, connector, key).await?;
        batch.insert(key, target);
    }
    Ok(batch.target(key).flatten())
}

pub async fn apply<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    connector: &Connector,
    key: TargetKey,
    event: ExternalEvent,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    match event {
        ExternalEvent::Ignored(reason) => Ok(Handled::ignored(reason)),
        ExternalEvent::AccessRevoked { event } => revoke(db, connector, &event, now).await,
        ExternalEvent::IssueChanged(change) => {
            let Some(target) = target_of(db, batch, connector, key).await? else {
                return Ok(Handled::ignored(format!(
                    "{} is not connected for the organisation; connect it so issues become tasks",
                    connector.spec.display_name
                )));
            };
            issue_changed(db, target, change, now).await
        }
    }
}

async fn issue_changed<C: ConnectionTrait>(
    db: &C,
    target: &IssueTarget,
    change: IssueChange,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    let IssueChange {
        issue,
        action,
        assigned,
    } = change;
    let reference = issue.reference.clone();
    if let Some(label) = &target.routing.label_filter
        && !issue.has_label(label)
        && tasks::task_of(db, target, &reference).await?.is_none()
    {
        return Ok(Handled::ignored(format!(
            "{reference} does not carry the label `{label}`"
        )));
    }
    let upserted = tasks::upsert(db, target, &issue, Freshness::ApplyEqual, now).await?;
    let mut applied = Handled::applied(match upserted {
        Upserted::Created(id) => format!("{action}: created task {id} for {reference}"),
        Upserted::Updated(id) | Upserted::Unchanged(id) => {
            format!("{action}: updated task {id} for {reference}")
        }
        Upserted::Stale(id) => {
            return Ok(Handled::ignored(format!(
                "{action}: task {id} already reflects a newer version of {reference}"
            )));
        }
    });
    if let Some(login) = assigned {
        match tasks::user_by_handle(db, target, &login).await? {
            Some(user) => {
                let task = tasks::task_of(db, target, &reference)
                    .await?
                    .ok_or(CoreError::NotFound("task"))?;
                applied.follow_up = Some(FollowUp::StartTimer {
                    user_id: user.id,
                    login,
                    project_id: task.project_id,
                    task_id: task.id,
                    source: target.entry_source,
                });
            }
            None => {
                applied.detail.push_str(&format!(
                    "; no Stint user has the {} username `{login}`",
                    target.display_name
                ));
            }
        }
    }
    Ok(applied)
}

async fn revoke<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    event: &str,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    let name = connector.spec.display_name;
    let Some(found) = crate::integrations::find_integration(
        db,
        connector.spec.key,
        IntegrationScope::Global,
        None,
    )
    .await?
    else {
        return Ok(Handled::ignored(format!("{name} is not connected")));
    };
    integration::Entity::update_many()
        .col_expr(
            integration::Column::Status,
            Expr::value(wire_name(&IntegrationStatus::Revoked)),
        )
        .col_expr(
            integration::Column::StatusReason,
            Expr::value(format!(
                "{name} sent `{event}`: the app was removed; reconnect {name}"
            )),
        )
        .col_expr(integration::Column::UpdatedAt, Expr::value(now))
        .filter(integration::Column::Id.eq(found.id))
        .exec(db)
        .await?;
    Ok(Handled::applied(format!(
        "{event}: the {name} connection is now revoked"
    )))
}
