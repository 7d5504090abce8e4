//! The daily summary: a user's day, sent to them in Slack. Its 30-minute schedule arrives with the
//! background workers; this is the function that schedule calls.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use stint_api_types::providers::IntegrationStatus;
use stint_entity::{notification_preference, user};
use uuid::Uuid;

use super::report::{self, time_zone};
use crate::context::Stint;
use crate::error::CoreError;
use crate::tracking::wire_name;

/// What posting a summary did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryOutcome {
    Posted {
        text: String,
    },
    /// Why nothing was posted (no Slack connection, no Slack id for the user).
    Skipped(String),
}

/// Builds today's roll-up for the user (in their time zone) and posts it to them directly.
pub async fn post_daily_summary(stint: &Stint, user_id: Uuid) -> Result<SummaryOutcome, CoreError> {
    let person = user::Entity::find_by_id(user_id)
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("user"))?;
    let Some((workspace, _)) = super::workspace(&stint.db).await? else {
        return Ok(SummaryOutcome::Skipped("Slack is not connected".into()));
    };
    if workspace.status != wire_name(&IntegrationStatus::Active) {
        return Ok(SummaryOutcome::Skipped(format!(
            "the Slack connection is {}",
            workspace.status
        )));
    }
    // A personal summary goes to the person, never to a shared channel.
    let Some(member) = person.slack_user_id.clone() else {
        return Ok(SummaryOutcome::Skipped(
            "the user has no Slack member id yet".into(),
        ));
    };
    let now = stint.clock.now();
    let date = now.with_timezone(&time_zone(&person)).date_naive();
    let day = report::day(stint, &person, date).await?;
    let text = day.render(&format!("Your day ({date})"), 30);
    super::notify::post(stint, workspace.id, &member, &text).await?;
    remember_sent(stint, user_id, now).await?;
    Ok(SummaryOutcome::Posted { text })
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
