//! The daily summary: a user's day, sent to them through the chat provider that serves them (their
//! own connection first, else the organisation's). Every half hour the worker asks `due` who
//! chose a time in that half hour (in their own time zone) and posts each one's summary with
//! `post_for_day`, which claims the local day first so nobody gets two in one day, whatever
//! restarts, time-zone changes, daylight-saving shifts or concurrent workers happen.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
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
    let date = stint
        .clock
        .now()
        .with_timezone(&time_zone(&person))
        .date_naive();
    post(stint, &person, date).await
}

/// Users whose summary time falls in `[from, to)`, with the local date it is for. Users already
/// sent that day's summary are left out.
pub async fn due(
    stint: &Stint,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Uuid, NaiveDate)>, CoreError> {
    let wanted: Vec<(Uuid, Option<String>, Option<String>, String)> =
        notification_preference::Entity::find()
            .select_only()
            .column(notification_preference::Column::UserId)
            .column(notification_preference::Column::DailySummaryTime)
            .column(notification_preference::Column::DailySummarySentFor)
            .column(user::Column::Timezone)
            .join(
                sea_orm::JoinType::InnerJoin,
                notification_preference::Entity::belongs_to(user::Entity)
                    .from(notification_preference::Column::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .filter(notification_preference::Column::DailySummaryEnabled.eq(true))
            .filter(notification_preference::Column::DailySummaryTime.is_not_null())
            .filter(user::Column::Active.eq(true))
            .into_tuple()
            .all(&stint.db)
            .await?;
    let mut due = Vec::new();
    for (user_id, time, sent_for, tz) in wanted {
        let Some(time) = time.and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok()) else {
            continue;
        };
        let tz: Tz = tz.parse().unwrap_or(Tz::UTC);
        if let Some(date) = falls_in(time, tz, from, to)
            && sent_for.as_deref() != Some(date.to_string().as_str())
        {
            due.push((user_id, date));
        }
    }
    Ok(due)
}

/// The local date whose `time` (in `tz`) falls in `[from, to)`, if one does. A time that a
/// daylight-saving change skips counts at the first instant after the gap; a time that happens
/// twice counts the first time.
pub fn falls_in(
    time: NaiveTime,
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<NaiveDate> {
    let first = from.with_timezone(&tz).date_naive();
    let last = to.with_timezone(&tz).date_naive();
    let mut date = first;
    while date <= last {
        if let Some(at) = instant(date, time, tz)
            && from <= at
            && at < to
        {
            return Some(date);
        }
        date = date.succ_opt()?;
    }
    None
}

fn instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        // In a gap: the clocks jumped over this time; the day still gets its summary, at the
        // first minute that exists after it.
        chrono::LocalResult::None => (1..=180).find_map(|minutes| {
            tz.from_local_datetime(&(local + chrono::Duration::minutes(minutes)))
                .earliest()
                .map(|at| at.with_timezone(&Utc))
        }),
    }
}

/// Posts the summary of `date` (the user's local day) unless it was already sent: the day is
/// claimed first with a compare-and-swap write, so two workers cannot both post it, and given
/// back if posting fails so a retry can post it.
pub async fn post_for_day(
    stint: &Stint,
    user_id: Uuid,
    date: NaiveDate,
) -> Result<SummaryOutcome, CoreError> {
    let Some(person) = user::Entity::find_by_id(user_id).one(&stint.db).await? else {
        return Ok(SummaryOutcome::Skipped(
            "the user no longer exists".to_owned(),
        ));
    };
    let Some(previous) = claim(stint, user_id, date).await? else {
        return Ok(SummaryOutcome::Skipped(format!(
            "the summary for {date} was already sent"
        )));
    };
    let outcome = post(stint, &person, date).await;
    if !matches!(outcome, Ok(SummaryOutcome::Posted { .. })) {
        release(stint, user_id, date, previous).await?;
    }
    match outcome {
        Err(err @ CoreError::Database(_)) => Err(err),
        // The provider still failed after its retries (429 and 5xx, as `Retry-After` says): this
        // user's summary is given up, and nobody else's waits for it.
        Err(err) => {
            tracing::warn!(%user_id, error = %err, "could not post a daily summary; giving up");
            Ok(SummaryOutcome::Skipped(format!(
                "could not post: {}",
                err.public_detail()
            )))
        }
        posted_or_skipped => posted_or_skipped,
    }
}

/// Marks `date` sent; `None` when it already was. Returns the marker it replaced.
async fn claim(
    stint: &Stint,
    user_id: Uuid,
    date: NaiveDate,
) -> Result<Option<Option<String>>, CoreError> {
    let day = date.to_string();
    let Some(found) = notification_preference::Entity::find_by_id(user_id)
        .one(&stint.db)
        .await?
    else {
        return Ok(None);
    };
    if found.daily_summary_sent_for.as_deref() == Some(day.as_str()) {
        return Ok(None);
    }
    let previous = found.daily_summary_sent_for;
    let mut update = notification_preference::Entity::update_many()
        .col_expr(
            notification_preference::Column::DailySummarySentFor,
            Expr::value(day),
        )
        .filter(notification_preference::Column::UserId.eq(user_id));
    update = match &previous {
        Some(value) => {
            update.filter(notification_preference::Column::DailySummarySentFor.eq(value.as_str()))
        }
        None => update.filter(notification_preference::Column::DailySummarySentFor.is_null()),
    };
    let claimed = update.exec(&stint.db).await?.rows_affected == 1;
    Ok(claimed.then_some(previous))
}

async fn release(
    stint: &Stint,
    user_id: Uuid,
    date: NaiveDate,
    previous: Option<String>,
) -> Result<(), CoreError> {
    notification_preference::Entity::update_many()
        .col_expr(
            notification_preference::Column::DailySummarySentFor,
            Expr::value(previous),
        )
        .filter(notification_preference::Column::UserId.eq(user_id))
        .filter(notification_preference::Column::DailySummarySentFor.eq(date.to_string()))
        .exec(&stint.db)
        .await?;
    Ok(())
}

async fn post(
    stint: &Stint,
    person: &user::Model,
    date: NaiveDate,
) -> Result<SummaryOutcome, CoreError> {
    let user_id = person.id;
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
        let Some(member) =
            crate::identities::handle_of(&stint.db, connector.spec.key, user_id).await?
        else {
            skipped.push(format!("the user has no {name} member id yet"));
            continue;
        };
        let now = stint.clock.now();
        let day = report::day(stint, person, date).await?;
        let text = day.render(&format!("Your day ({date})"), 30);
        super::queue::post(stint, connector, resolved.integration.id, &member, &text).await?;
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
                daily_summary_sent_for: Set(None),
                updated_at: Set(now),
            }
            .insert(&stint.db)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    fn window(time: &str, tz: Tz, from: &str) -> Option<NaiveDate> {
        let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap_or_default();
        let from = at(from);
        falls_in(time, tz, from, from + chrono::Duration::minutes(30))
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn the_time_is_the_users_own() {
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            window("17:30", berlin, "2026-01-05T16:30:00Z"),
            day(2026, 1, 5)
        );
        assert_eq!(window("17:30", berlin, "2026-01-05T16:00:00Z"), None);
        assert_eq!(window("17:30", berlin, "2026-01-05T17:00:00Z"), None);
        // In summer Berlin is two hours ahead.
        assert_eq!(
            window("17:30", berlin, "2026-07-05T15:30:00Z"),
            day(2026, 7, 5)
        );
    }

    #[test]
    fn a_late_evening_time_is_that_local_day_even_when_utc_has_moved_on() {
        let los_angeles = chrono_tz::America::Los_Angeles;
        // 23:45 on 5 January in Los Angeles is 07:45 UTC on 6 January.
        assert_eq!(
            window("23:45", los_angeles, "2026-01-06T07:30:00Z"),
            day(2026, 1, 5)
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_sent_after_the_gap() {
        // Berlin springs forward on 29 March 2026 at 02:00 to 03:00: 02:30 never happens; the
        // summary goes at 03:00 CEST (01:00 UTC), once.
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            window("02:30", berlin, "2026-03-29T01:00:00Z"),
            day(2026, 3, 29)
        );
        assert_eq!(window("02:30", berlin, "2026-03-29T00:30:00Z"), None);
        assert_eq!(window("02:30", berlin, "2026-03-29T01:30:00Z"), None);
    }

    #[test]
    fn a_time_that_happens_twice_counts_the_first_time() {
        // Berlin falls back on 25 October 2026 at 03:00 to 02:00: 02:30 happens at 00:30 and at
        // 01:30 UTC; only the first is due.
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            window("02:30", berlin, "2026-10-25T00:30:00Z"),
            day(2026, 10, 25)
        );
        assert_eq!(window("02:30", berlin, "2026-10-25T01:30:00Z"), None);
    }
}
