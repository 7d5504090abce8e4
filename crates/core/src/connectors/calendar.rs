//! Calendars: events as a calendar reports them, in Stint's terms. A calendar is a sync source
//! of events; importing them as time entries is written once, in `crate::calendar`.

use chrono::{DateTime, Utc};

/// When an event takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTiming {
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A whole day (or days) with no time: not a span of work.
    AllDay,
    /// Not said (a cancelled event is reported by its id alone).
    Unknown,
}

/// Where the event stands for the member whose calendar it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Cancelled,
    /// The member declined it.
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Unique within the calendar (one occurrence of a recurring event has its own).
    pub id: String,
    pub summary: String,
    pub timing: EventTiming,
    pub status: EventStatus,
    /// Changes whenever the event does (Google's `etag`, Graph's `changeKey`).
    pub version: Option<String>,
    pub url: Option<String>,
}

/// What Stint's own exports are titled with; an event so titled is never imported.
pub const EXPORT_PREFIX: &str = "[TT]";
