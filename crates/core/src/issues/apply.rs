//! A verified webhook's event applied in the intake's transaction: an issue change becomes or
//! updates a task; revoked access marks the connection revoked. Written once for every provider.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::{IntegrationScope, IntegrationStatus};
use stint_entity::integration;

use super::batch::{Batch, TargetKey};
use super::tasks::{self, Freshness, IssueTarget, Upserted};
use super::{ApplyError, FollowUp, Handled};
use crate::error::CoreError;
use crate::wire::wire_name;
use stint_connectors::Connector;
use stint_connectors::{AccessRevoked, ExternalEvent, IssueChange};

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
        ExternalEvent::AccessRevoked(revoked) => revoke(db, connector, &revoked, now).await,
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

/// Marks revoked exactly the connections the provider names: the organisation's (its app token),
/// members' own (their user tokens), or every connection in the workspace (the app removed).
async fn revoke<C: ConnectionTrait>(
    db: &C,
    connector: &Connector,
    revoked: &AccessRevoked,
    now: DateTime<Utc>,
) -> Result<Handled, ApplyError> {
    let name = connector.spec.display_name;
    let event = revoked.event.as_str();
    let in_workspace =
        |row: &integration::Model| match (&revoked.workspace, &row.external_account_id) {
            (Some(workspace), Some(account)) => workspace == account,
            _ => true,
        };
    let connections = integration::Entity::find()
        .filter(integration::Column::Provider.eq(connector.spec.key.as_str()))
        .filter(integration::Column::Status.ne(wire_name(&IntegrationStatus::Revoked)))
        .all(db)
        .await?;
    let mut owners = Vec::new();
    if let Some(handles) = &connector.spec.handles {
        owners = crate::identities::users_named(db, connector.spec.key, handles, &revoked.members)
            .await?;
    }
    let chosen: Vec<&integration::Model> = connections
        .iter()
        .filter(|row| in_workspace(row))
        .filter(|row| match row.user_id {
            None => revoked.everything || revoked.organisation,
            Some(owner) => revoked.everything || owners.contains(&owner),
        })
        .collect();
    if chosen.is_empty() {
        return Ok(Handled::ignored(format!(
            "{event}: no {name} connection Stint holds was named"
        )));
    }
    integration::Entity::update_many()
        .col_expr(
            integration::Column::Status,
            Expr::value(wire_name(&IntegrationStatus::Revoked)),
        )
        .col_expr(
            integration::Column::StatusReason,
            Expr::value(if revoked.everything {
                format!("{name} sent `{event}`: the app was removed; reconnect {name}")
            } else {
                format!(
                    "{name} sent `{event}`: this connection's token was revoked; reconnect {name}"
                )
            }),
        )
        .col_expr(integration::Column::UpdatedAt, Expr::value(now))
        .filter(integration::Column::Id.is_in(chosen.iter().map(|row| row.id)))
        .exec(db)
        .await?;
    let whose: Vec<&str> = chosen
        .iter()
        .map(|row| {
            if row.user_id.is_some() {
                "a member's own"
            } else {
                "the organisation's"
            }
        })
        .collect();
    Ok(Handled::applied(format!(
        "{event}: revoked {} {name} connection{}",
        whose.join(", "),
        if chosen.len() == 1 { "" } else { "s" }
    )))
}
