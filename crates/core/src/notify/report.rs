//! A user's day in words, in their time zone: what `/tt status`, `/tt today` and the daily
//! summary say.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use stint_entity::{project, task, time_entry, user};
use uuid::Uuid;

use crate::context::Stint;
use crate::error::CoreError;

pub fn time_zone(user: &user::Model) -> Tz {
    user.timezone.parse().unwrap_or(Tz::UTC)
}

/// `1h 05m`, `25m`, `0m`.
pub fn duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes >= 60 {
        format!("{}h {:02}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    }
}

pub fn clock_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// What an entry is about: `Project — task` or `Project`, or "no project".
pub async fn label(
    stint: &Stint,
    project_id: Option<Uuid>,
    task_id: Option<Uuid>,
) -> Result<String, CoreError> {
    let project = match project_id {
        Some(id) => project::Entity::find_by_id(id)
            .one(&stint.db)
            .await?
            .map(|p| p.name),
        None => None,
    };
    let task = match task_id {
        Some(id) => task::Entity::find_by_id(id)
            .one(&stint.db)
            .await?
            .map(|t| t.title),
        None => None,
    };
    Ok(match (project, task) {
        (Some(p), Some(t)) => format!("*{p}* — {t}"),
        (Some(p), None) => format!("*{p}*"),
        (None, Some(t)) => t,
        (None, None) => "no project".to_owned(),
    })
}

/// The user's entries that overlap their local `day`, and the time they add up to (a running
/// timer counts until now).
pub struct DayReport {
    pub date: NaiveDate,
    pub total: Duration,
    pub lines: Vec<String>,
}

pub async fn day(
    stint: &Stint,
    user: &user::Model,
    date: NaiveDate,
) -> Result<DayReport, CoreError> {
    let tz = time_zone(user);
    let local_midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let start = local_midnight(date).unwrap_or_else(|| stint.clock.now());
    let end = date
        .succ_opt()
        .and_then(local_midnight)
        .unwrap_or(start + Duration::days(1));
    let now = stint.clock.now();
    let entries = time_entry::Entity::find()
        .filter(time_entry::Column::UserId.eq(user.id))
        .filter(time_entry::Column::StartedAt.lt(end))
        .filter(
            Condition::any()
                .add(time_entry::Column::EndedAt.is_null())
                .add(time_entry::Column::EndedAt.gt(start)),
        )
        .order_by_asc(time_entry::Column::StartedAt)
        .all(&stint.db)
        .await?;
    let mut total = Duration::zero();
    let mut lines = Vec::with_capacity(entries.len());
    for entry in &entries {
        let from = entry.started_at.max(start);
        let to = entry.ended_at.unwrap_or(now).min(end);
        let spent = (to - from).max(Duration::zero());
        total += spent;
        let until = match entry.ended_at {
            Some(ended) => clock_time(ended, tz),
            None => "now".to_owned(),
        };
        let notes = if entry.notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", entry.notes.chars().take(80).collect::<String>())
        };
        lines.push(format!(
            "• {}–{} {}{} — {}",
            clock_time(entry.started_at, tz),
            until,
            label(stint, entry.project_id, entry.task_id).await?,
            notes,
            duration(spent)
        ));
    }
    Ok(DayReport { date, total, lines })
}

impl DayReport {
    /// At most `max_lines` entries, then how many more.
    pub fn render(&self, heading: &str, max_lines: usize) -> String {
        if self.lines.is_empty() {
            return format!("{heading}: nothing tracked.");
        }
        let mut text = format!("{heading}: *{}* tracked\n", duration(self.total));
        for line in self.lines.iter().take(max_lines) {
            text.push_str(line);
            text.push('\n');
        }
        if self.lines.len() > max_lines {
            text.push_str(&format!("…and {} more\n", self.lines.len() - max_lines));
        }
        text.trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(duration(Duration::minutes(0)), "0m");
        assert_eq!(duration(Duration::minutes(25)), "25m");
        assert_eq!(duration(Duration::minutes(65)), "1h 05m");
        assert_eq!(duration(Duration::seconds(-5)), "0m");
    }
}
