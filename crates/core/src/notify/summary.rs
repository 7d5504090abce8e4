//! The daily summary: a user's day, sent to them through the chat provider that serves them (their
//! own connection first, else the organisation's). Its 30-minute schedule arrives with the
//! background workers; this is the function that schedule calls.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use stint_entity::{notification_preference, user};
use uuid::Uuid;

use super::report::{self, time_zone};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::resolve;

/// What posting a summary did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryOutcome {
    Posted {
        text: String,
    },
    /// Why nothing was posted (no chat connection, no member id for the user).
    Skipped(String),
}

/// Builds today's roll-up for the user (in their time zone) and posts it to them directly.
pub async fn post_daily_summary(stint: &Stint, user_id: Uuid) -> Result<SummaryOutcome, CoreError> {
    let person = user::Entity::find_by_id(user_id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("user"))?;
    let mut skipped = Vec::new();
    for connector in stint.catalogue.connectors() {
        if connector.notifier.is_none() {
            continue;
        }
        let name = connector.spec.display_name;
        let resolved =
            match resolve::connection(&stint.db, connector.spec.key, name, user_id).await? {
                Ok(resolved) => resolved,
                Err(resolve::Unresolved(reason)) => {
                    skipped.push(reason);
                    continue;
                }
            };
        // A personal summary goes to the person, never to a shared channel.
        let Some(member) = connector.spec.user_handle.and_then(|h| h.of(&person)) else {
            skipped.push(format!("the user has no {name} member id yet"));
            continue;
        };
        let now = stint.clock.now();
        let date = now.with_timezone(&time_zone(&person)).date_naive();
        let day = report::day(stint, &person, date).await?;
        let text = day.render(&format!("Your day ({date})"), 30);
        super::queue::post(stint, connector, resolved.integration.id, member, &text).await?;
        remember_sent(stint, user_id, now).await?;
        return Ok(SummaryOutcome::Posted { text });
    }
    Ok(SummaryOutcome::Skipped(if skipped.is_empty() {
        "no chat provider is connected".to_owned()
    } else {
        skipped.join("; ")
    }))
}

async fn remember_sent(
    stint: &Stint,
    user_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), CoreError> {
    match notification_preference::Entity::find_by_id(user_id)
        .one(&stint.db)
        .await?
    {
        Some(found) => {
            let mut model = found.into_active_model();
            model.daily_summary_last_sent_on = Set(Some(now));
            model.updated_at = Set(now);
            model.update(&stint.db).await?;
        }
        None => {
            notification_preference::ActiveModel {
                user_id: Set(user_id),
                timer_notifications: Set(true),
                daily_summary_enabled: Set(false),
                daily_summary_time: Set(None),
                daily_summary_last_sent_on: Set(Some(now)),
                updated_at: Set(now),
            }
            .insert(&stint.db)
            .await?;
        }
    }
    Ok(())
}
