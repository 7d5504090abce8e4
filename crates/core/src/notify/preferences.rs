//! Each user's notification settings: timer messages, and the daily summary with its time.

use chrono::NaiveTime;
use sea_orm::{ActiveValue::Set, EntityTrait};
use stint_api_types::users::NotificationSettings;
use stint_entity::notification_preference;

use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

pub async fn get(stint: &Stint, principal: &Principal) -> Result<NotificationSettings, CoreError> {
    let found = notification_preference::Entity::find_by_id(principal.user_id.as_uuid())
        .one(&stint.db)
        .await?;
    Ok(
        found.map_or_else(NotificationSettings::default, |p| NotificationSettings {
            timer_notifications: p.timer_notifications,
            daily_summary_enabled: p.daily_summary_enabled,
            daily_summary_time: p.daily_summary_time,
        }),
    )
}

pub async fn put(
    stint: &Stint,
    principal: &Principal,
    settings: NotificationSettings,
) -> Result<NotificationSettings, CoreError> {
    let time = match settings.daily_summary_time.as_deref() {
        None => None,
        Some(text) => Some(parse_time(text)?),
    };
    if settings.daily_summary_enabled && time.is_none() {
        return Err(CoreError::invalid(
            "daily_summary_time",
            "choose the time of your daily summary (HH:MM) to enable it",
        ));
    }
    let time = time.map(|t| t.format("%H:%M").to_string());
    let user_id = principal.user_id.as_uuid();
    let now = stint.clock.now();
    let row = notification_preference::ActiveModel {
        user_id: Set(user_id),
        timer_notifications: Set(settings.timer_notifications),
        daily_summary_enabled: Set(settings.daily_summary_enabled),
        daily_summary_time: Set(time.clone()),
        updated_at: Set(now),
        ..Default::default()
    };
    // The sent-for marker is kept: changing the time later the same day does not send a second
    // summary that day.
    notification_preference::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(notification_preference::Column::UserId)
                .update_columns([
                    notification_preference::Column::TimerNotifications,
                    notification_preference::Column::DailySummaryEnabled,
                    notification_preference::Column::DailySummaryTime,
                    notification_preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&stint.db)
        .await?;
    Ok(NotificationSettings {
        timer_notifications: settings.timer_notifications,
        daily_summary_enabled: settings.daily_summary_enabled,
        daily_summary_time: time,
    })
}

fn parse_time(text: &str) -> Result<NaiveTime, CoreError> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    valid
        .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| CoreError::invalid("daily_summary_time", "use HH:MM, such as 17:30"))
}
