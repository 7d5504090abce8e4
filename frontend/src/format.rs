//! Words and numbers for people: statuses, durations, moments.

use chrono::{DateTime, Datelike, Local, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use stint_api_types::providers::IntegrationStatus;
use stint_api_types::webhooks::{SyncRun, SyncStatus, SyncTrigger};

pub fn status_word(status: Option<IntegrationStatus>) -> &'static str {
    match status {
        None => "not connected",
        Some(IntegrationStatus::Active) => "active",
        Some(IntegrationStatus::Pending) => "pending",
        Some(IntegrationStatus::NeedsReauth) => "needs_reauth",
        Some(IntegrationStatus::Error) => "error",
        Some(IntegrationStatus::Revoked) => "disconnected",
        Some(IntegrationStatus::Disabled) => "disabled",
    }
}

/// `1:05:09` for a running timer, `2h 05m` for an entry.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn hours(seconds: i64) -> String {
    let m = seconds.max(0) / 60;
    format!("{}h {:02}m", m / 60, m % 60)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

// Written out by hand rather than with chrono's strftime, which would add its parser to the bundle.
pub fn moment(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    let month = MONTHS[local.month0() as usize].get(..3).unwrap_or_default();
    format!(
        "{} {month} {}, {}",
        local.day(),
        local.year(),
        time_of_day(at)
    )
}

pub fn time_of_day(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// The instant a wall-clock time on a day is in the browser's time zone (the earlier one when a
/// clock change makes it ambiguous); the inverse of `time_of_day`.
pub fn instant(day: NaiveDate, at: NaiveTime) -> Option<DateTime<Utc>> {
    Local
        .from_local_datetime(&day.and_time(at))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// `HH:MM` as a person types it, on `day`.
pub fn instant_at(day: NaiveDate, hh_mm: &str) -> Option<DateTime<Utc>> {
    instant(day, NaiveTime::parse_from_str(hh_mm, "%H:%M").ok()?)
}

/// The end a person typed for a span that starts at `start`: that time on the start's day, or on
/// the next day when it would come before the start (23:30–00:15 crosses midnight).
pub fn end_after(start: DateTime<Utc>, hh_mm: &str) -> Option<DateTime<Utc>> {
    let day = start.with_timezone(&Local).date_naive();
    match instant_at(day, hh_mm)? {
        end if end < start => instant_at(day.succ_opt()?, hh_mm),
        end => Some(end),
    }
}

/// An edited `HH:MM` field: left as shown, it keeps the exact instant (seconds included), so
/// editing an entry's notes never moves its times; retyped, it is read with `read`.
pub fn retyped(
    shown: DateTime<Utc>,
    typed: &str,
    read: impl FnOnce(&str) -> Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if typed == time_of_day(shown) {
        Some(shown)
    } else {
        read(typed)
    }
}

/// "Friday 27 November".
pub fn day_heading(day: NaiveDate) -> String {
    format!(
        "{} {} {}",
        WEEKDAYS[day.weekday().num_days_from_monday() as usize],
        day.day(),
        MONTHS[day.month0() as usize]
    )
}

/// "3 minutes ago", for last-used and last-sync times.
pub fn ago(at: DateTime<Utc>) -> String {
    let seconds = (Utc::now() - at).num_seconds();
    match seconds {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3600, "hour"),
        s => plural(s / 86_400, "day"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
}

pub fn trigger_word(trigger: SyncTrigger) -> &'static str {
    match trigger {
        SyncTrigger::Manual => "Sync now",
        SyncTrigger::Schedule => "schedule",
        SyncTrigger::Webhook => "webhook",
    }
}

pub fn run_status_word(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Queued => "queued",
        SyncStatus::Running => "running",
        SyncStatus::Succeeded => "succeeded",
        SyncStatus::Failed => "failed",
    }
}

pub fn is_running(run: &SyncRun) -> bool {
    matches!(run.status, SyncStatus::Queued | SyncStatus::Running)
}

/// "12 created, 3 updated, 1 skipped" (what changed, and nothing more).
pub fn counts(run: &SyncRun) -> String {
    let parts: Vec<String> = [
        (run.created, "created"),
        (run.updated, "updated"),
        (run.deleted, "deleted"),
        (run.skipped, "skipped"),
        (run.failed, "failed"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| format!("{n} {word}"))
    .collect();
    if parts.is_empty() {
        "nothing changed".to_owned()
    } else {
        parts.join(", ")
    }
}

pub fn duration_of(run: &SyncRun) -> Option<String> {
    let started = run.started_at?;
    let finished = run.finished_at.unwrap_or_else(Utc::now);
    let ms = (finished - started).num_milliseconds().max(0);
    // Whole numbers only: float formatting would add its code to the bundle.
    Some(if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{} s", ms / 1000, ms % 1000 / 100)
    })
}

/// Two letters for a provider's badge: "GitHub" → "GH", "Google Calendar" → "GC".
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let letters: String = if words.len() > 1 {
        words
            .iter()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect()
    } else {
        let capitals: String = name.chars().filter(|c| c.is_uppercase()).take(2).collect();
        if capitals.chars().count() == 2 {
            capitals
        } else {
            name.chars().take(2).collect()
        }
    };
    letters.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_provider_names() {
        assert_eq!(initials("GitHub"), "GH");
        assert_eq!(initials("Google Calendar"), "GC");
        assert_eq!(initials("Slack"), "SL");
        assert_eq!(initials("HubSpot"), "HS");
    }

    #[test]
    fn clocks_and_hours() {
        assert_eq!(clock(3909), "1:05:09");
        assert_eq!(hours(7500), "2h 05m");
        assert_eq!(clock(-4), "0:00:00");
    }

    #[test]
    fn an_end_before_the_start_is_on_the_next_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let start = instant_at(day, "23:59").unwrap();
        let end = end_after(start, "00:01").unwrap();
        assert_eq!(end - start, chrono::Duration::minutes(2));
        assert_eq!(end_after(start, "23:59"), Some(start));
        let morning = instant_at(day, "09:00").unwrap();
        assert_eq!(end_after(morning, "10:30"), instant_at(day, "10:30"));
        assert_eq!(end_after(morning, "25:00"), None);
    }

    #[test]
    fn an_untouched_field_keeps_its_seconds() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let started = instant_at(day, "23:59").unwrap() + chrono::Duration::seconds(25);
        let ended = started + chrono::Duration::seconds(95);
        let same = retyped(ended, &time_of_day(ended), |typed| {
            end_after(started, typed)
        });
        assert_eq!(same, Some(ended));
        let moved = retyped(ended, "00:30", |typed| end_after(started, typed)).unwrap();
        assert_eq!(moved, instant_at(day.succ_opt().unwrap(), "00:30").unwrap());
    }

    #[test]
    fn day_headings() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(day_heading(day), "Friday 27 November");
    }
}
